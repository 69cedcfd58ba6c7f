"""The action vocabulary a client may send: which types exist and what `button_click` means.

The API checks a click against it (and against the buttons the thread rendered) before a
turn is stored; the agent interprets the click later. Imports nothing else of ours.
"""

from __future__ import annotations

from typing import Any

from widgets.schema import ACTION_TYPES

__all__ = ["ACTION_TYPES", "BUTTON_CLICK_ACTIONS", "UnknownAction", "canonical_action"]

# The contract's generic `button_click` carries what the button does in `payload.action`.
BUTTON_CLICK_ACTIONS: dict[str, str] = {
    "complete": "task_complete",
    "reopen": "task_reopen",
    "delete": "task_delete",
}


class UnknownAction(ValueError):
    """The action's type or payload names nothing this server offers."""


def canonical_action(kind: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The offered (type, payload) a click stands for: `button_click` maps to its task
    action (`{"action": "complete", "task_id": X}` → `task_complete {"task_id": X}`)."""
    if kind == "button_click":
        mapped = BUTTON_CLICK_ACTIONS.get(str(payload.get("action", "")))
        if mapped is None:
            raise UnknownAction("payload.action must be one of " + ", ".join(BUTTON_CLICK_ACTIONS))
        return mapped, {key: value for key, value in payload.items() if key != "action"}
    return kind, payload
