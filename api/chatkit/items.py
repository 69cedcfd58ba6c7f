"""Turns as ChatKit thread items: stable ids, in-place widget updates, retries. Pure.

A turn (one row, whatever protocol stored it) shows as up to three kinds of items:

- `<turn id>`: the user's message (a typed message, or a `suggestion` button's text);
- `<turn id>.reply`: the assistant's message, the answer's `text`, unless that text only
  repeats the card (a list's rows): then the card alone says it;
- `<turn id>.widget<i>`: the answer's i-th widget tree in ChatKit's format.

An action sent through ChatKit from a widget item (`item_id`) whose answer replaces the
clicked card (`replaces`) updates that item in place instead: the item keeps its id and
shows the latest such answer. A retry (`threads.retry_after_item`) answers a message again:
every answer since that message is hidden, as if ChatKit's reference server had deleted
it. The ids come from turn ids alone, so a stream, a reload, and any API process agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from api.chatkit.protocol import (
    AssistantMessageItem,
    InferenceOptions,
    InputText,
    OutputText,
    ThreadItem,
    UserMessageItem,
    WidgetItem,
)
from store.chatkit_views import TurnFacts
from widgets import from_builtins, to_chatkit, to_text

FINAL = ("completed", "failed")
# Where a click's `widget_id` travels inside ChatKit's `onClickAction.payload` (ChatKit sends
# back only `{type, payload}`; the server honours only buttons it rendered, by their id).
WIDGET_ID_KEY = "widget_id"


class TurnRow(Protocol):
    """A whole turn as stored (store.models.Turn)."""

    id: str
    thread_id: str
    seq: int
    kind: str
    status: str
    input: str | None
    action: dict[str, Any] | None
    text: str | None
    widgets: list[Any] | None
    replaces: str | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


# ---- ids ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemId:
    """An item id taken apart: its turn and its place among the turn's items."""

    turn_id: str
    position: int  # 0: the user's message, 1: the reply, 2 + i: widget i

    @property
    def widget_index(self) -> int | None:
        return self.position - 2 if self.position >= 2 else None


def user_item_id(turn_id: str) -> str:
    return turn_id


def reply_item_id(turn_id: str) -> str:
    return f"{turn_id}.reply"


def widget_item_id(turn_id: str, index: int) -> str:
    return f"{turn_id}.widget{index}"


def parse_item_id(item_id: str) -> ItemId | None:
    """None unless `item_id` has the shape of an id this server gives out."""
    turn_id, _dot, part = item_id.partition(".")
    if not turn_id or len(item_id) > 100:
        return None
    if not part:
        return ItemId(turn_id, 0)
    if part == "reply":
        return ItemId(turn_id, 1)
    digits = part.removeprefix("widget")
    if part.startswith("widget") and digits.isascii() and digits.isdigit() and len(digits) < 4:
        return ItemId(turn_id, 2 + int(digits))
    return None


# ---- widgets ----------------------------------------------------------------------------------


def protocol_widget(tree: dict[str, Any]) -> dict[str, Any]:
    """A stored widget tree in ChatKit's format, each button's id inside its action payload."""
    root = to_chatkit(from_builtins(tree))
    stack = [root]
    while stack:
        node = stack.pop()
        action = node.get("onClickAction")
        if isinstance(action, dict):
            action["payload"] = {**(action.get("payload") or {}), WIDGET_ID_KEY: node["id"]}
        stack.extend(node.get("children") or [])
    return root


def reply_text(text: str | None, widgets: list[Any]) -> str | None:
    """The reply's text, or None when it is empty or merely the cards' own plain text."""
    if not text or not text.strip():
        return None
    cards_text = "\n\n".join(to_text(from_builtins(tree)) for tree in widgets)
    return None if text == cards_text else text


# ---- one turn ---------------------------------------------------------------------------------


def user_text(turn: TurnRow) -> str | None:
    """What the user said in this turn: a message's input, a suggestion button's text."""
    if turn.kind == "message":
        return turn.input
    action = turn.action or {}
    payload = action.get("payload")
    if action.get("type") == "suggestion" and isinstance(payload, dict) and isinstance(
            payload.get("text"), str):
        return str(payload["text"])
    return None


