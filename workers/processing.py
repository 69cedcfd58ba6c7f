"""Draining a thread: take its lease lock, process queued turns in sequence order, release.

The database is the source of truth; a Celery message only says "look at this thread".
Each turn's todo changes, result and `completed` status commit in one transaction, so a
worker killed half-way leaves nothing behind and a redelivered kick finds the turn still
pending (and redoes it) or already finished (and does nothing).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from agents.pipeline import run_turn
from agents.render import WidgetError, render_failure
from store.models import Thread, Turn, TurnStatus
from store.turns import (
    next_pending_turn,
    record_event,
    release_thread,
    renew_lock,
    try_lock_thread,
)

log = logging.getLogger("chatkit.workers")

# Called after each committed status change with (thread_id, turn_id, status): live events.
Notify = Callable[[str, str, str], None]

# A turn that killed its worker this many times is failed instead of retried forever.
MAX_ATTEMPTS = 5


class LostLease(RuntimeError):
    """Another worker took over the thread (our lease expired): our work must not commit."""


def is_transient(error: BaseException) -> bool:
    """Connection trouble worth a retry, as opposed to a bug or bad data."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError
        | ConnectionError | LostLease
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class ThreadProcessor:
    """Processes the pending turns of threads, one thread at a time per call."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lease_seconds: float = 60.0,
        notify: Notify | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.notify = notify or (lambda thread_id, turn_id, status: None)
        self.clock = clock
        # The process part of every lease owner (for people reading the threads table).
        self.owner = f"{socket.gethostname()[:24]}:{os.getpid()}"

    def new_owner(self) -> str:
        """A lease owner for one drain: two drains in one process never share a lease."""
        return f"{self.owner}:{uuid.uuid4().hex[:12]}"

    def drain(self, thread_id: str, *, owner: str | None = None) -> int:
        """Process every pending turn of the thread in order; returns how many were processed.

        Returns at once when another drain holds the thread: that drain re-checks for new
        turns after releasing, so a kick dropped here strands nothing. A retry passes the
        `owner` of the failed drain to resume a lease it could not release.
        """
        processed = 0
        owner = owner or self.new_owner()
        # One kick per turn means most kicks of a busy thread find its turns already done:
        # a read settles that without the two commits of taking and releasing the lease.
        # (A turn stored after this read brings its own kick.)
        with self.sessions() as session:
            if next_pending_turn(session, thread_id) is None:
                return processed
        while True:
            with self.sessions() as session:
                if not try_lock_thread(session, thread_id, owner, self.clock(), self.lease):
                    return processed
            try:
                while True:
                    with self.sessions() as session:
                        turn = next_pending_turn(session, thread_id)
                        turn_id = turn.id if turn else None
                    if turn_id is None:
                        break
                    self.process_turn(thread_id, turn_id, owner=owner)
                    processed += 1
            finally:
                with self.sessions() as session:
                    release_thread(session, thread_id, owner)
            # A turn stored while we held the lock had its kick dropped: look once more.
            with self.sessions() as session:
                if next_pending_turn(session, thread_id) is None:
                    return processed

    def process_turn(self, thread_id: str, turn_id: str, *, owner: str) -> None:
        """Run one turn under the lease `owner` holds; commit its effects and result together."""
        with self.sessions() as session:
            turn = session.get(Turn, turn_id)
            if turn is None or turn.status not in (TurnStatus.QUEUED, TurnStatus.RUNNING):
                return
            turn.status = TurnStatus.RUNNING.value
            turn.started_at = self.clock()
            turn.attempts += 1
            attempts = turn.attempts
            session.add(record_event(thread_id, turn_id, TurnStatus.RUNNING.value, self.clock()))
            if not renew_lock(session, thread_id, owner, self.clock(), self.lease):
                session.rollback()
                raise LostLease(thread_id)
            session.commit()
        self._notify(thread_id, turn_id, TurnStatus.RUNNING.value)
        if attempts > MAX_ATTEMPTS:
            self._fail(thread_id, turn_id, "This message could not be processed.", owner=owner)
            return
        try:
            self._run(thread_id, turn_id, owner=owner)
        except Exception as error:
            if is_transient(error):
                raise
            log.exception("turn %s failed", turn_id)
            if isinstance(error, WidgetError):  # a tree broke the schema: never sent
                self._fail(thread_id, turn_id, "This answer could not be displayed.",
                           owner=owner, error_type="WIDGET_ERROR")
                return
            self._fail(thread_id, turn_id, "Something went wrong while handling this message.",
                       owner=owner)
            return
        self._notify(thread_id, turn_id, TurnStatus.COMPLETED.value)

    def _notify(self, thread_id: str, turn_id: str, status: str) -> None:
        # Live events are a courtesy: the status is committed, and a client that missed the
        # event reads it from the row. A failing publisher must not fail or redo the turn.
        try:
            self.notify(thread_id, turn_id, status)
        except Exception:
            log.warning("could not publish %s of turn %s", status, turn_id, exc_info=True)

    def _run(self, thread_id: str, turn_id: str, *, owner: str) -> None:
        with self.sessions() as session:
            turn = session.get(Turn, turn_id)
            thread = session.get(Thread, thread_id)
            assert turn is not None and thread is not None
            memory = dict(thread.context or {})
            result = run_turn(
                session,
                user_id=turn.user_id,
                turn_id=turn.id,
                now=turn.created_at,
                tz=_zone((turn.meta or {}).get("timezone")),
                memory=memory,
                text=turn.input if turn.kind == "message" else None,
                action=turn.action if turn.kind == "action" else None,
                thread_id=thread_id,
            )
            if not renew_lock(session, thread_id, owner, self.clock(), self.lease):
                session.rollback()
                raise LostLease(thread_id)
            turn.status = TurnStatus.COMPLETED.value
            turn.text = result.text
            turn.widgets = result.widgets
            turn.replaces = result.replaces
            turn.error = None
            turn.completed_at = self.clock()
            thread.context = memory
            session.add(record_event(thread_id, turn_id, TurnStatus.COMPLETED.value,
                                     turn.completed_at))
            session.commit()

    def _fail(self, thread_id: str, turn_id: str, message: str, *, owner: str,
              error_type: str = "PROCESSING_ERROR") -> None:
        result = render_failure(message, turn_id=turn_id)
        with self.sessions() as session:
            turn = session.get(Turn, turn_id)
            if turn is None or turn.status not in (TurnStatus.QUEUED, TurnStatus.RUNNING):
                return
            # Whoever took the thread over may have completed this turn: never overwrite it.
            if not renew_lock(session, thread_id, owner, self.clock(), self.lease):
                session.rollback()
                raise LostLease(thread_id)
            turn.status = TurnStatus.FAILED.value
            turn.text = result.text
            turn.widgets = result.widgets
            turn.error = {"error": {"type": error_type, "message": message, "code": 500}}
            turn.completed_at = self.clock()
            session.add(record_event(thread_id, turn_id, TurnStatus.FAILED.value,
                                     turn.completed_at))
            session.commit()
        self._notify(thread_id, turn_id, TurnStatus.FAILED.value)
