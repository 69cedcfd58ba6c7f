"""OpenAI ChatKit's request/event protocol as msgspec structs (openai-chatkit 1.6.5).

Only what this server reads and writes is modelled, with the same field names, the same
required fields and the same `type` tags; tests/chatkit_validator checks every request and
event the endpoint handles against `chatkit.types` itself. Unknown request fields are
ignored, as pydantic does for the reference server. Output omits null fields, as the
reference server's `model_dump_json(exclude_none=True)` does.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

# ---- requests -------------------------------------------------------------------------------

Metadata = dict[str, Any]


class InputText(msgspec.Struct, tag_field="type", tag="input_text"):
    text: str


class InputTag(msgspec.Struct, tag_field="type", tag="input_tag"):
    """An @-mention the composer inserted; its `text` is read as part of the message."""

    id: str
    text: str
    data: dict[str, Any] = {}
    group: str | None = None
    interactive: bool = False


class ToolChoice(msgspec.Struct):
    id: str


class InferenceOptions(msgspec.Struct, omit_defaults=True):
    tool_choice: ToolChoice | None = None
    model: str | None = None


class UserMessageInput(msgspec.Struct):
    content: list[InputText | InputTag]
    attachments: list[str]
    inference_options: InferenceOptions
    quoted_text: str | None = None


class CreateParams(msgspec.Struct):
    input: UserMessageInput


class AddUserMessageParams(msgspec.Struct):
    thread_id: str
    input: UserMessageInput


class ActionIn(msgspec.Struct):
    """A widget's `onClickAction` as the client sends it back: `{type, payload}`."""

    type: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    payload: Any = None


class CustomActionParams(msgspec.Struct):
    thread_id: str
    action: ActionIn
    item_id: str | None = None


class RetryParams(msgspec.Struct):
    thread_id: str
    item_id: str


class ThreadIdParams(msgspec.Struct):
    thread_id: str


class ListThreadsParams(msgspec.Struct):
    limit: int | None = None
    order: Literal["asc", "desc"] = "desc"
    after: str | None = None


class ListItemsParams(msgspec.Struct):
    thread_id: str
    limit: int | None = None
    order: Literal["asc", "desc"] = "desc"
    after: str | None = None


class UpdateParams(msgspec.Struct):
    thread_id: str
    title: str


class FeedbackParams(msgspec.Struct):
    thread_id: str
    item_ids: list[str]
    kind: Literal["positive", "negative"]


class _Req(msgspec.Struct, tag_field="type", kw_only=True):
    metadata: Metadata = {}


class ThreadsCreate(_Req, tag="threads.create"):
    params: CreateParams


class ThreadsAddUserMessage(_Req, tag="threads.add_user_message"):
    params: AddUserMessageParams


class ThreadsCustomAction(_Req, tag="threads.custom_action"):
    params: CustomActionParams


class ThreadsRetryAfterItem(_Req, tag="threads.retry_after_item"):
    params: RetryParams


class ThreadsGetById(_Req, tag="threads.get_by_id"):
    params: ThreadIdParams


class ThreadsList(_Req, tag="threads.list"):
    params: ListThreadsParams


class ItemsList(_Req, tag="items.list"):
    params: ListItemsParams


class ThreadsUpdate(_Req, tag="threads.update"):
    params: UpdateParams


class ThreadsDelete(_Req, tag="threads.delete"):
    params: ThreadIdParams


class ItemsFeedback(_Req, tag="items.feedback"):
    params: FeedbackParams


# Requests this server recognises and declines (attachments, client tools, structured
# input, dictation, synchronous actions): ChatKit's "not supported" answer, never a 422
# for a well-formed request. Their params are not read.
class ThreadsAddClientToolOutput(_Req, tag="threads.add_client_tool_output"):
    params: Any = None


class ThreadsAddStructuredInput(_Req, tag="threads.add_structured_input"):
    params: Any = None


class ThreadsSyncCustomAction(_Req, tag="threads.sync_custom_action"):
    params: Any = None


class AttachmentsCreate(_Req, tag="attachments.create"):
    params: Any = None


class AttachmentsDelete(_Req, tag="attachments.delete"):
    params: Any = None


class InputTranscribe(_Req, tag="input.transcribe"):
    params: Any = None


StreamingRequest = (ThreadsCreate | ThreadsAddUserMessage | ThreadsCustomAction
                    | ThreadsRetryAfterItem | ThreadsAddClientToolOutput
                    | ThreadsAddStructuredInput)
