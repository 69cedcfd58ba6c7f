"""Widget actions (button clicks) as understandings: the click names its task exactly."""

from __future__ import annotations

from typing import Any

from agents.types import Intent, TaskRef, Understanding

# Action type → intent. `button_click` is the contract's generic form, whose
# `payload.action` says what the button does.
ACTION_INTENTS: dict[str, Intent] = {
    "task_complete": Intent.COMPLETE,
    "task_reopen": Intent.REOPEN,
    "task_delete": Intent.DELETE,
}
BUTTON_CLICK_ACTIONS: dict[str, Intent] = {
    "complete": Intent.COMPLETE,
    "reopen": Intent.REOPEN,
    "delete": Intent.DELETE,
}
ACTION_TYPES = (*ACTION_INTENTS, "button_click")


class UnknownAction(ValueError):
    """The action's type or payload names nothing this server offers."""


def understand_action(action: dict[str, Any]) -> Understanding:
    """The understanding equivalent to a click. Raises UnknownAction for what can't be done."""
    kind = action.get("type")
    payload = action.get("payload") or {}
    if kind == "button_click":
        intent = BUTTON_CLICK_ACTIONS.get(str(payload.get("action", "")))
    else:
        intent = ACTION_INTENTS.get(str(kind))
    if intent is None:
        raise UnknownAction(f"unknown action {kind!r}")
    task_id = payload.get("task_id")
    if not isinstance(task_id, str) or not task_id:
        raise UnknownAction("payload.task_id must be a task id")
    return Understanding(intent=intent, refs=(TaskRef(task_id=task_id),))
