"""Render stage: choose the widget trees and plain-text answer for an outcome."""

from __future__ import annotations

from agents.types import Outcome, TurnResult
from widgets import Widget, message_card, task_list_card, tasks_changed_card, to_builtins, to_text

HELP_TEXT = (
    "I keep your todo list. Try: \u201cadd buy milk tomorrow p2 #home\u201d, "
    "\u201cshow my tasks\u201d, \u201ccomplete buy milk\u201d, \u201cdelete buy milk\u201d."
)


def _quoted(names: list[str]) -> str:
    return ", ".join(f"\u201c{name}\u201d" for name in names)


def render(outcome: Outcome, *, turn_id: str) -> TurnResult:
    """Widget trees (plain dicts) and a short text for the outcome of one turn."""
    card: Widget
    kind = outcome.kind
    if kind == "listed":
        card = task_list_card(outcome.tasks, heading=outcome.heading or "Your Tasks")
        count = len(outcome.tasks)
        text = f"{outcome.heading or 'Your Tasks'}: {count} task{'s' if count != 1 else ''}."
        if count:
            text += "\n" + "\n".join(
                f"{i}. {task['title']}" + (" (done)" if task["completed"] else "")
                for i, task in enumerate(outcome.tasks, 1)
            )
        return TurnResult(text=text, widgets=[to_builtins(card)])
    if kind in ("added", "completed", "reopened", "deleted", "updated"):
        verb = kind.capitalize()
        card = tasks_changed_card(verb, outcome.tasks, turn_id=turn_id)
        return TurnResult(text=to_text(card).split("\n")[0] + ".", widgets=[to_builtins(card)])
    if kind == "not_found":
        text = f"I couldn't find {_quoted(outcome.names) or 'that task'}."
        if outcome.message:
            text += f" Did you mean: {outcome.message}?"
    elif kind == "ambiguous":
        text = "Which one did you mean? " + _quoted([t["title"] for t in outcome.tasks])
    elif kind == "cleared":
        text = outcome.message or "Done."
    elif kind == "greeting":
        text = "Hi! " + HELP_TEXT
    elif kind == "thanks":
        text = "You're welcome!"
    elif kind == "help":
        text = HELP_TEXT
    elif kind == "nothing_to_do":
        text = outcome.message or "Nothing to do."
    else:
        text = "Sorry, I didn't understand that. " + HELP_TEXT
    card = message_card(text, card_id=f"{kind}_card_{turn_id}")
    return TurnResult(text=text, widgets=[to_builtins(card)])


def render_failure(message: str, *, turn_id: str) -> TurnResult:
    """The answer for a turn that failed: the reason, and that later messages still work."""
    text = f"{message} Your other messages are not affected; please try again."
    card = message_card(text, card_id=f"error_card_{turn_id}")
    return TurnResult(text=text, widgets=[to_builtins(card)])
