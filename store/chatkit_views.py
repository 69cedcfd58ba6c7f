"""Reads (and the one write) behind the ChatKit protocol endpoint's view of threads and turns.

ChatKit items are derived from turns (api/chatkit/items.py). A page of items needs the
turns that make it (whole rows, a page's worth) and a light look at the turns after it
(kind, status and the `chatkit` metadata mark: which earlier item an action updated, which
message a retry answers). Every query walks `uq_turns_thread_seq` or a primary key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.history import decode_thread_cursor, encode_cursor
from store.models import Thread, Turn

# The key of a turn's metadata under which the ChatKit endpoint marks what it stored.
CHATKIT_MARK = "chatkit"


@dataclass(frozen=True)
class TurnFacts:
    """What the item view needs to know of a turn it does not show (no text, no trees)."""

    id: str
    seq: int
    kind: str
    status: str
    replaces: str | None
    action_type: str | None
    # From the `chatkit` mark: the widget item an action came from (and its turn's seq),
    # or the message (its turn id and seq) a retry answers again.
    sender_item: str | None = None
    sender_seq: int | None = None
    retry_of: str | None = None
    retry_of_seq: int | None = None


def _mark(meta: Any) -> dict[str, Any]:
    mark = meta.get(CHATKIT_MARK) if isinstance(meta, dict) else None
    return mark if isinstance(mark, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def facts_of(turn_id: str, seq: int, kind: str, status: str, replaces: str | None,
             action: Any, meta: Any) -> TurnFacts:
    mark = _mark(meta)
    action_type = action.get("type") if isinstance(action, dict) else None
    return TurnFacts(
        id=turn_id, seq=seq, kind=kind, status=status, replaces=replaces,
        action_type=action_type if isinstance(action_type, str) else None,
        sender_item=_text(mark.get("item_id")), sender_seq=_int(mark.get("item_seq")),
        retry_of=_text(mark.get("retry_of")), retry_of_seq=_int(mark.get("retry_of_seq")),
    )


def turn_facts(turn: Turn) -> TurnFacts:
    return facts_of(turn.id, turn.seq, turn.kind, turn.status, turn.replaces, turn.action,
                    turn.meta)


async def facts_from(session: AsyncSession, thread_id: str, seq_from: int) -> list[TurnFacts]:
    """The light facts of the thread's turns numbered `seq_from` and after, in order."""
    rows = await session.execute(
        select(Turn.id, Turn.seq, Turn.kind, Turn.status, Turn.replaces, Turn.action,
               Turn.meta)
        .where(Turn.thread_id == thread_id, Turn.seq >= seq_from)
        .order_by(Turn.seq)
    )
    return [facts_of(*row) for row in rows.all()]


async def turns_between(session: AsyncSession, thread_id: str, low: int, high: int
                        ) -> list[Turn]:
    """Whole turns numbered `low` to `high` (inclusive), in order."""
    return list(await session.scalars(
        select(Turn).where(Turn.thread_id == thread_id, Turn.seq >= low, Turn.seq <= high)
        .order_by(Turn.seq)))


async def turns_by_id(session: AsyncSession, thread_id: str, turn_ids: Sequence[str]
                      ) -> dict[str, Turn]:
    if not turn_ids:
        return {}
    rows = await session.scalars(
        select(Turn).where(Turn.thread_id == thread_id, Turn.id.in_(list(turn_ids))))
    return {turn.id: turn for turn in rows}


async def turn_in_thread(session: AsyncSession, thread_id: str, turn_id: str) -> Turn | None:
    """The turn, if it is one of this thread's."""
    turn = await session.get(Turn, turn_id)
    return turn if turn is not None and turn.thread_id == thread_id else None


async def turn_status(session: AsyncSession, turn_id: str) -> str | None:
    """The turn's status (None when it is gone: its thread was deleted)."""
    status: str | None = await session.scalar(select(Turn.status).where(Turn.id == turn_id))
    return status


async def rename_thread(session: AsyncSession, thread_id: str, title: str | None) -> None:
    """Set (None: clear) the thread's title. Commits."""
    await session.execute(update(Thread).where(Thread.id == thread_id).values(title=title))
    await session.commit()


async def threads_page(
    session: AsyncSession, user_id: str, *, after: str | None, limit: int,
    order: Literal["asc", "desc"],
) -> tuple[list[Thread], str | None]:
    """The user's threads by latest activity (`desc`: most recent first) and the cursor of
    the next page (None at the end). BadCursor for a cursor this server did not make."""
    key = (Thread.updated_at, Thread.id)
    query = select(Thread).where(Thread.user_id == user_id)
    if after:
        when, thread_id = decode_thread_cursor(after)
        if order == "desc":
            query = query.where(or_(key[0] < when, and_(key[0] == when, key[1] < thread_id)))
        else:
            query = query.where(or_(key[0] > when, and_(key[0] == when, key[1] > thread_id)))
    ordering = [column.desc() for column in key] if order == "desc" else list(key)
    rows = list(await session.scalars(query.order_by(*ordering).limit(limit + 1)))
    page = rows[:limit]
    cursor = None
    if len(rows) > limit:
        last = page[-1]
        cursor = encode_cursor(last.updated_at.isoformat(), last.id)
    return page, cursor
