"""Live "this thread changed" nudges from the workers to the API's event streams.

The message is only a wake-up: the stream then reads the thread's new `thread_events` rows
from the database, so a lost or repeated nudge can delay an event but never lose or
duplicate one. Redis pub/sub carries nudges between processes when `CHATKIT_REDIS_URL` is
set; in embedded mode the API and the worker share one process and one in-memory hub.

Imports neither Litestar nor Celery: both the API and the workers use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from core.settings import Settings

log = logging.getLogger("chatkit.pubsub")

# (thread_id, turn_id, status) — the workers' `Notify` signature.
Publish = Callable[[str, str, str], None]


def channel_prefix(settings: Settings) -> str:
    """Redis channel prefix; the Celery queue name keeps separate deployments (and tests) apart."""
    return f"chatkit:{settings.celery_queue}:thread:"


class ThreadWaiter:
    """One subscriber's wake-up flag, set from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.event = asyncio.Event()

    def wake(self) -> None:
        # RuntimeError: the subscriber's loop is gone, so nobody listens any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.event.set)

    async def wait(self, timeout: float) -> bool:
        """Wait for a nudge (True) or the timeout (False); clears the flag either way."""
        try:
            await asyncio.wait_for(self.event.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self.event.clear()


class EventHub(Protocol):
    """What the API needs: subscribe to one thread's nudges; start and stop."""

    def subscribe(self, thread_id: str) -> contextlib.AbstractAsyncContextManager[ThreadWaiter]:
        ...

    def subscribe_turn(self, turn_id: str) -> contextlib.AbstractAsyncContextManager[ThreadWaiter]:
        """Woken when this turn is published completed or failed."""
        ...

    def finished(self, turn_id: str) -> bool:
        """This turn was lately published completed or failed (in this process)."""
        ...

    async def nudge(self, thread_id: str) -> None:
        """Wake the thread's streams in every API process (something changed outside a turn)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


FINAL = frozenset({"completed", "failed"})
# Turns lately published final, remembered so a long-poll that read its turn just before
# the event and subscribed just after still knows (bounded: the oldest are forgotten).
RECENT_FINISHED = 10_000


class LocalHub:
    """Dispatches nudges to this process's waiters. Thread-safe: workers publish from threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[ThreadWaiter]] = {}
        self._turn_waiters: dict[str, set[ThreadWaiter]] = {}
        self._finished: OrderedDict[str, None] = OrderedDict()

    def publish(self, thread_id: str, turn_id: str = "", status: str = "") -> None:
        """Wake every waiter of the thread (the worker-side `notify`), and of the turn when
        it is final."""
        with self._lock:
            waiters = list(self._waiters.get(thread_id, ()))
            if turn_id and status in FINAL:
                self._finished[turn_id] = None
                if len(self._finished) > RECENT_FINISHED:
                    self._finished.popitem(last=False)
                waiters += self._turn_waiters.get(turn_id, ())
        for waiter in waiters:
            waiter.wake()

    def finished(self, turn_id: str) -> bool:
        with self._lock:
            return turn_id in self._finished

    def subscribe(self, thread_id: str) -> contextlib.AbstractAsyncContextManager[ThreadWaiter]:
        return self._subscribe(self._waiters, thread_id)

    def subscribe_turn(self, turn_id: str) -> contextlib.AbstractAsyncContextManager[ThreadWaiter]:
        return self._subscribe(self._turn_waiters, turn_id)

    @contextlib.asynccontextmanager
    async def _subscribe(self, table: dict[str, set[ThreadWaiter]],
                         key: str) -> AsyncIterator[ThreadWaiter]:
        waiter = ThreadWaiter(asyncio.get_running_loop())
        with self._lock:
            table.setdefault(key, set()).add(waiter)
        try:
            yield waiter
        finally:
            with self._lock:
                group = table.get(key)
                if group is not None:
                    group.discard(waiter)
                    if not group:
                        del table[key]

    async def nudge(self, thread_id: str) -> None:
        self.publish(thread_id)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


_memory_hub = LocalHub()


def memory_hub() -> LocalHub:
    """The process-wide in-memory hub shared by the embedded API and worker."""
    return _memory_hub


class RedisHub:
    """One pattern subscription per API process, fanned out to local waiters."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.local = LocalHub()
        self._task: asyncio.Task[None] | None = None

    def subscribe(self, thread_id: str) -> contextlib.AbstractAsyncContextManager[ThreadWaiter]:
        return self.local.subscribe(thread_id)

    def subscribe_turn(self, turn_id: str) -> contextlib.AbstractAsyncContextManager[ThreadWaiter]:
        return self.local.subscribe_turn(turn_id)

    def finished(self, turn_id: str) -> bool:
        return self.local.finished(turn_id)

    async def nudge(self, thread_id: str) -> None:
        import redis.asyncio as redis_asyncio

        self.local.publish(thread_id)
        try:
            async with redis_asyncio.Redis.from_url(self.url, socket_timeout=2,
                                                    socket_connect_timeout=2) as client:
                await client.publish(f"{self.prefix}{thread_id}", "{}")
        except Exception:
            # Other processes' streams find the change on their next periodic re-read.
            log.warning("could not nudge thread %s", thread_id, exc_info=True)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="chatkit-events-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        import redis.asyncio as redis_asyncio

        while True:
            client = redis_asyncio.Redis.from_url(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{self.prefix}*")
                    async for message in pubsub.listen():
                        if message.get("type") != "pmessage":
                            continue
                        channel = message["channel"]
                        if isinstance(channel, bytes):
                            channel = channel.decode()
                        turn_id, status = _turn_and_status(message.get("data"))
                        self.local.publish(channel[len(self.prefix):], turn_id, status)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Streams still poll the database meanwhile; resubscribe after a pause.
                log.warning("event listener lost Redis; retrying", exc_info=True)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()


def _turn_and_status(data: Any) -> tuple[str, str]:
    """The turn id and status of a worker's nudge ("" for a nudge that names none)."""
    try:
        payload = json.loads(data)
    except (TypeError, ValueError):
        return "", ""
    if not isinstance(payload, dict):
        return "", ""
    turn_id, status = payload.get("turn_id"), payload.get("status")
    return (turn_id if isinstance(turn_id, str) else "",
            status if isinstance(status, str) else "")


class RedisPublisher:
    """The worker-side `notify` for production: PUBLISH a small JSON nudge."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def __call__(self, thread_id: str, turn_id: str, status: str) -> None:
        payload = json.dumps({"thread_id": thread_id, "turn_id": turn_id, "status": status})
        try:
            self.client.publish(f"{self.prefix}{thread_id}", payload)
        except Exception:
            # The change is committed; streams find it on their next database poll.
            log.warning("could not publish event for thread %s", thread_id, exc_info=True)


def event_hub(settings: Settings) -> Any:
    """The API's hub: Redis pub/sub when configured, else the process-wide memory hub."""
    if settings.redis_url:
        return RedisHub(settings.redis_url, channel_prefix(settings))
    return memory_hub()


def publisher(settings: Settings) -> Publish:
    """The workers' `notify`: Redis PUBLISH when configured, else the memory hub."""
    if settings.redis_url:
        return RedisPublisher(settings.redis_url, channel_prefix(settings))
    return memory_hub().publish
