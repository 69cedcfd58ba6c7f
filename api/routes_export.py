"""`GET /api/chatkit/threads/{thread_id}/export`: a thread as one replay line, for its owner."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from api.errors import AUTH_ERROR, NOT_FOUND, ChatKitError
from api.schemas import ErrorEnvelope
from api.server import TurnIntake
from api.thread_export import ThreadNotFound, ThreadNotOwned, export_thread
from core.replay.format import ReplayThread

_ERRORS = {
    status: ResponseSpec(data_container=ErrorEnvelope, description=description)
    for status, description in {
        401: "Invalid or missing authentication (`AUTH_ERROR`)",
        403: "The thread belongs to another user (`AUTH_ERROR`)",
        404: "No such thread (`NOT_FOUND`)",
    }.items()
}


class ExportController(Controller):
    """Replay export of a thread (see docs/REPLAY.md)."""

    path = "/api/chatkit/threads"
    tags = ["replay"]
    security = [{"BearerToken": []}]

    @get("/{thread_id:str}/export", operation_id="exportThread", responses=_ERRORS,
         summary="The thread as one replay line whose expectations are its results")
    async def export(
        self,
        request: Request[str, Any, State],
        server: NamedDependency[TurnIntake],
        thread_id: str = Parameter(max_length=128),
    ) -> ReplayThread:
        async with server.sessions() as session:
            try:
                return await session.run_sync(export_thread, thread_id, request.user)
            except ThreadNotFound:
                raise ChatKitError(404, NOT_FOUND, f"no thread with id {thread_id!r}") from None
            except ThreadNotOwned:
                raise ChatKitError(403, AUTH_ERROR,
                                   "this thread belongs to another user") from None
