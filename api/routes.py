"""HTTP routes: thin wrappers over `TurnIntake`."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from litestar import Controller, Litestar, Request, Response, get, post
from litestar.datastructures import ResponseHeader, State
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import HeaderParameter, JSONBody, Parameter, QueryParameter

from api.errors import Problem, error_responses
from api.events import wait_for_result
from api.schemas import (
    ActionAccepted,
    ActionRequest,
    ActionResult,
    RespondAccepted,
    RespondRequest,
    ResponseResult,
)
from api.security import UNLIMITED_PATHS, is_public_route, recalled
from api.server import TurnIntake
from widgets import from_builtins, to_chatkit

log = logging.getLogger("chatkit.api")


def document_common_errors(app: Litestar) -> None:
    """Add to every operation's OpenAPI the errors any route can answer.

    Admission answers 401/429/503, the body guard 413/415, validation 422, and any handler
    500; routes keep their own entries (403, 404, ...).
    """
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            codes = [422, 500, 503]
            if route.path not in UNLIMITED_PATHS:
                codes.append(429)
            if not is_public_route(route.path, handler):
                codes.append(401)
            if handler.http_methods & {"POST", "PUT", "PATCH"}:
                codes += [413, 415]
            handler.responses = {**error_responses(*sorted(codes)), **(handler.responses or {})}


# Every authenticated route can answer these; POST bodies add 413/415, thread routes 403.
_COMMON = (401, 422, 429, 500, 503)
_ERRORS = error_responses(*_COMMON, 403, 413, 415)
RATE_LIMIT_HEADERS = [
    ResponseHeader(name="X-RateLimit-Limit", documentation_only=True,
                   description="Requests allowed per user in any 60 s window"),
    ResponseHeader(name="X-RateLimit-Remaining", documentation_only=True,
                   description="Requests left in the current window"),
    ResponseHeader(name="X-RateLimit-Reset", documentation_only=True,
                   description="Unix time (seconds) when the oldest counted request "
                   "leaves the window"),
]
IdempotencyKeyHeader = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False,
    description="Optional: 1 to 255 visible ASCII characters (a UUID is a good key). A "
    "repeat with the same key from the same user within 24 h returns the first request's id "
    "and stores nothing new; the same key with a different body is a 422.")]
_WAIT_DOC = ("Long-poll: answer as soon as the turn completes or fails, or after "
             "this many seconds (max 30) with its current status")
_NOT_FOUND = error_responses(*_COMMON, 404)


WidgetFormat = Annotated[str, QueryParameter(
    name="format", pattern=r"^(contract|chatkit)$",
    description="`contract` (default): the contract's widget schema; `chatkit`: OpenAI "
    "ChatKit's widget format (Card, Title, ListViewItem, Badge, Button, …)")]


def export_widgets(view: dict[str, Any], widget_format: str) -> dict[str, Any]:
    """The result with its widget trees in the requested format."""
    if widget_format == "chatkit":
        view = {**view, "widgets": [to_chatkit(from_builtins(tree))
                                    for tree in view["widgets"]]}
    return view


def provide_server(state: State) -> TurnIntake:
    server: TurnIntake = state.server
    return server


class ChatKitController(Controller):
    """The contract's chat endpoints and their result resources."""

    path = "/api/chatkit"
    tags = ["chatkit"]
    security = [{"BearerToken": []}]
    response_headers = RATE_LIMIT_HEADERS

    @post("/respond", status_code=202, operation_id="respond", responses=_ERRORS,
          summary="Send a user message; answers at once with its response_id")
    async def respond(
        self, request: Request[str, Any, State], data: JSONBody[RespondRequest],
        server: NamedDependency[TurnIntake],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[RespondAccepted]:
        body = await server.respond(data.thread_id, data.input, request.user, data.metadata,
                                    idempotency_key=idempotency_key,
                                    recalled=recalled(request))
        return Response(
            RespondAccepted(**body),
            status_code=202,
            headers={"Location": f"/api/chatkit/responses/{body['response_id']}"},
        )

    @post("/action", status_code=202, operation_id="action", responses=_ERRORS,
          summary="Send a widget action (button click); answers at once with its action_id")
    async def action(
        self, request: Request[str, Any, State], data: JSONBody[ActionRequest],
        server: NamedDependency[TurnIntake],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[ActionAccepted]:
        action = {"type": data.action.type, "widget_id": data.action.widget_id,
                  "payload": data.action.payload}
        body = await server.action(data.thread_id, action, request.user, data.metadata,
                                   idempotency_key=idempotency_key,
                                   recalled=recalled(request))
        return Response(
            ActionAccepted(**body),
            status_code=202,
            headers={"Location": f"/api/chatkit/actions/{body['action_id']}"},
        )

    @get("/responses/{response_id:str}", operation_id="getResponse",
         responses=_NOT_FOUND, summary="The result of a message")
    async def get_response(
        self,
        request: Request[str, Any, State],
        server: NamedDependency[TurnIntake],
        response_id: str = Parameter(max_length=64),
        wait: float = Parameter(ge=0, le=30, default=0, description=_WAIT_DOC),
        widget_format: WidgetFormat = "contract",
    ) -> ResponseResult:
        return ResponseResult(**export_widgets(await wait_for_result(
            server, request.app.state.events, response_id, request.user, kind="message",
            wait=wait), widget_format))

    @get("/actions/{action_id:str}", operation_id="getAction",
         responses=_NOT_FOUND, summary="The result of an action")
    async def get_action(
        self,
        request: Request[str, Any, State],
        server: NamedDependency[TurnIntake],
        action_id: str = Parameter(max_length=64),
        wait: float = Parameter(ge=0, le=30, default=0, description=_WAIT_DOC),
        widget_format: WidgetFormat = "contract",
    ) -> ActionResult:
        return ActionResult(**export_widgets(await wait_for_result(
            server, request.app.state.events, action_id, request.user, kind="action",
            wait=wait), widget_format))


@get("/health", operation_id="health", tags=["ops"], summary="The process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}


READY_TIMEOUT_S = 1.5  # the orchestrator hears "not ready" within 2 s, never a hang


@get("/ready", operation_id="ready", tags=["ops"], responses=error_responses(429, 503),
     summary="The database and the broker (Redis) are reachable")
async def ready(state: State) -> dict[str, str]:
    checks = {"database": state.database.ping(), "broker": state.limiter.ping()}
    down = []
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check, READY_TIMEOUT_S)
        except Exception:
            log.warning("readiness: %s unreachable", name, exc_info=True)
            down.append(name)
    if down:
        raise Problem.UNAVAILABLE.error(f"not ready: {' and '.join(down)} "
                           "unreachable", {"Retry-After": "2"})
    return {"status": "ready", "database": "ok", "broker": "ok"}
