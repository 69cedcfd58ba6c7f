"""Publishing kicks to the workers without importing them: a Celery producer, tasks by name."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import anyio
from celery import Celery

from core import metrics
from core.logs import bound
from core.telemetry import inject, span

PROCESS_THREAD = "chatkit.process_thread"  # the worker task's stable name
# Correlation carried in the kick's message headers (Celery hands them to the task as
# `task.request.<name>`): the request and turn that sent it, and the trace context.
HEADER_REQUEST_ID = "chatkit_request_id"
HEADER_TURN_ID = "chatkit_turn_id"
HEADER_USER = "chatkit_user"

# After a failed publish, kicks fail at once for this long instead of each request
# spending its own connection attempts on a broker that is down.
BROKER_DOWN_COOLDOWN_S = 1.0


class BrokerUnavailable(ConnectionError):
    """The last publish failed moments ago; this kick was not attempted."""


def kick_headers() -> dict[str, str]:
    """Headers for a kick sent now: the bound request and turn ids, the trace context."""
    context = bound()
    headers = {}
    if "request_id" in context:
        headers[HEADER_REQUEST_ID] = str(context["request_id"])
    turn_id = context.get("response_id") or context.get("action_id")
    if turn_id:
        headers[HEADER_TURN_ID] = str(turn_id)
    if "user" in context:
        headers[HEADER_USER] = str(context["user"])
    inject(headers)
    return headers


def _broker_host(broker_url: str) -> str:
    return broker_url.split("@")[-1]


def celery_kick(broker_url: str, queue: str) -> Callable[[str], Awaitable[None]]:
    """A `Kick` that publishes `chatkit.process_thread(thread_id)` off the event loop.

    A kick that raises leaves its turn stored: the workers' sweep re-kicks it. With
    `memory://` the producer shares the process-wide in-memory broker with the embedded
    worker; with Redis the message is pushed asynchronously (`redis_kick`).
    """
    if broker_url.startswith(("redis://", "rediss://")):
        return redis_kick(broker_url, queue)
    producer = Celery("chatkit-api", broker=broker_url, set_as_current=False)
    producer.conf.update(
        broker_connection_timeout=2,
        broker_connection_retry=False,
        # A hung (not refusing) Redis must not hold a request's thread for long either.
        broker_transport_options={"socket_timeout": 2, "socket_connect_timeout": 2},
        task_serializer="json",
        task_default_queue=queue,
    )
    # Bounded retries: the request must answer fast even when the broker is down.
    policy = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
    send = partial(producer.send_task, PROCESS_THREAD, queue=queue, retry=True,
                   retry_policy=policy)

    down_until = 0.0

    async def kick(thread_id: str) -> None:
        nonlocal down_until
        if time.monotonic() < down_until:
            metrics.KICKS_FAILED.inc()
            raise BrokerUnavailable(f"broker {_broker_host(broker_url)} failed moments ago")
        with span(f"{PROCESS_THREAD} publish", kind="producer",
                  attributes={"messaging.destination.name": queue}):
            headers = kick_headers()
            try:
                await anyio.to_thread.run_sync(lambda: send(args=[thread_id], headers=headers))
            except Exception:
                metrics.KICKS_FAILED.inc()
                down_until = time.monotonic() + BROKER_DOWN_COOLDOWN_S
                raise

    return kick


def kick_message(thread_id: str, queue: str, origin: str,
                 headers: dict[str, str] | None = None) -> bytes:
    """The message `send_task(PROCESS_THREAD, args=[thread_id], queue=queue,
    headers=headers)` puts on Redis.

    Celery task protocol 2 in kombu's Redis envelope (JSON, base64 body, default exchange:
    the list named after the queue). Fields and order as Celery 5 writes them; `headers`
    (correlation, trace context) follow Celery's own, as `send_task` puts them.
    """
    task_id = str(uuid.uuid4())
    body = json.dumps([[thread_id], {}, {"callbacks": None, "errbacks": None, "chain": None,
                                         "chord": None}])
    return json.dumps({
        "body": base64.b64encode(body.encode()).decode("ascii"),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": {
            "lang": "py", "task": PROCESS_THREAD, "id": task_id, "shadow": None, "eta": None,
            "expires": None, "group": None, "group_index": None, "retries": 0,
            "timelimit": [None, None], "root_id": task_id, "parent_id": None,
            "argsrepr": repr([thread_id]), "kwargsrepr": "{}", "origin": origin,
            "ignore_result": None, "replaced_task_nesting": 0, "stamped_headers": None,
            "stamps": {}, **(headers or {}),
        },
        "properties": {
            "correlation_id": task_id, "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0,
            "body_encoding": "base64", "delivery_tag": str(uuid.uuid4()),
        },
    }).encode()


class _KickBatch:
    """Messages waiting for one LPUSH, on one event loop; `add` returns once pushed."""

    def __init__(self, push: Callable[[list[bytes]], Awaitable[None]]) -> None:
        self.push = push
        self.waiting: list[tuple[bytes, asyncio.Future[None]]] = []
        self.pushing: asyncio.Task[None] | None = None

    async def add(self, message: bytes) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self.waiting.append((message, done))
        if self.pushing is None:
            self.pushing = loop.create_task(self._push_waiting())
        await done

    async def _push_waiting(self) -> None:
        try:
            while self.waiting:
                batch = self.waiting[:]
                del self.waiting[:]
                try:
                    await self.push([message for message, _ in batch])
                except Exception as error:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                else:
                    for _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self.pushing = None


def redis_kick(broker_url: str, queue: str) -> Callable[[str], Awaitable[None]]:
    """A `Kick` that LPUSHes the Celery message with the asyncio Redis client, on the loop.

    Why not `send_task`: it is synchronous, so each kick cost a hop to a worker thread plus
    kombu's producer machinery, about a third of the API's CPU per accepted message (see
    docs/BENCHMARKS.md). The worker cannot tell the difference: same bytes, same list.
    One client per event loop (a pool's connections belong to the loop that opened them).
    """
    import redis.asyncio as redis_asyncio

    origin = f"gen{os.getpid()}@{socket.gethostname()}"
    clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
        weakref.WeakKeyDictionary())
    down_until = 0.0

    def client() -> Any:
        loop = asyncio.get_running_loop()
        found = clients.get(loop)
        if found is None:
            # Short timeouts: the request must answer fast even when the broker is down.
            found = clients[loop] = redis_asyncio.Redis.from_url(
                broker_url, socket_timeout=2, socket_connect_timeout=2)
        return found

    # Kicks made in the same moment (a group commit answers a batch of requests at once)
    # go out in one LPUSH of several messages: one Redis round trip instead of one each.
    # Per event loop, like the clients: a loop's futures and tasks stay on that loop.
    batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _KickBatch] = (
        weakref.WeakKeyDictionary())

    async def push(messages: list[bytes]) -> None:
        nonlocal down_until
        try:
            # LPUSH of several values pushes them left to right: the first is served first
            # (workers pop from the right), as one LPUSH each did.
            await client().lpush(queue, *messages)
        except Exception:
            metrics.KICKS_FAILED.inc(len(messages))
            down_until = time.monotonic() + BROKER_DOWN_COOLDOWN_S
            raise

    async def kick(thread_id: str) -> None:
        if time.monotonic() < down_until:
            metrics.KICKS_FAILED.inc()
            raise BrokerUnavailable(f"broker {_broker_host(broker_url)} failed moments ago")
        with span(f"{PROCESS_THREAD} publish", kind="producer",
                  attributes={"messaging.destination.name": queue}):
            message = kick_message(thread_id, queue, origin, kick_headers())
            loop = asyncio.get_running_loop()
            batch = batches.get(loop)
            if batch is None:
                batch = batches[loop] = _KickBatch(push)
            await batch.add(message)

    return kick


# Celery's Redis transport keeps one list per priority step (kombu's default steps).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def queue_depth(broker_url: str, queue: str) -> Callable[[], Awaitable[int]]:
    """How many kicks wait in the broker's queue (Redis lists, or the in-memory broker)."""
    if broker_url.startswith(("redis://", "rediss://")):
        import redis.asyncio as redis_asyncio

        clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary())

        async def redis_depth() -> int:
            loop = asyncio.get_running_loop()
            found = clients.get(loop)
            if found is None:
                found = clients[loop] = redis_asyncio.Redis.from_url(
                    broker_url, socket_timeout=2, socket_connect_timeout=2)
            async with found.pipeline(transaction=False) as pipe:
                for suffix in _PRIORITY_SUFFIXES:
                    pipe.llen(queue + suffix)
                return int(sum(await pipe.execute()))

        return redis_depth

    async def memory_depth() -> int:
        from kombu.transport.memory import Channel

        waiting = Channel.queues.get(queue)
        return waiting.qsize() if waiting is not None else 0

    return memory_depth
