"""Tasks (todos) of one user: the repository the task service acts through (sync sessions).

Also the one filter type (`TaskFilter`) every list uses, chat and REST, and the SQL that
filters, orders and pages it. The rules (validation, recurrence, undo) live in `todos/`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import String, and_, case, cast, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from store.models import Task

Priority = Literal["urgent", "high", "medium", "low"]
# Urgent first: the order of every list and of the `priority` sort.
PRIORITY_RANK: dict[str, int] = {"urgent": 0, "high": 1, "medium": 2, "low": 3}
DueWindow = Literal["today", "tomorrow", "this_week", "overdue", "no_date"]
Status = Literal["open", "completed", "all"]


class TaskFilter(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Which of a user's tasks a list shows: the one filter of chat lists and `GET /api/tasks`.

    `due` is a window of the user's calendar (`this_week`: up to Sunday, overdue ones
    included); `due_before`/`due_after` bound the due instant; `text` is a case-insensitive
    part of the title. Default: every open task.
    """

    status: Status = "open"
    due: DueWindow | None = None
    due_before: dt.datetime | None = None  # due_at < due_before
    due_after: dt.datetime | None = None  # due_at >= due_after
    priority: Priority | None = None
    tag: str | None = None
    text: str | None = None


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

    def count(self) -> int:
        """How many tasks the user has (for the per-user quota).

        On PostgreSQL it first takes a transaction lock on the user's quota, so concurrent
        creates for one user count one after the other and the quota is exact.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(
                func.hashtextextended("chatkit-tasks:" + self.user_id, 0))))
        query = select(func.count()).select_from(Task).where(Task.user_id == self.user_id)
        return int(self.session.scalar(query) or 0)

    def has_any(self, *, completed: bool | None = None) -> bool:
        """Whether the user has a task (optionally only open / only completed)."""
        query = select(Task.id).where(Task.user_id == self.user_id)
        if completed is not None:
            query = query.where(Task.completed.is_(completed))
        return self.session.scalar(query.limit(1)) is not None

    def existing_ids(self, task_ids: Iterable[str], *, completed: bool | None = None) -> set[str]:
        """Which of these ids are the user's tasks (optionally only open / only completed)."""
        wanted = list(dict.fromkeys(task_ids))
        if not wanted:
            return set()
        query = select(Task.id).where(Task.user_id == self.user_id, Task.id.in_(wanted))
        if completed is not None:
            query = query.where(Task.completed.is_(completed))
        return set(self.session.scalars(query))

    def title_candidates(
        self, queries: Iterable[str], *, completed: bool | None = None, limit: int = 200
    ) -> list[Task]:
        """A bounded set of tasks worth fuzzy-matching against the titles a message names.

        The most recently created `limit` tasks; when there are more, also (up to `limit`
        each) the titles containing one of the queries whole and those containing one of
        their words (3+ letters). One message costs at most three queries and `3 * limit`
        candidates however many titles it names and however many tasks the user has; a
        typo in one word ("buy mlik") still finds its task through the other words, and a
        user with fewer than `limit` tasks has every task considered (in one query).
        """
        base = select(Task).where(Task.user_id == self.user_id)
        if completed is not None:
            base = base.where(Task.completed.is_(completed))
        recent = (Task.created_at.desc(), Task.id.desc())
        texts = sorted({" ".join(query.lower().split()) for query in queries} - {""})
        words = sorted({word for text in texts for word in text.split() if len(word) >= 3})
        found = {task.id: task for task in
                 self.session.scalars(base.order_by(*recent).limit(limit))}
        if len(found) < limit:
            return sorted(found.values(), key=lambda task: (task.created_at, task.id))
        # More tasks than the recent ones: look for the titles' text and words too.
        lookups = []
        if texts:
            lookups.append(base.where(or_(*(
                func.lower(Task.title).contains(text, autoescape=True) for text in texts))))
        if words:
            lookups.append(base.where(or_(*(
                func.lower(Task.title).contains(word, autoescape=True) for word in words))))
        for lookup in lookups:
            for task in self.session.scalars(lookup.order_by(*recent).limit(limit)):
                found.setdefault(task.id, task)
        return sorted(found.values(), key=lambda task: (task.created_at, task.id))

    def set_completed(self, task: Task, completed: bool, now: dt.datetime) -> bool:
        """Mark the task done (or open) unless it already is; True when this call changed it.

        A conditional UPDATE: of two transactions completing the same task at once, the
        second finds it already completed (PostgreSQL re-checks the row after the first
        commits), so only one of them schedules a recurring task's next occurrence.
        """
        result = self.session.execute(
            update(Task)
            .where(Task.id == task.id, Task.user_id == self.user_id,
                   Task.completed.is_(not completed))
            .values(completed=completed, completed_at=now if completed else None,
                    updated_at=now)
            .execution_options(synchronize_session=False)
        )
        changed = bool(result.rowcount)  # type: ignore[attr-defined]
        self.session.refresh(task)
        return changed

    def update_fields(self, task: Task, now: dt.datetime, **fields: Any) -> None:
        """Set the given task fields (title, due, priority, tags, recurrence)."""
        for name, value in fields.items():
            setattr(task, name, value)
            if name == "due":
                task.due_at = due_instant(value)
        task.updated_at = now

    def page(
        self, flt: TaskFilter, *, now: dt.datetime, tz: ZoneInfo, offset: int, limit: int
    ) -> tuple[list[Task], list[str], int, int]:
        """One page of the agent's list (see `list_page`)."""
        return list_page(self.session, self.user_id, flt, now=now, tz=tz, offset=offset,
                         limit=limit)

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

