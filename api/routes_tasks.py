"""Plain REST over the caller's tasks, for todo screens. Same rows the chat agent changes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

import msgspec
from dateutil.rrule import rrulestr
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from sqlalchemy.orm import Session

from api.errors import NOT_FOUND, VALIDATION_ERROR, ChatKitError
from api.schemas import ErrorEnvelope
from api.server import reject_nul
from store.history import BadCursor, decode_cursor, encode_cursor
from store.models import MAX_TITLE_LENGTH
from store.tasks import (
    PRIORITY_RANK,
    TASK_SORTS,
    TaskQuery,
    TaskRepository,
    query_tasks,
    task_sort_value,
    task_to_dict,
)

_ERRORS = {
    status: ResponseSpec(data_container=ErrorEnvelope, description=description)
    for status, description in {
        401: "Invalid or missing authentication (`AUTH_ERROR`)",
        404: "No such task for this user (`NOT_FOUND`)",
        422: "Invalid field or parameter, named in the message (`VALIDATION_ERROR`)",
    }.items()
}
PRIORITIES = tuple(PRIORITY_RANK)
_TAG = re.compile(r"^[a-z0-9][a-z0-9_\-/.]{0,49}$")
MAX_TITLE = MAX_TITLE_LENGTH
MAX_TAGS = 20


class TaskView(msgspec.Struct):
    """The task shape shared with the chat agent."""

    id: str
    title: str
    completed: bool
    completed_at: str | None
    due: str | None
    priority: str | None
    tags: list[str]
    recurrence: str | None
    created_at: str
    updated_at: str


class TaskPage(msgspec.Struct):
    tasks: list[TaskView]
    next_cursor: str | None


class TaskCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`POST /api/tasks`."""

    title: str
    due: str | None = None
    priority: str | None = None
    tags: list[str] = []
    recurrence: str | None = None
    completed: bool = False


class TaskPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`PATCH /api/tasks/{id}`: only the fields given change; null clears an optional one."""

    title: str | msgspec.UnsetType = msgspec.UNSET
    due: str | msgspec.UnsetType | None = msgspec.UNSET
    priority: str | msgspec.UnsetType | None = msgspec.UNSET
    tags: list[str] | msgspec.UnsetType = msgspec.UNSET
    recurrence: str | msgspec.UnsetType | None = msgspec.UNSET
    completed: bool | msgspec.UnsetType = msgspec.UNSET


def _invalid(message: str) -> ChatKitError:
    return ChatKitError(422, VALIDATION_ERROR, message)


def clean_title(value: str) -> str:
    title = value.strip()
    if not title:
        raise _invalid("title: must not be empty")
    if len(title) > MAX_TITLE:
        raise _invalid(f"title: at most {MAX_TITLE} characters")
    return reject_nul(title, "title")


def clean_due(value: str | None) -> str | None:
    """An ISO date (`2026-11-27`) or a date-time with its offset, normalized; else 422."""
    if value is None:
        return None
    try:
        if "T" not in value:
            return dt.date.fromisoformat(value).isoformat()
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _invalid("due: use an ISO date (2026-11-27) or a date-time with offset "
                       "(2026-11-27T09:00:00+01:00)") from None
    if parsed.tzinfo is None:
        raise _invalid("due: a date-time needs its UTC offset (e.g. +01:00 or Z)")
    try:
        parsed.astimezone(dt.UTC)  # stored as a UTC instant too: it must exist in UTC
    except OverflowError:
        raise _invalid("due: out of range") from None
    return parsed.isoformat()


def clean_priority(value: str | None) -> str | None:
    if value is not None and value not in PRIORITIES:
        raise _invalid("priority: must be null or one of " + ", ".join(PRIORITIES))
    return value


def clean_tags(values: list[str]) -> list[str]:
    if len(values) > MAX_TAGS:
        raise _invalid(f"tags: at most {MAX_TAGS}")
    tags: list[str] = []
    for value in values:
        tag = value.strip().lstrip("#").lower()
        if not _TAG.match(tag):
            raise _invalid(f"tags: {value!r} is not a tag (letters, digits, _ - / ., "
                           "at most 50)")
        if tag not in tags:
            tags.append(tag)
    return tags


def clean_recurrence(value: str | None) -> str | None:
    """An RRULE (`FREQ=WEEKLY;BYDAY=MO`), stored without the `RRULE:` prefix."""
    if value is None:
        return None
    rule = value.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if not rule.upper().startswith("FREQ=") or len(rule) > 200:
        raise _invalid("recurrence: must be an RRULE such as FREQ=WEEKLY;BYDAY=MO")
    try:
        rrulestr(rule, dtstart=dt.datetime(2026, 1, 1))
    except (ValueError, TypeError):
        raise _invalid(f"recurrence: {value!r} is not a valid RRULE") from None
    return rule


def _instant(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        if "T" in value:
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError(value)
            return parsed.astimezone(dt.UTC)
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        raise _invalid(f"{name}: use an ISO date or a date-time with offset") from None


def _not_found(task_id: str) -> ChatKitError:
    return ChatKitError(404, NOT_FOUND, f"no task with id {task_id!r}")


def _view(task: Any) -> TaskView:
    return TaskView(**task_to_dict(task))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _in_session(request: Request[Any, Any, State], work: Any) -> Any:
    """Run `work(session)` with a sync session inside the API's async session, then commit."""
    async with request.app.state.database.async_sessions()() as session:
        result = await session.run_sync(work)
        await session.commit()
        return result


TaskIdParam = Annotated[str, Parameter(max_length=64)]


