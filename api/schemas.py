"""Wire types of the chat endpoints (validated once, at the edge)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

ThreadId = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="Client-chosen thread id: letters, digits, `_ . : -`; at most 128 chars.",
        examples=["thread_abc123"],
    ),
]
Metadata = Annotated[
    dict[str, Any],
    msgspec.Meta(
        max_length=32,
        description="Free-form client metadata: at most 32 keys and 4 KiB of JSON. "
        "`timezone` (IANA name) sets the user's time zone for dates.",
    ),
]


class RespondRequest(msgspec.Struct, kw_only=True):
    """`POST /api/chatkit/respond`."""

    thread_id: ThreadId
    input: Annotated[str, msgspec.Meta(
        min_length=1, pattern=r"\S",
        description="The user's message: not blank, at most `CHATKIT_MAX_INPUT_CHARS` "
        "characters (4,000 by default).",
        examples=["add buy milk tomorrow p2 #home"])]
    metadata: Metadata = {}


class ActionBody(msgspec.Struct, kw_only=True):
    """What the client clicked: the button's action `type`, its `widget_id` and `payload`."""

    type: Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["task_complete"])]
    widget_id: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    payload: Annotated[dict[str, Any], msgspec.Meta(
        description="The button's payload, as rendered (at most 4 KiB of JSON).")] = {}


class ActionRequest(msgspec.Struct, kw_only=True):
    """`POST /api/chatkit/action`."""

    thread_id: ThreadId
    action: ActionBody
    metadata: Metadata = {}


class RespondAccepted(msgspec.Struct):
    status: Literal["success"]
    thread_id: str
    response_id: str


class ActionAccepted(msgspec.Struct):
    status: Literal["success"]
    thread_id: str
    action_id: str


class ErrorBody(msgspec.Struct):
    type: str
    message: str
    code: int


class ErrorEnvelope(msgspec.Struct):
    """Every non-2xx response."""

    error: ErrorBody


ERROR_DESCRIPTIONS = {
    401: "Missing, malformed, expired or badly signed token (`AUTH_ERROR`)",
    403: "The thread belongs to another user (`AUTH_ERROR`)",
    404: "No such resource for this user (`NOT_FOUND`)",
    413: "Request body larger than `CHATKIT_MAX_BODY_BYTES` (`VALIDATION_ERROR`)",
    415: "Body is not `application/json` (`VALIDATION_ERROR`)",
    422: "Invalid request; the message names the field (`VALIDATION_ERROR`)",
    429: "Rate or concurrency limit reached; see `Retry-After` (`RATE_LIMIT_ERROR`)",
    500: "Server processing error (`PROCESSING_ERROR`)",
    503: "Database or Redis unreachable; see `Retry-After` (`PROCESSING_ERROR`)",
}


TurnStatusName = Literal["queued", "running", "completed", "failed"]


class ResponseResult(msgspec.Struct):
    """`GET /api/chatkit/responses/{response_id}`."""

    response_id: str
    thread_id: str
    status: TurnStatusName
    input: str
    text: str | None
    widgets: list[dict[str, Any]]
    error: dict[str, Any] | None
    created_at: str
    completed_at: str | None


class ActionResult(msgspec.Struct):
    """`GET /api/chatkit/actions/{action_id}`."""

    action_id: str
    thread_id: str
    status: TurnStatusName
    action: dict[str, Any]
    text: str | None
    widgets: list[dict[str, Any]]
    error: dict[str, Any] | None
    created_at: str
    completed_at: str | None
    replaces: Annotated[str | None, msgspec.Meta(
        description="The widget id (the card whose button was clicked) that `widgets` "
        "replace in place; null: append them as a new answer.",
        examples=["task_list_card"])] = None
