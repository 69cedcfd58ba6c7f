"""HTTP routes: thin wrappers over `ChatKitServer`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter

from api.schemas import (
    ActionAccepted,
    ActionRequest,
    ActionResult,
    ErrorEnvelope,
    RespondAccepted,
    RespondRequest,
    ResponseResult,
)
from api.server import ChatKitServer

_ERRORS = {
    status: ResponseSpec(data_container=ErrorEnvelope, description=description)
    for status, description in {
        401: "Invalid or missing authentication (`AUTH_ERROR`)",
        403: "User not authorized for this thread (`AUTH_ERROR`)",
        422: "Invalid request format (`VALIDATION_ERROR`)",
        500: "Server processing error (`PROCESSING_ERROR`)",
    }.items()
}
_NOT_FOUND = {404: ResponseSpec(data_container=ErrorEnvelope,
                                description="No such result for this user (`NOT_FOUND`)")}


def provide_server(state: State) -> ChatKitServer:
    server: ChatKitServer = state.server
    return server


class ChatKitController(Controller):
    """The contract's chat endpoints and their result resources."""

    path = "/api/chatkit"
    tags = ["chatkit"]
    security = [{"BearerToken": []}]

    @post("/respond", status_code=202, operation_id="respond", responses=_ERRORS,
          summary="Send a user message; answers at once with its response_id")
    async def respond(
        self, request: Request[str, Any, State], data: JSONBody[RespondRequest],
        server: NamedDependency[ChatKitServer],
    ) -> Response[RespondAccepted]:
        body = await server.respond(data.thread_id, data.input, request.user, data.metadata)
        return Response(
            RespondAccepted(**body),
            status_code=202,
            headers={"Location": f"/api/chatkit/responses/{body['response_id']}"},
        )

    @post("/action", status_code=202, operation_id="action", responses=_ERRORS,
          summary="Send a widget action (button click); answers at once with its action_id")
    async def action(
        self, request: Request[str, Any, State], data: JSONBody[ActionRequest],
        server: NamedDependency[ChatKitServer],
    ) -> Response[ActionAccepted]:
        action = {"type": data.action.type, "widget_id": data.action.widget_id,
                  "payload": data.action.payload}
        body = await server.action(data.thread_id, action, request.user, data.metadata)
        return Response(
            ActionAccepted(**body),
            status_code=202,
            headers={"Location": f"/api/chatkit/actions/{body['action_id']}"},
        )

    @get("/responses/{response_id:str}", operation_id="getResponse",
         responses={**_ERRORS, **_NOT_FOUND}, summary="The result of a message")
    async def get_response(
        self,
        request: Request[str, Any, State],
        server: NamedDependency[ChatKitServer],
        response_id: str = Parameter(max_length=64),
    ) -> ResponseResult:
        return ResponseResult(**await server.result(response_id, request.user, kind="message"))

    @get("/actions/{action_id:str}", operation_id="getAction",
         responses={**_ERRORS, **_NOT_FOUND}, summary="The result of an action")
    async def get_action(
        self,
        request: Request[str, Any, State],
        server: NamedDependency[ChatKitServer],
        action_id: str = Parameter(max_length=64),
    ) -> ActionResult:
        return ActionResult(**await server.result(action_id, request.user, kind="action"))


@get("/health", operation_id="health", tags=["ops"], summary="The process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}
