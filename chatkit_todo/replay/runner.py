"""Replaying threads: each turn is sent, its result awaited, normalized and compared.

A driver carries turns to the product: `InProcessDriver` (a temporary SQLite database,
`TurnIntake` with a frozen clock per thread, turns drained inline or by an embedded
Celery worker) or `HttpDriver` (a running deployment's API, fresh thread ids).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import traceback
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec

from chatkit_todo.replay.diff import ABSENT, Difference, diff
from core.replay.format import (
    ButtonSelector,
    Expectation,
    ReplayThread,
    ReplayTurn,
    parse_instant,
)
from core.replay.normalize import IdMap, expectation_fields, mask_dates
from widgets import walk_dicts

FINAL_STATUSES = ("completed", "failed")


class Rejected(Exception):
    """The product refused the request (4xx); `body` is its error envelope."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.body = body


def harness_error(message: str) -> dict[str, Any]:
    """An envelope for what the harness, not the product, could not do."""
    return {"error": {"type": "REPLAY_ERROR", "message": message, "code": 0}}


class ThreadSession(Protocol):
    """One thread's connection to the product, as a driver opens it."""

    thread_id: str  # the id the product sees (a deployment's gets a suffix)
    user_id: str

    async def message(self, text: str, metadata: dict[str, Any], at: dt.datetime) -> str:
        """Send a message; returns its turn id. Raises Rejected on a 4xx."""

    async def action(self, action: dict[str, Any], metadata: dict[str, Any],
                     at: dt.datetime) -> str:
        """Send an action; returns its turn id. Raises Rejected on a 4xx."""

    async def result(self, turn_id: str, kind: str) -> dict[str, Any]:
        """The turn's final result view (store.turns.turn_view's shape)."""


class Driver(Protocol):
    """Opens thread sessions. `exact_clock` is False when the product's clock runs free."""

    exact_clock: bool

    def open(self, thread: ReplayThread) -> AbstractAsyncContextManager[ThreadSession]: ...


@dataclass
class TurnOutcome:
    """One replayed turn: its label, what was expected, what happened, where they differ."""

    index: int
    label: str
    expected: Expectation | None
    actual: Expectation
    differences: list[Difference]
    latency_s: float

    @property
    def matched(self) -> bool:
        return not self.differences


@dataclass
class ThreadOutcome:
    """One replayed thread, in the order of the input files."""

    file: Path
    thread: ReplayThread
    turns: list[TurnOutcome] = field(default_factory=list)
    crashed: str | None = None  # set when the harness could not replay the thread at all

    @property
    def passed(self) -> bool:
        return all(turn.matched for turn in self.turns)

    @property
    def first_mismatch(self) -> TurnOutcome | None:
        return next((turn for turn in self.turns if not turn.matched), None)

    def updated(self) -> ReplayThread:
        """The thread with every turn's expectation replaced by what this run got."""
        turns = [replace_expectation(turn, outcome.actual)
                 for turn, outcome in zip(self.thread.turns, self.turns, strict=True)]
        return _copy(self.thread, turns=turns)


def _copy(struct: Any, **changes: Any) -> Any:
    return msgspec.structs.replace(struct, **changes)


def replace_expectation(turn: ReplayTurn, expectation: Expectation) -> ReplayTurn:
    """The same turn expecting this result."""
    return msgspec.structs.replace(turn, expect=expectation)


def _node_action(node: Mapping[str, Any]) -> dict[str, Any] | None:
    props = node.get("props")
    action = props.get("action") if isinstance(props, Mapping) else None
    return action if isinstance(action, dict) and isinstance(action.get("type"), str) else None


def _selector_matches(selector: ButtonSelector, node: Mapping[str, Any],
                      action: dict[str, Any], ids: IdMap) -> bool:
    if selector.action is not None and action["type"] != selector.action:
        return False
    label = (node.get("props") or {}).get("text")
    if selector.text is not None and (not isinstance(label, str)
                                      or label.casefold() != selector.text.casefold()):
        return False
    if selector.payload:
        payload = ids.normalize(action.get("payload") or {}, learn=False)
        if any(payload.get(key) != value for key, value in selector.payload.items()):
            return False
    return True


def find_button(history: list[tuple[int, dict[str, Any]]], click: str | ButtonSelector,
                ids: IdMap) -> dict[str, Any] | None:
    """The action a click sends: the latest earlier button with this normalized id (or
    matching this selector), as `{type, widget_id, payload}` with the real ids."""
    for number, view in reversed(history):
        if isinstance(click, ButtonSelector) and click.turn not in (None, number):
            continue
        for node in reversed(list(walk_dicts(view.get("widgets") or []))):
            action = _node_action(node)
            if action is None or not isinstance(node.get("id"), str):
                continue
            if isinstance(click, str):
                hit = ids.normalize_text(node["id"], learn=False) == click
            else:
                hit = _selector_matches(click, node, action, ids)
            if hit:
                return {"type": action["type"], "widget_id": node["id"],
                        "payload": action.get("payload") or {}}
    return None


