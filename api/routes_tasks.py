"""Plain REST over the caller's tasks, for todo screens: the same `TaskService` (and the
same rules) the chat agent changes tasks through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import JSONBody, Parameter
from sqlalchemy.orm import Session

from api.deps import DEPENDENCIES, AppSettings, Sessions
from api.errors import Problem, error_responses
from core.clock import utcnow
from core.settings import Settings
from store.history import BadCursor, decode_cursor, encode_cursor
from store.tasks import TASK_SORTS, query_tasks, task_sort_value
from todos import (
    NewTask,
    TaskFilter,
    TaskInvalid,
    TaskRepository,
    TaskService,
    TaskView,
    clean_due,
    clean_priority,
    clean_recurrence,
    clean_tag,
    clean_tags,
    clean_title,
)

_ERRORS = error_responses(401, 404, 422)
_UTC = ZoneInfo("UTC")
T = TypeVar("T")


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
    """`PATCH /api/tasks/{id}`: only the fields given change; null clears an optional one.

    `completed: true` on a recurring task schedules its next occurrence, as in chat.
    """

    title: str | msgspec.UnsetType = msgspec.UNSET
    due: str | msgspec.UnsetType | None = msgspec.UNSET
    priority: str | msgspec.UnsetType | None = msgspec.UNSET
    tags: list[str] | msgspec.UnsetType = msgspec.UNSET
    recurrence: str | msgspec.UnsetType | None = msgspec.UNSET
    completed: bool | msgspec.UnsetType = msgspec.UNSET


def _checked(check: Callable[..., T], *args: Any) -> T:
    """A `todos.validation` rule, its refusal as the API's 422."""
    try:
        return check(*args)
    except TaskInvalid as error:
        raise Problem.INVALID.error(str(error)) from None


def _instant(value: str | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        if "T" in value:
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError(value)
            return parsed.astimezone(_UTC)
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=_UTC)
    except (ValueError, OverflowError):
        raise Problem.INVALID.error(f"{name}: use an ISO date or a date-time with offset") from None


def _not_found(task_id: str) -> Exception:
    return Problem.NOT_FOUND.error(f"no task with id {task_id!r}")


async def _in_session(sessions: Sessions,
                      work: Callable[[Session], T]) -> T:
    """Run `work(session)` with a sync session inside an async session, then commit."""
    async with sessions() as session:
        result = await session.run_sync(work)
        await session.commit()
        return result


def _service(settings: Settings, user_id: str, session: Session) -> TaskService:
    return TaskService(TaskRepository(session, user_id), now=utcnow(),
                       max_tasks=settings.max_tasks_per_user or None)


TaskIdParam = Annotated[str, Parameter(max_length=64)]


