"""`GET /api/chatkit/threads/{thread_id}/export`: a thread as one replay line, for its owner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import anyio
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Stream

from api.errors import Problem, error_responses
from api.server import TurnIntake
from api.thread_export import ThreadNotFound, ThreadNotOwned, export_chunks
from core.replay.format import ReplayThread
from store import Database
from store.models import Thread

_ERRORS = error_responses(401, 403, 404)
# Streamed, so the route returns bytes: the schema says what they are.
_RESPONSES = {200: ResponseSpec(data_container=ReplayThread, generate_examples=False,
                                description="The replay thread"),
              **_ERRORS}


class ExportController(Controller):
    """Replay export of a thread (see docs/REPLAY.md)."""

    path = "/api/chatkit/threads"
    tags = ["replay"]
    security = [{"BearerToken": []}]

    @get("/{thread_id:str}/export", operation_id="exportThread", responses=_RESPONSES,
         summary="The thread as one replay line whose expectations are its results")
    async def export(
        self,
        request: Request[str, Any, State],
        server: NamedDependency[TurnIntake],
        thread_id: str = Parameter(max_length=128),
    ) -> Stream:
        async with server.sessions() as session:
            thread = await session.get(Thread, thread_id)
        if thread is None:
            raise Problem.NOT_FOUND.error(f"no thread with id {thread_id!r}")
        if thread.user_id != request.user:
            raise Problem.FORBIDDEN.error("this thread belongs to another user")
        database = request.app.state.database
        return Stream(_streamed_export(database, thread_id, request.user),
                      media_type="application/json")


async def _streamed_export(database: Database, thread_id: str, user_id: str
                           ) -> AsyncIterator[bytes]:
    """The export, made in a worker thread and sent as it is made.

    Exporting is CPU work (4,000 turns took 28 s on the event loop, and `/health` on that
    process went unanswered): it runs on a sync session in one worker thread, and a small
    buffer between that thread and the response keeps memory flat on long threads.
    """
    send, receive = anyio.create_memory_object_stream[bytes](max_buffer_size=4)

    def produce() -> None:
        with send, database.sync_sessions()() as session:
            try:
                for chunk in export_chunks(session, thread_id, user_id):
                    anyio.from_thread.run(send.send, chunk)
            except (ThreadNotFound, ThreadNotOwned, anyio.BrokenResourceError):
                return  # deleted since the check above, or the client left

    async with anyio.create_task_group() as group, receive:
        group.start_soon(partial(anyio.to_thread.run_sync, produce, abandon_on_cancel=True))
        async for chunk in receive:
            yield chunk
