"""Turns and threads: storing a turn (API side, async) and draining a thread (worker side, sync)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Integer,
    String,
    Text,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.clock import iso
from store.models import IdempotencyKey, Thread, ThreadEvent, Turn, TurnStatus, UTCDateTime

PENDING = (TurnStatus.QUEUED.value, TurnStatus.RUNNING.value)


def record_event(thread_id: str, turn_id: str, status: str, now: dt.datetime) -> ThreadEvent:
    """The event row for a turn's status change; add it in the change's own transaction."""
    return ThreadEvent(thread_id=thread_id, turn_id=turn_id, type=f"turn.{status}",
                       created_at=now)


class ThreadQuotaExceeded(Exception):
    """The user already has as many threads as one user may have."""


class ThreadForbidden(Exception):
    """The thread exists and belongs to another user."""


def _insert_thread_if_absent(dialect: str, values: dict[str, Any]) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Thread).values(**values).on_conflict_do_nothing(index_elements=["id"])


async def create_turn(
    session: AsyncSession,
    *,
    turn_id: str,
    thread_id: str,
    user_id: str,
    kind: str,
    input: str | None,
    action: dict[str, Any] | None,
    metadata: dict[str, Any],
    now: dt.datetime,
    idempotency: IdempotencyKey | None = None,
    max_threads: int | None = None,
) -> Turn:
    """Store a queued turn with the thread's next sequence number, creating the thread.

    `idempotency`, the request's key row, commits with the turn (a duplicate key raises
    IntegrityError and stores nothing). Raises ThreadForbidden when the thread belongs to
    someone else, ThreadQuotaExceeded when it would be the user's thread number
    `max_threads + 1`. Commits.
    """
    title = (input or "").strip()[:80] or None
    created = await session.execute(
        _insert_thread_if_absent(
            session.get_bind().dialect.name,
            {
                "id": thread_id,
                "user_id": user_id,
                "title": title,
                "next_seq": 0,
                "context": {},
                "created_at": now,
                "updated_at": now,
            },
        )
    )
    if max_threads is not None and created.rowcount:  # type: ignore[attr-defined]
        # Only a new thread pays for the count (soft under races: two at once may pass).
        owned = await session.scalar(
            select(func.count()).select_from(Thread).where(Thread.user_id == user_id))
        if (owned or 0) > max_threads:
            await session.rollback()
            raise ThreadQuotaExceeded(max_threads)
    # One statement checks the owner and takes the next number; the row lock it holds
    # serializes concurrent turns of one thread so numbers are gap-free and ordered.
    seq = (
        await session.execute(
            update(Thread)
            .where(Thread.id == thread_id, Thread.user_id == user_id)
            .values(next_seq=Thread.next_seq + 1, updated_at=now)
            .returning(Thread.next_seq)
        )
    ).scalar_one_or_none()
    if seq is None:
        await session.rollback()
        raise ThreadForbidden(thread_id)
    turn = Turn(
        id=turn_id,
        thread_id=thread_id,
        user_id=user_id,
        seq=seq,
        kind=kind,
        input=input,
        action=action,
        meta=metadata,
        status=TurnStatus.QUEUED.value,
        attempts=0,
        created_at=now,
    )
    session.add(turn)
    session.add(record_event(thread_id, turn_id, TurnStatus.QUEUED.value, now))
    if idempotency is not None:
        session.add(idempotency)
    await session.commit()
    return turn


async def get_turn_for_user(
    session: AsyncSession, turn_id: str, user_id: str, kind: str
) -> Turn | None:
    """The turn if it exists, is of this kind and belongs to this user; else None."""
    turn = await session.get(Turn, turn_id)
    if turn is None or turn.user_id != user_id or turn.kind != kind:
        return None
    return turn


# ---- worker side -------------------------------------------------------------------------


def try_lock_thread(
    session: Session, thread_id: str, owner: str, now: dt.datetime, lease: dt.timedelta
) -> bool:
    """Take (or renew) the thread's lease lock for `owner`. Commits; True when held."""
    result = session.execute(
        update(Thread)
        .where(
            Thread.id == thread_id,
            or_(Thread.lock_until.is_(None), Thread.lock_until < now, Thread.lock_owner == owner),
        )
        .values(lock_owner=owner, lock_until=now + lease)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew_lock(
    session: Session, thread_id: str, owner: str, now: dt.datetime, lease: dt.timedelta
) -> bool:
    """Extend the lease inside the caller's transaction; False when another worker took it."""
    result = session.execute(
        update(Thread)
        .where(Thread.id == thread_id, Thread.lock_owner == owner)
        .values(lock_until=now + lease)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_thread(session: Session, thread_id: str, owner: str) -> None:
    """Give the lease lock back. Commits."""
    session.execute(
        update(Thread)
        .where(Thread.id == thread_id, Thread.lock_owner == owner)
        .values(lock_owner=None, lock_until=None)
    )
    session.commit()


@dataclass(frozen=True)
class PendingTurn:
    """What a worker needs of a pending turn to run it: plain values, no ORM row to refresh."""

    id: str
    seq: int
    user_id: str
    kind: str
    input: str | None
    action: dict[str, Any] | None
    meta: dict[str, Any] | None
    status: str
    attempts: int
    created_at: dt.datetime

    def started(self) -> PendingTurn:
        """The turn as `start_turn` leaves it: running, one more attempt."""
        return replace(self, status=TurnStatus.RUNNING.value, attempts=self.attempts + 1)


_PENDING_COLUMNS = (Turn.id, Turn.seq, Turn.user_id, Turn.kind, Turn.input, Turn.action,
                    Turn.meta, Turn.status, Turn.attempts, Turn.created_at)


def _pending_probe(status: str) -> Any:
    return (select(*_PENDING_COLUMNS)
            .where(Turn.thread_id == bindparam("thread_id"), Turn.status == status)
            .order_by(Turn.seq).limit(1).subquery())


# One indexed probe per status (ix_turns_thread_status_seq): with `status IN (…)` SQLite's
# planner walks the thread's whole history, so a long thread got slower to drain. Both
# probes go in one round trip, and the statement is built once so its compiled form is cached.
_NEXT_PENDING = union_all(*(select(*_pending_probe(status).c) for status in PENDING))


def next_pending(session: Session, thread_id: str) -> PendingTurn | None:
    """The thread's lowest-numbered turn not yet finished (queued, or running under a dead lock)."""
    rows = session.execute(_NEXT_PENDING, {"thread_id": thread_id}).all()
    if not rows:
        return None
    return PendingTurn(*min(rows, key=lambda row: row.seq))


def pending_turn(session: Session, turn_id: str) -> PendingTurn | None:
    """The turn, as plain values, when it is still pending (queued or running)."""
    row = session.execute(
        select(*_PENDING_COLUMNS).where(Turn.id == turn_id, Turn.status.in_(PENDING))
    ).first()
    return PendingTurn(*row) if row is not None else None


def take_lease(
    session: Session, thread_id: str, owner: str, now: dt.datetime, lease: dt.timedelta
) -> dict[str, Any] | None:
    """Take (or renew) the lease inside the caller's transaction, reading the thread's memory.

    Returns the thread's agent memory when `owner` holds the lease, None when another
    live drain does. The caller commits (or rolls back: then the lease was never taken).
    """
    row = session.execute(
        update(Thread)
        .where(
            Thread.id == thread_id,
            or_(Thread.lock_until.is_(None), Thread.lock_until < now, Thread.lock_owner == owner),
        )
        .values(lock_owner=owner, lock_until=now + lease)
        .returning(Thread.context)
    ).first()
    return None if row is None else dict(row[0] or {})


def thread_memory(session: Session, thread_id: str) -> dict[str, Any]:
    """The thread's agent memory as stored."""
    return dict(session.scalar(select(Thread.context).where(Thread.id == thread_id)) or {})


def keep_lease(
    session: Session, thread_id: str, owner: str, *, memory: dict[str, Any] | None,
    until: dt.datetime | None,
) -> bool:
    """The lease check of a completing transaction, with its writes to the thread row.

    In one statement: only while `owner` still holds the lease, store `memory` (None:
    leave it) and set the lease's end to `until`, or release the lease when `until` is
    None. False when another worker took the thread over: nothing here may commit.
    """
    values: dict[str, Any] = {"lock_until": until}
    if until is None:
        values["lock_owner"] = None
    if memory is not None:
        values["context"] = memory
    result = session.execute(
        update(Thread).where(Thread.id == thread_id, Thread.lock_owner == owner).values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def start_turn(session: Session, turn_id: str, now: dt.datetime) -> bool:
    """Mark a pending turn running (attempts + 1) in the caller's transaction.

    False when the turn is no longer pending (a previous lease holder finished it).
    """
    result = session.execute(
        update(Turn)
        .where(Turn.id == turn_id, Turn.status.in_(PENDING))
        .values(status=TurnStatus.RUNNING.value, started_at=now, attempts=Turn.attempts + 1)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish_turn(session: Session, turn_id: str, **values: Any) -> None:
    """Store a turn's outcome (status, text, widgets, …) in the caller's transaction."""
    session.execute(update(Turn).where(Turn.id == turn_id).values(**values))


def add_events(session: Session, thread_id: str, now: dt.datetime,
               changes: list[tuple[str, str]]) -> None:
    """Insert the `thread_events` rows of (turn_id, status) changes in one executemany."""
    session.execute(insert(ThreadEvent), [
        {"thread_id": thread_id, "turn_id": turn_id, "type": f"turn.{status}", "created_at": now}
        for turn_id, status in changes
    ])


# ---- the claim and the completion of a turn: one statement each on PostgreSQL ------------
#
# SQLite runs them as the statements above, one after the other in the caller's
# transaction. On PostgreSQL each is one statement of data-modifying CTEs: they all see
# the snapshot the statement started with (none sees another's writes, only its RETURNING
# rows), so every write is gated on the lease CTE's rows, and a row another transaction
# changed meanwhile is re-checked by PostgreSQL against its newest version before it is
# written (the `status IN (…)` conditions). Both are built once, here.

_CLAIM = text("""
WITH lease AS (
    UPDATE threads SET lock_owner = :owner, lock_until = :until
    WHERE id = :thread_id
      AND (lock_until IS NULL OR lock_until < :now OR lock_owner = :owner)
    RETURNING context
), started AS (
    UPDATE turns SET status = 'running', started_at = :now, attempts = attempts + 1
    WHERE id = :turn_id AND status IN ('queued', 'running') AND EXISTS (SELECT FROM lease)
    RETURNING id
), event AS (
    INSERT INTO thread_events (thread_id, turn_id, type, created_at)
    SELECT :thread_id, id, 'turn.running', :now FROM started
)
SELECT context AS memory, EXISTS (SELECT FROM started) AS started FROM lease
""").bindparams(
    bindparam("now", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()),
).columns(memory=JSON(), started=Boolean())

# `lease` locks the thread row while it is still ours: every write below selects from it,
# so a lost lease writes nothing. The next turn is the thread's lowest pending one other
# than the finishing turn (the snapshot still shows that one running).
_COMPLETE = text("""
WITH lease AS MATERIALIZED (
    SELECT id FROM threads WHERE id = :thread_id AND lock_owner = :owner FOR UPDATE
), done AS (
    UPDATE turns SET status = :status, text = :text, widgets = CAST(:widgets AS json),
                     replaces = :replaces, error = CAST(:error AS json), completed_at = :now
    WHERE id = :turn_id AND EXISTS (SELECT FROM lease)
    RETURNING id
), following AS (
    UPDATE turns SET status = 'running', started_at = :now, attempts = attempts + 1
    WHERE id = (SELECT id FROM turns
                WHERE :chain AND EXISTS (SELECT FROM lease) AND thread_id = :thread_id
                  AND status IN ('queued', 'running') AND id <> :turn_id
                ORDER BY seq LIMIT 1)
      AND status IN ('queued', 'running')
    RETURNING id, seq, user_id, kind, input, action, metadata, status, attempts, created_at
), thread AS (
    UPDATE threads
    SET lock_until = CASE WHEN :keep OR EXISTS (SELECT FROM following) THEN :until END,
        lock_owner = CASE WHEN :keep OR EXISTS (SELECT FROM following) THEN lock_owner END,
        context = COALESCE(CAST(:memory AS json), context)
    WHERE id IN (SELECT id FROM lease)
    RETURNING context
), events AS (
    INSERT INTO thread_events (thread_id, turn_id, type, created_at)
    SELECT :thread_id, id, type, :now FROM (
        SELECT 1 AS n, id, 'turn.' || :status AS type FROM done
        UNION ALL SELECT 2, id, 'turn.running' FROM following
    ) AS changes ORDER BY n
)
SELECT thread.context AS memory, following.id, following.seq, following.user_id,
       following.kind, following.input, following.action, following.metadata AS meta,
       following.status, following.attempts, following.created_at
FROM thread LEFT JOIN following ON true
""").bindparams(
    bindparam("now", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()),
    bindparam("status", type_=String()), bindparam("text", type_=Text()),
    bindparam("widgets", type_=JSON()), bindparam("error", type_=JSON()),
    bindparam("replaces", type_=String()), bindparam("chain", type_=Boolean()),
    bindparam("keep", type_=Boolean()),
    # None is SQL NULL here (the memory is left as stored), not JSON's null.
    bindparam("memory", type_=JSON(none_as_null=True)),
).columns(
    memory=JSON(), id=String(), seq=Integer(), user_id=String(), kind=String(), input=Text(),
    action=JSON(), meta=JSON(), status=String(), attempts=Integer(), created_at=UTCDateTime(),
)


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def claim_turn(
    session: Session, thread_id: str, owner: str, turn_id: str, now: dt.datetime,
    lease: dt.timedelta,
) -> tuple[dict[str, Any], bool] | None:
    """Take (or renew) the lease and mark `turn_id` running, with its `turn.running` event.

    In the caller's transaction (the caller commits). None when another live drain holds
    the lease: nothing was written. Otherwise (the thread's memory, whether the turn was
    started): False when it is no longer pending (a previous lease holder finished it),
    then only the lease was taken.
    """
    if _on_postgresql(session):
        row = session.execute(_CLAIM, {"thread_id": thread_id, "owner": owner,
                                       "turn_id": turn_id, "now": now,
                                       "until": now + lease}).first()
        return None if row is None else (dict(row.memory or {}), bool(row.started))
    memory = take_lease(session, thread_id, owner, now, lease)
    if memory is None:
        return None
    started = start_turn(session, turn_id, now)
    if started:
        add_events(session, thread_id, now, [(turn_id, TurnStatus.RUNNING.value)])
    return memory, started


@dataclass(frozen=True)
class Completion:
    """What a completing transaction wrote that the worker goes on with."""

    following: PendingTurn | None  # the thread's next turn, marked running
    memory: dict[str, Any]  # the thread's memory as now stored


def complete_turn(
    session: Session, thread_id: str, turn_id: str, *, owner: str, now: dt.datetime,
    until: dt.datetime, memory: dict[str, Any] | None, chain: bool, keep: bool,
    status: str, text: str | None, widgets: list[Any] | None, replaces: str | None = None,
    error: dict[str, Any] | None = None,
) -> Completion | None:
    """Store a turn's outcome, in the caller's transaction, only while `owner` holds the lease.

    With the outcome (`status`, `text`, `widgets`, `replaces`, `error`, `completed_at` =
    `now`) and its event: with `chain`, the thread's next pending turn is marked running
    (with its event); the lease is kept until `until` when there is such a turn or `keep`
    is set, and released otherwise; `memory` is stored (None: left as stored). None when
    another worker took the thread over: then nothing here was written, and the caller
    must roll back the rest of its transaction too.
    """
    if _on_postgresql(session):
        row = session.execute(_COMPLETE, {
            "thread_id": thread_id, "owner": owner, "turn_id": turn_id, "now": now,
            "until": until, "memory": memory, "chain": chain, "keep": keep,
            "status": status, "text": text, "widgets": widgets, "replaces": replaces,
            "error": error,
        }).first()
        if row is None:
            return None
        following = None if row.id is None else PendingTurn(*row[1:])
        return Completion(following, dict(row.memory or {}))
    finish_turn(session, turn_id, status=status, text=text, widgets=widgets,
                replaces=replaces, error=error, completed_at=now)
    following = next_pending(session, thread_id) if chain else None
    if following is not None and not start_turn(session, following.id, now):
        following = None  # cannot happen under the lease: the drain's re-check sees it
    held = following is not None or keep
    if not keep_lease(session, thread_id, owner, memory=memory, until=until if held else None):
        return None
    changes = [(turn_id, status)]
    if following is not None:
        changes.append((following.id, TurnStatus.RUNNING.value))
    add_events(session, thread_id, now, changes)
    if memory is None:
        memory = thread_memory(session, thread_id)
    return Completion(following.started() if following is not None else None, memory)


def threads_with_stale_turns(
    session: Session, older_than: dt.datetime, limit: int = 500, *, now: dt.datetime | None = None
) -> list[str]:
    """Threads holding a turn still pending since before `older_than` (for the sweep).

    With `now`, threads whose lease is still live are left out: their holder drains them
    (it re-checks after releasing), and a dead holder's lease runs out by itself. Also with
    `now`, a thread with a turn `running` under a lease that has run out (its worker died
    mid-turn) is returned whatever the turn's age: that is the case to recover in seconds,
    while a queued turn may just be waiting behind a busy queue (re-kicking it early would
    only add duplicate kicks to that queue).
    """
    query = (
        select(Turn.thread_id)
        .where(Turn.status.in_(PENDING), Turn.created_at < older_than)
        .group_by(Turn.thread_id)
        .limit(limit)
    )
    if now is None:
        return [row[0] for row in session.execute(query)]
    live = select(Thread.id).where(Thread.lock_until.is_not(None), Thread.lock_until >= now)
    query = query.where(Turn.thread_id.not_in(live))
    # Few turns are running at any moment (ix_turns_status_created finds them).
    abandoned = (
        select(Turn.thread_id)
        .join(Thread, Thread.id == Turn.thread_id)
        .where(Turn.status == TurnStatus.RUNNING.value,
               or_(Thread.lock_until.is_(None), Thread.lock_until < now))
        .group_by(Turn.thread_id)
        .limit(limit)
    )
    found = [row[0] for row in session.execute(abandoned)]
    seen = set(found)
    found += [row[0] for row in session.execute(query) if row[0] not in seen]
    return found


def turn_view(turn: Turn) -> dict[str, Any]:
    """A turn as the result endpoints show it."""
    view: dict[str, Any]
    if turn.kind == "message":
        view = {"response_id": turn.id, "thread_id": turn.thread_id, "status": turn.status,
                "input": turn.input}
    else:
        # `replaces`: the widget id (the clicked card) these trees replace in place.
        view = {"action_id": turn.id, "thread_id": turn.thread_id, "status": turn.status,
                "action": turn.action, "replaces": turn.replaces}
    view.update(
        text=turn.text,
        widgets=turn.widgets or [],
        error=turn.error,
        created_at=iso(turn.created_at),
        completed_at=iso(turn.completed_at),
    )
    return view
