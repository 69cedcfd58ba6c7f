"""The contract's error envelope, `{"error": {"type", "message", "code"}}`, for every non-2xx."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import Message, Scope
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError

from api.schemas import ErrorEnvelope, field_message
from core.errors import ChatKitError, ErrorType, Problem, envelope, error_type, problem_for_status

__all__ = ["EXCEPTION_HANDLERS", "ChatKitError", "Problem", "envelope", "error_response",
           "error_responses", "error_type"]


def error_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for these error statuses (descriptions from the catalogue), each
    with the envelope as its body."""
    return {code: ResponseSpec(data_container=ErrorEnvelope,
                               description=problem_for_status(code).description)
            for code in codes}

log = logging.getLogger("chatkit.api")

AUTH_ERROR = ErrorType.AUTH_ERROR.value
VALIDATION_ERROR = ErrorType.VALIDATION_ERROR.value
PROCESSING_ERROR = ErrorType.PROCESSING_ERROR.value
WIDGET_ERROR = ErrorType.WIDGET_ERROR.value
NOT_FOUND = ErrorType.NOT_FOUND.value
RATE_LIMIT_ERROR = ErrorType.RATE_LIMIT_ERROR.value


def error_response(
    code: int, type: str, message: str, headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    return Response(envelope(code, type, message), status_code=code, headers=headers)


# Parameters whose Python name differs from what the client sent.
_WIRE_NAMES = {"widget_format": "format", "last_event_id_header": "Last-Event-ID",
               "data": "body"}


def _validation_message(exc: ValidationException) -> str:
    details = exc.extra if isinstance(exc.extra, list) else []
    parts, worded = [], []
    for item in details:
        if isinstance(item, dict):
            key = str(item.get("key") or "")
            message = str(item.get("message") or "")
            if key == "data" and message == "'data'":  # Litestar's KeyError for no body
                message = "a JSON object is required"
            worded.append(ours := field_message(key, message))
            key = _WIRE_NAMES.get(key, key)
            parts.append(ours or (f"{key}: {message}" if key else str(message)))
    if parts:
        # Fields worded as api/server.py words them read the same over HTTP and in process.
        return "; ".join(parts) if all(worded) else "invalid request: " + "; ".join(parts)
    return f"invalid request: {exc.detail}"


def handle_chatkit_error(_: Request[Any, Any, Any], exc: ChatKitError) -> Response[Any]:
    return error_response(exc.code, exc.type, exc.message, exc.headers)


def handle_validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    # The contract answers invalid request formats with 422, not Litestar's default 400.
    return error_response(422, VALIDATION_ERROR, _validation_message(exc))


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code = exc.status_code
    message = str(exc.detail)
    if code >= 500:
        log.error("HTTP %s: %s", code, exc.detail)
    elif code == 400:
        # Litestar's 400s are bodies it could not decode; the contract answers every
        # invalid request format with 422.
        code, message = 422, f"invalid request: body: {message}"
    elif code == 413:
        limit = request.route_handler.resolve_request_max_body_size()
        message = f"request body too large: at most {limit} bytes"
    headers = dict(exc.headers or {})
    return error_response(code, error_type(code), message, headers)


def handle_recursion(_: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    # msgspec refuses absurdly deep JSON by raising RecursionError: the client's fault.
    return error_response(422, VALIDATION_ERROR, "invalid request: JSON is nested too deeply")


def handle_bad_encoding(_: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    # Litestar decodes the body as UTF-8 before parsing it: bad bytes are the client's fault.
    return error_response(422, VALIDATION_ERROR, "invalid request: body: not valid UTF-8")


def _unavailable(what: str) -> Response[Any]:
    return error_response(503, PROCESSING_ERROR, f"{what} is unavailable; retry shortly",
                          {"Retry-After": "2"})


def handle_database_error(_: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    # A connection lost mid-statement or at commit (PostgreSQL restarted, a network cut)
    # arrives as a plain DBAPIError with `connection_invalidated`: an outage, not a bug.
    # (OperationalError and friends are mapped to 503 by the app factory.)
    if exc.connection_invalidated:
        log.warning("database connection lost: %s", exc)
        return _unavailable("the database")
    return handle_unexpected(_, exc)


def handle_redis_down(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Any Redis call a route makes while Redis is away (or its pooled connection died in a
    # restart): an outage, never a 500.
    log.warning("redis unreachable: %s", exc)
    return _unavailable("the service (Redis unreachable)")


def handle_unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, PROCESSING_ERROR, "internal error while processing the request")


async def envelope_plain_errors(message: Message, scope: Scope) -> None:
    """`before_send` hook: an error answered outside our handlers gets the envelope too.

    Litestar's CORS middleware answers a refused preflight with a `text/plain` 400; this
    rewrites any non-JSON error that way, so every non-2xx has the contract's body.
    """
    state = scope.setdefault("state", {})
    if message["type"] == "http.response.start":
        status = message["status"]
        headers = MutableScopeHeaders.from_message(message)
        if status >= 400 and not headers.get("content-type", "").startswith("application/json"):
            state[_PLAIN_ERROR] = status
            headers["content-type"] = "application/json"
            del headers["content-length"]  # the new body's length differs; let it be chunked
    elif message["type"] == "http.response.body" and _PLAIN_ERROR in state:
        status = state[_PLAIN_ERROR]
        if status:
            text = bytes(message.get("body", b"")).decode("utf-8", "replace").strip()
            body = envelope(status, error_type(status), text or HTTPStatus(status).phrase)
            message["body"] = msgspec.json.encode(body)
            state[_PLAIN_ERROR] = 0  # later chunks of the original text are dropped
        else:
            message["body"] = b""
        if not message.get("more_body", False):
            del state[_PLAIN_ERROR]


_PLAIN_ERROR = "chatkit.plain_error_status"

EXCEPTION_HANDLERS: dict[Any, Any] = {
    ChatKitError: handle_chatkit_error,
    ValidationException: handle_validation_error,
    HTTPException: handle_http_exception,
    RecursionError: handle_recursion,
    UnicodeDecodeError: handle_bad_encoding,
    DBAPIError: handle_database_error,
    RedisConnectionError: handle_redis_down,
    RedisTimeoutError: handle_redis_down,
    Exception: handle_unexpected,
}
