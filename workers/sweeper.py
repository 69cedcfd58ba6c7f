"""The sweep: re-kick threads whose turns wait too long (a lost kick, a dead worker).

A turn is stored before its kick is published, so a crash between the two, a broker
that refused the kick, or a worker killed with the kick unacknowledged leaves a turn the
queue knows nothing about. Every worker process runs `SweepLoop`; a short Redis claim
lets one of them sweep per interval, so N workers do not multiply the re-kicks.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable

from core.clock import utcnow
from store import Database
from store.turns import threads_with_stale_turns

log = logging.getLogger("chatkit.workers")

Kick = Callable[[str], object]


def sweep_once(database: Database, kick: Kick, *, older_than_s: float) -> list[str]:
    """Re-kick threads with turns pending longer than `older_than_s` and no live lease, and
    threads whose running turn's lease ran out (a dead worker), whatever their age."""
    now = utcnow()
    with database.sync_sessions()() as session:
        thread_ids = threads_with_stale_turns(
            session, now - dt.timedelta(seconds=older_than_s), now=now
        )
    for thread_id in thread_ids:
        kick(thread_id)
    return thread_ids


class RedisClaim:
    """"This process sweeps this interval": SET NX with an expiry shorter than the interval."""

    def __init__(self, redis_url: str, key: str, hold_s: float) -> None:
        import redis

        self.client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        self.key = key
        self.hold_ms = max(int(hold_s * 1000), 1)
        self.token = uuid.uuid4().hex

    def __call__(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=self.hold_ms))


class SweepLoop:
    """A daemon thread calling `sweep_once` every `interval_s` until stopped."""

    def __init__(
        self,
        database: Database,
        kick: Kick,
        *,
        interval_s: float,
        claim: Callable[[], bool] | None = None,
        queued_after_s: float | None = None,
    ) -> None:
        self.database = database
        self.kick = kick
        self.interval_s = interval_s
        # Queued turns are re-kicked once they waited this long (None: one interval).
        self.queued_after_s = queued_after_s or interval_s
        self.claim = claim or (lambda: True)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="chatkit-sweep", daemon=True)

    def _run(self) -> None:
        while not self.stop_event.wait(self.interval_s):
            try:
                if not self.claim():
                    continue
                kicked = sweep_once(self.database, self.kick, older_than_s=self.queued_after_s)
                if kicked:
                    log.info("sweep re-kicked %d thread(s)", len(kicked))
            except Exception as error:
                # The broker or the database is away: the next round tries again.
                log.warning("sweep skipped: %s", error)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
