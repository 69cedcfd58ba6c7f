"""Live thread events: Server-Sent Events read from `thread_events`, stream tokens, limits.

A stream subscribes to the thread's nudges (core.pubsub) *before* reading the
database, then sends every event row after the client's `Last-Event-ID`. Nudges only say
"look again", and a periodic re-read covers a lost one, so events are never skipped,
never sent twice, and always in thread order.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.errors import AUTH_ERROR, RATE_LIMIT_ERROR, ChatKitError
from api.server import TurnIntake
from core.errors import Problem
from core.pubsub import EventHub, event_hub
from core.settings import Settings
from store.history import ThreadIdentity, events_after, thread_identity
from store.models import ThreadEvent, Turn
from store.turns import turn_view

log = logging.getLogger("chatkit.api")

FINAL_STATUSES = ("completed", "failed")
HEARTBEAT_SECONDS = 15.0  # below the 30-60 s idle timeouts of common proxies
RECHECK_SECONDS = 5.0  # re-read the database even without a nudge (a nudge can be lost)
STREAM_TOKEN_TTL_SECONDS = 60
MAX_STREAMS_PER_USER = 5
MAX_WAIT_SECONDS = 30
_PAGE = 200


def item_view(turn: Turn) -> dict[str, Any]:
    """A turn as history and events show it: the result view plus its kind and position."""
    view = turn_view(turn)
    view.update(id=turn.id, kind=turn.kind, seq=turn.seq)
    if turn.kind == "message":
        view.setdefault("action", None)
    else:
        view.setdefault("input", None)
    return view


def item_as_of(event: ThreadEvent, turn: Turn) -> dict[str, Any]:
    """The turn as it was when the event happened, not as it is now.

    The row holds only the latest state. Before its outcome a turn had its input (or
    action) and a status, and no answer yet: `turn.queued` and `turn.running` show exactly
    that, however long after the turn finished the event is read. A finished turn never
    changes again, so its `completed`/`failed` event shows the row.
    """
    view = item_view(turn)
    status = event.type.removeprefix("turn.")
    if status in FINAL_STATUSES:
        return view
    view.update(status=status, text=None, widgets=[], error=None, completed_at=None)
    if "replaces" in view:
        view["replaces"] = None
    return view


def format_event(event: ThreadEvent, turn: Turn | None) -> bytes:
    """One SSE frame: `id:` is the event row id, so `Last-Event-ID` resumes from the database."""
    data = {
        "event_id": event.id,
        "type": event.type,
        "thread_id": event.thread_id,
        "turn_id": event.turn_id,
        "created_at": event.created_at.isoformat(),
        "item": item_as_of(event, turn) if turn is not None else None,
    }
    body = json.dumps(data, separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.type}\ndata: {body}\n\n".encode()


async def event_stream(
    sessions: async_sessionmaker[AsyncSession],
    hub: EventHub,
    thread_id: str,
    after_id: int,
    *,
    identity: ThreadIdentity | None = None,
    heartbeat_s: float | None = None,
    on_heartbeat: Any = None,
    on_close: Any = None,
) -> AsyncIterator[bytes]:
    """SSE bytes for the thread from event `after_id` on, until the client leaves.

    With `identity` (the thread as the stream was opened on it), the stream ends once the
    thread is deleted or its id belongs to another life (another owner): reads are
    filtered by it, and each wake-up checks it. `on_heartbeat` runs every `heartbeat_s`
    whether or not events flow (it keeps the stream's slot alive).
    """
    heartbeat_s = HEARTBEAT_SECONDS if heartbeat_s is None else heartbeat_s
    try:
        async with hub.subscribe(thread_id) as waiter:
            # Tell EventSource to reconnect quickly; it then sends Last-Event-ID itself.
            yield b"retry: 2000\n: connected\n\n"
            last_id = after_id
            last_write = last_refresh = time.monotonic()
            while True:
                async with sessions() as session:
                    rows = await events_after(session, thread_id, last_id, limit=_PAGE,
                                              identity=identity)
                    if (not rows and identity is not None
                            and await thread_identity(session, thread_id) != identity):
                        return  # deleted, or the id is someone else's now: nothing more
                for event, turn in rows:
                    yield format_event(event, turn)
                    last_id, last_write = event.id, time.monotonic()
                if on_heartbeat is not None and time.monotonic() - last_refresh >= heartbeat_s:
                    await on_heartbeat()
                    last_refresh = time.monotonic()
                if len(rows) == _PAGE:
                    continue
                await waiter.wait(min(RECHECK_SECONDS, heartbeat_s))
                if time.monotonic() - last_write >= heartbeat_s:
                    yield b": keep-alive\n\n"
                    last_write = time.monotonic()
    finally:
        if on_close is not None:
            # The client is gone and the task may be cancelled: release the slot anyway.
            with anyio.CancelScope(shield=True):
                await on_close()


async def wait_for_result(
    server: TurnIntake, hub: EventHub, turn_id: str, user_id: str, *, kind: str,
    wait: float,
) -> dict[str, Any]:
    """The turn's result, waiting up to `wait` seconds for it to finish (long-poll).

    The turn is read once, and once more when its final event arrives (before, a read
    after subscribing and one per event of its thread: 3-4 reads per long-poll). An event
    published between the first read and the subscription is not missed: the hub
    remembers the turns it lately saw finish. A nudge lost on the way (Redis away) costs
    at most 2 s: the wait re-reads the row that often.
    """
    view = await server.result(turn_id, user_id, kind=kind)
    if wait <= 0 or view["status"] in FINAL_STATUSES:
        return view
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, MAX_WAIT_SECONDS)
    async with hub.subscribe_turn(turn_id) as waiter:
        # Finished between the read and the subscription: read it again at once.
        wait_first = not hub.finished(turn_id)
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return view
            if wait_first:
                await waiter.wait(min(remaining, 2.0))
            wait_first = True
            view = await server.result(turn_id, user_id, kind=kind)
            if view["status"] in FINAL_STATUSES:
                return view


# ---- stream tokens ------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class StreamTokens:
    """Short-lived tokens good for one thread's event stream only (EventSource sends no headers).

    Signed with the HS256 secret so any API process accepts them; a JWKS-only deployment
    has no shared secret, so there each process signs with its own key (use the
    `access_token` query parameter there, or sticky sessions).
    """

    def __init__(self, secret: str | None, ttl_s: int = STREAM_TOKEN_TTL_SECONDS) -> None:
        seed = secret or secrets.token_hex(32)
        self.key = hashlib.sha256(b"chatkit-stream-token:" + seed.encode()).digest()
        self.ttl_s = ttl_s

    def mint(self, user_id: str, thread_id: str, now: float | None = None) -> tuple[str, int]:
        """A token for (user, thread) and its expiry (unix seconds)."""
        expires = int((now or time.time()) + self.ttl_s)
        body = _b64(json.dumps({"p": "events", "u": user_id, "t": thread_id, "e": expires},
                               separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}", expires

    def verify(self, token: str, thread_id: str, now: float | None = None) -> str:
        """The token's user id; ChatKitError 401 when forged, expired or for another thread."""
        try:
            body, signature = token.split(".", 1)
            if not hmac.compare_digest(signature, self._sign(body)):
                raise ValueError("bad signature")
            claims = json.loads(_unb64(body))
        except (ValueError, TypeError):
            raise _unauthorized("invalid stream token") from None
        if claims.get("p") != "events" or claims.get("t") != thread_id:
            raise _unauthorized("this stream token is for another thread")
        if int(claims.get("e", 0)) < (now or time.time()):
            raise _unauthorized("stream token expired; request a new one")
        return str(claims["u"])

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())


