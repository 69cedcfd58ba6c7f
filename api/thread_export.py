"""Export a stored thread as one replay line whose expectations are the results it got.

Works on a sync session: the CLI's, and the API's in a worker thread (it is CPU work that
must not hold the event loop). Linear in the thread's length; `export_chunks` streams it.
The ids are normalized exactly as the runner does, so export → replay round-trips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
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
    header, turns = _export(session, thread_id, user_id)
    return msgspec.structs.replace(header, turns=list(turns))


def export_chunks(session: Session, thread_id: str, user_id: str | None = None,
                  *, batch: int = 200) -> Iterator[bytes]:
    """`export_thread`'s JSON, byte for byte, in pieces of `batch` turns.

    Rows are read in batches and each turn is encoded as soon as it is made, so memory
    does not grow with the thread (beyond the ids seen, which replay needs to map).
    """
    header, turns = _export(session, thread_id, user_id)
    # `turns` is the struct's last field: its encoding ends with `"turns":[]}`.
    empty = msgspec.json.encode(header)
    opening, closing = empty[:-len(b"]}")], b"]}"
    pending = [opening]
    for number, turn in enumerate(turns):
        if number:
            pending.append(b",")
        pending.append(msgspec.json.encode(turn))
        if len(pending) >= 2 * batch:
            yield b"".join(pending)
            pending = []
    pending.append(closing)
    yield b"".join(pending)


_READ_BATCH = 500


def _export(session: Session, thread_id: str, user_id: str | None
            ) -> tuple[ReplayThread, Iterator[ReplayTurn]]:
    """The thread's header (no turns yet) and its turns, made one by one as rows arrive."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise ThreadNotFound(thread_id)
    if user_id is not None and thread.user_id != user_id:
        raise ThreadNotOwned(thread_id)
    of_thread = Turn.thread_id == thread_id
    first = session.scalar(select(Turn.created_at).where(of_thread).order_by(Turn.seq).limit(1))
    # The first turn that names a time zone (usually the first turn): a scan of one small
    # column, stopped as soon as it is found.
    timezone = "UTC"
    for meta in session.scalars(select(Turn.meta).where(of_thread).order_by(Turn.seq)
                                .execution_options(yield_per=_READ_BATCH)):
        if (meta or {}).get("timezone"):
            timezone = str(meta["timezone"])
            break
    start = first if first is not None else thread.created_at
    header = ReplayThread(
        thread_id=thread.id, user=thread.user_id, timezone=timezone,
        clock=Clock(start=_iso(start), step_seconds=0),
        description=f"exported from thread {thread.id}", turns=[],
    )
    rows = session.scalars(select(Turn).where(of_thread).order_by(Turn.seq)
                           .execution_options(yield_per=_READ_BATCH))
    return header, _export_turns(rows, timezone, start)


def _export_turns(rows: Iterable[Turn], timezone: str, start: dt.datetime
                  ) -> Iterator[ReplayTurn]:
    ids = IdMap()
    # Widget ids of the buttons rendered so far (with an action): a click on one of them
    # replays as a click. A set, not a walk over every earlier answer per click: that
    # made exporting quadratic in the thread's length (4,000 turns: 28 s).
    rendered: set[str] = set()
    for index, row in enumerate(rows, 1):
        yield _export_turn(row, index, timezone, start, ids, rendered)


def _export_turn(row: Turn, index: int, timezone: str, start: dt.datetime, ids: IdMap,
                 rendered: set[str]) -> ReplayTurn:
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
        if isinstance(widget_id, str) and widget_id in rendered:
            fields["click"] = ids.normalize_text(widget_id, learn=False)
        else:
            fields["action"] = RawAction(type=str(action.get("type", "")),
                                         widget_id=widget_id,
                                         payload=ids.normalize(action.get("payload") or {},
                                                               learn=False))
    ids.register(row.id, f"{{turn#{index}}}")
    if row.status in FINISHED:
        view = turn_view(row)
        rendered.update(node["id"] for node in walk_dicts(view.get("widgets") or [])
                        if isinstance(node.get("id"), str)
                        and isinstance((node.get("props") or {}).get("action"), dict))
        fields["expect"] = Expectation(**expectation_fields(view, ids))
    return ReplayTurn(**fields)