class TasksController(Controller):
    """The caller's todos: list with filters, create, read, change, delete."""

    path = "/api/tasks"
    tags = ["tasks"]
    security = [{"BearerToken": []}]

    @get("/", operation_id="listTasks", responses=_ERRORS,
         summary="The caller's tasks, filtered and sorted, one page at a time")
    async def list_tasks(
        self, request: Request[str, Any, State],
        status: Annotated[str, Parameter(description="open | completed | all")] = "all",
        due_before: Annotated[str | None, Parameter(
            max_length=40, description="Due strictly before this date / date-time")] = None,
        due_after: Annotated[str | None, Parameter(
            max_length=40, description="Due at or after this date / date-time")] = None,
        tag: Annotated[str | None, Parameter(max_length=51)] = None,
        priority: Annotated[str | None, Parameter(max_length=10)] = None,
        q: Annotated[str | None, Parameter(max_length=200,
                                           description="Words in the title")] = None,
        sort: Annotated[str, Parameter(description=" | ".join(TASK_SORTS))] = "created_at",
        after: Annotated[str | None, Parameter(max_length=500,
                                               description="`next_cursor` of the previous "
                                               "page")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> TaskPage:
        if status not in ("open", "completed", "all"):
            raise _invalid("status: must be open, completed or all")
        if sort not in TASK_SORTS:
            raise _invalid("sort: must be one of " + ", ".join(TASK_SORTS))
        cursor = None
        if after:
            try:
                cursor_sort, value, last_id = decode_cursor(after, 3)
            except BadCursor:
                raise _invalid("after: not a cursor from this server") from None
            if cursor_sort != sort:
                raise _invalid("after: this cursor belongs to another sort order")
            cursor = (value, str(last_id))
        query = TaskQuery(
            status=status, due_before=_instant(due_before, "due_before"),
            due_after=_instant(due_after, "due_after"),
            tag=clean_tags([tag])[0] if tag is not None else None,
            priority=clean_priority(priority), q=reject_nul(q, "q") if q else q, sort=sort,
            after=cursor, limit=limit,
        )
        user_id = request.user

        def work(session: Session) -> TaskPage:
            try:
                tasks, more = query_tasks(session, user_id, query)
            except (ValueError, TypeError, OverflowError):  # a tampered cursor value
                raise _invalid("after: not a cursor from this server") from None
            next_cursor = (encode_cursor(sort, task_sort_value(tasks[-1], sort), tasks[-1].id)
                           if more and tasks else None)
            return TaskPage([_view(task) for task in tasks], next_cursor)

        page: TaskPage = await _in_session(request, work)
        return page

    @post("/", operation_id="createTask", status_code=201, responses=_ERRORS,
          summary="Create a task")
    async def create_task(self, request: Request[str, Any, State],
                     data: JSONBody[TaskCreate]) -> Response[TaskView]:
        title, due, priority = (clean_title(data.title), clean_due(data.due),
                                clean_priority(data.priority))
        tags, recurrence = clean_tags(data.tags), clean_recurrence(data.recurrence)
        user_id = request.user

        def work(session: Session) -> TaskView:
            repo = TaskRepository(session, user_id)
            now = _now()
            task = repo.add(title=title, now=now, due=due, priority=priority, tags=tags,
                            recurrence=recurrence)
            if data.completed:
                repo.set_completed(task, True, now)
            return _view(task)

        view: TaskView = await _in_session(request, work)
        return Response(view, status_code=201, headers={"Location": f"{self.path}/{view.id}"})

    @get("/{task_id:str}", operation_id="getTask", responses=_ERRORS, summary="One task")
    async def get_task(self, request: Request[str, Any, State], task_id: TaskIdParam) -> TaskView:
        user_id = request.user

        def work(session: Session) -> TaskView:
            task = TaskRepository(session, user_id).get(task_id)
            if task is None:
                raise _not_found(task_id)
            return _view(task)

        view: TaskView = await _in_session(request, work)
        return view

    @patch("/{task_id:str}", operation_id="updateTask", responses=_ERRORS,
           summary="Change some fields of a task")
    async def update_task(self, request: Request[str, Any, State], task_id: TaskIdParam,
                     data: JSONBody[TaskPatch]) -> TaskView:
        changes: dict[str, Any] = {}
        if data.title is not msgspec.UNSET:
            changes["title"] = clean_title(data.title)
        if data.due is not msgspec.UNSET:
            changes["due"] = clean_due(data.due)
        if data.priority is not msgspec.UNSET:
            changes["priority"] = clean_priority(data.priority)
        if data.tags is not msgspec.UNSET:
            changes["tags"] = clean_tags(data.tags)
        if data.recurrence is not msgspec.UNSET:
            changes["recurrence"] = clean_recurrence(data.recurrence)
        completed = data.completed
        user_id = request.user

        def work(session: Session) -> TaskView:
            repo = TaskRepository(session, user_id)
            task = repo.get(task_id)
            if task is None:
                raise _not_found(task_id)
            now = _now()
            if changes:
                repo.update_fields(task, now, **changes)
            if completed is not msgspec.UNSET and completed != task.completed:
                repo.set_completed(task, completed, now)
            return _view(task)

        view: TaskView = await _in_session(request, work)
        return view

    @delete("/{task_id:str}", operation_id="deleteTask", status_code=204, responses=_ERRORS,
            summary="Delete a task")
    async def delete_task(self, request: Request[str, Any, State], task_id: TaskIdParam) -> None:
        user_id = request.user

        def work(session: Session) -> None:
            repo = TaskRepository(session, user_id)
            task = repo.get(task_id)
            if task is None:
                raise _not_found(task_id)
            repo.delete(task)

        await _in_session(request, work)
