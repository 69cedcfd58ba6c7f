"""Inputs at the edges that once reached the database or the clock unchecked: each gets a
4xx with the envelope (or a friendly answer), never a 500."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from chatkit_testing import TEST_SECRET, auth
from litestar.testing import AsyncTestClient

from api.auth import mint_token
from chatkit_todo.cli import main
from core.settings import Settings


def cursor(*parts: Any) -> str:
    raw = json.dumps(list(parts), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def assert_rejected(response: Any, field: str, status: int = 422) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == status and field in error["message"]


@pytest.mark.parametrize(("path", "field"), [
    ("/api/chatkit/threads/t1?before=%C2%B2", "before"),  # "²".isdigit() is true
    ("/api/chatkit/threads?after=" + cursor("2026-01-01", "a"), "after"),  # no offset
    ("/api/tasks?sort=priority&after=" + cursor("priority", 1e999, "a"), "after"),
    ("/api/tasks?sort=created_at&after=" + cursor("created_at", "2026-01-01", "a"), "after"),
    ("/api/tasks?due_after=0001-01-01T00:00:00%2B01:00", "due_after"),
    ("/api/tasks?q=a%00b", "q"),
    # valid ISO with an offset, but outside UTC's range once converted: once a 500
    ("/api/tasks?sort=due&after=" + cursor("due", "0001-01-01T00:00:00+14:00", "x"), "after"),
    ("/api/chatkit/threads?after=" + cursor("9999-12-31T23:59:59-12:00", "x"), "after"),
    ("/api/chatkit/responses/x?format=bogus", "format"),
])
async def test_tampered_queries_are_422(client: AsyncTestClient[Any], path: str,
                                       field: str) -> None:
    await client.post("/api/chatkit/respond", headers=auth(),
                      json={"thread_id": "t1", "input": "add buy milk"})
    assert_rejected(await client.get(path, headers=auth()), field)


async def test_an_event_id_too_large_for_the_database_is_422(
        client: AsyncTestClient[Any]) -> None:
    await client.post("/api/chatkit/respond", headers=auth(),
                      json={"thread_id": "t1", "input": "hi"})
    response = await client.get("/api/chatkit/threads/t1/events?after=" + "9" * 23,
                                headers=auth())
    assert_rejected(response, "after")
    response = await client.get("/api/chatkit/threads/t1/events",
                                headers={**auth(), "Last-Event-ID": "9" * 19})
    assert_rejected(response, "Last-Event-ID")


@pytest.mark.parametrize(("body", "field"), [
    ({"title": "a\u0000b"}, "title"),
    ({"title": "x", "due": "9999-12-31T23:00:00-05:00"}, "due"),
    # exists in UTC, but not as a local day east of it: every list in Paris failed
    ({"title": "x", "due": "9999-12-31T23:30:00+00:00"}, "due"),
    ({"title": "x", "due": "0001-01-01"}, "due"),
    # a recurrence set (several lines) parses, then never repeats: one RRULE only
    ({"title": "x", "due": "2026-12-01", "recurrence": "FREQ=DAILY\nEXDATE:20261202"},
     "recurrence"),
    ({"title": "x", "recurrence": "FREQ=DAILY\r\nRDATE:20261203"}, "recurrence"),
])
async def test_task_fields_the_database_cannot_hold_are_422(
        client: AsyncTestClient[Any], body: dict[str, Any], field: str) -> None:
    assert_rejected(await client.post("/api/tasks", headers=auth(), json=body), field)


async def test_a_message_with_nul_is_422(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": "t1", "input": "add hi\u0000there"})
    assert_rejected(response, "input")


async def test_a_title_longer_than_a_task_holds_gets_an_answer_not_a_failure(
        client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": "t1", "input": "add " + "x" * 600})
    result = (await client.get(response.headers["location"], headers=auth())).json()
    assert result["status"] == "completed"
    assert "too long" in result["text"]
    tasks = (await client.get("/api/tasks", headers=auth())).json()
    assert tasks["tasks"] == []


async def test_a_user_id_longer_than_the_database_holds_is_401(
        client: AsyncTestClient[Any]) -> None:
    token = mint_token(TEST_SECRET, "u" * 300)
    response = await client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "user id", status=401)


def test_a_deployment_with_redis_needs_real_auth(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6379/0",
                        jwt_secret="")
    assert settings.jwt_secret is None and not settings.dev_auth
    assert settings.resolved_jwt_secret() is None
    assert not (tmp_path / "jwt-secret").exists()
    monkeypatch.setattr("chatkit_todo.cli.get_settings", lambda: settings)
    assert main(["api"]) == 2
    assert "CHATKIT_JWT_SECRET" in capsys.readouterr().err


def test_embedded_mode_without_auth_uses_the_local_dev_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, redis_url=None, jwt_secret=None, jwks_url=None)
    assert settings.dev_auth
    secret = settings.resolved_jwt_secret()
    assert secret and (tmp_path / "jwt-secret").read_text() == secret


async def test_a_task_due_at_the_end_of_the_range_lists_in_every_zone(
        client: AsyncTestClient[Any]) -> None:
    created = await client.post("/api/tasks", headers=auth(),
                                json={"title": "far", "due": "2999-12-31T23:30:00+00:00"})
    assert created.status_code == 201, created.text
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12"):
        response = await client.post("/api/chatkit/respond", headers=auth(), json={
            "thread_id": "t1", "input": "show my tasks", "metadata": {"timezone": zone}})
        result = (await client.get(response.headers["location"], headers=auth())).json()
        assert result["status"] == "completed", result
        assert "far" in json.dumps(result["widgets"])


async def test_a_cursor_after_a_long_title_pages_on(client: AsyncTestClient[Any]) -> None:
    for title in ("\u00e9" * 500, "b"):
        assert (await client.post("/api/tasks", headers=auth(),
                                  json={"title": title})).status_code == 201
    first = (await client.get("/api/tasks?sort=title&limit=1", headers=auth())).json()
    page = await client.get(f"/api/tasks?sort=title&limit=1&after={first['next_cursor']}",
                            headers=auth())
    assert page.status_code == 200, page.text
    assert [t["title"] for t in page.json()["tasks"]] == ["\u00e9" * 500]


@pytest.mark.parametrize("path", ["/static/a%00b.js", "/static/" + "a" * 5000,
                                  "/static/..%2Fauth.py", "/static/index.html"])
async def test_unknown_static_files_are_404(client: AsyncTestClient[Any], path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NOT_FOUND"


async def test_the_page_assets_are_served_with_their_types(
        client: AsyncTestClient[Any]) -> None:
    for name, kind in (("app.js", "text/javascript"), ("app.css", "text/css"),
                       ("favicon.svg", "image/svg+xml")):
        response = await client.get(f"/static/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)


async def test_an_empty_body_names_the_body(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/chatkit/respond", content=b"",
                                 headers={**auth(), "Content-Type": "application/json"})
    assert_rejected(response, "body")
    assert "'data'" not in response.json()["error"]["message"]


@pytest.mark.parametrize("user", ["  ", " bob", "bob "])
async def test_a_blank_or_padded_user_id_is_401(client: AsyncTestClient[Any],
                                                user: str) -> None:
    token = mint_token(TEST_SECRET, user)
    response = await client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "user id", status=401)


async def test_a_repeated_key_after_the_thread_was_deleted_is_a_new_request(
        client: AsyncTestClient[Any]) -> None:
    headers = {**auth(), "Idempotency-Key": "k-1"}
    body = {"thread_id": "t1", "input": "add buy milk"}
    first = await client.post("/api/chatkit/respond", headers=headers, json=body)
    assert (await client.delete("/api/chatkit/threads/t1", headers=auth())).status_code == 204
    again = await client.post("/api/chatkit/respond", headers=headers, json=body)
    assert again.status_code == 202
    assert again.json()["response_id"] != first.json()["response_id"]
    result = await client.get(again.headers["location"], headers=auth())
    assert result.status_code == 200


@pytest.mark.parametrize("args", [["--user", " "], ["--user", ""], ["--user", "a\tb"],
                                  ["--user", "bob", "--ttl", "-5"]])
def test_the_token_command_refuses_tokens_no_server_would_take(
        args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path, redis_url=None, jwt_secret=TEST_SECRET)
    monkeypatch.setattr("chatkit_todo.cli.get_settings", lambda: settings)
    assert main(["token", *args]) == 2
    out = capsys.readouterr()
    assert out.out == "" and ("--user" in out.err or "--ttl" in out.err)
