"""The contract's error envelope, `{"error": {"type", "message", "code"}}`, for every non-2xx."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = logging.getLogger("chatkit.api")

AUTH_ERROR = "AUTH_ERROR"
VALIDATION_ERROR = "VALIDATION_ERROR"
PROCESSING_ERROR = "PROCESSING_ERROR"
WIDGET_ERROR = "WIDGET_ERROR"
NOT_FOUND = "NOT_FOUND"
RATE_LIMIT_ERROR = "RATE_LIMIT_ERROR"

_TYPE_BY_STATUS = {401: AUTH_ERROR, 403: AUTH_ERROR, 404: NOT_FOUND, 429: RATE_LIMIT_ERROR}


class ChatKitError(Exception):
    """An error a client should see, with its envelope type and HTTP status."""

    def __init__(
        self, code: int, type: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.type = type
        self.message = message
        self.headers = headers or {}


def envelope(code: int, type: str, message: str) -> dict[str, Any]:
    """The contract's error body."""
    return {"error": {"type": type, "message": message, "code": code}}


def error_response(
    code: int, type: str, message: str, headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    return Response(envelope(code, type, message), status_code=code, headers=headers)


def _validation_message(exc: ValidationException) -> str:
    details = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in details:
        if isinstance(item, dict):
            key = item.get("key") or ""
            message = item.get("message") or ""
            parts.append(f"{key}: {message}" if key else str(message))
    if parts:
        return "invalid request: " + "; ".join(parts)
    return f"invalid request: {exc.detail}"


def handle_chatkit_error(_: Request[Any, Any, Any], exc: ChatKitError) -> Response[Any]:
    return error_response(exc.code, exc.type, exc.message, exc.headers)


def handle_validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    # The contract answers invalid request formats with 422, not Litestar's default 400.
    return error_response(422, VALIDATION_ERROR, _validation_message(exc))


def handle_http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code = exc.status_code
    if code >= 500:
        log.error("HTTP %s: %s", code, exc.detail)
    kind = _TYPE_BY_STATUS.get(code, PROCESSING_ERROR if code >= 500 else VALIDATION_ERROR)
    headers = dict(exc.headers or {})
    return error_response(code, kind, str(exc.detail), headers)


def handle_recursion(_: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    # msgspec refuses absurdly deep JSON by raising RecursionError: the client's fault.
    return error_response(422, VALIDATION_ERROR, "invalid request: JSON is nested too deeply")


def handle_unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, PROCESSING_ERROR, "internal error while processing the request")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ChatKitError: handle_chatkit_error,
    ValidationException: handle_validation_error,
    HTTPException: handle_http_exception,
    RecursionError: handle_recursion,
    Exception: handle_unexpected,
}