class TasksController(Controller):
    """The caller's todos: list with filters, create, read, change, delete."""

    path = "/api/tasks"
    tags = ["tasks"]
    dependencies = DEPENDENCIES
    security = [{"BearerToken": []}]

    @get("/", operation_id="listTasks", responses=_ERRORS,
         summary="The caller's tasks, filtered and sorted, one page at a time")
    async def list_tasks(
        self, request: Request[str, Any, State], sessions: Sessions,
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
        after: Annotated[str | None, Parameter(max_length=4096,
                                               description="`next_cursor` of the previous "
                                               "page")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> TaskPage:
        if status not in ("open", "completed", "all"):
            raise Problem.INVALID.error("status: must be open, completed or all")
        if sort not in TASK_SORTS:
            raise Problem.INVALID.error("sort: must be one of " + ", ".join(TASK_SORTS))
        cursor = None
        if after:
            try:
                cursor_sort, value, last_id = decode_cursor(after, 3)
            except BadCursor:
                raise Problem.INVALID.error("after: not a cursor from this server") from None
            if cursor_sort != sort:
                raise Problem.INVALID.error("after: this cursor belongs to another sort order")
            cursor = (value, str(last_id))
        if q and "\x00" in q:
            raise Problem.INVALID.error("q: must not contain NUL (\\u0000) characters")
        flt = TaskFilter(
            status=status,  # type: ignore[arg-type]
            due_before=_instant(due_before, "due_before"),
            due_after=_instant(due_after, "due_after"),
            tag=_checked(clean_tag, tag) if tag is not None else None,
            priority=_checked(clean_priority, priority),  # type: ignore[arg-type]
            text=q or None,
        )
        user_id = request.user

        def work(session: Session) -> TaskPage:
            try:
                tasks, more = query_tasks(session, user_id, flt, sort=sort, after=cursor,
                                          limit=limit, now=utcnow(), tz=_UTC)
            except (ValueError, TypeError, OverflowError):  # a tampered cursor value
                raise Problem.INVALID.error("after: not a cursor from this server") from None
            next_cursor = (encode_cursor(sort, task_sort_value(tasks[-1], sort), tasks[-1].id)
                           if more and tasks else None)
            return TaskPage([TaskView.from_row(task) for task in tasks], next_cursor)

        return await _in_session(sessions, work)

    @post("/", operation_id="createTask", status_code=201, responses=_ERRORS,
          summary="Create a task")
    async def create_task(self, request: Request[str, Any, State],
                          sessions: Sessions, settings: AppSettings,
                          data: JSONBody[TaskCreate]) -> Response[TaskView]:
        new = NewTask(
            title=_checked(clean_title, data.title), due=_checked(clean_due, data.due),
            priority=_checked(clean_priority, data.priority), tags=_checked(clean_tags, data.tags),
            recurrence=_checked(clean_recurrence, data.recurrence), completed=data.completed)

        def work(session: Session) -> TaskView:
            try:
                return msgspec.convert(_service(settings, request.user, session).add(new), TaskView)
            except TaskInvalid as error:  # the per-user quota
                raise Problem.INVALID.error(str(error)) from None

        view = await _in_session(sessions, work)
        return Response(view, status_code=201, headers={"Location": f"{self.path}/{view.id}"})

    @get("/{task_id:str}", operation_id="getTask", responses=_ERRORS, summary="One task")
    async def get_task(self, request: Request[str, Any, State],
                       sessions: Sessions, task_id: TaskIdParam
                       ) -> TaskView:
        user_id = request.user

        def work(session: Session) -> TaskView:
            task = TaskRepository(session, user_id).get(task_id)
            if task is None:
                raise _not_found(task_id)
            return TaskView.from_row(task)

        return await _in_session(sessions, work)

    @patch("/{task_id:str}", operation_id="updateTask", responses=_ERRORS,
           summary="Change some fields of a task")
    async def update_task(self, request: Request[str, Any, State],
                          sessions: Sessions, settings: AppSettings,
                          task_id: TaskIdParam, data: JSONBody[TaskPatch]) -> TaskView:
        rules: dict[str, Callable[[Any], Any]] = {
            "title": clean_title, "due": clean_due, "priority": clean_priority,
            "tags": clean_tags, "recurrence": clean_recurrence, "completed": bool}
        fields = {name: _checked(rule, getattr(data, name)) for name, rule in rules.items()
                  if getattr(data, name) is not msgspec.UNSET}

        def work(session: Session) -> TaskView:
            task = _service(settings, request.user, session).update(task_id, **fields)
            if task is None:
                raise _not_found(task_id)
            return msgspec.convert(task, TaskView)

        return await _in_session(sessions, work)

    @delete("/{task_id:str}", operation_id="deleteTask", status_code=204, responses=_ERRORS,
            summary="Delete a task")
    async def delete_task(self, request: Request[str, Any, State],
                          sessions: Sessions, settings: AppSettings,
                          task_id: TaskIdParam) -> None:

        def work(session: Session) -> None:
            if not _service(settings, request.user, session).delete([task_id]):
                raise _not_found(task_id)

        await _in_session(sessions, work)
