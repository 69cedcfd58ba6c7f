"""`POST /chatkit` refuses what it must, in the protocol's own error form, and changes nothing.

A streaming request refused for what it asks answers ChatKit's `error` event (the UI shows
its message); a non-streaming one answers its status with the contract's envelope; a body
that is not a ChatKit request, or that admission refuses (token, size, content type), keeps
its HTTP status and envelope.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from chatkit_protocol_client import ChatKitClient, Screen, event_types, message
from chatkit_testing import TEST_SECRET, auth
from chatkit_types import ChatKitTypes, chatkit_types  # noqa: F401 - the fixture
from test_events import Live, serve

from core.settings import Settings
from store import Database


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Rate limits wide enough for the mangled-request sweep below (hundreds of requests)."""
    return Settings(data_dir=tmp_path, jwt_secret=TEST_SECRET, redis_url=None,
                    database_url=f"sqlite:///{tmp_path / 'chatkit.db'}",
                    rate_limit_per_minute=100_000, max_concurrent=100)


@pytest.fixture
def live(settings: Settings, database: Database) -> Iterator[Live]:
    with serve(settings, database) as state:
        stop = threading.Event()

        def work() -> None:
            while not stop.is_set():
                state.run_pending()
                stop.wait(0.01)

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        yield state
        stop.set()
        worker.join(10)


@pytest.fixture
def http(live: Live) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base, timeout=httpx.Timeout(20.0)) as client:
        yield client


@pytest.fixture
def alices_thread(http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
                  ) -> tuple[str, Screen]:
    """Alice's thread: a task added and listed, the list card on screen."""
    alice = ChatKitClient(http, auth("alice"), chatkit_types)
    screen = Screen()
    thread_id, _ = alice.create("add buy milk", screen)
    alice.say(thread_id, "show my tasks", screen)
    return thread_id, screen


def state_of(http: httpx.Client, thread_id: str) -> dict[str, Any]:
    """What a hostile request must not change: alice's turns, title and tasks."""
    history = http.get(f"/api/chatkit/threads/{thread_id}", headers=auth("alice")).json()
    tasks = http.get("/api/tasks", headers=auth("alice")).json()["tasks"]
    return {"turns": [turn["id"] for turn in history["items"]],
            "title": history["thread"]["title"],
            "tasks": [(task["title"], task["completed"]) for task in tasks]}


def refused(events: list[dict[str, Any]], words: str) -> None:
    assert event_types(events) == ["error"], events
    assert events[0]["code"] == "custom" and events[0]["allow_retry"] is False
    assert words in events[0]["message"], events[0]["message"]


def envelope(response: httpx.Response, status: int, kind: str, words: str = "") -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["type"]) == (status, kind), error
    assert words in error["message"], error["message"]


