"""Per-user rate and concurrency limits (default: 100 requests / any 60 s, 10 in flight).

Two interchangeable implementations of :class:`RateLimiter`:

* :class:`RedisRateLimiter` — exact across any number of API processes sharing one Redis:
  a single Lua script prunes, checks and records atomically, using the Redis server's clock.
* :class:`MemoryRateLimiter` — same semantics inside one process (embedded mode, tests).

Both keep a *sliding window log* (one entry per admitted request, so at most ``per_minute``
requests fall in any ``window_s`` interval — no double burst around a minute boundary) and an
in-flight set of ``token -> expiry``. In-flight entries expire after ``inflight_ttl_s`` so a
crashed process cannot leave a user's concurrency slots stuck forever.

A denied request consumes nothing. Callers must :meth:`RateLimiter.release` the returned
``token`` when the request finishes (in a ``finally``). Redis failures surface as
:class:`RateLimitBackendError` (the app should answer 503).

The limiter also keeps a short memo per key: :meth:`RateLimiter.remember` stores a value
under a name for a while, and ``acquire(..., recall=name)`` reads it back in the same
atomic step (the same Redis round trip). The API remembers which turn an
``Idempotency-Key`` created, so a repeated request is answered without the database.
The memo is a cache: the database stays the record, and a lost memo costs one lookup.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import redis.asyncio as redis_asyncio
import redis.exceptions as redis_exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

__all__ = [
    "MemoryRateLimiter",
    "RateDecision",
    "RateLimitBackendError",
    "RateLimiter",
    "RedisRateLimiter",
    "redis_client",
    "user_key",
]

REASON_RATE = "rate"
REASON_CONCURRENCY = "concurrency"


@dataclass(frozen=True)
class RateDecision:
    """Outcome of :meth:`RateLimiter.acquire`.

    ``limit``/``remaining``/``reset_epoch`` describe the binding limit: the per-window rate
    limit when allowed or denied for ``"rate"``, the concurrency limit when denied for
    ``"concurrency"`` (then ``reset_epoch`` is when the oldest in-flight slot expires at the
    latest, and ``retry_after_s`` is 1 because slots usually free up as requests finish).
    ``token`` is set only when an in-flight slot was taken and must be released.
    ``recalled`` is the value remembered under the ``recall`` name, when asked and allowed.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int
    retry_after_s: int
    reason: str | None = None
    token: str | None = None
    recalled: str | None = None


class RateLimitBackendError(Exception):
    """The rate-limit backend (Redis) is unreachable or failed; map to 503."""


@runtime_checkable
class RateLimiter(Protocol):
    """Per-key sliding-window rate limit plus concurrency limit."""

    async def acquire(self, key: str, *, count_concurrency: bool = True,
                      recall: str | None = None) -> RateDecision:
        """Atomically prune, check both limits and, if allowed, record the request.

        With ``recall``, an allowed decision also carries what :meth:`remember` stored
        under that name for ``key`` (None when nothing is, or it expired).
        """
        ...

    async def remember(self, key: str, name: str, value: str, ttl_s: float) -> None:
        """Keep ``value`` under ``name`` for ``key`` for ``ttl_s`` seconds (a cache)."""
        ...

    async def forget(self, key: str, names: list[str]) -> None:
        """Drop what was remembered under ``names`` for ``key``."""
        ...

    async def release(self, key: str, token: str) -> None:
        """Free the in-flight slot ``token`` (idempotent)."""
        ...

    async def ping(self) -> None:
        """Raise if the backend is unavailable."""
        ...

    async def aclose(self) -> None:
        """Release the backend connection, if this limiter owns one."""
        ...


def user_key(user_id: str) -> str:
    """The limiter key of an authenticated user (the API's middleware and memo share it)."""
    return f"user:{user_id}"


def _check_limits(per_minute: int, max_concurrent: int, window_s: float, ttl_s: float) -> None:
    if per_minute < 1 or max_concurrent < 1:
        raise ValueError("per_minute and max_concurrent must be >= 1")
    if window_s <= 0 or ttl_s <= 0:
        raise ValueError("window_s and inflight_ttl_s must be > 0")


def _new_token() -> str:
    return uuid.uuid4().hex