def compare(expected: Expectation | None, actual: Expectation,
            *, ignore_dates: bool = False) -> list[Difference]:
    """Where the actual result departs from the expectation (all of it when none exists)."""
    if expected is None:
        return [Difference("(no expectation recorded: run with --update)", ABSENT,
                           actual.as_dict())]
    want, got = expected.as_dict(), actual.as_dict()
    if ignore_dates:
        want, got = mask_dates(want), mask_dates(got)
    return diff(want, got)


async def replay_thread(driver: Driver, thread: ReplayThread, file: Path) -> ThreadOutcome:
    """Replay one thread's turns in order and compare each with its expectation."""
    outcome = ThreadOutcome(file=file, thread=thread)
    ids = IdMap()
    history: list[tuple[int, dict[str, Any]]] = []
    async with driver.open(thread) as session:
        # The names a run gives the thread and its user read as the file's names.
        ids.register(session.thread_id, thread.thread_id)
        ids.register(session.user_id, thread.user)
        for index, turn in enumerate(thread.turns, 1):
            at = parse_instant(turn.at) if turn.at else thread.clock.at(index - 1)
            metadata = {"timezone": thread.timezone, **turn.metadata}
            started = time.perf_counter()
            actual = await _play_turn(session, turn, index, at, metadata, ids, history)
            latency = time.perf_counter() - started
            differences = compare(turn.expect, actual, ignore_dates=not driver.exact_clock)
            outcome.turns.append(TurnOutcome(index, turn.describe(), turn.expect, actual,
                                             differences, latency))
    return outcome


async def _play_turn(session: ThreadSession, turn: ReplayTurn, index: int, at: dt.datetime,
                     metadata: dict[str, Any], ids: IdMap,
                     history: list[tuple[int, dict[str, Any]]]) -> Expectation:
    try:
        if turn.say is not None:
            kind = "message"
            turn_id = await session.message(turn.say, metadata, at)
        else:
            kind = "action"
            if turn.click is not None:
                action = find_button(history, turn.click, ids)
                if action is None:
                    return Expectation(status="unresolved", error=harness_error(
                        f"no earlier turn rendered a button matching {turn.describe()[6:]}"))
            else:
                assert turn.action is not None
                action = ids.denormalize({"type": turn.action.type,
                                          "widget_id": turn.action.widget_id,
                                          "payload": turn.action.payload})
            turn_id = await session.action(action, metadata, at)
        ids.register(turn_id, f"{{turn#{index}}}")
        view = await session.result(turn_id, kind)
    except Rejected as rejected:
        return Expectation(status="rejected", error=ids.normalize(rejected.body))
    except Exception as error:
        # The harness reports and carries on: one broken turn must not hide the others.
        where = traceback.extract_tb(error.__traceback__)[-1]
        return Expectation(status="error", error=harness_error(
            f"{type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})"))
    history.append((index, view))
    return Expectation(**expectation_fields(view, ids))


def crashed_outcome(file: Path, thread: ReplayThread, message: str) -> ThreadOutcome:
    """Every turn of a thread that could not be replayed, marked as a harness error."""
    outcome = ThreadOutcome(file=file, thread=thread, crashed=message)
    for index, turn in enumerate(thread.turns, 1):
        actual = Expectation(status="error", error=harness_error(message))
        outcome.turns.append(TurnOutcome(index, turn.describe(), turn.expect, actual,
                                         compare(turn.expect, actual), 0.0))
    return outcome


Progress = Callable[[ThreadOutcome], None]


async def replay_all(driver: Driver, threads: list[tuple[Path, ReplayThread]], *,
                     concurrency: int = 1, progress: Progress | None = None
                     ) -> list[ThreadOutcome]:
    """Replay threads, up to `concurrency` at once; outcomes come back in input order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(file: Path, thread: ReplayThread) -> ThreadOutcome:
        async with gate:
            try:
                result = await replay_thread(driver, thread, file)
            except Exception as error:
                # A thread the harness could not even open is reported, not fatal.
                result = crashed_outcome(file, thread, f"{type(error).__name__}: {error}")
        if progress is not None:
            progress(result)
        return result

    return list(await asyncio.gather(*(one(file, thread) for file, thread in threads)))
