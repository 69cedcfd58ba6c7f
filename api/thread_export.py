"""Export a stored thread as one replay line whose expectations are the results it got.

Works on a sync session (the CLI) and, through `AsyncSession.run_sync`, in the API.
The ids are normalized exactly as the runner does, so export → replay round-trips.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.replay.format import Clock, Expectation, RawAction, ReplayThread, ReplayTurn
from core.replay.normalize import IdMap, expectation_fields
from store.models import Thread, Turn
from store.turns import turn_view
from widgets import walk_dicts

FINISHED = ("completed", "failed")


class ThreadNotFound(LookupError):
    """No thread with this id."""


class ThreadNotOwned(PermissionError):
    """The thread belongs to another user."""


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def export_thread(session: Session, thread_id: str, user_id: str | None = None) -> ReplayThread:
    """The thread as a replay thread. With `user_id`, only its owner may export it."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise ThreadNotFound(thread_id)
    if user_id is not None and thread.user_id != user_id:
        raise ThreadNotOwned(thread_id)
    rows = list(session.scalars(select(Turn).where(Turn.thread_id == thread_id)
                                .order_by(Turn.seq)))
    timezone = next((str((row.meta or {}).get("timezone")) for row in rows
                     if (row.meta or {}).get("timezone")), "UTC")
    start = rows[0].created_at if rows else thread.created_at
    ids = IdMap()
    history: list[dict[str, Any]] = []
    turns = []
    for index, row in enumerate(rows, 1):
        turns.append(_export_turn(row, index, timezone, start, ids, history))
    return ReplayThread(
        thread_id=thread.id, user=thread.user_id, timezone=timezone,
        clock=Clock(start=_iso(start), step_seconds=0),
        description=f"exported from thread {thread.id}", turns=turns,
    )


def _export_turn(row: Turn, index: int, timezone: str, start: dt.datetime, ids: IdMap,
                 history: list[dict[str, Any]]) -> ReplayTurn:
    metadata = {key: value for key, value in (row.meta or {}).items()
                if not (key == "timezone" and value == timezone)}
    fields: dict[str, Any] = {"metadata": metadata}
    if row.created_at != start:
        fields["at"] = _iso(row.created_at)
    if row.kind == "message":
        fields["say"] = row.input or ""
    else:
        action = row.action or {}
        widget_id = action.get("widget_id")
        # A click on a button this thread rendered replays as a click by its stable id; an
        # action naming ids no earlier turn produced replays verbatim.
        if isinstance(widget_id, str) and _rendered(history, widget_id):
            fields["click"] = ids.normalize_text(widget_id, learn=False)
        else:
            fields["action"] = RawAction(type=str(action.get("type", "")),
                                         widget_id=widget_id,
                                         payload=ids.normalize(action.get("payload") or {},
                                                               learn=False))
    ids.register(row.id, f"{{turn#{index}}}")
    if row.status in FINISHED:
        view = turn_view(row)
        history.append(view)
        fields["expect"] = Expectation(**expectation_fields(view, ids))
    return ReplayTurn(**fields)


def _rendered(history: list[dict[str, Any]], widget_id: str) -> bool:
    return any(node.get("id") == widget_id and isinstance(
        (node.get("props") or {}).get("action"), dict)
        for view in history for node in walk_dicts(view.get("widgets") or []))
