"""Redis or the database unreachable: a quick 503 with `Retry-After`, never a hang or a 500.

The unreachable services are closed local ports, so these run anywhere.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from chatkit_testing import TEST_SECRET
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.auth import mint_token
from core.settings import Settings
from store import Database
from store.turns import create_turn as store_turn

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_POSTGRES = "postgresql://postgres@127.0.0.1:1/chatkit"
HANG_GUARD_S = 5  # far above the 2 s promised; only a hang would reach it
ALICE = {"Authorization": f"Bearer {mint_token(TEST_SECRET, 'alice')}"}


async def noop_kick(thread_id: str) -> None:
    pass


def assert_unavailable(response: httpx.Response, says: str) -> None:
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["type"] == "PROCESSING_ERROR" and error["code"] == 503
    assert says in error["message"]
    assert 1 <= int(response.headers["retry-after"]) <= 2


async def call(client: AsyncTestClient[Any], method: str, path: str, **kwargs: Any
               ) -> httpx.Response:
    response: httpx.Response = await asyncio.wait_for(
        client.request(method, path, **kwargs), HANG_GUARD_S)
    return response


async def test_redis_down_is_503_and_not_ready(settings: Settings, database: Database) -> None:
    app = create_app(settings.model_copy(update={"redis_url": DEAD_REDIS}), database=database,
                     kick=noop_kick)
    async with AsyncTestClient(app) as client:
        sent = await call(client, "POST", "/api/chatkit/respond", headers=ALICE,
                          json={"thread_id": "t1", "input": "add milk"})
        assert_unavailable(sent, "unavailable")
        read = await call(client, "GET", "/api/chatkit/responses/resp_1", headers=ALICE)
        assert_unavailable(read, "unavailable")
        assert_unavailable(await call(client, "GET", "/ready"), "broker")
        assert (await call(client, "GET", "/health")).status_code == 200  # alive, not ready


async def test_database_down_is_503_and_not_ready(settings: Settings, tmp_path: Path) -> None:
    dead = settings.model_copy(update={"database_url": DEAD_POSTGRES})
    app = create_app(dead, database=Database(DEAD_POSTGRES), kick=noop_kick)
    async with AsyncTestClient(app) as client:
        sent = await call(client, "POST", "/api/chatkit/respond", headers=ALICE,
                          json={"thread_id": "t1", "input": "add milk"})
        assert_unavailable(sent, "database")
        read = await call(client, "GET", "/api/chatkit/responses/resp_1", headers=ALICE)
        assert_unavailable(read, "database")
        assert_unavailable(await call(client, "GET", "/ready"), "database")


async def test_ready_when_everything_answers(settings: Settings, database: Database) -> None:
    async with AsyncTestClient(create_app(settings, database=database, kick=noop_kick)) as client:
        response = await call(client, "GET", "/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "broker": "ok"}


@pytest.mark.parametrize("path", ["/health", "/ready"])
async def test_probes_need_no_token(settings: Settings, database: Database, path: str) -> None:
    async with AsyncTestClient(create_app(settings, database=database, kick=noop_kick)) as client:
        response = await call(client, "GET", path)
    assert response.status_code == 200
    assert "x-ratelimit-limit" not in response.headers


async def test_a_database_connection_cut_at_commit_is_503(
        settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 13: PostgreSQL's connection cut while committing surfaced as a plain DBAPIError
    # (connection invalidated), which nothing mapped: a 500.
    from sqlalchemy import exc as sa_exc

    import api.server

    async def cut_at_commit(*_: Any, **__: Any) -> Any:
        raise sa_exc.DBAPIError("COMMIT", None, ConnectionResetError("connection lost"),
                                connection_invalidated=True)

    monkeypatch.setattr(api.server, "create_turn", cut_at_commit)
    async with AsyncTestClient(create_app(settings, database=database,
                                          kick=noop_kick)) as client:
        sent = await call(client, "POST", "/api/chatkit/respond", headers=ALICE,
                          json={"thread_id": "t1", "input": "add milk"})
    assert_unavailable(sent, "database")


async def test_a_stream_while_redis_is_down_is_503(settings: Settings,
                                                  database: Database) -> None:
    # Issue 13: with a stream token (no bearer header, so no rate-limit call first) the
    # open-stream limiter was the first to meet the dead Redis: a 500.
    app = create_app(settings.model_copy(update={"redis_url": DEAD_REDIS}), database=database,
                     kick=noop_kick)
    async with AsyncTestClient(app) as client:
        async with database.async_sessions()() as session:
            await store_turn(session, turn_id="resp_1", thread_id="t1", user_id="alice",
                             kind="message", input="add milk", action=None, metadata={},
                             now=dt.datetime.now(dt.UTC))
        token, _ = app.state.stream_tokens.mint("alice", "t1")
        response = await call(client, "GET", "/api/chatkit/threads/t1/events",
                              params={"stream_token": token})
    assert_unavailable(response, "unavailable")
