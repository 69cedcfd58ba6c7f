"""Threads: the caller's list, one thread's history, deletion, and its live event stream."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.params import HeaderParameter, Parameter
from litestar.response import Stream

from api.auth import AuthError, AuthUnavailable, TokenVerifier
from api.errors import Problem, error_responses
from api.events import event_stream, item_view
from api.server import validate_thread_id
from store.history import (
    BadCursor,
    ThreadIdentity,
    get_thread,
    last_event_id,
    last_status,
    list_threads,
    list_turns,
)
from store.models import Thread

_ERRORS = error_responses(401, 403, 404, 422)
ThreadIdParam = Annotated[str, Parameter(max_length=128, description="The thread id")]


class ThreadSummaryView(msgspec.Struct):
    id: str
    title: str | None
    created_at: str
    updated_at: str
    last_status: str | None


class ThreadPage(msgspec.Struct):
    """`GET /api/chatkit/threads`: newest activity first; pass `next_cursor` as `after`."""

    threads: list[ThreadSummaryView]
    next_cursor: str | None


class ThreadHistory(msgspec.Struct):
    """`GET /api/chatkit/threads/{id}`: the thread and a page of its items, oldest first."""

    thread: ThreadSummaryView
    items: list[dict[str, Any]]
    # Pass as `before` to scroll back / as `after` to read forward; null at either end.
    before_cursor: str | None
    after_cursor: str | None
    last_event_id: int


class StreamToken(msgspec.Struct):
    token: str
    expires_at: int
    events_url: str


def _summary(thread: Thread, status: str | None) -> ThreadSummaryView:
    return ThreadSummaryView(id=thread.id, title=thread.title,
                             created_at=thread.created_at.isoformat(),
                             updated_at=thread.updated_at.isoformat(), last_status=status)


def _seq_cursor(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise Problem.INVALID.error(f"{name}: not a cursor from this server")
    return int(value)


async def _owned_thread(state: State, thread_id: str, user_id: str) -> Thread:
    """The thread, if it exists and is the caller's: 404 when absent, 403 when someone else's."""
    validate_thread_id(thread_id)
    async with state.database.async_sessions()() as session:
        thread = await get_thread(session, thread_id)
    if thread is None:
        raise Problem.NOT_FOUND.error(f"no thread with id {thread_id!r}")
    if thread.user_id != user_id:
        raise Problem.FORBIDDEN.error("this thread belongs to another user")
    return thread


async def _stream_user(request: Request[Any, Any, State], thread_id: str,
                       stream_token: str | None, access_token: str | None) -> str:
    """Who is streaming: the Authorization header, a stream token, or an access token."""
    verifier: TokenVerifier = request.app.state.verifier
    if request.scope.get("user"):  # a bearer header, verified by the admission middleware
        return str(request.scope["user"])
    try:
        if stream_token:
            user_id: str = request.app.state.stream_tokens.verify(stream_token, thread_id)
            return user_id
        if access_token:
            return (await verifier.verify(access_token)).user_id
    except AuthError as error:
        raise Problem.UNAUTHENTICATED.error(error.message,
                           {"WWW-Authenticate": "Bearer"}) from None
    except AuthUnavailable:
        raise Problem.UNAVAILABLE.error("authentication keys are unavailable; "
                           "retry shortly", {"Retry-After": "2"}) from None
    raise Problem.UNAUTHENTICATED.error("missing credentials: send Authorization: Bearer, "
                       "or ?stream_token=", {"WWW-Authenticate": "Bearer"})


class ThreadsController(Controller):
    """The caller's threads and their history."""

    path = "/api/chatkit/threads"
    tags = ["threads"]
    security = [{"BearerToken": []}]

    @get("/", operation_id="listThreads", responses=_ERRORS,
         summary="The caller's threads, most recently active first")
    async def index(
        self, request: Request[str, Any, State],
        after: Annotated[str | None, Parameter(max_length=500, description="`next_cursor` "
                                               "of the previous page")] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> ThreadPage:
        async with request.app.state.database.async_sessions()() as session:
            try:
                page, cursor = await list_threads(session, request.user, after=after,
                                                  limit=limit)
            except BadCursor:
                raise Problem.INVALID.error("after: not a cursor from this server") from None
        return ThreadPage([_summary(s.thread, s.last_status) for s in page], cursor)

    @get("/{thread_id:str}", operation_id="getThread", responses=_ERRORS,
         summary="A thread and a page of its items (turns) in order")
    async def history(
        self, request: Request[str, Any, State], thread_id: ThreadIdParam,
        before: Annotated[str | None, Parameter(max_length=20, description="Items before "
                                                "this cursor (scroll back)")] = None,
        after: Annotated[str | None, Parameter(max_length=20, description="Items after "
                                               "this cursor")] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 50,
    ) -> ThreadHistory:
        thread = await _owned_thread(request.app.state, thread_id, request.user)
        before_seq, after_seq = _seq_cursor(before, "before"), _seq_cursor(after, "after")
        if before_seq is not None and after_seq is not None:
            raise Problem.INVALID.error("before, after: give one, not both")
        async with request.app.state.database.async_sessions()() as session:
            page = await list_turns(session, thread_id, before=before_seq, after=after_seq,
                                    limit=limit)
            status = await last_status(session, thread)
            event_id = await last_event_id(session, thread_id)
        items = [item_view(turn) for turn in page.turns]
        return ThreadHistory(
            thread=_summary(thread, status), items=items,
            before_cursor=str(page.turns[0].seq) if page.has_older and page.turns else None,
            after_cursor=str(page.turns[-1].seq) if page.has_newer and page.turns else None,
            last_event_id=event_id,
        )

    @delete("/{thread_id:str}", operation_id="deleteThread", status_code=204,
            responses=_ERRORS, summary="Delete a thread and its turns (tasks stay)")
    async def remove(self, request: Request[str, Any, State], thread_id: ThreadIdParam) -> None:
        await _owned_thread(request.app.state, thread_id, request.user)
        await request.app.state.server.delete_thread(thread_id, request.user)
        await request.app.state.events.nudge(thread_id)  # its open streams end now

    @post("/{thread_id:str}/stream-token", operation_id="createStreamToken", status_code=201,
          responses=_ERRORS, summary="A short-lived token for this thread's event stream only")
    async def stream_token(self, request: Request[str, Any, State],
                           thread_id: ThreadIdParam) -> StreamToken:
        await _owned_thread(request.app.state, thread_id, request.user)
        token, expires = request.app.state.stream_tokens.mint(request.user, thread_id)
        return StreamToken(token=token, expires_at=expires,
                           events_url=f"{self.path}/{thread_id}/events?stream_token={token}")

    @get("/{thread_id:str}/events", operation_id="streamThreadEvents",
         responses=_ERRORS, media_type="text/event-stream",
         opt={"exclude_from_auth": True, "exclude_from_concurrency": True},
         summary="Server-Sent Events: one per turn state change; resume with Last-Event-ID")
    async def events(
        self, request: Request[Any, Any, State], thread_id: ThreadIdParam,
        last_event_id_header: Annotated[str | None, HeaderParameter(name="Last-Event-ID",
                                                                    max_length=20)] = None,
        after: Annotated[int | None, Parameter(ge=0, le=2**62, description="Start after this "
                                               "event id "
                                               "(first connection)")] = None,
        stream_token: Annotated[str | None, Parameter(max_length=1000)] = None,
        access_token: Annotated[str | None, Parameter(
            max_length=8000, description="Fallback for clients that cannot send headers "
            "(ends up in access logs: prefer stream_token)")] = None,
    ) -> Response[Any]:
        user_id = await _stream_user(request, thread_id, stream_token, access_token)
        thread = await _owned_thread(request.app.state, thread_id, user_id)
        start = after or 0
        if last_event_id_header:
            event_id = last_event_id_header.strip()
            # ASCII digits only ("²".isdigit() is true) and small enough for a BIGINT column.
            if not (event_id.isascii() and event_id.isdigit()) or len(event_id) > 18:
                raise Problem.INVALID.error("Last-Event-ID: must be an event id")
            start = int(event_id)
        state = request.app.state
        limiter = state.stream_limiter
        stream_id = await limiter.acquire(user_id)

        async def refresh() -> None:
            await limiter.refresh(user_id, stream_id)

        async def release() -> None:
            await limiter.release(user_id, stream_id)

        # The stream follows this thread, not its id: it ends if the thread is deleted.
        body = event_stream(state.database.async_sessions(), state.events, thread_id, start,
                            identity=ThreadIdentity(thread.user_id, thread.created_at),
                            on_heartbeat=refresh, on_close=release)
        return Stream(body, media_type="text/event-stream", headers={
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"})
