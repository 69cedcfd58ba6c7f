"""The widget tree and its documented type set.

Every node has the contract's base shape `{id, type, children, props, metadata}`. The
types are the contract's six (`card`, `headline`, `listview`, `row`, `text`, `button`)
plus three a todo UI needs (`badge`, `divider`, `caption`). `TYPE_SPECS` says, per type,
which props it takes (required or optional, with their JSON types) and which child types
it may hold; `ACTION_SPECS` says, per button action type, which payload keys it carries.
docs/WIDGETS.md documents both with examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import msgspec


class Widget(msgspec.Struct, kw_only=True):
    """One node of a widget tree, exactly the contract's base widget schema."""

    id: str
    type: str
    children: list[Widget] = []
    props: dict[str, Any] = {}
    metadata: dict[str, Any] = {}


class PropSpec(NamedTuple):
    """One prop: its JSON type(s), whether it must be present, and its allowed values."""

    types: tuple[type, ...]
    required: bool = False
    choices: frozenset[str] | None = None


class TypeSpec(NamedTuple):
    """One widget type: its props and the child types it may hold (empty: a leaf)."""

    props: dict[str, PropSpec]
    children: frozenset[str] = frozenset()


_TEXT = PropSpec((str,), required=True)
BADGE_KINDS = frozenset({"due", "overdue", "priority", "tag", "recurrence", "status"})
BUTTON_STYLES = frozenset({"primary", "secondary", "danger"})
_INLINE = frozenset({"text", "caption", "badge", "button"})

TYPE_SPECS: dict[str, TypeSpec] = {
    # A self-contained answer; the root of every tree (cards never nest).
    "card": TypeSpec(
        {},
        frozenset({"headline", "text", "caption", "badge", "listview", "row", "button",
                   "divider"}),
    ),
    "headline": TypeSpec({"text": _TEXT}),
    # `completed`: show the text struck through; `overdue`: show it as late.
    "text": TypeSpec({"text": _TEXT, "completed": PropSpec((bool,)),
                      "overdue": PropSpec((bool,))}),
    "caption": TypeSpec({"text": _TEXT}),
    # A small label. `kind` picks its look; `value` is the machine-readable value
    # (an ISO date, a priority name, a tag) beside the human `text`.
    "badge": TypeSpec({"text": _TEXT, "kind": PropSpec((str,), True, BADGE_KINDS),
                       "value": PropSpec((str,))}),
    "divider": TypeSpec({}),
    "listview": TypeSpec({}, frozenset({"row"})),
    "row": TypeSpec({}, _INLINE),
    "button": TypeSpec({"text": _TEXT, "action": PropSpec((dict,), required=True),
                        "style": PropSpec((str,), False, BUTTON_STYLES)}),
}


class ActionSpec(NamedTuple):
    """A button action type: required payload keys (all strings) and optional ones."""

    required: tuple[str, ...]
    optional: dict[str, type] = {}


ACTION_SPECS: dict[str, ActionSpec] = {
    "task_complete": ActionSpec(("task_id",)),
    "task_reopen": ActionSpec(("task_id",)),
    "task_delete": ActionSpec(("task_id",)),
    "undo": ActionSpec(("change_id",)),
    "list_page": ActionSpec(("cursor",)),
    "confirm": ActionSpec(("confirmation_id", "operation")),
    "cancel": ActionSpec(("confirmation_id", "operation")),
    "choose": ActionSpec(("task_id", "intent"), {"changes": dict}),
    "suggestion": ActionSpec(("text",)),
    # The contract's generic click: `payload.action` names what the button does.
    "button_click": ActionSpec(("action", "task_id")),
}
ACTION_TYPES: tuple[str, ...] = tuple(ACTION_SPECS)


def action(type: str, **payload: Any) -> dict[str, Any]:
    """A button's `props.action`: `{"type": …, "payload": {…}}`."""
    return {"type": type, "payload": payload}


def to_builtins(widget: Widget) -> dict[str, Any]:
    """The tree as plain dicts and lists, ready for JSON."""
    result: dict[str, Any] = msgspec.to_builtins(widget)
    return result


def from_builtins(data: Any) -> Widget:
    """A tree from plain dicts (as stored); raises msgspec.ValidationError on a bad shape."""
    return msgspec.convert(data, Widget)


def walk(widget: Widget) -> list[Widget]:
    """Every node of the tree, depth first, the root first."""
    nodes = [widget]
    for child in widget.children:
        nodes.extend(walk(child))
    return nodes


def walk_dicts(nodes: list[Any]) -> Iterator[dict[str, Any]]:
    """Every node of these trees in their wire form (plain dicts), depth first."""
    stack = [node for node in reversed(nodes) if isinstance(node, dict)]
    while stack:
        node = stack.pop()
        yield node
        children = node.get("children") or []
        stack.extend(child for child in reversed(children) if isinstance(child, dict))


def buttons(widget: Widget) -> list[Widget]:
    """The tree's buttons, depth first."""
    return [node for node in walk(widget) if node.type == "button"]
