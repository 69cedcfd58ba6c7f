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
