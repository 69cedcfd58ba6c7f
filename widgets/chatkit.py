"""Export to OpenAI ChatKit's widget format (PascalCase types, props directly on the node).

Mapping: card → Card, headline → Title, text → Text (`lineThrough` when completed,
`color: "danger"` when overdue), caption → Caption, badge → Badge, divider → Divider,
button → Button (`onClickAction` carries the same `{type, payload}`; the node keeps our
`id`, which is the `widget_id` to send to `POST /api/chatkit/action`), row → Row.
ChatKit's `ListView` may only be a root, so a `listview` inside a card exports as a `Col`
of `ListViewItem`s (one per row).
"""

from __future__ import annotations

from typing import Any

from widgets.schema import Widget

_BADGE_COLORS = {"due": "secondary", "overdue": "danger", "priority": "warning",
                 "tag": "info", "recurrence": "discovery", "status": "success"}


def to_chatkit(widget: Widget, *, in_list: bool = False) -> dict[str, Any]:
    """One tree in ChatKit's widget format (plain dicts, ready for JSON)."""
    props = widget.props
    kind = widget.type
    node: dict[str, Any] = {"id": widget.id}
    if kind == "card":
        node["type"] = "Card"
    elif kind == "headline":
        node.update(type="Title", value=props["text"], size="sm")
    elif kind == "text":
        node.update(type="Text", value=props["text"])
        if props.get("completed"):
            node["lineThrough"] = True
        if props.get("overdue"):
            node["color"] = "danger"
    elif kind == "caption":
        node.update(type="Caption", value=props["text"])
    elif kind == "badge":
        node.update(type="Badge", label=props["text"],
                    color=_BADGE_COLORS.get(props.get("kind", ""), "secondary"))
    elif kind == "divider":
        node["type"] = "Divider"
    elif kind == "button":
        node.update(type="Button", label=props["text"],
                    onClickAction={"type": props["action"]["type"],
                                   "payload": dict(props["action"]["payload"])})
        style = props.get("style")
        if style == "danger":
            node["color"] = "danger"
        elif style in ("primary", "secondary"):
            node["style"] = style
    elif kind == "listview":
        node.update(type="Col", gap=2)
    elif kind == "row":
        node.update(type="ListViewItem" if in_list else "Row", gap=2, align="center")
    else:  # validation keeps unknown types out; export them as plain text rather than fail
        node.update(type="Text", value=str(props.get("text", "")))
        return node
    if kind in ("card", "listview", "row"):
        node["children"] = [to_chatkit(child, in_list=kind == "listview")
                            for child in widget.children]
    return node
