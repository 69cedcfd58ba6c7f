"""`TaskService`: every change to a user's tasks, for chat turns and REST calls alike.

One code path per operation, so the two entry points cannot disagree: completing a
recurring task schedules its next occurrence whoever completes it, exactly once even
when two turns complete it at the same moment, and undo puts back only what the undone
turn changed (a later edit, from chat or REST, wins and is reported).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from todos.model import task_dict
from todos.ports import TaskStore
from todos.recurrence import next_occurrence
from todos.validation import TaskInvalid

# The fields a change sets and undo puts back (ids and timestamps are not "changed").
UNDO_FIELDS = ("title", "completed", "completed_at", "due", "priority", "tags", "recurrence")

_UTC = ZoneInfo("UTC")


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One task's change: the task before (None: created) and after it (None: deleted)."""

    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    @property
    def task_id(self) -> str:
        task = self.after if self.after is not None else self.before
        assert task is not None
        return str(task["id"])


class NewTask(msgspec.Struct, frozen=True, kw_only=True):
    """A task to add, with its fields already checked (`todos.validation`)."""

    title: str
    due: str | None = None
    priority: str | None = None
    tags: tuple[str, ...] | list[str] = ()
    recurrence: str | None = None
    completed: bool = False


class Completion(NamedTuple):
    """What completing (or reopening) one task did."""

    task: dict[str, Any]
    changed: bool  # False: it already was so
    follow_up: dict[str, Any] | None  # the next occurrence a recurring task got


class UndoReport(NamedTuple):
    """What an undo put back, and the titles of tasks a later change kept as they are."""

    restored: int
    kept: list[str]


class QuotaExceeded(TaskInvalid):
    """The user has as many tasks as one user may have."""


class TaskService:
    """Changes to one user's tasks at one moment, inside the caller's transaction.

    `changes` collects what every call changed (for an undo log); the caller commits.
    """

    def __init__(
        self,
        repo: TaskStore,
        *,
        now: dt.datetime,
        tz: ZoneInfo = _UTC,
        max_tasks: int | None = None,
    ) -> None:
        self.repo = repo
        self.now = now
        self.tz = tz
        self.max_tasks = max_tasks
        self.changes: list[Change] = []

    # -- create ------------------------------------------------------------------------

    def add_many(self, new: Sequence[NewTask]) -> list[dict[str, Any]]:
        """Create tasks in the order given (a microsecond apart, so every list keeps it)."""
        if self.max_tasks is not None and new:
            have = self.repo.count()
            if have + len(new) > self.max_tasks:
                raise QuotaExceeded(
                    f"tasks: you have {have} tasks and one user may have at most "
                    f"{self.max_tasks}; delete some (e.g. \u201cclear completed\u201d) first")
        added = []
        for index, task in enumerate(new):
            row = self.repo.add(
                title=task.title, now=self.now + dt.timedelta(microseconds=index), due=task.due,
                priority=task.priority, tags=task.tags, recurrence=task.recurrence)
            if task.completed:
                self.repo.set_completed(row, True, self.now)
            view = task_dict(row)
            self.changes.append(Change(after=view))
            added.append(view)
        return added

    def add(self, task: NewTask) -> dict[str, Any]:
        return self.add_many([task])[0]

    # -- change ------------------------------------------------------------------------

    def update(self, task_id: str, **fields: Any) -> dict[str, Any] | None:
        """Set these fields (already checked); None when the user has no such task.

        Setting `completed` goes through `set_completed` (recurrence included).
        """
        row = self.repo.get(task_id)
        if row is None:
            return None
        completed = fields.pop("completed", None)
        before = task_dict(row)
        changed = {name: value for name, value in fields.items() if before.get(name) != value}
        if changed:
            self.repo.update_fields(row, self.now, **changed)
            self.changes.append(Change(before=before, after=task_dict(row)))
        if completed is not None:
            return self.set_completed(task_id, bool(completed)).task
        return task_dict(row)

    def set_completed(self, task_id: str, done: bool) -> Completion:
        """Complete (or reopen) a task; completing a recurring one creates its next
        occurrence, which carries the rule on (the done one stops repeating)."""
        row = self.repo.get(task_id)
        if row is None:
            raise LookupError(task_id)
        before = task_dict(row)
        if not self.repo.set_completed(row, done, self.now):
            return Completion(task_dict(row), False, None)
        follow_up = None
        if done and row.recurrence:
            upcoming = next_occurrence(row.due, row.recurrence, self.now, self.tz)
            if upcoming is not None:
                follow_up = self.add(NewTask(
                    title=row.title, due=upcoming.due, priority=row.priority,
                    tags=tuple(row.tags or ()), recurrence=upcoming.rule))
            self.repo.update_fields(row, self.now, recurrence=None)
        self.changes.append(Change(before=before, after=task_dict(row)))
        return Completion(task_dict(row), True, follow_up)

    def delete(self, task_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Delete the user's tasks among these ids; returns them as they were."""
        rows = self.repo.get_many(list(task_ids))
        removed = [task_dict(row) for row in rows]
        self.repo.delete_ids([task["id"] for task in removed])
        self.changes.extend(Change(before=task) for task in removed)
        return removed

    # -- undo --------------------------------------------------------------------------

    def undo(self, changes: Sequence[Change]) -> UndoReport:
        """Put back what `changes` did, field by field, where nothing changed it since.

        A task created then edited stays; a field edited since keeps the newer value;
        a deleted task comes back as it was.
        """
        restored, kept = 0, []
        for change in reversed(changes):
            current_row = self.repo.get(change.task_id)
            current = task_dict(current_row) if current_row is not None else None
            if change.before is None:  # created: remove it unless it was changed since
                if current is not None and _same(current, change.after):
                    self.repo.delete_ids([change.task_id])
                    restored += 1
                elif current is not None:
                    kept.append(current["title"])
                continue
            if change.after is None:  # deleted: bring it back
                if current is None:
                    self.repo.restore(change.before)
                    restored += 1
                continue
            if current is None:  # changed, then deleted by a later change: leave it gone
                kept.append(change.before["title"])
                continue
            fields, conflict = {}, False
            for name in UNDO_FIELDS:
                if change.before.get(name) == change.after.get(name):
                    continue
                if current.get(name) == change.after.get(name):
                    fields[name] = change.before.get(name)
                else:
                    conflict = True
            if fields:
                if "completed_at" in fields and fields["completed_at"] is not None:
                    fields["completed_at"] = dt.datetime.fromisoformat(fields["completed_at"])
                self.repo.update_fields(current_row, self.now, **fields)  # type: ignore[arg-type]
                restored += 1
            if conflict:
                kept.append(current["title"])
        return UndoReport(restored, kept)


def _same(task: dict[str, Any], snapshot: dict[str, Any] | None) -> bool:
    return snapshot is not None and all(task.get(f) == snapshot.get(f) for f in UNDO_FIELDS)
