"""MemoryRateLimiter: sliding-window and concurrency semantics with a fake clock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from api.ratelimit import MEMO_PER_KEY, MemoryRateLimiter, RateDecision, RateLimiter

T0 = 1_700_000_000.0  # an arbitrary epoch second, so reset_epoch values are realistic


class FakeClock:
    """Epoch clock the test moves by hand."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def limiter(clock: FakeClock, **kw: Any) -> MemoryRateLimiter:
    return MemoryRateLimiter(clock=clock, **kw)


async def burst(rl: MemoryRateLimiter, key: str, n: int, **kw: bool) -> list[RateDecision]:
    out = []
    for _ in range(n):
        d = await rl.acquire(key, **kw)
        out.append(d)
        if d.token:
            await rl.release(key, d.token)  # isolate the rate limit from concurrency
    return out


def test_is_a_rate_limiter() -> None:
    assert isinstance(MemoryRateLimiter(), RateLimiter)


@pytest.mark.asyncio
async def test_100_allowed_then_denied_and_window_slides_per_request() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    first = await burst(rl, "u", 1)
    assert first[0].allowed
    clock.t = T0 + 30
    rest = await burst(rl, "u", 99)
    assert all(d.allowed for d in rest)
    assert [d.remaining for d in rest[-3:]] == [2, 1, 0]

    denied = await rl.acquire("u")
    assert not denied.allowed and denied.reason == "rate" and denied.token is None
    assert denied.remaining == 0 and denied.limit == 100
    # the request at T0 leaves the window at T0+60
    assert denied.reset_epoch == int(T0 + 60)
    assert denied.retry_after_s == 30

    clock.t = T0 + 59.9
    d = await rl.acquire("u")
    assert not d.allowed and d.retry_after_s == 1  # 0.1 s rounds up to 1

    clock.t = T0 + 60.01
    d = await rl.acquire("u")
    assert d.allowed and d.remaining == 0  # exactly one slot freed (the T0 request)
    assert d.reset_epoch == int(T0 + 90)  # next slot frees when the T0+30 batch leaves
    d = await rl.acquire("u")
    assert not d.allowed and d.retry_after_s == 30

    clock.t = T0 + 90.001
    assert (await rl.acquire("u")).allowed


@pytest.mark.asyncio
async def test_no_double_burst_around_minute_boundary() -> None:
    """A fixed window would allow 100 at :59.5 and 100 more at :00.5; we allow 100 total."""
    clock = FakeClock(T0 + 59.5)  # T0 is not minute-aligned; any boundary behaves the same
    rl = limiter(clock)
    assert all(d.allowed for d in await burst(rl, "u", 100))
    clock.t = T0 + 60.5
    second = await burst(rl, "u", 100)
    assert not any(d.allowed for d in second)
    assert all(d.reason == "rate" for d in second)
    assert second[0].retry_after_s == 59
    clock.t = T0 + 119.49
    assert not (await rl.acquire("u")).allowed
    clock.t = T0 + 119.51
    assert all(d.allowed for d in await burst(rl, "u", 100))


@pytest.mark.asyncio
async def test_denied_requests_consume_nothing() -> None:
    clock = FakeClock()
    rl = limiter(clock, per_minute=3, max_concurrent=2)
    await burst(rl, "u", 3)
    for _ in range(50):
        assert not (await rl.acquire("u")).allowed
    clock.t = T0 + 60.001
    assert all(d.allowed for d in await burst(rl, "u", 3))


@pytest.mark.asyncio
async def test_concurrency_limit_and_release() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    held = [await rl.acquire("u") for _ in range(10)]
    assert all(d.allowed and d.token for d in held)
    assert len({d.token for d in held}) == 10

    d = await rl.acquire("u")
    assert not d.allowed and d.reason == "concurrency" and d.token is None
    assert d.limit == 10 and d.remaining == 0 and d.retry_after_s == 1
    assert d.reset_epoch == int(T0 + 60)  # slots expire at the latest after the TTL

    await rl.release("u", held[0].token or "")
    d = await rl.acquire("u")
    assert d.allowed and d.token
    assert d.remaining == 100 - 11  # the concurrency-denied attempt consumed nothing
    assert not (await rl.acquire("u")).allowed

    await rl.release("u", held[1].token or "")
    await rl.release("u", held[1].token or "")  # idempotent: must not free a second slot
    await rl.release("u", "not-a-token")
    assert (await rl.acquire("u")).allowed
    assert not (await rl.acquire("u")).allowed


