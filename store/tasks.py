"""Tasks (todos) of one user: the repository the agent acts through (sync sessions)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import Task


def new_task_id() -> str:
    """A fresh, URL-safe task id."""
    return f"task_{secrets.token_hex(6)}"


def due_instant(due: str | None) -> dt.datetime | None:
    """The UTC instant used to sort and filter by due date.

    A date-time converts exactly; a bare date sorts at 00:00 UTC of that date.
    """
    if not due:
        return None
    if "T" in due:
        parsed = dt.datetime.fromisoformat(due)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    return dt.datetime.combine(dt.date.fromisoformat(due), dt.time(), tzinfo=dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_to_dict(task: Task) -> dict[str, Any]:
    """The one task shape every API and the agent use."""
    return {
        "id": task.id,
        "title": task.title,
        "completed": task.completed,
        "completed_at": _iso(task.completed_at),
        "due": task.due,
        "priority": task.priority,
        "tags": list(task.tags or []),
        "recurrence": task.recurrence,
        "created_at": _iso(task.created_at),
        "updated_at": _iso(task.updated_at),
    }


class TaskRepository:
    """Reads and writes the tasks of one user inside the caller's transaction."""

    def __init__(self, session: Session, user_id: str) -> None:
        self.session = session
        self.user_id = user_id

    def add(
        self,
        *,
        title: str,
        now: dt.datetime,
        due: str | None = None,
        priority: str | None = None,
        tags: Iterable[str] = (),
        recurrence: str | None = None,
        task_id: str | None = None,
    ) -> Task:
        task = Task(
            id=task_id or new_task_id(),
            user_id=self.user_id,
            title=title,
            completed=False,
            completed_at=None,
            due=due,
            due_at=due_instant(due),
            priority=priority,
            tags=list(tags),
            recurrence=recurrence,
            created_at=now,
            updated_at=now,
        )
        self.session.add(task)
        self.session.flush()
        return task

    def get(self, task_id: str) -> Task | None:
        """The user's task with this id, or None (another user's task is never returned)."""
        task = self.session.get(Task, task_id)
        if task is None or task.user_id != self.user_id:
            return None
        return task

    def get_many(self, task_ids: Sequence[str]) -> list[Task]:
        """The user's tasks among these ids, in the order given (missing ones skipped)."""
        if not task_ids:
            return []
        rows = self.session.scalars(
            select(Task).where(Task.user_id == self.user_id, Task.id.in_(list(task_ids)))
        )
        by_id = {task.id: task for task in rows}
        return [by_id[task_id] for task_id in task_ids if task_id in by_id]

    def all(self, *, completed: bool | None = None) -> list[Task]:
        """The user's tasks, optionally only open or only completed, oldest first."""
        query = select(Task).where(Task.user_id == self.user_id)
        if completed is not None:
            query = query.where(Task.completed.is_(completed))
        return list(self.session.scalars(query.order_by(Task.created_at, Task.id)))

    def count(self, *, completed: bool | None = None) -> int:
        query = select(func.count()).select_from(Task).where(Task.user_id == self.user_id)
        if completed is not None:
            query = query.where(Task.completed.is_(completed))
        return int(self.session.scalar(query) or 0)

    def set_completed(self, task: Task, completed: bool, now: dt.datetime) -> None:
        task.completed = completed
        task.completed_at = now if completed else None
        task.updated_at = now

    def update_fields(self, task: Task, now: dt.datetime, **fields: Any) -> None:
        """Set the given task fields (title, due, priority, tags, recurrence)."""
        for name, value in fields.items():
            setattr(task, name, value)
            if name == "due":
                task.due_at = due_instant(value)
        task.updated_at = now

    def delete(self, task: Task) -> None:
        self.session.delete(task)
        self.session.flush()

    def delete_completed(self) -> int:
        result = self.session.execute(
            delete(Task).where(Task.user_id == self.user_id, Task.completed.is_(True))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
