"""Rate limits across two real API processes sharing the machine's Redis (and PostgreSQL).

150 requests from one user in quick succession: exactly 100 accepted. 20 slow requests
at once (clients that dribble their bodies, so the requests stay in flight): exactly 10
admitted, the others refused at once, and another user unaffected meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Iterator

import httpx
import pytest
import redis
from chatkit_testing import TEST_SECRET, cli, free_port, running, wait_http

from api.auth import mint_token

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def two_apis(pg_url_module: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[list[str]]:
    """Two `chatkit-todo api` processes on one database and one Redis; their base URLs.

    Shared by the module's tests, which use users of their own.
    """
    pg_url, tmp_path = pg_url_module, tmp_path_factory.mktemp("two-apis")
    prefix = f"test:chatkit:rl:{secrets.token_hex(6)}:"
    queue = f"chatkit-it-{secrets.token_hex(4)}"  # no worker consumes it: turns stay queued
    env = {"CHATKIT_DATABASE_URL": pg_url, "CHATKIT_REDIS_URL": redis_url,
           "CHATKIT_JWT_SECRET": TEST_SECRET, "CHATKIT_RATE_LIMIT_PREFIX": prefix,
           "CHATKIT_CELERY_QUEUE": queue, "CHATKIT_DATA_DIR": str(tmp_path),
           "CHATKIT_LOG_LEVEL": "WARNING"}
    cli("migrate", env=env)
    ports = [free_port(), free_port()]
    with contextlib.ExitStack() as stack:
        started = [(port, tmp_path / f"api{port}.log") for port in ports]
        procs = [stack.enter_context(running("api", "--port", str(port), log_path=log,
                                             env={**env, "CHATKIT_PORT": str(port)}))
                 for port, log in started]
        for proc, (port, log) in zip(procs, started, strict=True):
            wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    client = redis.Redis.from_url(redis_url)
    keys = [*client.scan_iter(match=prefix + "*"), *client.scan_iter(match=f"*{queue}*")]
    if keys:
        client.delete(*keys)
    client.close()


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(TEST_SECRET, user)}"}


async def test_150_requests_from_one_user_exactly_100_accepted(two_apis: list[str]) -> None:
    alice = bearer("alice")
    gate = asyncio.Semaphore(8)  # quick, but below the in-flight limit: only the rate binds

    async def send(client: httpx.AsyncClient, index: int) -> httpx.Response:
        async with gate:
            return await client.post(f"{two_apis[index % 2]}/api/chatkit/respond", headers=alice,
                                     json={"thread_id": "rl-thread", "input": f"add task {index}"})

    async with httpx.AsyncClient(timeout=10) as client:
        responses = await asyncio.gather(*(send(client, i) for i in range(150)))
        statuses = [r.status_code for r in responses]
        assert statuses.count(202) == 100, statuses
        assert statuses.count(429) == 50
        refused = next(r for r in responses if r.status_code == 429)
        assert refused.json()["error"]["type"] == "RATE_LIMIT_ERROR"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["x-ratelimit-remaining"] == "0"
        # Both processes answered, and shared one count.
        accepted_by = {str(r.url).rsplit("/api", 1)[0] for r in responses if r.status_code == 202}
        assert accepted_by == set(two_apis)
        # Another user is unaffected.
        bob = await client.post(f"{two_apis[1]}/api/chatkit/respond", headers=bearer("bob"),
                                json={"thread_id": "rl-bob", "input": "add milk"})
        assert bob.status_code == 202
        assert bob.headers["x-ratelimit-remaining"] == "99"


async def _open_slow_request(base: str, headers: dict[str, str], body: bytes
                             ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Send a respond request's headers and half its body, keeping the request in flight."""
    url = httpx.URL(base)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(f"POST /api/chatkit/respond HTTP/1.1\r\nHost: {url.host}\r\n{head}"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                 "Connection: close\r\n\r\n".encode() + body[: len(body) // 2])
    await writer.drain()
    return reader, writer


async def _read_status(reader: asyncio.StreamReader) -> tuple[int, str]:
    raw = await reader.read()
    head, _, rest = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), rest.decode(errors="replace")


async def test_20_slow_concurrent_requests_at_most_10_in_flight(two_apis: list[str]) -> None:
    carol = bearer("carol")
    bodies = [json.dumps({"thread_id": f"slow-{i}", "input": "add slow"}).encode()
              for i in range(20)]
    connections = await asyncio.gather(*(
        _open_slow_request(two_apis[i % 2], carol, bodies[i]) for i in range(20)))

    # The requests over the limit are refused at once, without waiting for their bodies.
    answers = [asyncio.create_task(_read_status(reader)) for reader, _ in connections]
    pending = set(answers)
    while len(pending) > 10:
        done, pending = await asyncio.wait(pending, timeout=5,
                                           return_when=asyncio.FIRST_COMPLETED)
        if not done:
            break
    await asyncio.sleep(0.3)  # room for an 11th answer, which would be a failure
    refused = {index: answer.result() for index, answer in enumerate(answers) if answer.done()}
    assert len(refused) == 10, refused
    for status, text in refused.values():
        assert status == 429 and "in flight" in text and "RATE_LIMIT_ERROR" in text

    async with httpx.AsyncClient(timeout=10) as client:
        # Meanwhile another user is served by either process.
        for base in two_apis:
            other = await client.post(f"{base}/api/chatkit/respond", headers=bearer("dave"),
                                      json={"thread_id": f"dave-{base[-5:]}", "input": "hi"})
            assert other.status_code == 202

    # The 10 admitted requests finish once their bodies arrive.
    finished = []
    for index, (_, writer) in enumerate(connections):
        if index in refused:
            writer.close()
            continue
        writer.write(bodies[index][len(bodies[index]) // 2:])
        await writer.drain()
        finished.append(await asyncio.wait_for(answers[index], timeout=10))
        writer.close()
    assert [status for status, _ in finished] == [202] * 10

    # Their slots came back: carol can send again.
    async with httpx.AsyncClient(timeout=10) as client:
        again = await client.post(f"{two_apis[0]}/api/chatkit/respond", headers=carol,
                                  json={"thread_id": "slow-0", "input": "add again"})
        assert again.status_code == 202, again.text
