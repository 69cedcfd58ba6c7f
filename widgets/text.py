"""Plain-text rendering of a widget tree, for clients that show no widgets."""

from __future__ import annotations

from widgets.schema import Widget

_TEXT_TYPES = {"headline", "text", "caption"}


def to_text(widget: Widget) -> str:
    """The tree's readable text: one line per headline, text and row; buttons left out.

    A task row reads "- ✓ title · due tomorrow · urgent · #home" (✓ when completed).
    """
    lines: list[str] = []
    _collect(widget, lines)
    return "\n".join(line for line in lines if line)


def _row_line(row: Widget) -> str:
    parts: list[str] = []
    for child in row.children:
        text = str(child.props.get("text", ""))
        if child.type == "text" and child.props.get("completed"):
            text = "\u2713 " + text
        if child.type in _TEXT_TYPES or child.type == "badge":
            parts.append(text)
    if not parts:
        # A row of example buttons still tells a widget-less reader what to type.
        examples = [str(child.props["action"]["payload"]["text"]) for child in row.children
                    if child.type == "button" and child.props["action"]["type"] == "suggestion"]
        return ("Try: " + ", ".join(f"\u201c{text}\u201d" for text in examples)
                if examples else "")
    line = " \u00b7 ".join(part for part in parts if part)
    return f"- {line}" if "task_id" in row.metadata else line


def _collect(widget: Widget, lines: list[str]) -> None:
    if widget.type == "row":
        lines.append(_row_line(widget))
        return
    if widget.type in _TEXT_TYPES:
        lines.append(str(widget.props.get("text", "")))
    for child in widget.children:
        _collect(child, lines)
