"""Render stage: choose the widget trees and plain-text answer for an outcome.

Every tree is validated here before it can be stored; a tree that breaks the schema is a
bug and raises `WidgetError` (the turn fails with WIDGET_ERROR, nothing is sent).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from agents.types import Outcome, OutcomeKind, TurnResult
from todos import is_overdue
from widgets import (
    Widget,
    WidgetError,
    choose_task_card,
    confirm_card,
    error_card,
    help_card,
    message_card,
    task_list_card,
    tasks_changed_card,
    to_builtins,
    to_text,
    validate,
)

__all__ = ["LIST_CARD_ID", "RENDERERS", "WidgetError", "finish", "render", "render_failure"]

LIST_CARD_ID = "task_list_card"

_UTC = ZoneInfo("UTC")
_VERBS = {
    "added": "Added",
    "completed": "Completed",
    "reopened": "Reopened",
    "deleted": "Deleted",
    "updated": "Updated",
}


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"\u201c{name}\u201d" for name in names)


def due_label(due: str, now: dt.datetime, tz: ZoneInfo) -> str:
    """A short human date relative to today: "today", "tomorrow 17:00", "Fri", "Dec 5"."""
    if "T" in due:
        moment = dt.datetime.fromisoformat(due)
        with contextlib.suppress(OverflowError):  # stored before due dates were bounded
            moment = moment.astimezone(tz)
        day, clock = moment.date(), f" {moment:%H:%M}"
    else:
        day, clock = dt.date.fromisoformat(due), ""
    today = now.astimezone(tz).date()
    delta = (day - today).days
    if delta == 0:
        name = "today"
    elif delta == 1:
        name = "tomorrow"
    elif delta == -1:
        name = "yesterday"
    elif 1 < delta < 7:
        name = f"{day:%a}"
    elif day.year == today.year:
        name = f"{day:%b} {day.day}"
    else:
        name = f"{day:%b} {day.day}, {day.year}"
    return name + clock


def decorate(
    tasks: Sequence[dict[str, Any]], now: dt.datetime | None, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Tasks with the `overdue` flag and `due_label` the builders show (needs the clock)."""
    if now is None:
        return [dict(task) for task in tasks]
    return [
        {
            **task,
            "overdue": is_overdue(task, now, tz),
            **({"due_label": due_label(task["due"], now, tz)} if task.get("due") else {}),
        }
        for task in tasks
    ]


def summary(outcome: Outcome) -> str:
    """One sentence saying what the outcome did ("Completed “milk”.")."""
    verb = _VERBS.get(outcome.kind)
    if verb:
        line = f"{verb}: {_quoted([task['title'] for task in outcome.tasks])}."
        return f"{line} {outcome.detail}" if outcome.detail else line
    return outcome.message or ""


def finish(
    cards: Sequence[Widget], text: str | None = None, replaces: str | None = None
) -> TurnResult:
    """Validate the trees and package them with their plain text (derived when not given)."""
    for card in cards:
        validate(card)
    if text is None:
        text = "\n\n".join(to_text(card) for card in cards)
    return TurnResult(text=text, widgets=[to_builtins(card) for card in cards], replaces=replaces)


def list_card(
    outcome: Outcome,
    *,
    now: dt.datetime | None,
    tz: ZoneInfo,
    notice: str | None = None,
    notice_change_id: str | None = None,
) -> Widget:
    """The task list card of a `listed` outcome, optionally carrying a notice and Undo."""
    return task_list_card(
        decorate(outcome.tasks, now, tz),
        heading=outcome.heading or "Your Tasks",
        total=outcome.total,
        offset=outcome.offset,
        next_cursor=outcome.next_cursor,
        notice=notice,
        notice_change_id=notice_change_id,
    )


Renderer = Callable[[Outcome, "Answer"], TurnResult]


class Answer(NamedTuple):
    """What every renderer knows besides the outcome: the turn and the user's clock."""

    turn_id: str
    now: dt.datetime | None
    tz: ZoneInfo
    replaces: str | None


def _listed(outcome: Outcome, a: Answer) -> TurnResult:
    return finish([list_card(outcome, now=a.now, tz=a.tz)], replaces=a.replaces)