def _unauthorized(message: str) -> ChatKitError:
    return ChatKitError(401, AUTH_ERROR, message, {"WWW-Authenticate": "Bearer"})


# ---- open-stream limits -------------------------------------------------------------------


def streams_unavailable() -> ChatKitError:
    return Problem.UNAVAILABLE.error("event streams are unavailable (Redis unreachable); "
                                     "retry shortly", {"Retry-After": "2"})


def too_many_streams(limit: int) -> ChatKitError:
    return ChatKitError(429, RATE_LIMIT_ERROR,
                        f"too many open event streams (at most {limit} per user); close one "
                        "and retry", {"Retry-After": str(int(HEARTBEAT_SECONDS))})


@dataclass
class MemoryStreamLimiter:
    """Open streams per user in this process (embedded mode)."""

    limit: int = MAX_STREAMS_PER_USER

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, set[str]] = {}

    async def acquire(self, user_id: str) -> str:
        with self._lock:
            streams = self._open.setdefault(user_id, set())
            if len(streams) >= self.limit:
                raise too_many_streams(self.limit)
            stream_id = uuid.uuid4().hex
            streams.add(stream_id)
            return stream_id

    async def refresh(self, user_id: str, stream_id: str) -> None:
        return None

    async def release(self, user_id: str, stream_id: str) -> None:
        with self._lock:
            streams = self._open.get(user_id)
            if streams is not None:
                streams.discard(stream_id)
                if not streams:
                    del self._open[user_id]


