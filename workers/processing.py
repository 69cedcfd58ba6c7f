"""Draining a thread: take its lease lock, process queued turns in sequence order, release.

The database is the source of truth; a Celery message only says "look at this thread".
Each turn's todo changes, result and `completed` status commit in one transaction, so a
worker killed half-way leaves nothing behind and a redelivered kick finds the turn still
pending (and redoes it) or already finished (and does nothing).

A drain uses one session and one commit per turn: taking the lease marks the first turn
running; each turn's completing transaction checks the lease and marks the next turn
running, or releases the lease after the last one. On PostgreSQL the claim and each
completion are one statement each (store/turns.py: `claim_turn`, `complete_turn`); on
SQLite a few. The worker-side rows are read and written as plain values, so nothing is
re-read after a commit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from agents import Limits, run_turn
from agents.render import WidgetError, render_failure
from core.clock import utcnow
from core.errors import Problem
from store.models import TurnStatus
from store.turns import (
    PendingTurn,
    add_events,
    claim_turn,
    complete_turn,
    keep_lease,
    next_pending,
    pending_turn,
    release_thread,
    renew_lock,
    start_turn,
    thread_memory,
)
from workers.telemetry import turn_finished, turn_started

log = logging.getLogger("chatkit.workers")

# Called after each committed status change with (thread_id, turn_id, status): live events.
Notify = Callable[[str, str, str], None]

# A turn that killed its worker this many times is failed instead of retried forever.
MAX_ATTEMPTS = 5


# How a completing transaction goes on: mark the next pending turn running ("chain"),
# release the lease ("release": this drain stops here), or keep it ("keep": `process_turn`).
Then = str
CHAIN, RELEASE, KEEP = "chain", "release", "keep"

# SQLSTATE of a statement cancelled by PostgreSQL's `statement_timeout` (query_canceled).
_QUERY_CANCELED = "57014"


class LostLease(RuntimeError):
    """Another worker took over the thread (our lease expired): our work must not commit."""


def ran_too_long(error: BaseException) -> bool:
    """The turn hit a time limit: Celery's soft limit or the database's statement timeout.

    Not transient: retrying a turn that waits on a lock nobody releases, or loops, would
    hold its thread for ever. It fails once, and the thread goes on.
    """
    if hit_soft_limit(error):
        return True
    original = getattr(error, "orig", None)
    return (isinstance(error, sa_exc.DBAPIError)
            and getattr(original, "sqlstate", None) == _QUERY_CANCELED)


def hit_soft_limit(error: BaseException) -> bool:
    """Celery's soft time limit struck, maybe inside a database call.

    Struck while psycopg waits for a statement, the limit leaves the connection busy, and
    SQLAlchemy's clean-up then raises "another command is already in progress" in its
    place: the limit is found among the errors being handled.
    """
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, SoftTimeLimitExceeded):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_transient(error: BaseException) -> bool:
    """Connection trouble worth a retry, as opposed to a bug, bad data or a time limit."""
    if ran_too_long(error):
        return False
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(
        error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError
        | ConnectionError | LostLease
    )


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name)) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class LeaseHeartbeat:
    """Renews the leases this process holds, every `interval_s`, from a daemon thread.

    A lease is short (CHATKIT_TURN_LEASE_SECONDS, 5 s) so that a dead worker's thread is
    taken over within seconds; a live drain keeps it by renewing it here, on a connection
    of its own, while the turn runs. Renewal only extends a lease the drain still owns
    (`lock_owner`); exactly-once does not rest on it: the completing transaction checks
    the lease itself. The thread starts with the first lease (after a prefork fork).
    """

    def __init__(self, sessions: sessionmaker[Session], lease: dt.timedelta, interval_s: float,
                 clock: Callable[[], dt.datetime]) -> None:
        self.sessions = sessions
        self.lease = lease
        self.interval_s = interval_s
        self.clock = clock
        self.held: dict[str, str] = {}  # lease owner → thread id
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = 0

    @contextlib.contextmanager
    def holding(self, thread_id: str, owner: str) -> Iterator[None]:
        """Keep the lease of `owner` on `thread_id` renewed while the block runs."""
        with self.lock:
            self.held[owner] = thread_id
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                self.pid = os.getpid()
                self.thread = threading.Thread(target=self._run, name="chatkit-lease",
                                               daemon=True)
                self.thread.start()
        try:
            yield
        finally:
            with self.lock:
                self.held.pop(owner, None)

    def _run(self) -> None:
        while True:
            self.wake.wait(self.interval_s)
            with self.lock:
                held = list(self.held.items())
            if held:
                try:
                    self.renew(held)
                except Exception as error:
                    # The database is away: the drain's own statements fail too, and the
                    # completing transaction's lease check decides.
                    log.warning("lease renewal failed: %s", error)

    def renew(self, held: list[tuple[str, str]]) -> None:
        """Extend each (owner, thread) lease still owned; one short transaction."""
        with self.sessions() as session:
            now = self.clock()
            for owner, thread_id in held:
                if not renew_lock(session, thread_id, owner, now, self.lease):
                    log.warning("lease of thread %s lost to another worker", thread_id)
            session.commit()


class ThreadProcessor:
    """Processes the pending turns of threads, one thread at a time per call."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lease_seconds: float = 60.0,
        notify: Notify | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        drain_budget_s: float | None = None,
        requeue: Callable[[str], object] | None = None,
        limits: Limits | None = None,
        heartbeat_s: float | None = None,
    ) -> None:
        self.sessions = sessions
        self.limits = limits or Limits()
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.notify = notify or (lambda thread_id, turn_id, status: None)
        self.clock = clock
        # A drain starts no new turn after this long: it releases the thread and `requeue`s
        # it, so the next turn runs under a fresh task time limit (None: no budget).
        self.drain_budget_s = drain_budget_s
        self.requeue = requeue
        # The process part of every lease owner (for people reading the threads table).
        self.owner = f"{socket.gethostname()[:24]}:{os.getpid()}"
        # With a heartbeat, held leases are renewed every `heartbeat_s` while turns run
        # (None: a lease lasts `lease_seconds` from its last take or completing commit).
        self.heartbeat = (LeaseHeartbeat(sessions, self.lease, heartbeat_s, clock)
                          if heartbeat_s else None)

    def _holding(self, thread_id: str, owner: str) -> contextlib.AbstractContextManager[None]:
        if self.heartbeat is None:
            return contextlib.nullcontext()
        return self.heartbeat.holding(thread_id, owner)

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
        budget = _Budget(self.drain_budget_s)
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
                    with self._holding(thread_id, owner):
                        while turn is not None:
                            then = CHAIN if budget.left() else RELEASE
                            turn, memory = self._process(session, thread_id, turn, memory,
                                                         owner, then=then, budget=budget)
                            processed += 1
                    held = False  # the last turn's transaction released the lease
                finally:
                    if held:
                        self._abandon(session)
                        release_thread(session, thread_id, owner)
                # A turn stored while we held the lock had its kick dropped: look once more.
                candidate = next_pending(session, thread_id)
                if (candidate is not None and self.requeue is not None
                        and not budget.left()):
                    # Out of time for this task: a new kick goes on with a fresh time limit.
                    self._requeue(thread_id)
                    return processed
        return processed

    def _requeue(self, thread_id: str) -> None:
        assert self.requeue is not None
        try:
            self.requeue(thread_id)
        except Exception:
            # The turns are stored and the lease is free: the sweep kicks them again.
            log.warning("could not re-kick thread %s; the sweep will", thread_id, exc_info=True)

    @staticmethod
    def _abandon(session: Session) -> None:
        """Roll back; a connection left mid-statement (a time limit struck) is discarded."""
        try:
            session.rollback()
        except Exception:
            session.invalidate()

    def _claim(
        self, session: Session, thread_id: str, owner: str, candidate: PendingTurn
    ) -> tuple[PendingTurn | None, dict[str, Any]] | None:
        """Take the lease and mark the next turn running, in one transaction.

        One statement on PostgreSQL (`store.turns.claim_turn`) unless the candidate was
        finished meanwhile. None when another drain holds the thread. Otherwise (turn,
        thread memory); turn None means nothing was pending any more (and the lease is
        released again).
        """
        now = self.clock()
        claim = claim_turn(session, thread_id, owner, candidate.id, now, self.lease)
        if claim is None:
            session.rollback()
            return None
        memory, started = claim
        turn = candidate if started else self._start_next(session, thread_id, now)
        if turn is None:
            # Give the lease back so a retry's resumed lease does not linger until it expires.
            keep_lease(session, thread_id, owner, memory=None, until=None)
            session.commit()
            return None, memory
        session.commit()
        self._notify(thread_id, turn.id, TurnStatus.RUNNING.value)
        return turn.started(), memory

    @staticmethod
    def _start_next(session: Session, thread_id: str, now: dt.datetime) -> PendingTurn | None:
        """Mark the thread's next pending turn running, with its event, under the lease.

        Rare: the claim's candidate was finished meanwhile (a race with the kick's read).
        """
        turn = next_pending(session, thread_id)
        while turn is not None and not start_turn(session, turn.id, now):
            turn = next_pending(session, thread_id)
        if turn is not None:
            add_events(session, thread_id, now, [(turn.id, TurnStatus.RUNNING.value)])
        return turn

    def _process(
        self, session: Session, thread_id: str, turn: PendingTurn, memory: dict[str, Any],
        owner: str, *, then: Then = CHAIN, budget: _Budget | None = None,
    ) -> tuple[PendingTurn | None, dict[str, Any]]:
        """Run a turn marked running and commit its outcome; returns the next turn, if any.

        `then` says what else the completing transaction does (CHAIN: mark the thread's
        next pending turn running, returned, or release the lease when there is none).
        """
        # Rows loaded for an earlier turn may have been changed since by other threads of
        # the same user: this turn reads them afresh, as in a new session.
        session.expunge_all()
        turn_started(thread_id, turn)  # log fields, metrics and span of this turn
        if turn.attempts > MAX_ATTEMPTS:
            return self._fail(session, thread_id, turn.id, "This message could not be processed.",
                              owner=owner, then=then)
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
                limits=self.limits,
            )
            return self._commit_outcome(session, thread_id, turn.id, TurnStatus.COMPLETED.value,
                                        memory, owner=owner, then=then, text=result.text,
                                        widgets=result.widgets, replaces=result.replaces)
        except Exception as error:
            self._abandon(session)
            if is_transient(error):
                raise
            if ran_too_long(error):
                log.error("turn %s of thread %s stopped by a time limit: %s", turn.id,
                          thread_id, error)
                # After Celery's soft limit this task has no time left: stop here, and the
                # requeued kick runs the thread's next turn under a fresh limit.
                if hit_soft_limit(error):
                    if budget is not None:
                        budget.expired = True
                    if then == CHAIN:
                        then = RELEASE
                return self._fail(session, thread_id, turn.id,
                                  "This message took too long to process.", owner=owner,
                                  then=then)
            log.exception("turn %s failed", turn.id)
            if isinstance(error, WidgetError):  # a tree broke the schema: never sent
                return self._fail(session, thread_id, turn.id,
                                  "This answer could not be displayed.", owner=owner,
                                  then=then, problem=Problem.WIDGET_INVALID)
            return self._fail(session, thread_id, turn.id,
                              "Something went wrong while handling this message.",
                              owner=owner, then=then)

    def _commit_outcome(
        self, session: Session, thread_id: str, turn_id: str, status: str,
        memory: dict[str, Any] | None, *, owner: str, then: Then, text: str | None,
        widgets: list[Any] | None, replaces: str | None = None,
        error: dict[str, Any] | None = None,
    ) -> tuple[PendingTurn | None, dict[str, Any]]:
        """Store the outcome of `turn_id` and commit it with this transaction's other changes.

        Checks the lease, stores the turn's outcome and `memory` (None: a failed turn leaves
        it as stored), records the events and does what `then` says (mark the next pending
        turn running, or release or keep the lease); commits, then notifies. One statement
        on PostgreSQL (`store.turns.complete_turn`). Nothing after the commit can raise, so
        a caller's error handling never mistakes a committed turn for a failed one.
        """
        now = self.clock()
        # The lease check sits inside the transaction: a worker that lost the thread commits
        # nothing. With nothing left to do, the same statement releases the lease.
        done = complete_turn(session, thread_id, turn_id, owner=owner, now=now,
                             until=now + self.lease, memory=memory, chain=then == CHAIN,
                             keep=then == KEEP, status=status, text=text, widgets=widgets,
                             replaces=replaces, error=error)
        if done is None:
            session.rollback()
            raise LostLease(thread_id)
        # A failed turn's pipeline may have changed the memory in place before it broke:
        # `done.memory` is what is stored, and the next turn starts from it.
        session.commit()
        turn_finished(turn_id, status)
        self._notify(thread_id, turn_id, status)
        if done.following is not None:
            self._notify(thread_id, done.following.id, TurnStatus.RUNNING.value)
        return done.following, done.memory

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
            with self._holding(thread_id, owner):
                self._process(session, thread_id, turn.started(), memory, owner, then=KEEP)

    def _notify(self, thread_id: str, turn_id: str, status: str) -> None:
        # Live events are a courtesy: the status is committed, and a client that missed the
        # event reads it from the row. A failing publisher must not fail or redo the turn.
        try:
            self.notify(thread_id, turn_id, status)
        except Exception:
            log.warning("could not publish %s of turn %s", status, turn_id, exc_info=True)

    def _fail(self, session: Session, thread_id: str, turn_id: str, message: str, *,
              owner: str, then: Then, problem: Problem = Problem.TURN_FAILED,
              ) -> tuple[PendingTurn | None, dict[str, Any]]:
        """Fail the turn (an error card, the error envelope) in its completing transaction."""
        result = render_failure(message, turn_id=turn_id)
        # Whoever took the thread over may have completed this turn: `_commit_outcome`'s
        # lease check keeps this from overwriting it.
        return self._commit_outcome(session, thread_id, turn_id, TurnStatus.FAILED.value, None,
                                    owner=owner, then=then, text=result.text,
                                    widgets=result.widgets, error=problem.envelope(message))


@dataclasses.dataclass
class _Budget:
    """The time one drain may spend starting turns (None: no limit)."""

    seconds: float | None
    started: float = dataclasses.field(default_factory=time.monotonic)
    expired: bool = False  # the task's soft time limit struck

    def left(self) -> bool:
        if self.expired:
            return False
        return self.seconds is None or time.monotonic() - self.started < self.seconds