def test_another_users_thread_is_refused_and_left_alone(
    http: httpx.Client, alices_thread: tuple[str, Screen],
    chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    thread_id, screen = alices_thread
    before = state_of(http, thread_id)
    bob = ChatKitClient(http, auth("bob"), chatkit_types)
    mine = "this thread belongs to another user"

    refused(bob.say(thread_id, "delete buy milk"), mine)
    item_id, complete = screen.task_button("buy milk", "Complete")
    refused(bob.click(thread_id, item_id, complete), mine)
    refused(bob.retry(thread_id, screen.items[0]["id"]), mine)
    for body in ({"type": "threads.get_by_id", "params": {"thread_id": thread_id}},
                 {"type": "items.list", "params": {"thread_id": thread_id}},
                 {"type": "threads.update", "params": {"thread_id": thread_id, "title": "x"}},
                 {"type": "threads.delete", "params": {"thread_id": thread_id}},
                 {"type": "items.feedback", "params": {"thread_id": thread_id,
                                                       "item_ids": [item_id],
                                                       "kind": "negative"}}):
        envelope(bob.post(body), 403, "AUTH_ERROR", mine)
    assert bob.threads()["data"] == []
    assert state_of(http, thread_id) == before


def test_a_button_that_was_never_offered_changes_nothing(
    http: httpx.Client, alices_thread: tuple[str, Screen],
    chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    thread_id, screen = alices_thread
    before = state_of(http, thread_id)
    alice = ChatKitClient(http, auth("alice"), chatkit_types)
    item_id, complete = screen.task_button("buy milk", "Complete")
    action = complete["onClickAction"]

    def forged(type_: str, payload: Any, item: str | None = item_id) -> list[dict[str, Any]]:
        return alice.click(thread_id, item, {"onClickAction": {"type": type_,
                                                                "payload": payload}})

    other_task = {**action["payload"], "task_id": "task_000000000000"}
    refused(forged(action["type"], other_task), "does not match what button")
    refused(forged("task_delete", action["payload"]), "offers 'task_complete'")
    made_up = {"task_id": "task_000000000000", "widget_id": "complete_task_btn_task_0"}
    refused(forged("task_complete", made_up), "no button")
    refused(forged("task_complete", {"task_id": action["payload"]["task_id"]}),
            "payload.widget_id: required")
    refused(forged("explode", action["payload"]), "unknown action")
    refused(forged(action["type"], action["payload"], item="resp_0.widget0"),
            "is not a widget of this thread")
    assert state_of(http, thread_id) == before


def test_requests_that_are_not_chatkit_requests_are_422(
    http: httpx.Client, alices_thread: tuple[str, Screen],
) -> None:
    thread_id, _ = alices_thread
    before = state_of(http, thread_id)

    def post(content: bytes | str, **headers: str) -> httpx.Response:
        return http.post("/chatkit", content=content, headers={
            **auth(), "Content-Type": "application/json", **headers})

    envelope(post(b"{not json"), 422, "VALIDATION_ERROR", "invalid request: body")
    envelope(post(b""), 422, "VALIDATION_ERROR", "a ChatKit request")
    envelope(post(json.dumps({"type": "threads.explode", "params": {}})), 422,
             "VALIDATION_ERROR", "$.type")
    envelope(post(json.dumps({"params": {"thread_id": thread_id}})), 422,
             "VALIDATION_ERROR", "missing required field `type`")
    envelope(post(json.dumps({"type": "threads.add_user_message",
                              "params": {"thread_id": thread_id}})), 422,
             "VALIDATION_ERROR", "$.params")
    envelope(post(json.dumps({"type": "items.list", "params": {"thread_id": 7}})), 422,
             "VALIDATION_ERROR", "$.params.thread_id")
    envelope(post(json.dumps({"type": "threads.get_by_id", "params": {"thread_id": "../x"}})),
             422, "VALIDATION_ERROR", "params.thread_id")
    envelope(post(json.dumps({"type": "items.list",
                              "params": {"thread_id": thread_id, "after": "resp_nope"}})),
             422, "VALIDATION_ERROR", "params.after")
    envelope(post(json.dumps({"type": "threads.list", "params": {"after": "garbage!"}})),
             422, "VALIDATION_ERROR", "params.after")
    envelope(post(json.dumps({"type": "threads.update",
                              "params": {"thread_id": thread_id, "title": "x" * 201}})),
             422, "VALIDATION_ERROR", "params.title")
    envelope(post(b"type=threads.list", **{"Content-Type": "text/plain"}), 415,
             "VALIDATION_ERROR")
    envelope(post(json.dumps({"type": "threads.list", "params": {}}),
                  Authorization="Bearer nope"), 401, "AUTH_ERROR")
    too_big = json.dumps({"type": "threads.create", "params": {
        "input": message("add " + "x" * (1024 * 1024))}})
    envelope(post(too_big), 413, "VALIDATION_ERROR", "too large")
    assert state_of(http, thread_id) == before


def test_what_this_server_does_not_support_says_so(
    http: httpx.Client, alices_thread: tuple[str, Screen],
    chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    thread_id, _ = alices_thread
    before = state_of(http, thread_id)
    alice = ChatKitClient(http, auth("alice"), chatkit_types)
    with_file = {**message("add this"), "attachments": ["atc_1"]}
    refused(alice.stream({"type": "threads.add_user_message",
                          "params": {"thread_id": thread_id, "input": with_file}}),
            "attachments is not supported")
    refused(alice.stream({"type": "threads.add_client_tool_output",
                          "params": {"thread_id": thread_id, "result": {}}}),
            "threads.add_client_tool_output is not supported")
    envelope(alice.post({"type": "attachments.create",
                         "params": {"name": "a.png", "size": 3, "mime_type": "image/png"}}),
             422, "VALIDATION_ERROR", "attachments.create is not supported")
    refused(alice.say(thread_id, "   "), "input: must be a non-empty string")
    refused(alice.say("thr_nobody", "hello"), "no thread with id 'thr_nobody'")
    assert state_of(http, thread_id) == before


JUNK: tuple[Any, ...] = (None, -1, "", "x" * 300, "\x00", [], {}, 2**70)


def mutations(body: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every variant of `body` with one value replaced by junk, or one key dropped."""
    if isinstance(body, dict):
        for key, value in body.items():
            yield (*path, key), {k: v for k, v in body.items() if k != key}
            for variant_path, variant in mutations(value, (*path, key)):
                yield variant_path, {**body, key: variant}
    elif isinstance(body, list):
        for index, value in enumerate(body):
            for variant_path, variant in mutations(value, (*path, index)):
                yield variant_path, [*body[:index], variant, *body[index + 1:]]
    if path:
        for junk in JUNK:
            yield path, junk


def test_no_mangled_request_gets_a_server_error(
    http: httpx.Client, alices_thread: tuple[str, Screen],
    chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    thread_id, screen = alices_thread
    item_id, complete = screen.task_button("buy milk", "Complete")
    templates: list[dict[str, Any]] = [
        {"type": "threads.create", "params": {"input": message("hello")}},
        {"type": "threads.add_user_message",
         "params": {"thread_id": thread_id, "input": message("hello")}},
        {"type": "threads.custom_action", "metadata": {"timezone": "UTC"},
         "params": {"thread_id": thread_id, "item_id": item_id,
                    "action": complete["onClickAction"]}},
        {"type": "threads.retry_after_item",
         "params": {"thread_id": thread_id, "item_id": screen.items[-2]["id"]}},
        {"type": "items.list", "params": {"thread_id": thread_id, "limit": 2,
                                          "order": "desc", "after": item_id}},
        {"type": "threads.list", "params": {"limit": 2, "order": "asc", "after": None}},
        {"type": "threads.update", "params": {"thread_id": thread_id, "title": "T"}},
        {"type": "items.feedback", "params": {"thread_id": thread_id, "item_ids": [item_id],
                                              "kind": "positive"}},
        {"type": "threads.delete", "params": {"thread_id": thread_id}},
    ]
    answered: dict[int, int] = {}
    for template in templates:
        for path, variant in mutations(template):
            if template["type"] == "threads.delete" and path[:1] != ("params",):
                continue  # a mangled `type` or `metadata` alone would really delete it
            response = http.post("/chatkit", json=variant, headers=auth())
            status = response.status_code
            answered[status] = answered.get(status, 0) + 1
            assert status in (200, 403, 404, 413, 422), (path, variant, response.text)
            if status != 200:
                envelope(response, status, response.json()["error"]["type"])
            elif response.headers["content-type"].startswith("text/event-stream"):
                for data in response.text.split("\n\n"):
                    if data.startswith("data: "):
                        chatkit_types.check("event", data[6:])
    assert answered[422] > 100 and answered[200] > 10, answered


# Names the zoneinfo lookup fails on with an OSError (file name too long, a directory),
# which the app would otherwise read as its database being down (503).
@pytest.mark.parametrize("name", ["x" * 300, "Europe"])
def test_a_time_zone_that_is_no_file_is_a_422_on_both_protocols(
    http: httpx.Client, alices_thread: tuple[str, Screen], name: str,
    chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    thread_id, _ = alices_thread
    zone = {"timezone": name}
    rest = http.post("/api/chatkit/respond", headers=auth(),
                     json={"thread_id": thread_id, "input": "hi", "metadata": zone})
    envelope(rest, 422, "VALIDATION_ERROR", "metadata.timezone: unknown time zone")
    alice = ChatKitClient(http, auth("alice"), chatkit_types)
    refused(alice.stream({"type": "threads.add_user_message", "metadata": zone,
                          "params": {"thread_id": thread_id, "input": message("hi")}}),
            "metadata.timezone: unknown time zone")