_ACQUIRE_STREAM_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


class RedisStreamLimiter:
    """Open streams per user across API processes: a sorted set of stream ids with expiries.

    Every open stream refreshes its entry each `HEARTBEAT_SECONDS`, events flowing or not,
    and an entry lives three of those: a crashed process's streams stop counting after a
    few missed refreshes, and a live stream never loses its slot (so the limit is exact).
    Redis unreachable: opening a stream is a 503; a failed refresh or release is logged
    (the entry expires by itself).
    """

    def __init__(self, url: str, prefix: str, limit: int = MAX_STREAMS_PER_USER) -> None:
        import redis.asyncio as redis_asyncio

        self.client = redis_asyncio.Redis.from_url(url, socket_timeout=2,
                                                   socket_connect_timeout=2)
        self.prefix = prefix
        self.limit = limit

    @staticmethod
    def _ttl_ms() -> int:
        return int(HEARTBEAT_SECONDS * 3 * 1000)  # read when used: tests shorten it

    def _key(self, user_id: str) -> str:
        return f"{self.prefix}{user_id}"

    async def acquire(self, user_id: str) -> str:
        import redis

        stream_id = uuid.uuid4().hex
        now = int(time.time() * 1000)
        ttl_ms = self._ttl_ms()
        try:
            allowed = await self.client.eval(
                _ACQUIRE_STREAM_LUA, 1, self._key(user_id), now, self.limit,
                now + ttl_ms, stream_id, ttl_ms * 2)
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            log.warning("stream limiter unreachable", exc_info=True)
            raise streams_unavailable() from None
        if not allowed:
            raise too_many_streams(self.limit)
        return stream_id

    async def refresh(self, user_id: str, stream_id: str) -> None:
        now = int(time.time() * 1000)
        try:
            ttl_ms = self._ttl_ms()
            await self.client.zadd(self._key(user_id), {stream_id: now + ttl_ms}, xx=True)
            await self.client.pexpire(self._key(user_id), ttl_ms * 2)
        except Exception:
            log.warning("could not refresh a stream slot of %s", user_id, exc_info=True)

    async def release(self, user_id: str, stream_id: str) -> None:
        try:
            await self.client.zrem(self._key(user_id), stream_id)
        except Exception:
            log.warning("could not release a stream slot of %s", user_id, exc_info=True)

    async def aclose(self) -> None:
        await self.client.aclose()


def live_state(settings: Settings) -> dict[str, Any]:
    """The app state entries for live events: the hub, stream tokens and stream limits."""
    limiter: Any
    if settings.redis_url:
        limiter = RedisStreamLimiter(settings.redis_url,
                                     f"chatkit:{settings.celery_queue}:streams:")
    else:
        limiter = MemoryStreamLimiter()
    return {"events": event_hub(settings),
            "stream_tokens": StreamTokens(settings.resolved_jwt_secret()),
            "stream_limiter": limiter}


async def start_live(state: Mapping[str, Any]) -> None:
    """Start listening for nudges (Redis pub/sub) for this API process."""
    await state["events"].start()


async def stop_live(state: Mapping[str, Any]) -> None:
    await state["events"].stop()
    closer = getattr(state["stream_limiter"], "aclose", None)
    if closer is not None:
        await closer()
