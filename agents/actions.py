"""Widget actions (button clicks): what each offered action type asks the pipeline to do.

The API has already checked that the click matches a button this thread rendered, so a
payload here names its task, change, cursor or confirmation exactly.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from agents.intents import SPECS
from agents.types import Intent, TaskChanges, TaskRef, Understanding
from widgets.actions import UnknownAction, canonical_action

# Action type → intent for the task buttons. `button_click` is the contract's generic
# form, whose `payload.action` says what the button does.
ACTION_INTENTS: dict[str, Intent] = {
    "task_complete": Intent.COMPLETE,
    "task_reopen": Intent.REOPEN,
    "task_delete": Intent.DELETE,
}

PlanKind = Literal["understanding", "undo", "list_page", "confirm", "cancel", "suggestion"]


class ActionPlan(msgspec.Struct, frozen=True, kw_only=True):
    """What a click asks for: an understanding (task buttons, `choose`) or one of the
    widget-only operations, with the one value each needs."""

    kind: PlanKind
    understanding: Understanding | None = None
    change_id: str | None = None
    cursor: str | None = None
    confirmation_id: str | None = None
    operation: str | None = None
    text: str | None = None


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise UnknownAction(f"payload.{key} must be a non-empty string")
    return value


def interpret_action(action: dict[str, Any]) -> ActionPlan:
    """The plan for a click. Raises UnknownAction for what can't be done."""
    kind, payload = canonical_action(str(action.get("type")), action.get("payload") or {})
    if kind in ACTION_INTENTS:
        ref = TaskRef(task_id=_text(payload, "task_id"))
        return ActionPlan(
            kind="understanding",
            understanding=Understanding(intent=ACTION_INTENTS[kind], refs=(ref,)),
        )
    if kind == "choose":
        try:
            intent = Intent(_text(payload, "intent"))
        except ValueError:
            raise UnknownAction("payload.intent is not an intent") from None
        if not SPECS[intent].choosable:
            raise UnknownAction(f"cannot choose a task to {intent.value}")
        try:
            changes = msgspec.convert(payload.get("changes") or {}, TaskChanges)
        except msgspec.ValidationError as error:
            raise UnknownAction(f"payload.changes: {error}") from None
        understanding = Understanding(
            intent=intent,
            refs=(TaskRef(task_id=_text(payload, "task_id")),),
            changes=changes if intent is Intent.UPDATE else None,
        )
        return ActionPlan(kind="understanding", understanding=understanding)
    if kind == "undo":
        return ActionPlan(kind="undo", change_id=_text(payload, "change_id"))
    if kind == "list_page":
        return ActionPlan(kind="list_page", cursor=_text(payload, "cursor"))
    if kind in ("confirm", "cancel"):
        return ActionPlan(
            kind="confirm" if kind == "confirm" else "cancel",
            confirmation_id=_text(payload, "confirmation_id"),
            operation=_text(payload, "operation"),
        )
    if kind == "suggestion":
        return ActionPlan(kind="suggestion", text=_text(payload, "text"))
    raise UnknownAction(f"unknown action {kind!r}")

