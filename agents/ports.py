"""The storage seam of the pipeline: what a turn reads and writes besides its text.

`agents.run_turn(session, ...)` builds these on a SQLAlchemy session (`store/`);
`agents.pipeline.run_turn` takes any implementation (the unit tests use in-memory fakes).
Thread memory travels as `agents.memory.ThreadMemory` (stored as JSON by the worker).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from store.actions import Offer
from todos.ports import TaskStore


class OfferStore(Protocol):
    """The buttons a thread rendered: the only clicks it honours (checked by the API)."""

    def card_of(self, widget_id: str) -> str | None:
        """The card the button sits in, if this thread rendered it."""
        ...

    def record(self, turn_id: str, offers: Sequence[Offer], now: dt.datetime) -> None: ...


@dataclass(frozen=True)
class TurnStores:
    """Where one turn's user keeps tasks, and (in a thread) what it offered."""

    tasks: TaskStore
    offers: OfferStore | None = None
