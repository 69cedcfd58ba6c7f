"""The error catalogue: every way a request or a turn can fail, in one table.

The contract's envelope is `{"error": {"type", "message", "code"}}` with `code` equal to the
HTTP status. Each `Problem` carries its status, envelope type and the description the
OpenAPI schema shows; the API's handlers, its route tables, the worker (a failed turn's
`error`) and the replay drivers all read this table instead of spelling errors themselves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class ErrorType(enum.StrEnum):
    """The envelope's `type`: the contract's four plus `NOT_FOUND` and `RATE_LIMIT_ERROR`."""

    AUTH_ERROR = "AUTH_ERROR"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMIT_ERROR = "RATE_LIMIT_ERROR"
    PROCESSING_ERROR = "PROCESSING_ERROR"
    WIDGET_ERROR = "WIDGET_ERROR"


@dataclass(frozen=True)
class ProblemSpec:
    status: int
    type: ErrorType
    description: str


class Problem(enum.Enum):
    """One row per kind of failure a client can see."""

    UNAUTHENTICATED = ProblemSpec(
        401, ErrorType.AUTH_ERROR, "Missing, malformed, expired or badly signed token")
    FORBIDDEN = ProblemSpec(403, ErrorType.AUTH_ERROR, "The thread belongs to another user")
    NOT_FOUND = ProblemSpec(404, ErrorType.NOT_FOUND, "No such resource for this user")
    METHOD_NOT_ALLOWED = ProblemSpec(
        405, ErrorType.VALIDATION_ERROR, "This method is not allowed on this path")
    TOO_LARGE = ProblemSpec(
        413, ErrorType.VALIDATION_ERROR, "Request body larger than `CHATKIT_MAX_BODY_BYTES`")
    UNSUPPORTED_MEDIA_TYPE = ProblemSpec(
        415, ErrorType.VALIDATION_ERROR, "Body is not `application/json`")
    INVALID = ProblemSpec(
        422, ErrorType.VALIDATION_ERROR, "Invalid request; the message names the field")
    ACTION_NOT_OFFERED = ProblemSpec(
        422, ErrorType.WIDGET_ERROR, "Not a button this thread rendered (type and payload)")
    RATE_LIMITED = ProblemSpec(
        429, ErrorType.RATE_LIMIT_ERROR, "Rate or concurrency limit reached; see `Retry-After`")
    INTERNAL = ProblemSpec(500, ErrorType.PROCESSING_ERROR, "Server processing error")
    UNAVAILABLE = ProblemSpec(
        503, ErrorType.PROCESSING_ERROR, "Database or Redis unreachable; see `Retry-After`")
    # A turn's own failure, stored as its `error` (the request that queued it got a 202).
    TURN_FAILED = ProblemSpec(500, ErrorType.PROCESSING_ERROR, "The turn could not be processed")
    WIDGET_INVALID = ProblemSpec(
        500, ErrorType.WIDGET_ERROR, "The answer's widget tree broke the schema")

    @property
    def status(self) -> int:
        return self.value.status

    @property
    def type(self) -> ErrorType:
        return self.value.type

    @property
    def description(self) -> str:
        return f"{self.value.description} (`{self.value.type}`)"

    def envelope(self, message: str) -> dict[str, Any]:
        """The contract's error body for this problem."""
        return envelope(self.status, self.type, message)

    def error(self, message: str, headers: dict[str, str] | None = None) -> ChatKitError:
        """An exception that answers with this problem."""
        return ChatKitError(self.status, self.type, message, headers)


_DEFAULT_BY_STATUS = {
    401: Problem.UNAUTHENTICATED, 403: Problem.FORBIDDEN, 404: Problem.NOT_FOUND,
    405: Problem.METHOD_NOT_ALLOWED, 413: Problem.TOO_LARGE,
    415: Problem.UNSUPPORTED_MEDIA_TYPE, 422: Problem.INVALID, 429: Problem.RATE_LIMITED,
    500: Problem.INTERNAL, 503: Problem.UNAVAILABLE,
}


def problem_for_status(code: int) -> Problem:
    """The catalogue row for an HTTP status when nothing more specific is known."""
    found = _DEFAULT_BY_STATUS.get(code)
    if found is not None:
        return found
    return Problem.INTERNAL if code >= 500 else Problem.INVALID


def error_type(code: int) -> str:
    """The envelope type for an HTTP status when nothing more specific is known."""
    return str(problem_for_status(code).type)


def envelope(code: int, type: str, message: str) -> dict[str, Any]:
    """The contract's error body."""
    return {"error": {"type": str(type), "message": message, "code": code}}


class ChatKitError(Exception):
    """An error a client should see, with its envelope type and HTTP status."""

    def __init__(
        self, code: int, type: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.type = str(type)
        self.message = message
        self.headers = headers or {}

    def envelope(self) -> dict[str, Any]:
        return envelope(self.code, self.type, self.message)
