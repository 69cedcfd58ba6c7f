"""The web page in Debian's Chromium against `chatkit-todo serve` (embedded mode).

Sign in through the dev token, add a task by typing, see its card, click Complete, see it
completed, reload and find the history again; also the phone-width layout and a 401 in
plain words. Screenshots go to test-artifacts/ at the repository root.

Needs `apt-get install chromium` and `pip install playwright` (never `playwright install`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chatkit_testing import REPO, free_port, running, wait_http

# CI sets CHATKIT_TEST_BROWSER=1: then a missing browser or package fails instead of skipping.
REQUIRED = os.environ.get("CHATKIT_TEST_BROWSER") == "1"
CHROMIUM = os.environ.get("CHATKIT_TEST_CHROMIUM", "/usr/bin/chromium")
if REQUIRED:
    import playwright.sync_api as playwright_api
else:
    playwright_api = pytest.importorskip("playwright.sync_api")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

if not Path(CHROMIUM).exists():
    if REQUIRED:
        raise RuntimeError(f"{CHROMIUM} is missing (CHATKIT_TEST_BROWSER=1: the test must run)")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("web")
    port = free_port()
    # No auth configured: the dev sign-in endpoint exists.
    env = {"CHATKIT_PORT": str(port), "CHATKIT_DATA_DIR": str(workdir / ".chatkit"),
           "CHATKIT_JWT_SECRET": "", "CHATKIT_JWKS_URL": "", "CHATKIT_DATABASE_URL": "",
           "CHATKIT_REDIS_URL": ""}
    log = workdir / "serve.log"
    with running("serve", env=env, log_path=log, cwd=workdir) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)  # type: ignore[attr-defined]


def test_sign_in_add_complete_reload(base_url: str, browser: object) -> None:
    expect = playwright_api.expect
    context = browser.new_context(viewport={"width": 1100, "height": 760})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        page.get_by_label("User name (development sign-in)").fill("alice")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as alice")).to_be_visible()

        box = page.get_by_label("Message")
        box.fill("add buy milk tomorrow")
        box.press("Enter")
        log = page.get_by_role("list", name="Conversation")
        card = log.locator("section.w-card").filter(has_text="buy milk").last
        expect(card).to_be_visible(timeout=15000)
        expect(page.locator("#live")).to_have_text("live", timeout=10000)
        shot(page, "web-1-added.png")

        complete = log.get_by_role("button", name="Complete")
        if complete.count() == 0:  # the confirmation card has no Complete button: list them
            box.fill("show my tasks")
            box.press("Enter")
        complete.last.click(timeout=15000)
        expect(log.get_by_text("Completed: \u201cbuy milk\u201d").last).to_be_visible(
            timeout=15000)
        # The clicked card was updated in place: no stale Complete button is left.
        expect(log.get_by_role("button", name="Complete")).to_have_count(0)
        shot(page, "web-2-completed.png")

        page.reload()
        expect(page.get_by_text("Signed in as alice")).to_be_visible()
        expect(log.get_by_text("add buy milk tomorrow", exact=True)).to_be_visible(timeout=10000)
        expect(log.get_by_text("Completed: \u201cbuy milk\u201d").last).to_be_visible()
        expect(log.get_by_role("button", name="Complete")).to_have_count(0)
        expect(page.get_by_role("navigation").get_by_role("button",
                                                           name="add buy milk tomorrow")
               ).to_be_visible()
        shot(page, "web-3-reloaded.png")
        if os.environ.get("CHATKIT_SAVE_SCREENSHOT"):
            page.screenshot(path=str(REPO / "docs" / "screenshot.png"))
    finally:
        context.close()


def test_phone_width_and_errors_in_plain_words(base_url: str, browser: object) -> None:
    expect = playwright_api.expect
    context = browser.new_context(viewport={"width": 375, "height": 740})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        # A bad pasted token: the server says 401, the page says what to do.
        page.get_by_label("Or paste an access token (JWT)").fill("not-a-real-token")
        page.get_by_role("button", name="Use this token").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("sign in again", timeout=10000)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()

        page.get_by_label("User name (development sign-in)").fill("bob")
        page.get_by_role("button", name="Sign in").click()
        box = page.get_by_label("Message")
        box.fill("add water the plants")
        box.press("Enter")
        log = page.get_by_role("list", name="Conversation")
        expect(log.locator("section.w-card").filter(has_text="water the plants").last
               ).to_be_visible(timeout=15000)
        # Nothing is wider than the phone's screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        # Keyboard only: Tab reaches the message box and Enter sends.
        box.focus()
        page.keyboard.type("show my tasks")
        page.keyboard.press("Enter")
        expect(log.get_by_text("Your Tasks").last).to_be_visible(timeout=15000)
        shot(page, "web-4-phone.png")
    finally:
        context.close()


def test_desktop_console_is_clean_rows_fit_and_an_emptied_list_says_so(
        base_url: str, browser: object) -> None:
    """At 1280 px: no failed request or console error on load, sign-in and a new thread; a
    row with three badges keeps Delete beside Complete; completing the only task does not
    claim there was never anything."""
    expect = playwright_api.expect
    context = browser.new_context(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: "
                                                       f"{message.text}")
            if message.type == "error" else None)
    page.on("response", lambda response: problems.append(
        f"{response.status} {response.request.method} {response.url}")
        if response.status >= 400 else None)
    try:
        page.goto(base_url + "/")
        page.get_by_label("User name (development sign-in)").fill("carol")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as carol")).to_be_visible()
        page.get_by_role("button", name="New thread").click()
        box = page.get_by_label("Message")
        box.fill("add renew the car insurance policy tomorrow at 5pm p1 #household")
        box.press("Enter")
        log = page.get_by_role("list", name="Conversation")
        expect(log.locator("section.w-card").filter(has_text="renew the car insurance").last
               ).to_be_visible(timeout=15000)
        assert problems == [], problems
        box.fill("show my tasks")
        box.press("Enter")
        row = log.locator(".w-listview .w-row").filter(has_text="renew the car insurance").last
        expect(row).to_be_visible(timeout=15000)
        expect(row.locator(".w-badge")).to_have_count(3)
        complete = row.get_by_role("button", name="Complete").bounding_box()
        delete = row.get_by_role("button", name="Delete").bounding_box()
        assert complete and delete and abs(complete["y"] - delete["y"]) < 2, (complete, delete)
        shot(page, "web-5-desktop-row.png")

        row.get_by_role("button", name="Complete").click()
        expect(log.get_by_text("Completed: \u201crenew the car insurance policy\u201d").last
               ).to_be_visible(timeout=15000)
        expect(log.get_by_text("Nothing here yet", exact=False)).to_have_count(0)
        assert problems == [], problems
    finally:
        context.close()
