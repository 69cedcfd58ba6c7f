"""What each intent needs and which act handler carries it out: one row per intent.

- `needs_targets`: the intent names existing tasks, resolved before it acts (and it
  changes nothing unless every reference resolved);
- `choosable`: a "which one did you mean?" card may offer it on each candidate;
- `pool`: among which tasks a title is looked for first (open ones to complete, completed
  ones to reopen; None: all);
- `act`: the handler in `agents.act`. Its outcome's kind picks the renderer
  (`agents.render.RENDERERS`).

Adding an intent: its phrasings (agents/nlu), one row here, a handler, a renderer, tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents import act
from agents.types import Intent, Outcome, Resolution

Handler = Callable[[act.TurnContext, Resolution], Outcome]


@dataclass(frozen=True)
class IntentSpec:
    act: Handler
    needs_targets: bool = False
    choosable: bool = False
    pool: bool | None = None  # True: completed tasks first; False: open ones first


SPECS: dict[Intent, IntentSpec] = {
    Intent.ADD: IntentSpec(act.add),
    Intent.LIST: IntentSpec(act.show_list),
    Intent.COMPLETE: IntentSpec(act.complete, needs_targets=True, choosable=True, pool=False),
    Intent.REOPEN: IntentSpec(act.reopen, needs_targets=True, choosable=True, pool=True),
    Intent.DELETE: IntentSpec(act.delete, needs_targets=True, choosable=True),
    Intent.UPDATE: IntentSpec(act.update, needs_targets=True, choosable=True),
    Intent.CLEAR_COMPLETED: IntentSpec(act.request_confirmation),
    Intent.DELETE_ALL: IntentSpec(act.request_confirmation),
    Intent.UNDO: IntentSpec(act.undo_last),
    Intent.SUMMARY: IntentSpec(act.summary),
    Intent.CLARIFY: IntentSpec(act.ask),
    Intent.DISMISS: IntentSpec(act.dismiss),
    Intent.HELP: IntentSpec(act.simple),
    Intent.GREETING: IntentSpec(act.simple),
    Intent.THANKS: IntentSpec(act.simple),
    Intent.UNKNOWN: IntentSpec(act.simple),
}


def spec(intent: Intent) -> IntentSpec:
    return SPECS[intent]
