"""The task as every entry point shows it: one struct, the shape in the README."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from core.clock import iso
from store.models import MAX_TITLE_LENGTH
from store.models import Task as TaskRow
from store.tasks import PRIORITY_RANK, Priority

__all__ = ["MAX_TITLE_LENGTH", "PRIORITIES", "PRIORITY_RANK", "Priority", "TaskView",
           "is_overdue", "task_dict"]

PRIORITIES: tuple[str, ...] = tuple(PRIORITY_RANK)


class TaskView(msgspec.Struct, kw_only=True):
    """A task on the wire (chat widgets, `/api/tasks`, undo snapshots).

    `due` is an ISO date (`2026-11-27`) or a date-time with its offset; `recurrence` an
    RRULE without the `RRULE:` prefix (`FREQ=WEEKLY;BYDAY=MO`).
    """

    id: str
    title: str
    completed: bool
    completed_at: str | None
    due: str | None
    priority: Priority | None
    tags: list[str]
    recurrence: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, task: TaskRow) -> TaskView:
        return cls(
            id=task.id,
            title=task.title,
            completed=task.completed,
            completed_at=iso(task.completed_at),
            due=task.due,
            priority=task.priority,  # type: ignore[arg-type]
            tags=list(task.tags or []),
            recurrence=task.recurrence,
            created_at=iso(task.created_at) or "",
            updated_at=iso(task.updated_at) or "",
        )


def task_dict(task: TaskRow) -> dict[str, Any]:
    """The task shape as plain builtins (what widgets, memory and JSON carry)."""
    return msgspec.to_builtins(TaskView.from_row(task))


def is_overdue(task: dict[str, Any], now: dt.datetime, tz: ZoneInfo) -> bool:
    """Open and due before now (a date-only task is overdue from the next day)."""
    due = task.get("due")
    if task.get("completed") or not due:
        return False
    if "T" in due:
        return dt.datetime.fromisoformat(due) < now
    return dt.date.fromisoformat(due) < now.astimezone(tz).date()
