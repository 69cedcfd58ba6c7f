"""The render/act helpers a person sees the effect of: due labels, recurrence, cursors,
and a disambiguated update carrying its changes to the chosen task."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chatkit_testing import find_widget

from agents import run_turn
from agents.act import list_cursor, read_list_cursor
from agents.render import due_label
from store import Database
from store.tasks import TaskFilter, TaskRepository
from todos import next_occurrence

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(("due", "label"), [
    ("2026-11-26", "today"),
    ("2026-11-27", "tomorrow"),
    ("2026-11-25", "yesterday"),
    ("2026-11-30", "Mon"),
    ("2026-12-05", "Dec 5"),
    ("2027-01-02", "Jan 2, 2027"),
    ("2026-11-27T16:00:00+00:00", "tomorrow 17:00"),  # shown in the user's zone
])
def test_due_labels_are_relative_to_the_users_today(due: str, label: str) -> None:
    assert due_label(due, NOW, PARIS) == label


@pytest.mark.parametrize(("due", "rule", "expected"), [
    ("2026-11-26", "FREQ=WEEKLY", "2026-12-03"),
    ("2026-11-01", "FREQ=MONTHLY;BYMONTHDAY=1", "2026-12-01"),  # late: next after today
    (None, "FREQ=DAILY", "2026-11-27"),
    ("2026-11-26T09:00:00+01:00", "FREQ=WEEKLY;BYDAY=TH", "2026-12-03T09:00:00+01:00"),
    ("2026-11-26", "NOT A RULE", None),
])
def test_next_occurrence(due: str | None, rule: str, expected: str | None) -> None:
    upcoming = next_occurrence(due, rule, NOW, PARIS)
    assert (upcoming.due if upcoming else None) == expected


@pytest.mark.parametrize(("due", "rule", "expected"), [
    # COUNT belongs to the series: the next task has one occurrence fewer to go...
    ("2026-11-26", "FREQ=WEEKLY;COUNT=3", ("2026-12-03", "FREQ=WEEKLY;COUNT=2")),
    # ... the last one has no next ...
    ("2026-11-26", "FREQ=WEEKLY;COUNT=1", None),
    # ... and occurrences skipped while overdue are used up too.
    ("2026-11-05", "FREQ=WEEKLY;COUNT=5", ("2026-12-03", "FREQ=WEEKLY;COUNT=1")),
    # UNTIL ends the series, whether a date or a UTC date-time.
    ("2026-11-26", "FREQ=WEEKLY;UNTIL=20261210", ("2026-12-03", "FREQ=WEEKLY;UNTIL=20261210")),
    ("2026-11-26", "FREQ=WEEKLY;UNTIL=20261201", None),
    ("2026-11-26T09:00:00+01:00", "FREQ=DAILY;UNTIL=20261126T235959Z", None),
    ("2026-11-26T09:00:00+01:00", "FREQ=DAILY;UNTIL=20261130T000000Z",
     ("2026-11-27T09:00:00+01:00", "FREQ=DAILY;UNTIL=20261130T000000Z")),
])
def test_count_and_until_belong_to_the_series(due: str, rule: str,
                                                expected: tuple[str, str] | None) -> None:
    upcoming = next_occurrence(due, rule, NOW, PARIS)
    assert (tuple(upcoming) if upcoming else None) == expected


def test_cursor_round_trips_and_refuses_garbage() -> None:
    flt = TaskFilter(status="all", tag="home")
    assert read_list_cursor(list_cursor(flt, 40)) == (flt, 40)
    with pytest.raises(ValueError, match="not a list cursor"):
        read_list_cursor("bm90IGpzb24")


def test_choosing_a_candidate_applies_the_update_to_it(database: Database) -> None:
    sessions = database.sync_sessions()
    memory: dict[str, Any] = {}

    def turn(turn_id: str, **kwargs: Any) -> Any:
        with sessions() as session:
            result = run_turn(session, user_id="alice", turn_id=turn_id, now=NOW,
                              tz=ZoneInfo("UTC"), memory=memory, **kwargs)
            session.commit()
        return result

    with sessions() as session:
        repo = TaskRepository(session, "alice")
        first = repo.add(title="buy milk", now=NOW).id
        second = repo.add(title="buy milk", now=NOW + dt.timedelta(seconds=1)).id
        session.commit()
    asked = turn("t1", text="make buy milk urgent")
    choices = find_widget(asked.widgets[0], lambda n: n["type"] == "button")
    assert [c["props"]["action"]["payload"]["task_id"] for c in choices] == [first, second]
    chosen = choices[1]["props"]["action"]
    assert chosen["payload"]["intent"] == "update"
    turn("t2", action={"type": "choose", "payload": chosen["payload"]})
    with sessions() as session:
        priorities = {t.id: t.priority for t in TaskRepository(session, "alice").all()}
    assert priorities == {first: None, second: "urgent"}
