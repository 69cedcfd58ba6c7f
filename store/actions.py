"""The offered-actions index: every button rendered in a thread, keyed (thread_id, widget_id).

The action endpoint honours a click only when this index holds the clicked widget with the
same action type and payload: one primary-key lookup, never a scan of old trees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from store.models import OfferedAction, Thread


class Offer(NamedTuple):
    """One rendered button: its id, the card it sits in, and its declared action."""

    widget_id: str
    card_id: str
    action_type: str
    payload: dict[str, Any]


def _upsert_offers(module: Any) -> Any:
    statement = module.insert(OfferedAction)
    return statement.on_conflict_do_update(
        index_elements=["thread_id", "widget_id"],
        set_={name: statement.excluded[name]
              for name in ("turn_id", "card_id", "action_type", "payload", "created_at")},
    )


# Built once per dialect and run with executemany (one parameter dict per button): the
# statement never changes, so SQLAlchemy compiles it once and reuses the cached form. (A
# multi-row VALUES built per turn was recompiled every turn: a sixth of a worker's time.)
_UPSERT_OFFERS = {"postgresql": _upsert_offers(postgresql), "sqlite": _upsert_offers(sqlite)}


def record_offers(
    session: Session, *, thread_id: str, turn_id: str, offers: Sequence[Offer],
    now: dt.datetime,
) -> None:
    """Index the buttons a turn rendered, in the caller's transaction.

    Button ids are derived from their action, so a re-rendered id keeps its action; the
    latest rendering wins for `turn_id` / `card_id`.
    """
    if not offers:
        return
    # One row per widget id, the last rendering winning, as the multi-row insert needed
    # (PostgreSQL refuses to upsert one row twice in a statement).
    rows = {offer.widget_id: {"thread_id": thread_id, "widget_id": offer.widget_id,
                              "turn_id": turn_id, "card_id": offer.card_id,
                              "action_type": offer.action_type, "payload": offer.payload,
                              "created_at": now}
            for offer in offers}
    dialect = "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"
    session.execute(_UPSERT_OFFERS[dialect], list(rows.values()))


def get_offer(session: Session, thread_id: str, widget_id: str) -> OfferedAction | None:
    """The indexed button (worker side)."""
    return session.get(OfferedAction, (thread_id, widget_id))


class ThreadOffers:
    """The offered-actions index of one thread, inside the caller's transaction (worker)."""

    def __init__(self, session: Session, thread_id: str) -> None:
        self.session = session
        self.thread_id = thread_id

    def card_of(self, widget_id: str) -> str | None:
        """The card (root widget) the button sits in, if this thread rendered it."""
        offer = get_offer(self.session, self.thread_id, widget_id)
        return offer.card_id if offer is not None else None

    def record(self, turn_id: str, offers: Sequence[Offer], now: dt.datetime) -> None:
        record_offers(self.session, thread_id=self.thread_id, turn_id=turn_id, offers=offers,
                      now=now)


async def find_offer(
    session: AsyncSession, thread_id: str, widget_id: str, user_id: str
) -> OfferedAction | None:
    """The button if it was rendered in this thread and the thread is the user's (API side)."""
    return (await session.execute(
        select(OfferedAction)
        .join(Thread, Thread.id == OfferedAction.thread_id)
        .where(OfferedAction.thread_id == thread_id, OfferedAction.widget_id == widget_id,
               Thread.user_id == user_id)
    )).scalar_one_or_none()


async def thread_owner(session: AsyncSession, thread_id: str) -> str | None:
    """The user owning the thread, or None when it does not exist."""
    return (await session.execute(
        select(Thread.user_id).where(Thread.id == thread_id)
    )).scalar_one_or_none()
