"""Publishing kicks to the workers without importing them: a Celery producer, tasks by name."""

from __future__ import annotations

from functools import partial

import anyio
from celery import Celery

PROCESS_THREAD = "chatkit.process_thread"  # the worker task's stable name


def celery_kick(broker_url: str, queue: str):  # type: ignore[no-untyped-def]
    """A `Kick` that publishes `chatkit.process_thread(thread_id)` off the event loop.

    With `memory://` the producer shares the process-wide in-memory broker with the
    embedded worker.
    """
    producer = Celery("chatkit-api", broker=broker_url, set_as_current=False)
    producer.conf.update(
        broker_connection_timeout=2,
        broker_connection_retry=False,
        task_serializer="json",
        task_default_queue=queue,
    )
    # Bounded retries: the request must answer fast even when the broker is down.
    policy = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
    send = partial(producer.send_task, PROCESS_THREAD, queue=queue, retry=True,
                   retry_policy=policy)

    async def kick(thread_id: str) -> None:
        await anyio.to_thread.run_sync(lambda: send(args=[thread_id]))

    return kick
