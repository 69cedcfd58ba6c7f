"""Thread history for readers: thread lists, pages of turns, events after an id.

Every query is bounded by a page size and walks an index (`threads.user_id`,
`uq_turns_thread_seq`, `ix_thread_events_thread_id_id`), so its cost does not grow with
the length of a thread.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import IdempotencyKey, OfferedAction, Thread, ThreadEvent, Turn


class BadCursor(ValueError):
    """A pagination cursor that this server did not hand out."""


@dataclass(frozen=True)
class ThreadSummary:
    thread: Thread
    last_status: str | None


@dataclass(frozen=True)
class TurnPage:
    turns: list[Turn]
    has_older: bool
    has_newer: bool


def encode_cursor(*parts: object) -> str:
    """An opaque, URL-safe cursor."""
    raw = json.dumps(list(parts), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[object]:
    """The parts of a cursor made by `encode_cursor`; BadCursor otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (ValueError, TypeError) as error:
        raise BadCursor(cursor) from error
    if not isinstance(parts, list) or len(parts) != arity:
        raise BadCursor(cursor)
    return parts


def decode_thread_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """(last activity as a UTC instant, thread id) of a thread-list cursor; BadCursor for one
    this server did not make (including an instant outside UTC's range)."""
    stamp, thread_id = decode_cursor(cursor, 2)
    try:
        when = dt.datetime.fromisoformat(str(stamp))
        if when.tzinfo is None:
            raise ValueError(stamp)
        return when.astimezone(dt.UTC), str(thread_id)  # OverflowError outside UTC's range
    except (ValueError, OverflowError) as error:
        raise BadCursor(cursor) from error


async def list_threads(
    session: AsyncSession, user_id: str, *, after: str | None, limit: int
) -> tuple[list[ThreadSummary], str | None]:
    """The user's threads, most recently active first; returns the page and the next cursor."""
    last_turn = and_(Turn.thread_id == Thread.id, Turn.seq == Thread.next_seq)
    query = (
        select(Thread, Turn.status)
        .outerjoin(Turn, last_turn)
        .where(Thread.user_id == user_id)
        .order_by(Thread.updated_at.desc(), Thread.id.desc())
        .limit(limit + 1)
    )
    if after:
        when, thread_id = decode_thread_cursor(after)
        query = query.where(
            or_(Thread.updated_at < when,
                and_(Thread.updated_at == when, Thread.id < thread_id))
        )
    rows = (await session.execute(query)).all()
    page = [ThreadSummary(thread, status) for thread, status in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1].thread
        next_cursor = encode_cursor(last.updated_at.isoformat(), last.id)
    return page, next_cursor


async def get_thread(session: AsyncSession, thread_id: str) -> Thread | None:
    return await session.get(Thread, thread_id)


async def last_status(session: AsyncSession, thread: Thread) -> str | None:
    """The status of the thread's newest turn (one indexed row)."""
    return await session.scalar(
        select(Turn.status).where(Turn.thread_id == thread.id, Turn.seq == thread.next_seq)
    )


async def list_turns(
    session: AsyncSession,
    thread_id: str,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> TurnPage:
    """A page of the thread's turns in sequence order.

    `after=N`: the first `limit` turns after seq N. Otherwise the last `limit` turns before
    seq `before` (or the newest ones), which is how a chat scrolls back.
    """
    query = select(Turn).where(Turn.thread_id == thread_id)
    if after is not None:
        rows = list(await session.scalars(
            query.where(Turn.seq > after).order_by(Turn.seq).limit(limit + 1)))
        turns = rows[:limit]
        has_newer = len(rows) > limit
        has_older = after > 0 and await _exists(session, thread_id, Turn.seq <= after)
        return TurnPage(turns, has_older, has_newer)
    if before is not None:
        query = query.where(Turn.seq < before)
    rows = list(await session.scalars(query.order_by(Turn.seq.desc()).limit(limit + 1)))
    turns = list(reversed(rows[:limit]))
    has_older = len(rows) > limit
    has_newer = before is not None and await _exists(session, thread_id, Turn.seq >= before)
    return TurnPage(turns, has_older, has_newer)


async def _exists(session: AsyncSession, thread_id: str, condition: object) -> bool:
    found = await session.scalar(
        select(Turn.seq).where(Turn.thread_id == thread_id, condition).limit(1)  # type: ignore[arg-type]
    )
    return found is not None


@dataclass(frozen=True)
class ThreadIdentity:
    """One life of a thread id: its owner and when it was created.

    A deleted id can be taken again, by its owner or by someone else; a stream opened on
    the earlier thread must see nothing of the later one.
    """

    user_id: str
    created_at: dt.datetime


async def thread_identity(session: AsyncSession, thread_id: str) -> ThreadIdentity | None:
    """The thread's current identity, None when no such thread exists (one key lookup)."""
    row = (await session.execute(select(Thread.user_id, Thread.created_at)
                                 .where(Thread.id == thread_id))).first()
    return None if row is None else ThreadIdentity(row.user_id, row.created_at)


async def events_after(
    session: AsyncSession, thread_id: str, after_id: int, *, limit: int = 200,
    identity: ThreadIdentity | None = None,
) -> list[tuple[ThreadEvent, Turn | None]]:
    """The thread's events with id > `after_id`, oldest first, each with its turn.

    With `identity`, only while the thread is still that one: the check is part of the
    same statement, so a thread deleted and re-created meanwhile yields nothing.
    """
    query = (
        select(ThreadEvent, Turn)
        .outerjoin(Turn, Turn.id == ThreadEvent.turn_id)
        .where(ThreadEvent.thread_id == thread_id, ThreadEvent.id > after_id)
        .order_by(ThreadEvent.id)
        .limit(limit)
    )
    if identity is not None:
        query = query.join(Thread, Thread.id == ThreadEvent.thread_id).where(
            Thread.user_id == identity.user_id, Thread.created_at == identity.created_at)
    rows = await session.execute(query)
    return [(event, turn) for event, turn in rows.all()]


async def last_event_id(session: AsyncSession, thread_id: str) -> int:
    """The id of the thread's newest event, 0 when it has none."""
    found = await session.scalar(
        select(func.max(ThreadEvent.id)).where(ThreadEvent.thread_id == thread_id)
    )
    return int(found or 0)


async def delete_thread(session: AsyncSession, thread_id: str) -> list[str]:
    """Remove the thread, its turns, events, offered buttons and the idempotency keys of
    its turns (a repeat of a request after the delete is a new request); tasks stay.
    Commits; returns the idempotency keys deleted (for caches of them to forget)."""
    owner = select(Thread.user_id).where(Thread.id == thread_id).scalar_subquery()
    keys = await session.scalars(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == owner,
        IdempotencyKey.turn_id.in_(select(Turn.id).where(Turn.thread_id == thread_id)))
        .returning(IdempotencyKey.key))
    deleted = list(keys)
    # Explicit deletes rather than relying on ON DELETE CASCADE being enforced everywhere.
    for model in (ThreadEvent, OfferedAction, Turn):
        await session.execute(delete(model).where(model.thread_id == thread_id))
    await session.execute(delete(Thread).where(Thread.id == thread_id))
    await session.commit()
    return deleted
