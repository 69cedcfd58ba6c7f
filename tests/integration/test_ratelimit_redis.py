"""RedisRateLimiter against the machine's real Redis (self-contained; unique key prefix)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as redis_asyncio

from api.ratelimit import (
    RateDecision,
    RateLimitBackendError,
    RateLimiter,
    RedisRateLimiter,
    redis_client,
)

# Same knobs as the rest of the integration tier (.ci/run): skipped when Redis is absent,
# unless CHATKIT_TEST_INTEGRATION=1 makes the tier mandatory.
REDIS_URL = os.environ.get("CHATKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MANDATORY = os.environ.get("CHATKIT_TEST_INTEGRATION") == "1"

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def prefix() -> AsyncIterator[str]:
    """A per-test key prefix; every key under it is deleted afterwards (no FLUSHDB)."""
    r = redis_client(REDIS_URL)
    try:
        await r.ping()
    except Exception as exc:
        await r.aclose()
        if MANDATORY:
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    p = f"test:chatkit:rl:{uuid.uuid4().hex}:"
    try:
        yield p
    finally:
        keys = [k async for k in r.scan_iter(match=p + "*", count=1000)]
        if keys:
            await r.delete(*keys)
        await r.aclose()


@pytest_asyncio.fixture
async def clients() -> AsyncIterator[list[redis_asyncio.Redis]]:
    """Three independent clients (own pools), standing in for three API processes."""
    cs = [redis_client(REDIS_URL) for _ in range(3)]
    try:
        yield cs
    finally:
        for c in cs:
            await c.aclose()


def limiters(clients: list[redis_asyncio.Redis], prefix: str, **kw: Any) -> list[RedisRateLimiter]:
    return [RedisRateLimiter(c, prefix=prefix, **kw) for c in clients]


@pytest.mark.asyncio
async def test_is_a_rate_limiter(clients: list[redis_asyncio.Redis], prefix: str) -> None:
    rl = RedisRateLimiter(clients[0], prefix=prefix)
    assert isinstance(rl, RateLimiter)
    await rl.ping()


@pytest.mark.asyncio
async def test_100_then_denied_with_headers(
    clients: list[redis_asyncio.Redis], prefix: str
) -> None:
    rl = RedisRateLimiter(clients[0], prefix=prefix)
    start = time.time()
    got: list[RateDecision] = []
    for _ in range(100):
        d = await rl.acquire("u", count_concurrency=False)
        got.append(d)
    assert all(d.allowed and d.token is None for d in got)
    assert [d.remaining for d in got[:2]] == [99, 98]
    assert got[-1].remaining == 0
    assert int(start) + 59 <= got[0].reset_epoch <= int(time.time()) + 61

    d = await rl.acquire("u")
    assert not d.allowed and d.reason == "rate" and d.token is None
    assert d.limit == 100 and d.remaining == 0
    assert 55 <= d.retry_after_s <= 60
    assert got[0].reset_epoch - 1 <= d.reset_epoch <= got[0].reset_epoch + 1


@pytest.mark.asyncio
async def test_window_slides_per_request(clients: list[redis_asyncio.Redis], prefix: str) -> None:
    """Two requests at t0, two at t0+1: at t0+2 exactly the t0 pair has left the window."""
    rl = RedisRateLimiter(clients[0], prefix=prefix, per_minute=4, window_s=2.0)
    assert (await rl.acquire("u", count_concurrency=False)).allowed
    assert (await rl.acquire("u", count_concurrency=False)).allowed
    await asyncio.sleep(1.0)
    assert (await rl.acquire("u", count_concurrency=False)).allowed
    assert (await rl.acquire("u", count_concurrency=False)).allowed
    d = await rl.acquire("u", count_concurrency=False)
    assert not d.allowed and d.reason == "rate" and d.retry_after_s == 1
    await asyncio.sleep(1.1)  # t0+2.1: the first pair expired, the second is still in
    assert (await rl.acquire("u", count_concurrency=False)).allowed
    assert (await rl.acquire("u", count_concurrency=False)).allowed
    assert not (await rl.acquire("u", count_concurrency=False)).allowed


@pytest.mark.asyncio
async def test_150_concurrent_from_3_processes_exactly_100(
    clients: list[redis_asyncio.Redis], prefix: str
) -> None:
    rls = limiters(clients, prefix)
    results = await asyncio.gather(
        *(rls[i % 3].acquire("u", count_concurrency=False) for i in range(150))
    )
    assert sum(d.allowed for d in results) == 100
    assert {d.reason for d in results if not d.allowed} == {"rate"}
    # every admitted request left exactly one unique entry in the window log
    assert await clients[0].zcard(f"{prefix}{{u}}:w") == 100


@pytest.mark.asyncio
async def test_20_concurrent_exactly_10_in_flight(
    clients: list[redis_asyncio.Redis], prefix: str
) -> None:
    rls = limiters(clients, prefix)
    results = await asyncio.gather(*(rls[i % 3].acquire("u") for i in range(20)))
    allowed = [d for d in results if d.allowed]
    assert len(allowed) == 10
    assert len({d.token for d in allowed}) == 10
    denied = [d for d in results if not d.allowed]
    assert all(d.reason == "concurrency" and d.limit == 10 for d in denied)
    assert all(d.retry_after_s == 1 and d.token is None for d in denied)

    # another key is unaffected
    other = await rls[1].acquire("someone-else")
    assert other.allowed and other.remaining == 99

    # releasing from any process frees exactly one slot; release is idempotent
    tok = allowed[0].token or ""
    await rls[2].release("u", tok)
    await rls[0].release("u", tok)
    assert (await rls[1].acquire("u")).allowed
    assert not (await rls[0].acquire("u")).allowed

    # denied attempts consumed nothing: 10 + 1 admitted requests in the window
    assert await clients[0].zcard(f"{prefix}{{u}}:w") == 11


@pytest.mark.asyncio
async def test_expired_inflight_entries_stop_counting(
    clients: list[redis_asyncio.Redis], prefix: str
) -> None:
    """A crashed process never releases; its slots free themselves after the TTL."""
    rl = RedisRateLimiter(clients[0], prefix=prefix, inflight_ttl_s=0.5)
    for _ in range(10):
        assert (await rl.acquire("u")).allowed
    d = await rl.acquire("u")
    assert d.reason == "concurrency"
    assert int(time.time()) <= d.reset_epoch <= int(time.time()) + 2
    await asyncio.sleep(0.6)
    assert all([(await rl.acquire("u")).allowed for _ in range(10)])
    assert (await rl.acquire("u")).reason == "concurrency"


@pytest.mark.asyncio
async def test_keys_expire_when_idle(clients: list[redis_asyncio.Redis], prefix: str) -> None:
    rl = RedisRateLimiter(clients[0], prefix=prefix, window_s=60, inflight_ttl_s=30)
    await rl.acquire("u")
    wttl = await clients[0].pttl(f"{prefix}{{u}}:w")
    cttl = await clients[0].pttl(f"{prefix}{{u}}:c")
    assert 59_000 < wttl <= 61_000
    assert 29_000 < cttl <= 31_000


@pytest.mark.asyncio
async def test_redis_unreachable_fails_fast() -> None:
    dead = redis_client("redis://127.0.0.1:1/0")
    rl = RedisRateLimiter(dead, prefix="test:chatkit:rl:dead:")
    try:
        for op in (
            lambda: rl.acquire("u"),
            lambda: rl.release("u", "tok"),
            rl.ping,
        ):
            started = time.monotonic()
            with pytest.raises(RateLimitBackendError):
                await op()
            assert time.monotonic() - started < 2
    finally:
        await dead.aclose()


@pytest.mark.asyncio
async def test_a_remembered_value_comes_back_in_the_same_round_trip(
    clients: list[redis_asyncio.Redis], prefix: str
) -> None:
    writer, reader = limiters(clients[:2], prefix, per_minute=2)
    await writer.remember("u", "idem:a", "fp:resp_1", 60)
    calls: list[Any] = []
    execute = clients[1].execute_command

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return await execute(*args, **kwargs)

    clients[1].execute_command = counted  # type: ignore[method-assign]
    found = await reader.acquire("u", recall="idem:a")
    assert found.allowed and found.recalled == "fp:resp_1"
    assert len(calls) == 1  # the limits and the memo: one script, one round trip
    assert (await reader.acquire("u", recall="idem:b")).recalled is None
    denied = await reader.acquire("u", count_concurrency=False, recall="idem:a")
    assert not denied.allowed and denied.recalled is None

    await writer.forget("u", ["idem:a"])
    other = RedisRateLimiter(clients[2], prefix=prefix)
    assert (await other.acquire("u", recall="idem:a")).recalled is None


@pytest.mark.asyncio
async def test_a_remembered_value_expires(
    clients: list[redis_asyncio.Redis], prefix: str
) -> None:
    rl = RedisRateLimiter(clients[0], prefix=prefix)
    await rl.remember("u", "idem:a", "x", 0.2)
    assert (await rl.acquire("u", recall="idem:a")).recalled == "x"
    await asyncio.sleep(0.3)
    assert (await rl.acquire("u", recall="idem:a")).recalled is None
