"""kombu's Redis transport with acknowledgements that survive a lost connection.

When Redis goes away, Celery tears the consumer's channel down and reconnects with a new
one. A kick whose turn was running at that moment is acknowledged afterwards on the old
channel; if that channel was closed after its transport had been detached (a race in the
teardown, seen with Celery 5.7 / kombu 5.7, the latest releases), kombu can no longer
build a client for it: restoring raised `AttributeError … 'hostname'` and acknowledging
raised `AttributeError … 'client'`. Celery calls both unrecoverable and the worker exits,
leaving every later turn queued until someone restarts it (issue 13).

Nothing can be acknowledged or restored over a torn-down channel anyway, and nothing needs
to be: the turn's outcome is committed in the database, a kick that Redis still holds comes
back after the visibility timeout and finds its turn finished, and the sweep re-kicks any
turn whose kick was lost. So a torn-down channel's QoS logs and forgets instead of raising.

`create_celery` selects this transport for `redis://` brokers (`broker_transport`).
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual

log = logging.getLogger("chatkit.workers")

TRANSPORT = "workers.broker:RedisTransport"


class TornDownSafeQoS(kombu_redis.QoS):
    """Redis ack emulation that does nothing on a channel whose connection is gone."""

    def _torn_down(self) -> bool:
        transport = getattr(self.channel, "connection", None)
        return transport is None or getattr(transport, "client", None) is None

    def ack(self, delivery_tag: Any) -> None:
        if self._torn_down():
            log.warning("kick %s received on a closed broker connection: not acknowledged "
                        "(its turn is committed; a redelivery finds it done)", delivery_tag)
            virtual.QoS.ack(self, delivery_tag)  # forget it locally all the same
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        if self._torn_down():
            log.warning("kick %s received on a closed broker connection: not rejected "
                        "(the visibility timeout and the sweep bring its turn back)",
                        delivery_tag)
            virtual.QoS.ack(self, delivery_tag)
            return
        super().reject(delivery_tag, requeue=requeue)

    def restore_unacked(self, client: Any = None) -> None:
        if client is None and self._torn_down():
            delivered: Any = self._delivered  # kombu declares it None until __init__
            log.warning("broker connection already closed: %d unacknowledged kick(s) left "
                        "to the visibility timeout and the sweep", len(delivered))
            delivered.clear()
            return
        super().restore_unacked(client)


class RedisChannel(kombu_redis.Channel):
    QoS = TornDownSafeQoS


class RedisTransport(kombu_redis.Transport):
    """`redis://` as kombu has it, with `TornDownSafeQoS`."""

    Channel = RedisChannel