def _retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


# -- in-memory ----------------------------------------------------------------------------


# Memo entries kept per key at most (the oldest go first): a cache needs no more.
MEMO_PER_KEY = 1024


class _MemoryBucket:
    __slots__ = ("inflight", "memo", "window")

    def __init__(self) -> None:
        self.window: deque[float] = deque()  # admission times, ascending
        self.inflight: dict[str, float] = {}  # token -> expiry time
        self.memo: dict[str, tuple[str, float]] = {}  # name -> (value, expiry), oldest first


class MemoryRateLimiter(RateLimiter):
    """Single-process :class:`RateLimiter` with the same semantics as the Redis one."""

    _SWEEP_EVERY = 1024  # acquisitions between sweeps of idle keys

    def __init__(
        self,
        per_minute: int = 100,
        max_concurrent: int = 10,
        window_s: float = 60.0,
        inflight_ttl_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` returns Unix-epoch seconds (injectable for tests)."""
        _check_limits(per_minute, max_concurrent, window_s, inflight_ttl_s)
        self.per_minute = per_minute
        self.max_concurrent = max_concurrent
        self.window_s = window_s
        self.inflight_ttl_s = inflight_ttl_s
        self._clock = clock
        self._buckets: dict[str, _MemoryBucket] = {}
        # No awaits happen while it is held; it only matters if threads share the limiter.
        self._lock = threading.Lock()
        self._ops = 0

    def _prune(self, b: _MemoryBucket, now: float) -> None:
        cutoff = now - self.window_s
        while b.window and b.window[0] <= cutoff:
            b.window.popleft()
        if b.inflight:
            for tok in [t for t, exp in b.inflight.items() if exp <= now]:
                del b.inflight[tok]

    def _sweep(self, now: float) -> None:
        # Idle users must cost nothing, like EXPIRE does for Redis keys.
        for key in list(self._buckets):
            b = self._buckets[key]
            self._prune(b, now)
            if b.memo:
                for name in [n for n, (_v, exp) in b.memo.items() if exp <= now]:
                    del b.memo[name]
            if not b.window and not b.inflight and not b.memo:
                del self._buckets[key]

    async def acquire(self, key: str, *, count_concurrency: bool = True,
                      recall: str | None = None) -> RateDecision:
        """Atomically prune, check both limits and, if allowed, record the request."""
        with self._lock:
            now = self._clock()
            self._ops += 1
            if self._ops % self._SWEEP_EVERY == 0:
                self._sweep(now)
            b = self._buckets.get(key)
            if b is None:
                b = self._buckets[key] = _MemoryBucket()
            self._prune(b, now)

            if len(b.window) >= self.per_minute:
                reset = b.window[0] + self.window_s
                return RateDecision(
                    allowed=False,
                    limit=self.per_minute,
                    remaining=0,
                    reset_epoch=math.ceil(reset),
                    retry_after_s=_retry_after(reset - now),
                    reason=REASON_RATE,
                )
            if count_concurrency and len(b.inflight) >= self.max_concurrent:
                return RateDecision(
                    allowed=False,
                    limit=self.max_concurrent,
                    remaining=0,
                    reset_epoch=math.ceil(min(b.inflight.values())),
                    retry_after_s=1,
                    reason=REASON_CONCURRENCY,
                )

            token = _new_token()
            b.window.append(now)
            if count_concurrency:
                b.inflight[token] = now + self.inflight_ttl_s
            recalled = None
            if recall is not None:
                entry = b.memo.get(recall)
                if entry is not None and entry[1] > now:
                    recalled = entry[0]
            return RateDecision(
                allowed=True,
                limit=self.per_minute,
                remaining=self.per_minute - len(b.window),
                reset_epoch=math.ceil(b.window[0] + self.window_s),
                retry_after_s=0,
                reason=None,
                token=token if count_concurrency else None,
                recalled=recalled,
            )

    async def remember(self, key: str, name: str, value: str, ttl_s: float) -> None:
        """Keep ``value`` under ``name`` for ``key`` for ``ttl_s`` seconds (a cache)."""
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                b = self._buckets[key] = _MemoryBucket()
            b.memo.pop(name, None)
            b.memo[name] = (value, self._clock() + ttl_s)
            while len(b.memo) > MEMO_PER_KEY:
                del b.memo[next(iter(b.memo))]

    async def forget(self, key: str, names: list[str]) -> None:
        """Drop what was remembered under ``names`` for ``key``."""
        with self._lock:
            b = self._buckets.get(key)
            if b is not None:
                for name in names:
                    b.memo.pop(name, None)

    async def release(self, key: str, token: str) -> None:
        """Free the in-flight slot ``token`` (idempotent)."""
        with self._lock:
            b = self._buckets.get(key)
            if b is not None:
                b.inflight.pop(token, None)

    async def ping(self) -> None:
        """Always healthy: there is no external backend."""

    async def aclose(self) -> None:
        """Nothing to release."""


# -- Redis --------------------------------------------------------------------------------

# KEYS[1] = window log ZSET (member token, score admission ms)
# KEYS[2] = in-flight ZSET (member token, score expiry ms)
# KEYS[3] = optional: a memo string to read back when allowed (`recall`)
# ARGV = limit, max_concurrent, window_ms, inflight_ttl_ms, token, count_concurrency (1/0)
# Returns {allowed, reason (0 ok, 1 rate, 2 concurrency), limit, remaining, reset_ms,
#          retry_after_ms[, recalled]} — integers, since Lua numbers are truncated on the way
#          out, then the memo's value (false, i.e. nil, when absent).
_ACQUIRE_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local limit = tonumber(ARGV[1])
local max_conc = tonumber(ARGV[2])
local window_ms = tonumber(ARGV[3])
local ttl_ms = tonumber(ARGV[4])
local token = ARGV[5]
local count_conc = ARGV[6] == '1'

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window_ms)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local used = redis.call('ZCARD', KEYS[1])

if used >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local reset = tonumber(oldest[2]) + window_ms
  return {0, 1, limit, 0, reset, reset - now}
end
if count_conc and redis.call('ZCARD', KEYS[2]) >= max_conc then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {0, 2, max_conc, 0, tonumber(first[2]), 1000}
end

redis.call('ZADD', KEYS[1], now, token)
-- entries only ever get later expiries, so the newest one bounds the key's lifetime
redis.call('PEXPIRE', KEYS[1], window_ms + 1000)
if count_conc then
  redis.call('ZADD', KEYS[2], now + ttl_ms, token)
  redis.call('PEXPIRE', KEYS[2], ttl_ms + 1000)
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local answer = {1, 0, limit, limit - used - 1, tonumber(oldest[2]) + window_ms, 0}
if KEYS[3] then
  answer[7] = redis.call('GET', KEYS[3])
end
return answer
"""

# Redis/network failures that mean "backend unavailable" rather than a programming error.
_BACKEND_ERRORS: tuple[type[BaseException], ...] = (
    redis_exceptions.RedisError,
    OSError,
    TimeoutError,
)


def redis_client(url: str) -> redis_asyncio.Redis:
    """Redis client tuned to fail fast: 1 s connect/read timeouts, one immediate retry.

    redis-py's default retry policy backs off exponentially over several attempts, which
    would turn an outage into multi-second request stalls instead of a quick 503.
    """
    return redis_asyncio.Redis.from_url(
        url,
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
        # One retry without backoff absorbs a stale pooled connection after a Redis restart;
        # timeouts are not retried so a black-holed Redis costs ~1 s, not several.
        retry=Retry(NoBackoff(), 1, supported_errors=(redis_exceptions.ConnectionError,)),
        health_check_interval=30,
    )


class RedisRateLimiter(RateLimiter):
    """Multi-process :class:`RateLimiter` backed by one Redis (atomic Lua, Redis clock).

    Construct ``redis`` with short socket timeouts (see :func:`redis_client`: connect and
    read timeouts of about 1 s) so an outage yields :class:`RateLimitBackendError` quickly.
    The client is owned by the caller, who closes it, unless ``owns_client`` is set.
    """

    def __init__(
        self,
        redis: redis_asyncio.Redis,
        *,
        prefix: str = "chatkit:rl:",
        per_minute: int = 100,
        max_concurrent: int = 10,
        window_s: float = 60.0,
        inflight_ttl_s: float = 60.0,
        owns_client: bool = False,
    ) -> None:
        """Register the Lua script on ``redis``; keys are namespaced by ``prefix``.

        With ``owns_client``, :meth:`aclose` closes ``redis``.
        """
        _check_limits(per_minute, max_concurrent, window_s, inflight_ttl_s)
        self._redis = redis
        self._owns_client = owns_client
        self.prefix = prefix
        self.per_minute = per_minute
        self.max_concurrent = max_concurrent
        self.window_ms = max(1, round(window_s * 1000))
        self.inflight_ttl_ms = max(1, round(inflight_ttl_s * 1000))
        self._script = redis.register_script(_ACQUIRE_LUA)

    def _keys(self, key: str) -> list[str]:
        # A hash tag keeps a key's entries in one slot, which EVAL needs on Redis Cluster.
        base = f"{self.prefix}{{{key}}}"
        return [f"{base}:w", f"{base}:c"]

    def _memo_key(self, key: str, name: str) -> str:
        return f"{self.prefix}{{{key}}}:m:{name}"

    async def acquire(self, key: str, *, count_concurrency: bool = True,
                      recall: str | None = None) -> RateDecision:
        """Atomically prune, check both limits and, if allowed, record the request."""
        token = _new_token()
        keys = self._keys(key)
        if recall is not None:
            keys.append(self._memo_key(key, recall))
        try:
            res = await self._script(
                keys=keys,
                args=[
                    self.per_minute,
                    self.max_concurrent,
                    self.window_ms,
                    self.inflight_ttl_ms,
                    token,
                    1 if count_concurrency else 0,
                ],
            )
        except _BACKEND_ERRORS as exc:
            raise RateLimitBackendError(f"rate limiter backend failed: {exc}") from exc
        allowed, reason, limit, remaining, reset_ms, retry_ms = (int(v) for v in res[:6])
        if allowed:
            recalled = res[6] if len(res) > 6 else None
            return RateDecision(
                allowed=True,
                limit=limit,
                remaining=remaining,
                reset_epoch=math.ceil(reset_ms / 1000),
                retry_after_s=0,
                reason=None,
                token=token if count_concurrency else None,
                recalled=recalled.decode() if isinstance(recalled, bytes) else recalled,
            )
        return RateDecision(
            allowed=False,
            limit=limit,
            remaining=0,
            reset_epoch=math.ceil(reset_ms / 1000),
            retry_after_s=_retry_after(retry_ms / 1000),
            reason=REASON_RATE if reason == 1 else REASON_CONCURRENCY,
        )

    async def remember(self, key: str, name: str, value: str, ttl_s: float) -> None:
        """Keep ``value`` under ``name`` for ``key`` for ``ttl_s`` seconds (a cache)."""
        try:
            await self._redis.set(self._memo_key(key, name), value,
                                  px=max(1, round(ttl_s * 1000)))
        except _BACKEND_ERRORS as exc:
            raise RateLimitBackendError(f"rate limiter backend failed: {exc}") from exc

    async def forget(self, key: str, names: list[str]) -> None:
        """Drop what was remembered under ``names`` for ``key`` (one DEL: one slot)."""
        if not names:
            return
        try:
            await self._redis.delete(*(self._memo_key(key, name) for name in names))
        except _BACKEND_ERRORS as exc:
            raise RateLimitBackendError(f"rate limiter backend failed: {exc}") from exc

    async def release(self, key: str, token: str) -> None:
        """Free the in-flight slot ``token`` (idempotent); raises RateLimitBackendError."""
        try:
            await self._redis.zrem(self._keys(key)[1], token)
        except _BACKEND_ERRORS as exc:
            raise RateLimitBackendError(f"rate limiter backend failed: {exc}") from exc

    async def ping(self) -> None:
        """Raise :class:`RateLimitBackendError` if Redis does not answer."""
        try:
            await self._redis.ping()
        except _BACKEND_ERRORS as exc:
            raise RateLimitBackendError(f"rate limiter backend failed: {exc}") from exc

    async def aclose(self) -> None:
        """Close the Redis client when this limiter owns it."""
        if self._owns_client:
            await self._redis.aclose()
