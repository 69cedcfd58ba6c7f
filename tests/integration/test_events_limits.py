"""Event streams on the production shape's Redis: the open-stream limit is exact, and a
Redis that is away (or just came back) is a 503 with Retry-After, never a 500 (issue 13).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from chatkit_testing import TEST_SECRET, auth, free_port
from test_workers_outage import RedisServer, redis_server  # noqa: F401 - the fixture

from api.app import create_app
from api.events import MAX_STREAMS_PER_USER
from core.settings import Settings
from store import Database
from store.migrate import upgrade


@contextlib.contextmanager
def api_on(redis: str, tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """The API (uvicorn, in a thread) on SQLite and this Redis; kicks go nowhere."""
    queue = f"chatkit-evl-{secrets.token_hex(4)}"
    settings = Settings(data_dir=tmp_path, jwt_secret=TEST_SECRET, redis_url=redis,
                        database_url=f"sqlite:///{tmp_path / 'chatkit.db'}",
                        celery_queue=queue, rate_limit_prefix=f"{queue}:rl:")
    upgrade(settings.resolved_database_url)
    database = Database(settings.resolved_database_url)

    async def no_kick(thread_id: str) -> None:
        return None

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, database=database, kick=no_kick), host="127.0.0.1", port=port,
        log_level="warning", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", database
    finally:
        server.should_exit = True
        thread.join(10)
        database.close()


def _post(base: str, text: str, user: str = "alice") -> None:
    response = httpx.post(f"{base}/api/chatkit/respond", headers=auth(user),
                          json={"thread_id": "t1", "input": text})
    assert response.status_code == 202, response.text


def test_the_open_stream_limit_holds_while_streams_stay_open(
        redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slots were refreshed only by keep-alives, which a stream receiving events never
    # sends: its slot expired and the user could open more than the limit.
    import api.events

    monkeypatch.setattr(api.events, "HEARTBEAT_SECONDS", 0.3)  # slots then live ~1 s
    with api_on(redis_url, tmp_path) as (base, _):
        _post(base, "add buy milk")
        url = f"{base}/api/chatkit/threads/t1/events"
        with httpx.Client(timeout=10) as client:
            opened = [client.send(client.build_request("GET", url, headers=auth()),
                                  stream=True) for _ in range(MAX_STREAMS_PER_USER)]
            assert [r.status_code for r in opened] == [200] * MAX_STREAMS_PER_USER
            for _ in range(6):  # several slot lifetimes, events flowing to every stream
                _post(base, "add eggs")
                time.sleep(0.3)
            refused = client.send(client.build_request("GET", url, headers=auth()),
                                  stream=True)
            for response in [*opened, refused]:
                response.close()
    assert refused.status_code == 429  # before: accepted, a sixth stream


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"] == {"type": "PROCESSING_ERROR", "code": 503,
                                        "message": response.json()["error"]["message"]}
    assert int(response.headers["retry-after"]) >= 1


def test_streams_while_redis_is_away_and_just_back_are_503_never_500(
        redis_server: RedisServer, tmp_path: Path) -> None:  # noqa: F811
    with api_on(redis_server.url, tmp_path) as (base, _):
        _post(base, "add buy milk")
        token = httpx.post(f"{base}/api/chatkit/threads/t1/stream-token",
                           headers=auth()).json()["token"]
        url = f"{base}/api/chatkit/threads/t1/events"
        with httpx.stream("GET", url, params={"stream_token": token}, timeout=10) as first:
            assert first.status_code == 200  # the limiter's connection is in its pool now
        redis_server.stop()
        away = httpx.get(url, params={"stream_token": token}, timeout=10)
        _assert_unavailable(away)
        redis_server.start()
        statuses = []
        for _ in range(10):  # the first streams after Redis returned
            with httpx.stream("GET", url, params={"stream_token": token},
                              timeout=10) as response:
                statuses.append(response.status_code)
                if response.status_code != 200:
                    response.read()
                    _assert_unavailable(response)
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}, statuses
