"""The widget tree: every node has `id`, `type`, `children`, `props`, `metadata`."""

from __future__ import annotations

from typing import Any

import msgspec


class Widget(msgspec.Struct, kw_only=True):
    """One node of a widget tree, exactly the contract's base widget schema."""

    id: str
    type: str
    children: list[Widget] = []
    props: dict[str, Any] = {}
    metadata: dict[str, Any] = {}


def action(type: str, **payload: Any) -> dict[str, Any]:
    """A button's `props.action`: `{"type": …, "payload": {…}}`."""
    return {"type": type, "payload": payload}


def to_builtins(widget: Widget) -> dict[str, Any]:
    """The tree as plain dicts and lists, ready for JSON."""
    result: dict[str, Any] = msgspec.to_builtins(widget)
    return result
