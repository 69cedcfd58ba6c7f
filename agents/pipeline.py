"""The pipeline: understand → resolve → act → render, for one turn, in one transaction.

The understand stage is given (an `Understander`), never imported: `agents.run_turn` uses
the rule-based one in `agents.nlu`; another (an LLM) plugs in the same way.

A widget action is interpreted (agents/actions.py), carried out, and answered with trees
that replace the card the click came from: `TurnResult.replaces` names that card.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from agents import act
from agents.act import Limits, TurnContext
from agents.actions import ActionPlan, UnknownAction, interpret_action
from agents.intents import SPECS
from agents.memory import ThreadMemory
from agents.ports import TurnStores
from agents.render import LIST_CARD_ID, finish, list_card, render, summary
from agents.resolve import resolve
from agents.types import Intent, Outcome, Resolution, TurnResult, Understander, Understanding
from store.actions import Offer
from todos import task_dict
from widgets import walk_dicts


def run_turn(
    stores: TurnStores,
    *,
    turn_id: str,
    now: dt.datetime,
    tz: ZoneInfo,
    memory: dict[str, Any],
    understander: Understander,
    text: str | None = None,
    action: dict[str, Any] | None = None,
    limits: Limits | None = None,
) -> TurnResult:
    """Run one turn; its changes stay in the stores' unit of work for the caller to commit.

    `memory` is the thread's stored memory (`agents.memory.ThreadMemory` as JSON) and is
    updated in place. With `stores.offers`, the buttons the result renders are recorded
    as the actions the thread offers. Raises `widgets.WidgetError` when a tree breaks the
    schema.
    """
    thread_memory = ThreadMemory.load(memory)
    ctx = TurnContext(stores.tasks, thread_memory, now, tz, turn_id, limits or Limits())
    if action is None:
        result = _run_text(ctx, understander, text or "")
    else:
        widget_id = action.get("widget_id")
        source = None
        if stores.offers is not None and isinstance(widget_id, str):
            source = stores.offers.card_of(widget_id)
        result = _run_action(ctx, understander, action, source)
    if stores.offers is not None:
        stores.offers.record(turn_id, offers_in(result.widgets), now)
    memory.clear()
    memory.update(thread_memory.dump())
    return result


def _run_text(ctx: TurnContext, understander: Understander, text: str) -> TurnResult:
    understanding = understander(text, now=ctx.now, tz=ctx.tz, memory=ctx.memory)
    # A question waits one turn: this message answered it, or moved on.
    ctx.asked, ctx.memory.pending = ctx.memory.pending, None
    return _render(ctx, carry_out(ctx, understanding))


def _render(ctx: TurnContext, outcome: Outcome, replaces: str | None = None) -> TurnResult:
    return render(outcome, turn_id=ctx.turn_id, now=ctx.now, tz=ctx.tz, replaces=replaces)


def carry_out(ctx: TurnContext, understanding: Understanding) -> Outcome:
    """Resolve the understanding's references (when its intent names tasks) and act."""
    spec = SPECS[understanding.intent]
    mentions = understanding.mentions
    if mentions and not spec.needs_targets:
        # Talk or a bare add that names a task of the user's by its things ("the faucet
        # doesn't drip anymore", "new tires are on the car"): news about that task.
        news = Understanding(intent=mentions[0].intent, mentions=mentions,
                             rule="fallback.mention")  # fmt: skip
        resolution = resolve_references(ctx, news, completed=False)
        intent = resolution.understanding.intent
        if len(resolution.targets) == 1 and not resolution.ambiguous:
            return SPECS[intent].act(ctx, resolution)
        if resolution.ambiguous and understanding.intent is Intent.UNKNOWN:
            candidates = [task_dict(row) for row in ctx.repo.get_many(resolution.ambiguous)]
            return Outcome(kind="ambiguous", tasks=candidates, intent=intent.value)
    if not spec.needs_targets:
        return spec.act(ctx, Resolution(understanding=understanding))
    if len(understanding.refs) > ctx.limits.max_targets:
        return Outcome(kind="nothing_to_do", message=f"One message can name at most "
                       f"{ctx.limits.max_targets} tasks; please split it up.")
    resolution = resolve_references(ctx, understanding, completed=spec.pool)
    if resolution.ambiguous:
        candidates = [task_dict(row) for row in ctx.repo.get_many(resolution.ambiguous)]
        return Outcome(kind="ambiguous", tasks=candidates, intent=understanding.intent.value,
                       changes=_builtins(understanding.changes))
    if resolution.missing or not resolution.targets:
        return Outcome(kind="not_found", names=resolution.missing,
                       message=", ".join(resolution.suggestions) or None)
    # The resolver may read it anew ("X is scheduled for <date>" of "schedule X": done).
    return SPECS[resolution.understanding.intent].act(ctx, resolution)


