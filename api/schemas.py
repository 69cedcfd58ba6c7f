"""Wire types of the chat endpoints (validated once, at the edge)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec

# The wording of a refused field, the same whether the request came over HTTP (msgspec's
# constraint failed) or through `ChatKitServer` in process (api/server.py's checks): a
# person reads "use letters, digits…", never a regular expression.
THREAD_ID_CHARS_RULE = ("thread_id: use letters, digits and _ . : - (starting with a letter "
                        "or digit)")
THREAD_ID_LENGTH_RULE = "thread_id: must be a string of 1 to 128 characters"
_FIELD_MESSAGES = {
    "thread_id": THREAD_ID_CHARS_RULE,
    "input": "input: must be a non-empty string",
    "metadata": "metadata: must be an object of at most 32 keys",
    "action": "action: must be an object with a `type` (and `widget_id`, `payload`)",
    "action.type": "action.type: must be a known action type (1 to 64 characters)",
    "action.widget_id": "action.widget_id: must be a string of at most 200 characters",
    "action.payload": "action.payload: must be an object",
}
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `([^`]{0,80})`")
_MISSING_FIELD = re.compile(r"Object missing required field `([^`]{0,80})`")


def field_message(key: str, message: str) -> str | None:
    """Our wording for msgspec's complaint `message` about `key` (None: not ours to word)."""
    if found := _UNKNOWN_FIELD.search(message):
        where = "" if key in ("", "data") else f" in {key}"
        return f"unknown field `{found.group(1)}`{where}"
    if found := _MISSING_FIELD.search(message):
        name = found.group(1) if key in ("", "data") else f"{key}.{found.group(1)}"
        return f"{name}: required"
    if key == "thread_id" and "regex" not in message:
        return THREAD_ID_LENGTH_RULE
    return _FIELD_MESSAGES.get(key)

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
    """`POST /api/chatkit/respond`.

    Fields beyond these are ignored, on purpose: ChatKit clients may send more than the
    contract names. (`/api/tasks`, our own API, refuses them: a misspelt field there would
    silently change nothing.)
    """

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
