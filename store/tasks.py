"""Tasks (todos) of one user: the repository the agent acts through (sync sessions)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, case, cast, delete, func, literal, or_, select
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

    def restore(self, snapshot: dict[str, Any]) -> Task:
        """Put a task back exactly as `snapshot` (the task shape) says, recreating it if gone.

        Used by undo; the snapshot is what `task_to_dict` returned before the change.
        """
        task = self.get(snapshot["id"])
        if task is None:
            task = Task(id=snapshot["id"], user_id=self.user_id)
            self.session.add(task)
        task.title = snapshot["title"]
        task.completed = bool(snapshot["completed"])
        task.completed_at = _parse(snapshot.get("completed_at"))
        task.due = snapshot.get("due")
        task.due_at = due_instant(task.due)
        task.priority = snapshot.get("priority")
        task.tags = list(snapshot.get("tags") or [])
        task.recurrence = snapshot.get("recurrence")
        task.created_at = _parse(snapshot["created_at"])  # type: ignore[assignment]
        task.updated_at = _parse(snapshot["updated_at"])  # type: ignore[assignment]
        self.session.flush()
        return task

    def delete_ids(self, task_ids: Sequence[str]) -> int:
        """Delete the user's tasks among these ids; returns how many went."""
        if not task_ids:
            return 0
        result = self.session.execute(
            delete(Task).where(Task.user_id == self.user_id, Task.id.in_(list(task_ids)))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


# ---- listing for the tasks API (filters, sorting, keyset pagination) ------------------------

PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}
TASK_SORTS = ("created_at", "-created_at", "updated_at", "-updated_at", "due", "-due",
              "priority", "-priority", "title", "-title")
# Tasks without a due date sort after every dated one.
_NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TaskQuery:
    """What `GET /api/tasks` asks for; `after` is the previous page's last sort key and id."""

    status: str = "all"  # open | completed | all
    due_before: dt.datetime | None = None  # due_at < due_before
    due_after: dt.datetime | None = None  # due_at >= due_after
    tag: str | None = None
    priority: str | None = None
    q: str | None = None
    sort: str = "created_at"
    after: tuple[Any, str] | None = None
    limit: int = 50


def _sort_expression(sort: str) -> Any:
    field = sort.lstrip("-")
    if field == "due":
        return func.coalesce(Task.due_at, literal(_NO_DUE, Task.due_at.type))
    if field == "priority":
        return case(PRIORITY_RANK, value=Task.priority, else_=len(PRIORITY_RANK))
    return {"created_at": Task.created_at, "updated_at": Task.updated_at,
            "title": Task.title}[field]


def task_sort_value(task: Task, sort: str) -> Any:
    """The value `sort` orders this task by, as stored in a cursor (JSON-friendly)."""
    field = sort.lstrip("-")
    if field == "due":
        return (task.due_at or _NO_DUE).isoformat()
    if field == "priority":
        return PRIORITY_RANK.get(task.priority or "", len(PRIORITY_RANK))
    value = getattr(task, field)
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _cursor_value(sort: str, value: Any) -> Any:
    """The typed sort value a cursor carries; ValueError when it was tampered with."""
    if sort.lstrip("-") in ("due", "created_at", "updated_at"):
        when = dt.datetime.fromisoformat(str(value))
        if when.tzinfo is None:
            raise ValueError("cursor date-time without offset")
        return when
    if sort.lstrip("-") == "priority":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 100:
            raise ValueError("cursor priority rank")
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("cursor text")
    return value


def query_tasks(session: Session, user_id: str, query: TaskQuery) -> tuple[list[Task], bool]:
    """One page of the user's tasks matching `query`, and whether more follow."""
    stmt = select(Task).where(Task.user_id == user_id)
    if query.status == "open":
        stmt = stmt.where(Task.completed.is_(False))
    elif query.status == "completed":
        stmt = stmt.where(Task.completed.is_(True))
    if query.due_before is not None:
        stmt = stmt.where(Task.due_at < query.due_before)
    if query.due_after is not None:
        stmt = stmt.where(Task.due_at >= query.due_after)
    if query.priority is not None:
        stmt = stmt.where(Task.priority == query.priority)
    if query.tag is not None:
        # Portable across SQLite and PostgreSQL JSON: match the JSON-encoded string itself.
        stmt = stmt.where(cast(Task.tags, String).contains(json.dumps(query.tag),
                                                           autoescape=True))
    if query.q:
        stmt = stmt.where(func.lower(Task.title).contains(query.q.lower(), autoescape=True))
    key = _sort_expression(query.sort)
    descending = query.sort.startswith("-")
    if query.after is not None:
        value, last_id = _cursor_value(query.sort, query.after[0]), query.after[1]
        if descending:
            stmt = stmt.where(or_(key < value, and_(key == value, Task.id < last_id)))
        else:
            stmt = stmt.where(or_(key > value, and_(key == value, Task.id > last_id)))
    order = (key.desc(), Task.id.desc()) if descending else (key.asc(), Task.id.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(query.limit + 1)))
    return rows[: query.limit], len(rows) > query.limit