ChatKitRequest = (StreamingRequest | ThreadsGetById | ThreadsList | ItemsList | ThreadsUpdate
                  | ThreadsDelete | ItemsFeedback | ThreadsSyncCustomAction | AttachmentsCreate
                  | AttachmentsDelete | InputTranscribe)
STREAMING = (ThreadsCreate, ThreadsAddUserMessage, ThreadsCustomAction, ThreadsRetryAfterItem,
             ThreadsAddClientToolOutput, ThreadsAddStructuredInput)
NOT_SUPPORTED = (ThreadsAddClientToolOutput, ThreadsAddStructuredInput,
                 ThreadsSyncCustomAction, AttachmentsCreate, AttachmentsDelete,
                 InputTranscribe)


def request_type(request: ChatKitRequest) -> str:
    """The request's `type` tag (`threads.create`, …)."""
    return str(type(request).__struct_config__.tag)


# ---- thread items -----------------------------------------------------------------------------


class OutputText(msgspec.Struct, tag_field="type", tag="output_text"):
    text: str
    annotations: list[Any] = []


class UserMessageItem(msgspec.Struct, tag_field="type", tag="user_message", omit_defaults=True):
    id: str
    thread_id: str
    created_at: dt.datetime
    content: list[InputText | InputTag]
    # Required by ChatKit (no defaults here, so they are always written).
    attachments: list[Any]
    inference_options: InferenceOptions
    quoted_text: str | None = None


class AssistantMessageItem(msgspec.Struct, tag_field="type", tag="assistant_message"):
    id: str
    thread_id: str
    created_at: dt.datetime
    content: list[OutputText]


class WidgetItem(msgspec.Struct, tag_field="type", tag="widget", omit_defaults=True):
    id: str
    thread_id: str
    created_at: dt.datetime
    widget: dict[str, Any]
    copy_text: str | None = None


ThreadItem = UserMessageItem | AssistantMessageItem | WidgetItem


class Page(msgspec.Struct, omit_defaults=True):
    """ChatKit's `Page`: `has_more` is always written, `after` only when there is more."""

    data: list[Any]
    has_more: bool
    after: str | None = None


class ActiveStatus(msgspec.Struct, tag_field="type", tag="active", frozen=True):
    pass


class Thread(msgspec.Struct, omit_defaults=True):
    id: str
    created_at: dt.datetime
    items: Page
    status: ActiveStatus
    title: str | None = None


# ---- stream events ------------------------------------------------------------------------------


class ThreadCreatedEvent(msgspec.Struct, tag_field="type", tag="thread.created"):
    thread: Thread


class ThreadItemDoneEvent(msgspec.Struct, tag_field="type", tag="thread.item.done"):
    item: ThreadItem


class WidgetRootUpdated(msgspec.Struct, tag_field="type", tag="widget.root.updated"):
    widget: dict[str, Any]


class ThreadItemUpdatedEvent(msgspec.Struct, tag_field="type", tag="thread.item.updated"):
    item_id: str
    update: WidgetRootUpdated


class StreamOptions(msgspec.Struct):
    allow_cancel: bool


class StreamOptionsEvent(msgspec.Struct, tag_field="type", tag="stream_options"):
    stream_options: StreamOptions


class ProgressUpdateEvent(msgspec.Struct, tag_field="type", tag="progress_update"):
    text: str


class NoticeEvent(msgspec.Struct, tag_field="type", tag="notice", omit_defaults=True):
    level: Literal["info", "warning", "danger"]
    message: str
    title: str | None = None


class ErrorEvent(msgspec.Struct, tag_field="type", tag="error"):
    """ChatKit's error event: `code` "custom" with a message the UI shows as it is."""

    message: str
    allow_retry: bool = False
    code: str = "custom"


ThreadStreamEvent = (ThreadCreatedEvent | ThreadItemDoneEvent
                     | ThreadItemUpdatedEvent | StreamOptionsEvent | ProgressUpdateEvent
                     | NoticeEvent | ErrorEvent)

_encoder = msgspec.json.Encoder()


def encode(value: Any) -> bytes:
    """JSON bytes of a protocol value."""
    return _encoder.encode(value)


def sse(event: ThreadStreamEvent) -> bytes:
    """One Server-Sent Events frame, as the reference server writes them (`data:` only)."""
    return b"data: " + _encoder.encode(event) + b"\n\n"