def user_item(turn: TurnRow, *, retry: bool) -> UserMessageItem | None:
    """The turn's user message item (a retry has none: it answers an earlier message)."""
    text = user_text(turn)
    if text is None or retry:
        return None
    return UserMessageItem(id=user_item_id(turn.id), thread_id=turn.thread_id,
                           created_at=turn.created_at, content=[InputText(text)],
                           attachments=[], inference_options=InferenceOptions())


@dataclass(frozen=True)
class Answer:
    """What a finished turn adds: new items, and the widget it puts into an earlier item."""

    items: list[ThreadItem]
    replacement: dict[str, Any] | None  # the new widget of the sender item, if it replaces


def answer(turn: TurnRow, *, replaces_sender: bool) -> Answer:
    """The items of a finished turn's answer; with `replaces_sender`, its first widget
    updates the widget item the click came from instead of being a new item."""
    widgets = list(turn.widgets or [])
    created = turn.completed_at or turn.created_at
    items: list[ThreadItem] = []
    replacement = None
    first = 0
    if replaces_sender and widgets:
        replacement, first = protocol_widget(widgets[0]), 1
    else:
        text = reply_text(turn.text, widgets)
        if text is not None:
            items.append(AssistantMessageItem(id=reply_item_id(turn.id), thread_id=turn.thread_id,
                                              created_at=created, content=[OutputText(text)]))
    items.extend(WidgetItem(id=widget_item_id(turn.id, index), thread_id=turn.thread_id,
                            created_at=created, widget=protocol_widget(widgets[index]))
                 for index in range(first, len(widgets)))
    return Answer(items, replacement)


# ---- a thread ---------------------------------------------------------------------------------


class ThreadPlan:
    """What later turns do to earlier items, from the light facts of the turns numbered
    `first_seq` and after: which answers retries hide, which items actions updated."""

    def __init__(self, facts: Iterable[TurnFacts]) -> None:
        self.facts = {fact.id: fact for fact in facts}
        ordered = sorted(self.facts.values(), key=lambda fact: fact.seq)
        # A retry of the message at seq S, itself at seq R, hides the answers of S..R-1.
        self.retried = [(fact.retry_of_seq, fact.seq) for fact in ordered
                        if is_retry(fact) and fact.retry_of_seq is not None
                        and fact.retry_of_seq < fact.seq]
        # The latest applying update of each updated item: item id -> the turn updating it.
        self.updated_by: dict[str, str] = {}
        for fact in ordered:
            if self.replaces_sender(fact) and fact.sender_item is not None:
                self.updated_by[fact.sender_item] = fact.id

    def hidden(self, seq: int) -> bool:
        """Whether the answer of the turn at `seq` was retried away."""
        return any(start <= seq < retry for start, retry in self.retried)

    def replaces_sender(self, fact: TurnFacts) -> bool:
        """Whether this turn's answer goes into the widget item its click came from."""
        sender = parse_item_id(fact.sender_item) if fact.sender_item else None
        return (fact.kind == "action" and fact.status == "completed"
                and fact.replaces is not None and sender is not None
                and sender.widget_index is not None and fact.sender_seq is not None
                and fact.sender_seq < fact.seq and not self.hidden(fact.seq)
                and not self.hidden(fact.sender_seq))

    def items(self, turn: TurnRow) -> list[ThreadItem]:
        """The items this turn shows at its own place (updates of its widgets not applied)."""
        fact = self.facts.get(turn.id)
        shown: list[ThreadItem] = []
        first = user_item(turn, retry=fact is not None and is_retry(fact))
        if first is not None:
            shown.append(first)
        if turn.status in FINAL and not self.hidden(turn.seq):
            shown.extend(answer(turn, replaces_sender=fact is not None
                                and self.replaces_sender(fact)).items)
        return shown


def is_retry(fact: TurnFacts) -> bool:
    return fact.kind == "message" and fact.retry_of is not None


def has_user_item(fact: TurnFacts) -> bool:
    """Whether the turn shows a user message item (a typed message or a suggestion)."""
    if fact.kind == "message":
        return not is_retry(fact)
    return fact.action_type == "suggestion"


def position_of(item: ThreadItem) -> int:
    parsed = parse_item_id(item.id)
    return parsed.position if parsed is not None else 0
