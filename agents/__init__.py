"""The agent pipeline: understand → resolve → act → render.

`run_turn(session, ...)` runs one turn on the database session with the default
understanding stage (rules, offline). The pipeline itself (`agents.pipeline.run_turn`)
takes any `Understander` and any stores (`agents.ports`). The API never imports this
package (it checks clicks against `widgets.actions`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agents import pipeline
from agents.act import Limits
from agents.nlu import understand
from agents.ports import TurnStores
from agents.types import TurnResult, Understander
from store.actions import ThreadOffers
from store.tasks import TaskRepository

__all__ = ["Limits", "TurnResult", "TurnStores", "Understander", "run_turn", "understand"]


def run_turn(
    session: Session,
    *,
    user_id: str,
    turn_id: str,
    now: dt.datetime,
    tz: ZoneInfo,
    memory: dict[str, Any],
    text: str | None = None,
    action: dict[str, Any] | None = None,
    thread_id: str | None = None,
    limits: Limits | None = None,
    understander: Understander = understand,
) -> TurnResult:
    """One turn for `user_id` on `session` (changes left uncommitted); with `thread_id`,
    the buttons it renders are indexed as the thread's offers in the same transaction."""
    stores = TurnStores(TaskRepository(session, user_id),
                        ThreadOffers(session, thread_id) if thread_id is not None else None)
    return pipeline.run_turn(stores, turn_id=turn_id, now=now, tz=tz, memory=memory,
                             understander=understander, text=text, action=action,
                             limits=limits)