def _changed(outcome: Outcome, a: Answer) -> TurnResult:
    card = tasks_changed_card(_VERBS[outcome.kind], decorate(outcome.tasks, a.now, a.tz),
                              turn_id=a.turn_id, change_id=outcome.change_id,
                              detail=outcome.detail)
    return finish([card], summary(outcome), a.replaces)


def _ambiguous(outcome: Outcome, a: Answer) -> TurnResult:
    card = choose_task_card(decorate(outcome.tasks, a.now, a.tz), turn_id=a.turn_id,
                            intent=outcome.intent or "complete", changes=outcome.changes)
    text = "Which one did you mean? " + _quoted([t["title"] for t in outcome.tasks])
    return finish([card], text, a.replaces)


def _confirm(outcome: Outcome, a: Answer) -> TurnResult:
    card = confirm_card(confirmation_id=outcome.confirmation_id or a.turn_id,
                        operation=outcome.operation or "delete_all", tasks=outcome.tasks)
    return finish([card], replaces=a.replaces)


_INTROS = {
    "help": None,
    "greeting": "Hi! Here's what I can do",
    "unknown": "Sorry, I didn't understand that. Here's what I can do",
}


def _help(outcome: Outcome, a: Answer) -> TurnResult:
    card = help_card(card_id=f"{outcome.kind}_card_{a.turn_id}", intro=_INTROS[outcome.kind])
    return finish([card], replaces=a.replaces)


def _message(text: str, outcome: Outcome, a: Answer,
             suggestions: tuple[str, ...] = ()) -> TurnResult:
    card = message_card(text, card_id=f"{outcome.kind}_card_{a.turn_id}",
                        change_id=outcome.change_id, suggestions=suggestions)
    return finish([card], text, a.replaces)


def _not_found(outcome: Outcome, a: Answer) -> TurnResult:
    text = f"I couldn't find {_quoted(outcome.names) or 'that task'}."
    if outcome.message:
        text += f" Did you mean: {outcome.message}?"
    return _message(text, outcome, a, ("show my tasks",))


def _thanks(outcome: Outcome, a: Answer) -> TurnResult:
    return _message("You're welcome!", outcome, a)


def _clarify(outcome: Outcome, a: Answer) -> TurnResult:
    # The answer is the next message; "never mind" drops the question.
    return _message(outcome.message or "What should I add?", outcome, a, ("never mind",))


def _summary(outcome: Outcome, a: Answer) -> TurnResult:
    c = outcome.counts
    if not c.get("open") and not c.get("completed"):
        text = "You have no tasks yet."
    else:
        text = f"You have {_count(c.get('open', 0), 'open task')}"
        if c.get("overdue"):
            text += f", {c['overdue']} overdue"
        if c.get("due_today"):
            text += f", {c['due_today']} due today"
        text += f"; {c.get('completed', 0)} done."
    return _message(text, outcome, a, ("show my tasks", "what's overdue"))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _plain(outcome: Outcome, a: Answer) -> TurnResult:
    return _message(outcome.message or "Done.", outcome, a)


# Outcome kind → renderer. Kinds not listed (cleared, cancelled, undone, nothing_to_undo,
# stale, nothing_to_do, dismissed) say their message on a plain card.
RENDERERS: dict[OutcomeKind, Renderer] = {
    "listed": _listed,
    **dict.fromkeys(("added", "completed", "reopened", "deleted", "updated"), _changed),
    "ambiguous": _ambiguous,
    "confirm": _confirm,
    "help": _help,
    "greeting": _help,
    "unknown": _help,
    "not_found": _not_found,
    "thanks": _thanks,
    "clarify": _clarify,
    "summary": _summary,
}


def render(
    outcome: Outcome,
    *,
    turn_id: str,
    now: dt.datetime | None = None,
    tz: ZoneInfo = _UTC,
    replaces: str | None = None,
) -> TurnResult:
    """Widget trees (plain dicts, validated) and a short text for the outcome of one turn."""
    renderer = RENDERERS.get(outcome.kind, _plain)
    return renderer(outcome, Answer(turn_id, now, tz, replaces))


def render_failure(message: str, *, turn_id: str) -> TurnResult:
    """The answer for a turn that failed: the reason, and that later messages still work."""
    text = f"{message} Your other messages are not affected; please try again."
    return finish([error_card(text, turn_id=turn_id)], text)
