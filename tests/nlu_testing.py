"""Shared by the understanding tests: the fixed clock, one reading, and the user's tasks
after one message through the whole pipeline (understand → resolve → act) on SQLite."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from agents import run_turn
from agents.nlu import understand
from agents.types import Understanding
from store import Database
from store.tasks import TaskRepository

UTC = ZoneInfo("UTC")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday
_ids = itertools.count()


def u(text: str) -> Understanding:
    """How `text` is understood at NOW, in UTC."""
    return understand(text, now=NOW, tz=UTC)


def tasks_after(database: Database, seeds: tuple[str, ...], text: str) -> list[Any]:
    """A fresh user's tasks (seeded with `seeds` first) after one message."""
    user = f"nlu{next(_ids)}"
    sessions = database.sync_sessions()
    with sessions() as session:
        repo = TaskRepository(session, user)
        for title in seeds:
            repo.add(title=title, now=NOW)
        session.commit()
    with sessions() as session:
        run_turn(session, user_id=user, turn_id=f"t{next(_ids)}", now=NOW, tz=UTC,
                 memory={}, text=text)  # fmt: skip
        session.commit()
    with sessions() as session:
        return list(TaskRepository(session, user).all())


def open_after(database: Database, seeds: tuple[str, ...], text: str) -> tuple[list[str], int]:
    """(the open titles, sorted; how many tasks in all) after one message: a message that
    changes nothing leaves `(sorted(seeds), len(seeds))`."""
    left = tasks_after(database, seeds, text)
    return sorted(t.title for t in left if not t.completed), len(left)