def _builtins(changes: Any) -> dict[str, Any] | None:
    return msgspec.to_builtins(changes) if changes is not None else None


def resolve_references(
    ctx: TurnContext, understanding: Understanding, *, completed: bool | None
) -> Resolution:
    """Resolve the references, reading only the tasks they can mean.

    Ids, pronouns and positions are checked by id; titles are matched against one bounded
    candidate set for the whole message (`TaskRepository.title_candidates`), so resolving
    costs the same however many tasks the user has. Titles are looked for among open
    tasks first to complete (completed ones to reopen), unless the user has none of those.
    """
    memory = ctx.memory
    refs = understanding.refs
    titles = [ref.title or "" for ref in refs
              if ref.task_id is None and not ref.pronoun and ref.position is None]
    for mention in understanding.mentions:
        titles += mention.refs
    if completed is not None and (not titles or not ctx.repo.has_any(completed=completed)):
        completed = None
    pointed: list[str] = []
    for ref in refs:
        if ref.task_id is not None:
            pointed.append(ref.task_id)
        elif ref.pronoun and memory.last_task is not None:
            pointed.append(memory.last_task)
        elif ref.position is not None:
            last_list = memory.last_list
            index = ref.position - 1 if ref.position > 0 else len(last_list) + ref.position
            if 0 <= index < len(last_list):
                pointed.append(last_list[index])
    rows = ctx.repo.title_candidates(titles, completed=completed) if titles else []
    # The order every list of the user's tasks has (creation): ties keep it.
    tasks = [task_dict(row) for row in rows]
    return resolve(
        understanding,
        tasks=tasks,
        last_list=memory.last_list,
        last_task=memory.last_task,
        known=ctx.repo.existing_ids(pointed, completed=completed),
    )


def _run_action(
    ctx: TurnContext, understander: Understander, action: dict[str, Any], source: str | None
) -> TurnResult:
    try:
        plan = interpret_action(action)
    except UnknownAction as error:
        return _render(ctx, Outcome(kind="stale", message=f"That button no longer works "
                                    f"({error})."), replaces=source)
    if plan.kind == "suggestion":
        # Exactly as if typed: a new answer, appended (the card with the examples stays).
        return _run_text(ctx, understander, plan.text or "")
    if plan.kind == "list_page":
        try:
            flt, offset = act.read_list_cursor(plan.cursor or "")
        except ValueError:
            return _render(ctx, Outcome(kind="stale", message="That page is gone; ask for "
                                        "your tasks again."), replaces=source)
        return _render(ctx, act.list_tasks(ctx, flt, offset=offset), replaces=source)
    outcome = _operate(ctx, plan)
    if source == LIST_CARD_ID and outcome.kind not in ("ambiguous", "not_found"):
        # A click on the list card answers with the list card itself, refreshed, and a line
        # saying what changed (with its Undo): the frontend swaps it in place.
        card = list_card(act.refresh_list(ctx), now=ctx.now, tz=ctx.tz,
                         notice=summary(outcome), notice_change_id=outcome.change_id)
        return finish([card], summary(outcome), LIST_CARD_ID)
    return _render(ctx, outcome, replaces=source)


def _operate(ctx: TurnContext, plan: ActionPlan) -> Outcome:
    if plan.kind == "understanding" and plan.understanding is not None:
        return carry_out(ctx, plan.understanding)
    if plan.kind == "undo":
        return act.undo(ctx, plan.change_id)
    if plan.kind == "confirm":
        return act.confirm(ctx, plan.confirmation_id or "", plan.operation or "")
    if plan.kind == "cancel":
        return act.cancel(ctx, plan.confirmation_id or "", plan.operation or "")
    return Outcome(kind="unknown")


def offers_in(widgets: list[dict[str, Any]]) -> list[Offer]:
    """Every button of the trees, with the id of the card (root) it sits in."""
    offers: list[Offer] = []
    for card in widgets:
        for node in walk_dicts([card]):
            if node["type"] == "button":
                declared = node["props"]["action"]
                offers.append(
                    Offer(node["id"], card["id"], declared["type"], dict(declared["payload"])))
    return offers
