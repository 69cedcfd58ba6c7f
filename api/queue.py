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

PROCESS_THREAD = "chatkit.process_thread"  # the worker task's stable name

# After a failed publish, kicks fail at once for this long instead of each request
# spending its own connection attempts on a broker that is down.
BROKER_DOWN_COOLDOWN_S = 1.0


class BrokerUnavailable(ConnectionError):
    """The last publish failed moments ago; this kick was not attempted."""


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
            raise BrokerUnavailable(f"broker {broker_url.split('@')[-1]} failed moments ago")
        try:
            await anyio.to_thread.run_sync(lambda: send(args=[thread_id]))
        except Exception:
            down_until = time.monotonic() + BROKER_DOWN_COOLDOWN_S
            raise

    return kick


def kick_message(thread_id: str, queue: str, origin: str) -> bytes:
    """The message `send_task(PROCESS_THREAD, args=[thread_id], queue=queue)` puts on Redis.

    Celery task protocol 2 in kombu's Redis envelope (JSON, base64 body, default exchange:
    the list named after the queue). Fields and order as Celery 5 writes them.
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
            "stamps": {},
        },
        "properties": {
            "correlation_id": task_id, "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": queue}, "priority": 0,
            "body_encoding": "base64", "delivery_tag": str(uuid.uuid4()),
        },
    }).encode()


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

    async def kick(thread_id: str) -> None:
        nonlocal down_until
        if time.monotonic() < down_until:
            raise BrokerUnavailable(f"broker {broker_url.split('@')[-1]} failed moments ago")
        try:
            await client().lpush(queue, kick_message(thread_id, queue, origin))
        except Exception:
            down_until = time.monotonic() + BROKER_DOWN_COOLDOWN_S
            raise

    return kick
