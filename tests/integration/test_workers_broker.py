"""A kick acknowledged after Redis went away must not stop the worker (issue 13).

Celery tears a lost connection down and reconnects; a turn that was running meanwhile is
acknowledged afterwards on the old channel. When that channel was closed after its
transport had been detached (seen in a stress run: "broker connection already closed: 3
unacknowledged kick(s)", then "Unrecoverable error: AttributeError(\"'NoneType' object has
no attribute 'client'\")" and the worker gone), kombu raised from the ack. This drives the
worker app's own broker connection into that state on the machine's Redis.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from kombu import Consumer, Message, Producer, Queue

from core.settings import Settings
from workers.app import create_celery


@pytest.fixture
def kick_in_flight(redis_url: str) -> Iterator[tuple[Any, Message]]:
    """A connection of the worker app holding one received, unacknowledged kick."""
    queue = Queue(f"chatkit-broker-{secrets.token_hex(4)}")
    app = create_celery(Settings(redis_url=redis_url, celery_queue=queue.name))
    connection = app.connection_for_read()
    connection.connect()
    channel = connection.default_channel
    Producer(channel).publish({"thread": "t1"}, routing_key=queue.name, declare=[queue])
    received: list[Message] = []
    Consumer(channel, [queue], callbacks=[lambda _body, message: received.append(message)],
             no_ack=False).consume()
    connection.drain_events(timeout=5)
    assert len(received) == 1
    yield connection, received[0]
    with app.connection_for_write() as cleanup:
        cleanup.default_channel.queue_delete(queue.name)


def _tear_down_as_in_the_race(connection: Any, message: Message) -> None:
    # Celery's teardown of a lost connection detached the transport first and closed the
    # consumer's channel after that.
    connection._do_close_transport()
    message.channel.close()


def test_a_kick_acked_on_a_torn_down_channel_does_not_raise(
        kick_in_flight: tuple[Any, Message]) -> None:
    connection, message = kick_in_flight
    _tear_down_as_in_the_race(connection, message)
    message.ack()  # the turn finished after the reconnect
    assert message.acknowledged


def test_a_kick_rejected_on_a_torn_down_channel_does_not_raise(
        kick_in_flight: tuple[Any, Message]) -> None:
    connection, message = kick_in_flight
    _tear_down_as_in_the_race(connection, message)
    message.reject(requeue=True)  # reject_on_worker_lost after a pool process died
    assert message.acknowledged


def test_acks_still_reach_redis_on_a_live_channel(
        kick_in_flight: tuple[Any, Message]) -> None:
    connection, message = kick_in_flight
    channel = message.channel
    unacked = channel.client.hlen(channel.unacked_key)
    message.ack()
    assert channel.client.hlen(channel.unacked_key) == unacked - 1
    connection.close()
