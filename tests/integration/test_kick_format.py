"""The API pushes kicks with its own asyncio Redis client instead of Celery's synchronous
producer. This pins that message to the one Celery itself writes for the same task, so a
Celery upgrade that changes its wire format fails here, not in production."""

from __future__ import annotations

import json
import secrets
from typing import Any

import redis
from celery import Celery

from api.queue import PROCESS_THREAD, kick_message

VOLATILE = {"id", "root_id", "correlation_id", "delivery_tag", "origin"}


def shape(value: Any) -> Any:
    """The message with its per-message ids blanked out (they differ by design)."""
    if isinstance(value, dict):
        return {k: ("*" if k in VOLATILE else shape(v)) for k, v in value.items()}
    return value


def test_the_api_kick_is_the_message_celery_would_send(redis_url: str) -> None:
    queue = f"chatkit-kick-format-{secrets.token_hex(4)}"
    client = redis.Redis.from_url(redis_url)
    producer = Celery("chatkit-format-check", broker=redis_url, set_as_current=False)
    producer.conf.update(task_serializer="json", task_default_queue=queue)
    try:
        producer.send_task(PROCESS_THREAD, args=["thread-1"], queue=queue)
        raw = client.rpop(queue)
        assert raw is not None, "Celery's message did not land on the queue's list"
        celery_message = json.loads(raw)
        # The producer's reply queue: only read by RPC result backends, and kicks have
        # no result (task_ignore_result), so the API leaves it out.
        celery_message["properties"].pop("reply_to", None)
        ours = json.loads(kick_message("thread-1", queue, origin="test"))
        assert shape(ours) == shape(celery_message)
        assert ours["body"] == celery_message["body"]  # the task arguments, exactly
    finally:
        client.delete(queue)
        producer.close()