@pytest.mark.asyncio
async def test_count_concurrency_false_skips_inflight() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    for _ in range(10):
        await rl.acquire("u")
    d = await rl.acquire("u", count_concurrency=False)
    assert d.allowed and d.token is None and d.remaining == 100 - 11


@pytest.mark.asyncio
async def test_expired_inflight_entries_stop_counting() -> None:
    """A crashed process never releases; its slots must free themselves."""
    clock = FakeClock()
    rl = limiter(clock, inflight_ttl_s=30)
    for _ in range(10):
        assert (await rl.acquire("u")).allowed  # never released
    clock.t = T0 + 29.9
    assert not (await rl.acquire("u")).allowed
    clock.t = T0 + 30.0
    held = [await rl.acquire("u") for _ in range(10)]
    assert all(d.allowed for d in held)
    assert (await rl.acquire("u")).reason == "concurrency"


@pytest.mark.asyncio
async def test_rate_checked_before_concurrency() -> None:
    clock = FakeClock()
    rl = limiter(clock, per_minute=5, max_concurrent=5)
    for _ in range(5):
        await rl.acquire("u")
    d = await rl.acquire("u")
    assert d.reason == "rate" and d.limit == 5


@pytest.mark.asyncio
async def test_separate_keys_are_independent() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    await burst(rl, "a", 100)
    for _ in range(10):
        await rl.acquire("c")
    assert not (await rl.acquire("a")).allowed
    assert not (await rl.acquire("c")).allowed
    d = await rl.acquire("b")
    assert d.allowed and d.remaining == 99


@pytest.mark.asyncio
async def test_concurrent_gather_is_exact() -> None:
    rl = MemoryRateLimiter()
    results = await asyncio.gather(*(rl.acquire("u") for _ in range(50)))
    assert sum(d.allowed for d in results) == 10
    assert {d.reason for d in results if not d.allowed} == {"concurrency"}


@pytest.mark.asyncio
async def test_idle_keys_are_swept() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    for i in range(2000):
        d = await rl.acquire(f"user-{i}")
        await rl.release(f"user-{i}", d.token or "")
    clock.t = T0 + 120
    for _ in range(MemoryRateLimiter._SWEEP_EVERY):
        await rl.acquire("active")
    assert len(rl._buckets) <= 2


@pytest.mark.asyncio
async def test_ping_and_validation() -> None:
    await MemoryRateLimiter().ping()
    with pytest.raises(ValueError):
        MemoryRateLimiter(per_minute=0)
    with pytest.raises(ValueError):
        MemoryRateLimiter(inflight_ttl_s=0)


@pytest.mark.asyncio
async def test_a_remembered_value_comes_back_with_an_admitted_request_until_it_expires() -> None:
    clock = FakeClock()
    rl = limiter(clock, per_minute=2)
    await rl.remember("u", "idem:a", "fp:resp_1", 60)
    assert (await rl.acquire("u", count_concurrency=False, recall="idem:a")).recalled == "fp:resp_1"
    assert (await rl.acquire("u", count_concurrency=False, recall="idem:b")).recalled is None
    assert (await rl.acquire("v", count_concurrency=False, recall="idem:a")).recalled is None
    # A denied request learns nothing (and is still denied).
    denied = await rl.acquire("u", count_concurrency=False, recall="idem:a")
    assert not denied.allowed and denied.recalled is None
    clock.t = T0 + 61  # the window has passed, and so has the memo
    assert (await rl.acquire("u", count_concurrency=False, recall="idem:a")).recalled is None


@pytest.mark.asyncio
async def test_a_forgotten_value_is_gone_and_idle_users_cost_nothing() -> None:
    clock = FakeClock()
    rl = limiter(clock)
    await rl.remember("u", "idem:a", "x", 3600)
    await rl.remember("u", "idem:b", "y", 3600)
    await rl.forget("u", ["idem:a", "idem:missing"])
    assert (await rl.acquire("u", recall="idem:a")).recalled is None
    assert (await rl.acquire("u", recall="idem:b")).recalled == "y"
    clock.t = T0 + 3601
    rl._sweep(clock.t)
    assert rl._buckets == {}


@pytest.mark.asyncio
async def test_the_memo_of_one_user_is_bounded() -> None:
    rl = limiter(FakeClock())
    for n in range(MEMO_PER_KEY + 10):
        await rl.remember("u", f"idem:{n}", str(n), 3600)
    assert (await rl.acquire("u", recall="idem:0")).recalled is None  # the oldest went
    last = MEMO_PER_KEY + 9
    assert (await rl.acquire("u", recall=f"idem:{last}")).recalled == str(last)
