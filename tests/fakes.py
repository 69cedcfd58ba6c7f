"""In-memory stores for the agent's unit tests (the `todos.ports` / `agents.ports` seams).

Rows are unattached `store.models.Task` objects kept in a dict. Lists follow the
documented rules (docs/NLU.md), written here plainly as the oracle the SQL is checked
against (tests/unit/test_scaling_queries.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from store.actions import Offer
from store.models import Task
from store.tasks import PRIORITY_RANK, TaskFilter
from todos import is_overdue, task_dict


def _due_date(task: dict[str, Any], tz: ZoneInfo) -> dt.date | None:
    due = task.get("due")
    if not due:
        return None
    if "T" in due:
        return dt.datetime.fromisoformat(due).astimezone(tz).date()
    return dt.date.fromisoformat(due)


def filter_tasks(tasks: list[dict[str, Any]], flt: TaskFilter, now: dt.datetime,
                 tz: ZoneInfo) -> list[dict[str, Any]]:
    """The documented list: the filter's tasks, open first, overdue first, then by due day
    and time, then priority (urgent first), then creation."""
    today = now.astimezone(tz).date()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    selected = []
    for task in tasks:
        day = _due_date(task, tz)
        if (flt.status == "open" and task["completed"]) or (
                flt.status == "completed" and not task["completed"]):
            continue
        if flt.priority and task.get("priority") != flt.priority:
            continue
        if flt.tag and flt.tag.lower() not in task.get("tags", []):
            continue
        if flt.text and flt.text.lower() not in task["title"].lower():
            continue
        if flt.due == "no_date" and day is not None:
            continue
        if flt.due in ("today", "tomorrow", "this_week", "overdue") and day is None:
            continue
        if flt.due == "today" and day != today:
            continue
        if flt.due == "tomorrow" and day != today + dt.timedelta(days=1):
            continue
        if flt.due == "this_week" and day is not None and day > week_end:
            continue
        if flt.due == "overdue" and not is_overdue(task, now, tz):
            continue
        selected.append(task)

    def sort_key(task: dict[str, Any]) -> tuple[Any, ...]:
        day = _due_date(task, tz)
        return (task["completed"], not is_overdue(task, now, tz), day is None,
                day or dt.date.max, task.get("due") or "",
                PRIORITY_RANK.get(task.get("priority") or "", 4), task["created_at"] or "")

    return sorted(selected, key=sort_key)


class FakeTaskStore:
    """One user's tasks in a dict (implements `todos.ports.TaskStore`)."""

    def __init__(self, user_id: str = "alice") -> None:
        self.user_id = user_id
        self.rows: dict[str, Task] = {}

    def add(self, *, title: str, now: dt.datetime, due: str | None = None,
            priority: str | None = None, tags: Iterable[str] = (),
            recurrence: str | None = None, task_id: str | None = None) -> Task:
        row = Task(id=task_id or f"task_{secrets.token_hex(6)}", user_id=self.user_id,
                   title=title, completed=False, completed_at=None, due=due, priority=priority,
                   tags=list(tags), recurrence=recurrence, created_at=now, updated_at=now)
        self.rows[row.id] = row
        return row

    def get(self, task_id: str) -> Task | None:
        return self.rows.get(task_id)

    def get_many(self, task_ids: Sequence[str]) -> list[Task]:
        return [self.rows[i] for i in task_ids if i in self.rows]

    def all(self, *, completed: bool | None = None) -> list[Task]:
        rows = sorted(self.rows.values(), key=lambda row: (row.created_at, row.id))
        return [row for row in rows if completed is None or row.completed == completed]

    def count(self) -> int:
        return len(self.rows)

    def has_any(self, *, completed: bool | None = None) -> bool:
        return bool(self.all(completed=completed))

    def existing_ids(self, task_ids: Iterable[str], *,
                     completed: bool | None = None) -> set[str]:
        return {row.id for row in self.all(completed=completed) if row.id in set(task_ids)}

    def title_candidates(self, queries: Iterable[str], *, completed: bool | None = None,
                         limit: int = 200) -> list[Task]:
        return self.all(completed=completed)

    def page(self, flt: TaskFilter, *, now: dt.datetime, tz: ZoneInfo, offset: int,
             limit: int) -> tuple[list[Task], list[str], int, int]:
        ordered = filter_tasks([task_dict(row) for row in self.rows.values()], flt, now, tz)
        if offset >= len(ordered):
            offset = 0
        shown = [task["id"] for task in ordered[: offset + limit]]
        return [self.rows[i] for i in shown[offset:]], shown, len(ordered), offset

    def set_completed(self, task: Task, completed: bool, now: dt.datetime) -> bool:
        if task.completed == completed:
            return False
        task.completed, task.completed_at, task.updated_at = (
            completed, now if completed else None, now)
        return True

    def update_fields(self, task: Task, now: dt.datetime, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(task, name, value)
        task.updated_at = now

    def delete_ids(self, task_ids: Sequence[str]) -> int:
        return sum(self.rows.pop(i, None) is not None for i in task_ids)

    def restore(self, snapshot: dict[str, Any]) -> Task:
        def when(value: str | None) -> dt.datetime | None:
            return dt.datetime.fromisoformat(value) if value else None

        row = Task(id=snapshot["id"], user_id=self.user_id, title=snapshot["title"],
                   completed=snapshot["completed"], completed_at=when(snapshot["completed_at"]),
                   due=snapshot["due"], priority=snapshot["priority"],
                   tags=list(snapshot["tags"]), recurrence=snapshot["recurrence"],
                   created_at=when(snapshot["created_at"]),
                   updated_at=when(snapshot["updated_at"]))
        self.rows[row.id] = row
        return row


class FakeOffers:
    """A thread's rendered buttons in a dict (implements `agents.ports.OfferStore`)."""

    def __init__(self) -> None:
        self.cards: dict[str, str] = {}

    def card_of(self, widget_id: str) -> str | None:
        return self.cards.get(widget_id)

    def record(self, turn_id: str, offers: Sequence[Offer], now: dt.datetime) -> None:
        self.cards.update({offer.widget_id: offer.card_id for offer in offers})
