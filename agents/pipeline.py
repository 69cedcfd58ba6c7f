"""The pipeline: understand → resolve → act → render, for one turn, in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from agents.act import act
from agents.actions import understand_action
from agents.render import render
from agents.resolve import resolve
from agents.types import Intent, TurnResult
from agents.understand import understand
from store.tasks import TaskRepository, task_to_dict

_TARGET_POOLS = {
    Intent.COMPLETE: False,  # complete among open tasks first
    Intent.REOPEN: True,  # reopen among completed tasks first
}


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
) -> TurnResult:
    """Run one turn for `user_id`. Task changes stay in `session` for the caller to commit.

    `memory` is the thread's agent memory (last list shown, last task mentioned) and is
    updated in place.
    """
    understanding = understand(text or "", now=now, tz=tz) if action is None else (
        understand_action(action)
    )
    repo = TaskRepository(session, user_id)
    pool: list[dict[str, Any]] = []
    if understanding.refs:
        everything = [task_to_dict(task) for task in repo.all()]
        preferred = _TARGET_POOLS.get(understanding.intent)
        pool = everything
        if preferred is not None and understanding.refs[0].title is not None:
            narrowed = [task for task in everything if task["completed"] is preferred]
            pool = narrowed or everything
    resolution = resolve(
        understanding,
        tasks=pool,
        last_list=memory.get("last_list", []),
        last_task=memory.get("last_task"),
    )
    outcome = act(resolution, repo=repo, now=now, tz=tz, memory=memory)
    return render(outcome, turn_id=turn_id)
