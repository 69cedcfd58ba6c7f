"""Plain-text rendering of a widget tree, for clients that show no widgets."""

from __future__ import annotations

from widgets.schema import Widget

_TEXT_TYPES = {"headline", "text", "caption"}


def to_text(widget: Widget) -> str:
    """The tree's readable text: headlines and texts, one line per row; buttons left out."""
    lines: list[str] = []
    _collect(widget, lines)
    return "\n".join(line for line in lines if line)


def _collect(widget: Widget, lines: list[str]) -> None:
    if widget.type == "row":
        parts = [str(child.props.get("text", "")) for child in widget.children
                 if child.type in _TEXT_TYPES]
        lines.append("- " + " ".join(part for part in parts if part))
        return
    if widget.type in _TEXT_TYPES:
        lines.append(str(widget.props.get("text", "")))
    for child in widget.children:
        _collect(child, lines)
