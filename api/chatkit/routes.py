"""`POST /chatkit` (CHATKIT_PROTOCOL_PATH): OpenAI ChatKit's protocol, for ChatKit's own UI.

One endpoint; the body is a `ChatKitReq`. Streaming requests (threads.create,
add_user_message, custom_action, retry_after_item) answer `text/event-stream`, the others
JSON, as ChatKit's reference server does. Admission (JWT, rate limits, body limit, JSON
content type, CORS) is the app's, as for every `/api` route: its refusals keep their HTTP
status and the contract's envelope. A request ChatKit cannot parse is a 422 envelope. A
streaming request refused for what it asks (another user's thread, a button never
offered, an empty message) is ChatKit's `error` event in the stream, which the UI shows;
a non-streaming one answers the status (403, 404, 422) with the envelope.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.response import Stream

from api.chatkit.protocol import (
    NOT_SUPPORTED,
    STREAMING,
    ChatKitRequest,
    ErrorEvent,
    ItemsFeedback,
    ItemsList,
    ThreadsAddUserMessage,
    ThreadsCreate,
    ThreadsCustomAction,
    ThreadsDelete,
    ThreadsGetById,
    ThreadsList,
    ThreadsRetryAfterItem,
    ThreadsUpdate,
    request_type,
    sse,
)
from api.chatkit.service import ChatKitService, Once
from api.security import recalled
from core.errors import ChatKitError, Problem
from core.settings import Settings

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_decoder = msgspec.json.Decoder(ChatKitRequest)


def provide_chatkit_service(state: State) -> ChatKitService:
    return ChatKitService(state.server, state.database.async_sessions(), state.events)


def decode_request(body: bytes) -> ChatKitRequest:
    """The request, or 422 naming what is wrong with it."""
    if not body:
        raise Problem.INVALID.error("invalid request: body: a ChatKit request (JSON) is "
                                    "required")
    try:
        request: ChatKitRequest = _decoder.decode(body)
    except msgspec.ValidationError as error:
        raise Problem.INVALID.error(f"invalid ChatKit request: {error}") from None
    except msgspec.DecodeError as error:
        raise Problem.INVALID.error(f"invalid request: body: {error}") from None
    return request


async def _error_stream(message: str) -> AsyncIterator[bytes]:
    yield sse(ErrorEvent(message))


async def _stream(service: ChatKitService, request: ChatKitRequest, user_id: str,
                  once: Once) -> AsyncIterator[bytes]:
    if isinstance(request, ThreadsCreate):
        return await service.create(request, user_id, once=once)
    if isinstance(request, ThreadsAddUserMessage):
        return await service.add_user_message(request, user_id, once=once)
    if isinstance(request, ThreadsCustomAction):
        return await service.custom_action(request, user_id, once=once)
    if isinstance(request, ThreadsRetryAfterItem):
        return await service.retry_after_item(request, user_id, once=once)
    raise Problem.INVALID.error(f"{request_type(request)} is not supported by this server")


async def _json(service: ChatKitService, request: ChatKitRequest, user_id: str) -> bytes:
    if isinstance(request, ThreadsGetById):
        return await service.get_by_id(request, user_id)
    if isinstance(request, ThreadsList):
        return await service.list_threads(request, user_id)
    if isinstance(request, ItemsList):
        return await service.list_items(request, user_id)
    if isinstance(request, ThreadsUpdate):
        return await service.update(request, user_id)
    if isinstance(request, ThreadsDelete):
        return await service.delete(request, user_id)
    if isinstance(request, ItemsFeedback):
        return await service.feedback(request, user_id)
    assert isinstance(request, NOT_SUPPORTED)
    raise Problem.INVALID.error(f"{request_type(request)} is not supported by this server")


def chatkit_protocol_routes(settings: Settings) -> list[HTTPRouteHandler]:
    """The ChatKit protocol endpoint at `settings.protocol_path`."""

    @post(settings.protocol_path, operation_id="chatkitProtocol", tags=["chatkit-protocol"],
          status_code=200, include_in_schema=False,
          dependencies={"service": Provide(provide_chatkit_service, sync_to_thread=False)})
    async def chatkit_protocol(request: Request[str, Any, State],
                               service: NamedDependency[ChatKitService]) -> Response[Any]:
        chatkit_request = decode_request(await request.body())
        if isinstance(chatkit_request, STREAMING):
            try:
                once = Once(request.headers.get("idempotency-key"), recalled(request))
                events = await _stream(service, chatkit_request, request.user, once)
            except ChatKitError as error:
                if error.code >= 500:
                    raise  # the service is unavailable: a status the client retries on
                events = _error_stream(error.message)
            return Stream(events, media_type="text/event-stream", headers=SSE_HEADERS)
        return Response(await _json(service, chatkit_request, request.user),
                        media_type="application/json")

    return [chatkit_protocol]
