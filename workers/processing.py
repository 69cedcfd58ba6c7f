"""Draining a thread: take its lease lock, process queued turns in sequence order, release.

The database is the source of truth; a Celery message only says "look at this thread".
Each turn's todo changes, result and `completed` status commit in one transaction, so a
worker killed half-way leaves nothing behind and a redelivered kick finds the turn still
pending (and redoes it) or already finished (and does nothing).

A drain uses one session and one commit per turn: taking the lease marks the first turn
running; each turn's completing transaction checks the lease and marks the next turn
running, or releases the lease after the last one. The worker-side rows are read and
written as plain values (store/turns.py), so nothing is re-read after a commit.
"""

from __future__ import annotations

import dataclasses
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

from agents import run_turn
from agents.render import WidgetError, render_failure
from store.models import TurnStatus
from store.turns import (
    PendingTurn,
    add_events,
    finish_turn,
    keep_lease,
    next_pending,
    pending_turn,
    release_thread,
    renew_lock,
    start_turn,
    take_lease,
    thread_memory,
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

        One session serves the whole drain, and each turn costs one commit: the commit
        that completes a turn also marks the next one running and renews the lease, or,
        after the last one, releases it (then the thread is looked at once more).
        """
        processed = 0
        owner = owner or self.new_owner()
        with self.sessions() as session:
            # One kick per turn means most kicks of a busy thread find its turns already
            # done: a read settles that without a commit. (A turn stored after this read
            # brings its own kick.) Reads run outside a write transaction (PostgreSQL's
            # read committed; pysqlite begins only at the first write), so the candidate
            # is reused under the lease below, guarded by `start_turn`'s status check.
            candidate = next_pending(session, thread_id)
            while candidate is not None:
                claim = self._claim(session, thread_id, owner, candidate)
                if claim is None:  # another drain holds the thread
                    return processed
                turn, memory = claim
                held = turn is not None  # `_claim` released the lease when nothing was left
                try:
                    while turn is not None:
                        turn, memory = self._process(session, thread_id, turn, memory, owner)
                        processed += 1
                    held = False  # the last turn's transaction released the lease
                finally:
                    if held:
                        session.rollback()
                        release_thread(session, thread_id, owner)
                # A turn stored while we held the lock had its kick dropped: look once more.
                candidate = next_pending(session, thread_id)
        return processed

    def _claim(
        self, session: Session, thread_id: str, owner: str, candidate: PendingTurn
    ) -> tuple[PendingTurn | None, dict[str, Any]] | None:
        """Take the lease and mark the next turn running, in one transaction.

        None when another drain holds the thread. Otherwise (turn, thread memory); turn
        None means nothing was pending any more (and the lease is released again).
        """
        now = self.clock()
        memory = take_lease(session, thread_id, owner, now, self.lease)
        if memory is None:
            session.rollback()
            return None
        turn: PendingTurn | None = candidate
        while turn is not None and not start_turn(session, turn.id, now):
            turn = next_pending(session, thread_id)  # the candidate was finished meanwhile
        if turn is None:
            # Rare (a race with the kick's read): give the lease back so a retry's resumed
            # lease does not linger until it expires.
            keep_lease(session, thread_id, owner, memory=None, until=None)
            session.commit()
            return None, memory
        add_events(session, thread_id, now, [(turn.id, TurnStatus.RUNNING.value)])
        session.commit()
        self._notify(thread_id, turn.id, TurnStatus.RUNNING.value)
        return _started(turn), memory

    def _process(
        self, session: Session, thread_id: str, turn: PendingTurn, memory: dict[str, Any],
        owner: str, *, chain: bool = True,
    ) -> tuple[PendingTurn | None, dict[str, Any]]:
        """Run a turn marked running and commit its outcome; returns the next turn, if any.

        With `chain`, the completing transaction also marks the thread's next pending turn
        running (returned) or, when there is none, releases the lease.
        """
        # Rows loaded for an earlier turn may have been changed since by other threads of
        # the same user: this turn reads them afresh, as in a new session.
        session.expunge_all()
        if turn.attempts > MAX_ATTEMPTS:
            return self._fail(session, thread_id, turn.id, "This message could not be processed.",
                              owner=owner, chain=chain)
        try:
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
            now = self.clock()
            finish_turn(session, turn.id, status=TurnStatus.COMPLETED.value, text=result.text,
                        widgets=result.widgets, replaces=result.replaces, error=None,
                        completed_at=now)
            return self._commit_outcome(session, thread_id, turn.id, TurnStatus.COMPLETED.value,
                                        memory, now, owner=owner, chain=chain)
        except Exception as error:
            session.rollback()
            if is_transient(error):
                raise
            log.exception("turn %s failed", turn.id)
            if isinstance(error, WidgetError):  # a tree broke the schema: never sent
                return self._fail(session, thread_id, turn.id,
                                  "This answer could not be displayed.", owner=owner,
                                  chain=chain, error_type="WIDGET_ERROR")
            return self._fail(session, thread_id, turn.id,
                              "Something went wrong while handling this message.",
                              owner=owner, chain=chain)

    def _commit_outcome(
        self, session: Session, thread_id: str, turn_id: str, status: str,
        memory: dict[str, Any] | None, now: dt.datetime, *, owner: str, chain: bool,
    ) -> tuple[PendingTurn | None, dict[str, Any]]:
        """Commit the outcome of `turn_id` (its row already updated in this transaction).

        Checks the lease, stores `memory` (None: a failed turn leaves it as stored), records
        the events and, with `chain`, marks the next pending turn running or releases the
        lease; commits, then notifies. Nothing after the commit can raise, so a caller's
        error handling never mistakes a committed turn for a failed one.
        """
        following = next_pending(session, thread_id) if chain else None
        if following is not None and not start_turn(session, following.id, now):
            following = None  # cannot happen under the lease: the drain's re-check sees it
        until = now + self.lease if (following is not None or not chain) else None
        # The lease check sits inside the transaction: a worker that lost the thread commits
        # nothing. With nothing left to do, the same statement releases the lease.
        if not keep_lease(session, thread_id, owner, memory=memory, until=until):
            session.rollback()
            raise LostLease(thread_id)
        changes = [(turn_id, status)]
        if following is not None:
            changes.append((following.id, TurnStatus.RUNNING.value))
        add_events(session, thread_id, now, changes)
        if memory is None:
            # A failed turn's pipeline may have changed the memory in place before it broke:
            # the next turn starts from what is stored.
            memory = thread_memory(session, thread_id)
        session.commit()
        for changed_id, changed_status in changes:
            self._notify(thread_id, changed_id, changed_status)
        return (_started(following) if following is not None else None), memory

    def process_turn(self, thread_id: str, turn_id: str, *, owner: str) -> None:
        """Run one turn under the lease `owner` holds; commit its effects and result together."""
        with self.sessions() as session:
            turn = pending_turn(session, turn_id)
            if turn is None:
                return
            now = self.clock()
            if not renew_lock(session, thread_id, owner, now, self.lease):
                session.rollback()
                raise LostLease(thread_id)
            memory = thread_memory(session, thread_id)
            if not start_turn(session, turn_id, now):
                session.rollback()
                return
            add_events(session, thread_id, now, [(turn_id, TurnStatus.RUNNING.value)])
            session.commit()
            self._notify(thread_id, turn_id, TurnStatus.RUNNING.value)
            self._process(session, thread_id, _started(turn), memory, owner, chain=False)

    def _notify(self, thread_id: str, turn_id: str, status: str) -> None:
        # Live events are a courtesy: the status is committed, and a client that missed the
        # event reads it from the row. A failing publisher must not fail or redo the turn.
        try:
            self.notify(thread_id, turn_id, status)
        except Exception:
            log.warning("could not publish %s of turn %s", status, turn_id, exc_info=True)

    def _fail(self, session: Session, thread_id: str, turn_id: str, message: str, *,
              owner: str, chain: bool, error_type: str = "PROCESSING_ERROR",
              ) -> tuple[PendingTurn | None, dict[str, Any]]:
        """Fail the turn (an error card, the error envelope) in its completing transaction."""
        result = render_failure(message, turn_id=turn_id)
        # Whoever took the thread over may have completed this turn: `_commit_outcome`'s
        # lease check keeps this from overwriting it.
        now = self.clock()
        finish_turn(session, turn_id, status=TurnStatus.FAILED.value, text=result.text,
                    widgets=result.widgets,
                    error={"error": {"type": error_type, "message": message, "code": 500}},
                    completed_at=now)
        return self._commit_outcome(session, thread_id, turn_id, TurnStatus.FAILED.value, None,
                                    now, owner=owner, chain=chain)


def _started(turn: PendingTurn) -> PendingTurn:
    """The turn as `start_turn` left it: running, one more attempt."""
    return dataclasses.replace(turn, status=TurnStatus.RUNNING.value, attempts=turn.attempts + 1)
