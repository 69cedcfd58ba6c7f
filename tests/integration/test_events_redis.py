"""Live events in production shape: two `chatkit-todo api` processes and a worker process on
the machine's Redis and PostgreSQL. A browser streaming from API #1 sees turns posted
through API #2, a stream token minted by one API is accepted by the other, and a client
that reconnects elsewhere with Last-Event-ID gets exactly what it missed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from chatkit_testing import TEST_SECRET, cli, free_port, running, wait_http

from api.auth import mint_token


def frames(lines: Iterator[str]) -> Iterator[tuple[int, str, dict[str, Any]]]:
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                yield int(fields["id"]), fields["event"], json.loads(fields["data"])
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def until_completed(events: Iterator[tuple[int, str, dict[str, Any]]], turn_id: str
                    ) -> list[tuple[int, str, dict[str, Any]]]:
    seen = []
    for frame in events:
        seen.append(frame)
        if frame[1] == "turn.completed" and frame[2]["turn_id"] == turn_id:
            return seen
    raise AssertionError("stream ended early")


def test_events_cross_api_processes_over_redis(pg_url: str, redis_url: str,
                                               tmp_path: Path) -> None:
    ports = [free_port(), free_port()]
    env = {
        "CHATKIT_DATABASE_URL": pg_url,
        "CHATKIT_REDIS_URL": redis_url,
        "CHATKIT_JWT_SECRET": TEST_SECRET,
        # Own queue: own Celery kicks and own pub/sub channels on the shared Redis.
        "CHATKIT_CELERY_QUEUE": f"chatkit-ev-{secrets.token_hex(4)}",
        "CHATKIT_DATA_DIR": str(tmp_path),
    }
    cli("migrate", env=env)
    alice = {"Authorization": f"Bearer {mint_token(TEST_SECRET, 'alice')}"}
    api_a, api_b = (f"http://127.0.0.1:{port}" for port in ports)
    with (
        running("api", "--port", str(ports[0]), env=env, log_path=tmp_path / "a.log") as a,
        running("api", "--port", str(ports[1]), env=env, log_path=tmp_path / "b.log") as b,
        running("worker", "--concurrency", "1", env=env, log_path=tmp_path / "worker.log"),
    ):
        wait_http(f"{api_a}/health", a, tmp_path / "a.log")
        wait_http(f"{api_b}/health", b, tmp_path / "b.log")
        timeout = httpx.Timeout(10.0, read=60.0)
        with httpx.Client(timeout=timeout) as client:
            first = client.post(f"{api_b}/api/chatkit/respond", headers=alice,
                                json={"thread_id": "ev-1", "input": "add buy milk"})
            assert first.status_code == 202, first.text
            token = client.post(f"{api_b}/api/chatkit/threads/ev-1/stream-token",
                                headers=alice).json()["token"]
            # Streaming from A with B's token; the turns are posted through B.
            with client.stream("GET", f"{api_a}/api/chatkit/threads/ev-1/events",
                               params={"stream_token": token}) as response:
                assert response.status_code == 200
                events = frames(response.iter_lines())
                seen = until_completed(events, first.json()["response_id"])
                second = client.post(f"{api_b}/api/chatkit/respond", headers=alice,
                                     json={"thread_id": "ev-1", "input": "show my tasks"})
                seen += until_completed(events, second.json()["response_id"])
            assert "buy milk" in seen[-1][2]["item"]["text"]
            last_id = seen[-1][0]

            # Disconnected: one more turn; resume on the other process with Last-Event-ID.
            third = client.post(f"{api_a}/api/chatkit/respond", headers=alice,
                                json={"thread_id": "ev-1", "input": "add call mum"})
            with client.stream("GET", f"{api_b}/api/chatkit/threads/ev-1/events",
                               headers={**alice, "Last-Event-ID": str(last_id)}) as response:
                resumed = until_completed(frames(response.iter_lines()),
                                          third.json()["response_id"])
    assert [(turn["turn_id"], kind) for _, kind, turn in resumed] == [
        (third.json()["response_id"], "turn.queued"),
        (third.json()["response_id"], "turn.running"),
        (third.json()["response_id"], "turn.completed"),
    ]
    ids = [frame[0] for frame in seen + resumed]
    assert ids == sorted(set(ids))
