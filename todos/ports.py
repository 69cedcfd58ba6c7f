"""The storage seam of the task domain: what `TaskService` and the agent need of a store.

`store.tasks.TaskRepository` implements it on SQLAlchemy; `tests/fakes.py` keeps tasks in
a dict for the agent's unit tests. Rows are `store.models.Task` objects (a store that
is not SQLAlchemy builds them unattached).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from store.models import Task
from store.tasks import TaskFilter


class TaskStore(Protocol):
    """One user's tasks, read and written inside the caller's unit of work."""

    user_id: str

    def add(self, *, title: str, now: dt.datetime, due: str | None = None,
            priority: str | None = None, tags: Iterable[str] = (),
            recurrence: str | None = None, task_id: str | None = None) -> Task: ...

    def get(self, task_id: str) -> Task | None: ...

    def get_many(self, task_ids: Sequence[str]) -> list[Task]: ...

    def all(self, *, completed: bool | None = None) -> list[Task]: ...

    def count(self) -> int: ...

    def has_any(self, *, completed: bool | None = None) -> bool: ...

    def existing_ids(self, task_ids: Iterable[str], *,
                     completed: bool | None = None) -> set[str]: ...

    def title_candidates(self, queries: Iterable[str], *, completed: bool | None = None,
                         limit: int = 200) -> list[Task]: ...

    def page(self, flt: TaskFilter, *, now: dt.datetime, tz: ZoneInfo, offset: int,
             limit: int) -> tuple[list[Task], list[str], int, int]: ...

    def set_completed(self, task: Task, completed: bool, now: dt.datetime) -> bool: ...

    def update_fields(self, task: Task, now: dt.datetime, **fields: Any) -> None: ...

    def delete_ids(self, task_ids: Sequence[str]) -> int: ...

    def restore(self, snapshot: dict[str, Any]) -> Task: ...
