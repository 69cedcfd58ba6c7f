"""The pipeline: understand → resolve → act → render, for one turn, in one transaction.

A widget action is interpreted (agents/actions.py), carried out, and answered with trees
that replace the card the click came from: `TurnResult.replaces` names that card.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agents.act import act, cancel, confirm, decode_cursor, list_tasks, refresh_list, undo
from agents.actions import ActionPlan, UnknownAction, interpret_action
from agents.render import finish, list_card, render, summary
from agents.resolve import NEEDS_TARGETS as _NEEDS_TARGETS
from agents.resolve import resolve
from agents.types import Intent, Outcome, Resolution, TurnResult, Understanding
from agents.understand import understand
from store.actions import Offer, get_offer, record_offers
from store.models import Task
from store.tasks import TaskRepository, task_to_dict

LIST_CARD_ID = "task_list_card"

_TARGET_POOLS = {
    Intent.COMPLETE: False,  # complete among open tasks first
    Intent.REOPEN: True,  # reopen among completed tasks first
}


class Turn:
    """The context one turn runs in: the user's tasks, the clock, the thread's memory."""

    def __init__(
        self,
        repo: TaskRepository,
        *,
        turn_id: str,
        now: dt.datetime,
        tz: ZoneInfo,
        memory: dict[str, Any],
    ) -> None:
        self.repo = repo
        self.turn_id = turn_id
        self.now = now
        self.tz = tz
        self.memory = memory

    def carry_out(self, understanding: Understanding) -> Outcome:
        """Resolve and act on an understanding."""
        return act(
            self.resolve(understanding),
            repo=self.repo,
            now=self.now,
            tz=self.tz,
            memory=self.memory,
            turn_id=self.turn_id,
        )

    def resolve(self, understanding: Understanding) -> Resolution:
        """Resolve the understanding's references, reading only the tasks they can mean.

        Ids, pronouns and positions are checked by id; titles are matched against a
        bounded candidate set found in SQL (see `TaskRepository.title_candidates`), so
        resolving does not get slower as the user's task count grows.
        """
        last_list = self.memory.get("last_list", [])
        last_task = self.memory.get("last_task")
        refs = understanding.refs
        if not refs or understanding.intent not in _NEEDS_TARGETS:
            return resolve(understanding, tasks=[], last_list=last_list, last_task=last_task)
        # Complete among open tasks first (reopen among completed ones), unless the user
        # has none of those at all.
        completed = _TARGET_POOLS.get(understanding.intent)
        if completed is not None and (
            refs[0].title is None or not self.repo.has_any(completed=completed)
        ):
            completed = None
        pointed: list[str] = []
        for ref in refs:
            if ref.task_id is not None:
                pointed.append(ref.task_id)
            elif ref.pronoun and isinstance(last_task, str):
                pointed.append(last_task)
            elif ref.position is not None:
                index = ref.position - 1 if ref.position > 0 else len(last_list) + ref.position
                if 0 <= index < len(last_list):
                    pointed.append(last_list[index])
        candidates: dict[str, Task] = {}
        for ref in refs:
            if ref.task_id is None and not ref.pronoun and ref.position is None:
                for task in self.repo.title_candidates(ref.title or "", completed=completed):
                    candidates.setdefault(task.id, task)
        # The order every list of the user's tasks has (creation): ties keep it.
        tasks = [task_to_dict(task) for task in sorted(
            candidates.values(), key=lambda task: (task.created_at, task.id))]
        return resolve(
            understanding,
            tasks=tasks,
            last_list=last_list,
            last_task=last_task,
            known=self.repo.existing_ids(pointed, completed=completed),
        )

    def render(self, outcome: Outcome, replaces: str | None = None) -> TurnResult:
        return render(outcome, turn_id=self.turn_id, now=self.now, tz=self.tz, replaces=replaces)


def run_turn(
    session: Session,
    *,
    user_id: str,
    turn_id: str,
    now: dt.datetime,
    tz: ZoneInfo,
    memory: dict[str, Any],
    text: str | None = None,
    action: dict[str, Any] | None = None,
    thread_id: str | None = None,
) -> TurnResult:
    """Run one turn for `user_id`. Task changes stay in `session` for the caller to commit.

    `memory` is the thread's agent memory (last list shown, last task mentioned, undo log,
    pending confirmations) and is updated in place. With `thread_id`, the buttons the
    result renders are indexed as the actions this thread offers (same transaction).
    Raises `widgets.WidgetError` when a tree breaks the schema.
    """
    turn = Turn(TaskRepository(session, user_id), turn_id=turn_id, now=now, tz=tz, memory=memory)
    if action is None:
        result = _run_text(turn, text or "")
    else:
        source = None
        widget_id = action.get("widget_id")
        if thread_id is not None and isinstance(widget_id, str):
            offer = get_offer(session, thread_id, widget_id)
            source = offer.card_id if offer is not None else None
        result = _run_action(turn, action, source)
    if thread_id is not None:
        record_offers(
            session, thread_id=thread_id, turn_id=turn_id, offers=offers_in(result.widgets), now=now
        )
    return result


def _run_text(turn: Turn, text: str) -> TurnResult:
    return turn.render(turn.carry_out(understand(text, now=turn.now, tz=turn.tz)))


def _run_action(turn: Turn, action: dict[str, Any], source: str | None) -> TurnResult:
    try:
        plan = interpret_action(action)
    except UnknownAction as error:
        return turn.render(
            Outcome(kind="stale", message=f"That button no longer works ({error})."),
            replaces=source,
        )
    if plan.kind == "suggestion":
        # Exactly as if typed: a new answer, appended (the card with the examples stays).
        return _run_text(turn, plan.text or "")
    if plan.kind == "list_page":
        try:
            flt, offset = decode_cursor(plan.cursor or "")
        except ValueError:
            return turn.render(
                Outcome(kind="stale", message="That page is gone; ask for your tasks again."),
                replaces=source,
            )
        outcome = list_tasks(
            turn.repo, flt, offset=offset, now=turn.now, tz=turn.tz, memory=turn.memory
        )
        return turn.render(outcome, replaces=source)
    outcome = _operate(turn, plan)
    if source == LIST_CARD_ID and outcome.kind not in ("ambiguous", "not_found"):
        # A click on the list card answers with the list card itself, refreshed, and a line
        # saying what changed (with its Undo): the frontend swaps it in place.
        listed = refresh_list(turn.repo, now=turn.now, tz=turn.tz, memory=turn.memory)
        card = list_card(
            listed,
            now=turn.now,
            tz=turn.tz,
            notice=summary(outcome),
            notice_change_id=outcome.change_id,
        )
        return finish([card], summary(outcome), LIST_CARD_ID)
    return turn.render(outcome, replaces=source)


def _operate(turn: Turn, plan: ActionPlan) -> Outcome:
    if plan.kind == "understanding" and plan.understanding is not None:
        return turn.carry_out(plan.understanding)
    if plan.kind == "undo":
        return undo(repo=turn.repo, memory=turn.memory, change_id=plan.change_id)
    if plan.kind == "confirm":
        return confirm(
            plan.confirmation_id or "",
            plan.operation or "",
            repo=turn.repo,
            memory=turn.memory,
            turn_id=turn.turn_id,
        )
    if plan.kind == "cancel":
        return cancel(plan.confirmation_id or "", plan.operation or "", memory=turn.memory)
    return Outcome(kind="unknown")


def offers_in(widgets: list[dict[str, Any]]) -> list[Offer]:
    """Every button of the trees, with the id of the card (root) it sits in."""
    offers: list[Offer] = []
    for card in widgets:
        stack = [card]
        while stack:
            node = stack.pop()
            if node["type"] == "button":
                declared = node["props"]["action"]
                offers.append(
                    Offer(node["id"], card["id"], declared["type"], dict(declared["payload"]))
                )
            stack.extend(node.get("children", []))
    return offers