TASK_SORTS = ("created_at", "-created_at", "updated_at", "-updated_at", "due", "-due",
              "priority", "-priority", "title", "-title")
# Tasks without a due date sort after every dated one.
_NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


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
        return when.astimezone(dt.UTC)  # OverflowError for an instant outside UTC's range
    if sort.lstrip("-") == "priority":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 100:
            raise ValueError("cursor priority rank")
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("cursor text")
    return value


def query_tasks(
    session: Session,
    user_id: str,
    flt: TaskFilter,
    *,
    sort: str = "created_at",
    after: tuple[Any, str] | None = None,
    limit: int = 50,
    now: dt.datetime,
    tz: ZoneInfo,
) -> tuple[list[Task], bool]:
    """One page of the user's tasks matching `flt` in `sort` order after the keyset
    `after` (the previous page's last sort value and id), and whether more follow."""
    stmt = select(Task).where(Task.user_id == user_id, *filter_conditions(flt, now, tz))
    key = _sort_expression(sort)
    descending = sort.startswith("-")
    if after is not None:
        value, last_id = _cursor_value(sort, after[0]), after[1]
        if descending:
            stmt = stmt.where(or_(key < value, and_(key == value, Task.id < last_id)))
        else:
            stmt = stmt.where(or_(key > value, and_(key == value, Task.id > last_id)))
    order = (key.desc(), Task.id.desc()) if descending else (key.asc(), Task.id.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


# ---- the agent's task list (filters, documented order and paging, all in SQL) -----------

# `_midnight_offset_case` knows the exact offsets this many years either side of today; a
# due date further away uses the offset at the edge (the order then may differ by DST's
# hour around midnight, years from now).
_OFFSET_YEARS = 3


@functools.lru_cache(maxsize=256)
def _offset_changes(zone: str, first_year: int, last_year: int) -> tuple[tuple[dt.datetime, int],
                                                                       ...]:
    """The zone's UTC offset (seconds) from each instant on, between two years (UTC).

    The first entry holds from the start of `first_year`; each next one from the instant
    the offset changed (found by scanning days, then bisecting to the second).
    """
    tz = ZoneInfo(zone)

    def offset(at: dt.datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    start = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)
    changes = [(start, offset(start))]
    day, step = start, dt.timedelta(days=1)
    while day < end:
        later = day + step
        if offset(later) != changes[-1][1]:
            # Bisect whole seconds: offset(low) is the old offset, offset(high) the new one.
            low, high = 0, int((later - day).total_seconds())
            while high - low > 1:
                middle = (low + high) // 2
                moment = day + dt.timedelta(seconds=middle)
                low, high = (middle, high) if offset(moment) == changes[-1][1] else (low, middle)
            changes.append((day + dt.timedelta(seconds=high), offset(later)))
        day = later
    return tuple(changes)


def _midnight_offset_case(tz: ZoneInfo, now: dt.datetime) -> Any:
    """SQL: the zone's UTC offset (seconds) at local midnight of a bare-date row's day.

    A bare date's `due_at` is 00:00 UTC of its date, i.e. its local midnight written as
    if it were UTC; so it is compared with each change's local (wall) time under the
    offset in force before it.
    """
    changes = _offset_changes(str(tz.key), now.year - _OFFSET_YEARS, now.year + _OFFSET_YEARS)
    if len(changes) == 1:
        return literal(changes[0][1])
    whens = [
        (Task.due_at < changes[i + 1][0] + dt.timedelta(seconds=changes[i][1]), changes[i][1])
        for i in range(len(changes) - 1)
    ]
    return case(*whens, else_=changes[-1][1])


def _epoch(column: Any, dialect: str) -> Any:
    """SQL: seconds since 1970 of a UTC date-time column, on SQLite or PostgreSQL."""
    if dialect == "sqlite":
        # UTCDateTime stores naive UTC text there, which julianday() reads. Rounded to the
        # millisecond: julianday's float error would otherwise split equal instants.
        return func.round((func.julianday(column) - 2440587.5) * 86400.0, 3)
    return func.extract("epoch", column)


def _date_only() -> Any:
    """SQL: the task's due is a bare date ("2026-11-27"), not a date-time."""
    return ~Task.due.contains("T")


def _overdue(now: dt.datetime, tz: ZoneInfo) -> Any:
    """SQL twin of `todos.is_overdue`: open and due before now (a date from tomorrow)."""
    today = now.astimezone(tz).date()
    today_midnight_utc = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    return and_(
        Task.completed.is_(False),
        Task.due_at.is_not(None),
        case(
            (_date_only(), Task.due_at < today_midnight_utc),
            else_=Task.due_at < now,
        ),
    )


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _on_days(first: dt.date | None, last: dt.date, tz: ZoneInfo) -> Any:
    """SQL: due on a day in [first, last] of the user's calendar (first None: any day before).

    A date-time counts on its local day; a bare date (stored at 00:00 UTC) on that date.
    """
    after_last = _local_midnight(last + dt.timedelta(days=1), tz)
    timed = Task.due_at < after_last
    dated = Task.due_at <= _utc_midnight(last)
    if first is not None:
        timed = and_(timed, Task.due_at >= _local_midnight(first, tz))
        dated = and_(dated, Task.due_at >= _utc_midnight(first))
    return and_(Task.due_at.is_not(None), case((_date_only(), dated), else_=timed))


def filter_conditions(flt: TaskFilter, now: dt.datetime, tz: ZoneInfo) -> list[Any]:
    """The WHERE of a filter (besides the owner), for every list of tasks."""
    conditions: list[Any] = []
    if flt.status == "open":
        conditions.append(Task.completed.is_(False))
    elif flt.status == "completed":
        conditions.append(Task.completed.is_(True))
    if flt.priority:
        conditions.append(Task.priority == flt.priority)
    if flt.tag:
        # Tags are a JSON list of lower-case strings: match the JSON-encoded element.
        conditions.append(cast(Task.tags, String).contains(json.dumps(flt.tag.lower()),
                                                           autoescape=True))
    if flt.text:
        # SQLite's own lower() folds ASCII only: store/db.py gives it Python's.
        conditions.append(func.lower(Task.title).contains(flt.text.lower(), autoescape=True))
    if flt.due_before is not None:
        conditions.append(Task.due_at < flt.due_before)
    if flt.due_after is not None:
        conditions.append(Task.due_at >= flt.due_after)
    if flt.due:
        today = now.astimezone(tz).date()
        if flt.due == "no_date":
            conditions.append(Task.due_at.is_(None))
        elif flt.due == "today":
            conditions.append(_on_days(today, today, tz))
        elif flt.due == "tomorrow":
            tomorrow = today + dt.timedelta(days=1)
            conditions.append(_on_days(tomorrow, tomorrow, tz))
        elif flt.due == "this_week":
            # Up to Sunday, overdue ones included.
            conditions.append(_on_days(None, today + dt.timedelta(days=6 - today.weekday()), tz))
        else:  # overdue
            conditions.append(_overdue(now, tz))
    return conditions


def _list_order(dialect: str, now: dt.datetime, tz: ZoneInfo) -> list[Any]:
    """ORDER BY of the documented list order (docs/NLU.md, "lists").

    Open before completed; overdue first; dated before undated; then by due day and time
    (a bare date counts from local midnight of that date, so it comes before that day's
    timed tasks); then priority (urgent first); then creation.
    """
    epoch = _epoch(Task.due_at, dialect)
    # A bare date is stored at 00:00 UTC: move it to 00:00 in the user's zone.
    # Undated rows are decided by the keys before (they come last) and after (priority,
    # creation): the WHEN on due_at first spares them the LIKE and the DST arithmetic.
    undated = Task.due_at.is_(None)
    due_key = case(
        (undated, None),
        (_date_only(), epoch - _midnight_offset_case(tz, now)),
        else_=epoch,
    )
    return [
        Task.completed.asc(),
        case((_overdue(now, tz), 0), else_=1),
        case((undated, 1), else_=0),
        due_key.asc(),
        case((undated, 0), (_date_only(), 0), else_=1),
        case(PRIORITY_RANK, value=Task.priority, else_=len(PRIORITY_RANK)),
        Task.created_at.asc(),
        Task.id.asc(),
    ]


def list_page(
    session: Session,
    user_id: str,
    flt: TaskFilter,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    offset: int,
    limit: int,
) -> tuple[list[Task], list[str], int, int]:
    """One page of the agent's list: (page rows, ids of every row up to the page's end,
    total matching, offset used). An offset past the end starts over at 0.

    Cost grows with the page and the offset, not with the user's task count (beyond what
    the database's index scan and COUNT need).
    """
    conditions = [Task.user_id == user_id, *filter_conditions(flt, now, tz)]
    total = int(session.scalar(select(func.count()).select_from(Task).where(*conditions)) or 0)
    if offset >= total:
        offset = 0
    dialect = session.get_bind().dialect.name
    rows = list(session.scalars(
        select(Task).where(*conditions).order_by(*_list_order(dialect, now, tz))
        .limit(offset + limit)
    ))
    return rows[offset:], [task.id for task in rows], total, offset
