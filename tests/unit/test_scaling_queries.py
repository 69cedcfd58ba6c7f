"""The SQL paths that keep a turn's cost flat as a user's tasks grow (issue 9).

Lists filter, order, page and count in SQL (`store.tasks.list_page`); title references
are matched against a bounded candidate set (`TaskRepository.title_candidates`). Both
must give exactly what the Python oracle (`tests/fakes.py: filter_tasks`, the documented
rules applied to every task) gives.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chatkit_testing import find_widget
from fakes import filter_tasks
from sqlalchemy import insert

from agents import run_turn
from store import Database
from store.models import Task
from store.tasks import TaskFilter, TaskRepository, list_page
from todos import task_dict

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
UTC = ZoneInfo("UTC")


def _row(user: str, index: int, title: str, *, now: dt.datetime = NOW, **fields: Any) -> dict:
    from store.tasks import due_instant

    due = fields.get("due")
    return {
        "id": f"task_{user}_{index:05d}",
        "user_id": user,
        "title": title,
        "completed": fields.get("completed", False),
        "completed_at": now if fields.get("completed") else None,
        "due": due,
        "due_at": due_instant(due),
        "priority": fields.get("priority"),
        "tags": fields.get("tags", []),
        "recurrence": None,
        "created_at": fields.get("created_at", now + dt.timedelta(microseconds=index)),
        "updated_at": now,
    }


def _seed(database: Database, rows: list[dict]) -> None:
    with database.sync_sessions()() as session:
        for start in range(0, len(rows), 2000):
            session.execute(insert(Task), rows[start : start + 2000])
        session.commit()


def _sql_ids(database: Database, user: str, flt: TaskFilter, tz: ZoneInfo,
             now: dt.datetime = NOW, offset: int = 0, limit: int = 10_000) -> tuple[list[str], int]:
    with database.sync_sessions()() as session:
        rows, _shown, total, _offset = list_page(session, user, flt, now=now, tz=tz,
                                                 offset=offset, limit=limit)
        return [task.id for task in rows], total


def _python_ids(database: Database, user: str, flt: TaskFilter, tz: ZoneInfo,
                now: dt.datetime = NOW) -> list[str]:
    with database.sync_sessions()() as session:
        tasks = [task_dict(task) for task in TaskRepository(session, user).all()]
    return [task["id"] for task in filter_tasks(tasks, flt, now, tz)]


def _random_due(rng: random.Random, tz: ZoneInfo) -> str | None:
    kind = rng.random()
    day = NOW.date() + dt.timedelta(days=rng.randint(-400, 400))
    if kind < 0.25:
        return None
    if kind < 0.55:
        return day.isoformat()
    # As understand writes them: a local time with the zone's offset on that day; some
    # near midnight, where a DST-blind order would go wrong.
    hour = rng.choice([0, 0, 1, 9, 12, 17, 23, 23])
    local = dt.datetime.combine(day, dt.time(hour, rng.choice([0, 30, 59])), tzinfo=tz)
    return local.isoformat()


FILTERS = [
    TaskFilter(),
    TaskFilter(status="all"),
    TaskFilter(status="completed"),
    TaskFilter(due="today"),
    TaskFilter(due="tomorrow"),
    TaskFilter(due="this_week"),
    TaskFilter(due="overdue"),
    TaskFilter(due="no_date"),
    TaskFilter(status="all", due="overdue"),
    TaskFilter(priority="high"),
    TaskFilter(tag="work"),
    TaskFilter(tag="Work", status="all"),
    TaskFilter(text="Milk"),
    TaskFilter(text="50%_"),
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
def test_sql_list_matches_the_python_reference_for_every_filter(
    database: Database, zone: str
) -> None:
    tz = ZoneInfo(zone)
    rng = random.Random(zone)
    titles = ["buy milk", "Milk the cow", "report 50%_ done", "call mom", "pay rent"]
    rows = []
    for index in range(400):
        rows.append(_row(
            "u", index, rng.choice(titles),
            due=_random_due(rng, tz),
            completed=rng.random() < 0.3,
            priority=rng.choice([None, None, "low", "medium", "high", "urgent"]),
            tags=rng.choice([[], ["work"], ["homework"], ["home", "work"], ["work2"]]),
            # Many share a creation instant: the id breaks those ties, as before.
            created_at=NOW - dt.timedelta(minutes=rng.randint(0, 50)),
        ))
    # Today, tomorrow, and around local midnight, so those filters are never empty.
    today = NOW.astimezone(tz).date()
    for index, due in enumerate([today.isoformat(), (today + dt.timedelta(days=1)).isoformat(),
                                 dt.datetime.combine(today, dt.time(0, 0), tz).isoformat(),
                                 dt.datetime.combine(today, dt.time(23, 59), tz).isoformat()]):
        rows.append(_row("u", 1000 + index, "edge", due=due))
    _seed(database, rows)
    for flt in FILTERS:
        expected = _python_ids(database, "u", flt, tz)
        got, total = _sql_ids(database, "u", flt, tz)
        assert total == len(expected), flt
        assert got == expected, flt


def test_order_overdue_then_due_day_date_before_time_then_priority_then_creation(
    database: Database,
) -> None:
    tz = ZoneInfo("Europe/Berlin")
    specs = [  # (title, due, priority)
        ("no date urgent", None, "urgent"),
        ("no date plain", None, None),
        ("tomorrow 09:00", "2026-11-27T09:00:00+01:00", None),
        ("tomorrow (date) low", "2026-11-27", "low"),
        ("tomorrow (date) urgent", "2026-11-27", "urgent"),
        ("today 18:00 low", "2026-11-26T18:00:00+01:00", "low"),
        ("today 18:00 high", "2026-11-26T18:00:00+01:00", "high"),
        ("overdue yesterday (date)", "2026-11-25", None),
        ("overdue this morning", "2026-11-26T08:00:00+01:00", None),
        ("today (date) not overdue", "2026-11-26", None),
        ("saturday 00:30 local", "2026-11-28T00:30:00+01:00", None),
        ("saturday (date)", "2026-11-28", None),
    ]
    _seed(database, [_row("o", i, title, due=due, priority=priority)
                     for i, (title, due, priority) in enumerate(specs)])
    with database.sync_sessions()() as session:
        rows, _, total, _ = list_page(session, "o", TaskFilter(), now=NOW, tz=tz, offset=0,
                                      limit=20)
    assert total == len(specs)
    assert [task.title for task in rows] == [
        "overdue yesterday (date)",
        "overdue this morning",
        "today (date) not overdue",
        "today 18:00 high",
        "today 18:00 low",
        "tomorrow (date) urgent",
        "tomorrow (date) low",
        "tomorrow 09:00",
        "saturday (date)",
        "saturday 00:30 local",
        "no date urgent",
        "no date plain",
    ]
    assert [task.id for task in rows] == _python_ids(database, "o", TaskFilter(), tz)


def test_tag_filter_matches_whole_tags_only(database: Database) -> None:
    _seed(database, [
        _row("t", 0, "a", tags=["work"]),
        _row("t", 1, "b", tags=["homework"]),
        _row("t", 2, "c", tags=["home", "work"]),
        _row("t", 3, "d", tags=["work-trip"]),
        _row("t", 4, "e", tags=[]),
    ])
    got, total = _sql_ids(database, "t", TaskFilter(tag="work"), UTC)
    assert total == 2
    assert got == ["task_t_00000", "task_t_00002"]


class Chat:
    def __init__(self, database: Database, user: str, tz: ZoneInfo = UTC) -> None:
        self.sessions = database.sync_sessions()
        self.user = user
        self.tz = tz
        self.memory: dict[str, Any] = {}
        self.count = 0

    def say(self, text: str | None = None, action: dict[str, Any] | None = None) -> Any:
        self.count += 1
        with self.sessions() as session:
            result = run_turn(session, user_id=self.user, turn_id=f"t{self.count}", now=NOW,
                              tz=self.tz, memory=self.memory, text=text, action=action)
            session.commit()
        return result

    def task(self, title: str) -> Task:
        with self.sessions() as session:
            return next(t for t in TaskRepository(session, self.user).all() if t.title == title)


def _texts(card: dict[str, Any], kind: str) -> list[str]:
    return [node["props"]["text"] for node in find_widget(card, lambda n: n["type"] == kind)]


def test_paging_across_45_tasks_counts_pages_and_positions(database: Database) -> None:
    _seed(database, [_row("p", i, f"chore {i:02d}") for i in range(45)])
    chat = Chat(database, "p")
    first = chat.say("show my tasks").widgets[0]
    assert "Your Tasks (45)" in _texts(first, "headline")
    assert "Showing 1\u201320 of 45" in _texts(first, "caption")
    assert len(chat.memory["last_list"]) == 20
    more = find_widget(first, lambda n: n["type"] == "button"
                       and n["props"]["action"]["type"] == "list_page")[0]
    second = chat.say(action=more["props"]["action"]).widgets[0]
    assert "Showing 21\u201340 of 45" in _texts(second, "caption")
    # Positions count the rows shown, across the pages shown so far.
    assert len(chat.memory["last_list"]) == 40
    chat.say("complete number 21")
    assert chat.task("chore 20").completed
    more = find_widget(second, lambda n: n["type"] == "button"
                       and n["props"]["action"]["type"] == "list_page")[0]
    third = chat.say(action=more["props"]["action"]).widgets[0]
    # One task fewer is open now: the third page holds the last four.
    assert "Showing 41\u201344 of 44" in _texts(third, "caption")
    assert not find_widget(third, lambda n: n["type"] == "button"
                           and n["props"]["action"]["type"] == "list_page")
    chat.say("complete the last one")
    assert chat.task("chore 44").completed


def test_title_resolution_among_2000_tasks_finds_a_typo(database: Database) -> None:
    rows = [_row("r", i, f"task number {i}") for i in range(2000)]
    rows.insert(5, _row("r", 5000, "buy milk", created_at=NOW - dt.timedelta(days=30)))
    _seed(database, rows)
    chat = Chat(database, "r")
    result = chat.say("complete buy mlik")
    assert "Completed" in result.text
    assert chat.task("buy milk").completed
    # Exact titles deep in the history resolve too (the substring lookup finds them).
    chat.say("complete task number 17xx")  # a position-free typo: nothing changes silently
    assert not chat.task("task number 17").completed
    chat.say("delete task number 1234")
    with chat.sessions() as session:
        titles = {task.title for task in TaskRepository(session, "r").all()}
    assert "task number 1234" not in titles and len(titles) == 2000


def test_two_close_matches_among_thousands_ask_which(database: Database) -> None:
    rows = [_row("a", i, f"task number {i}") for i in range(2000)]
    rows += [_row("a", 3000, "call mom"), _row("a", 3001, "call tom")]
    _seed(database, rows)
    chat = Chat(database, "a")
    result = chat.say("complete call rom")
    assert not chat.task("call mom").completed and not chat.task("call tom").completed
    assert result.widgets and "choose" in str(result.widgets[0])


def test_a_bare_date_on_a_dst_change_day_sorts_from_its_local_midnight(
    database: Database,
) -> None:
    # Auckland: DST starts 2026-09-27 02:00 (+12 → +13) and ends 2026-04-05 03:00
    # (+13 → +12); at 00:00 UTC of those dates the offset is already the new one.
    tz = ZoneInfo("Pacific/Auckland")
    specs = [
        ("sep 26 23:30", "2026-09-26T23:30:00+12:00"),
        ("sep 27", "2026-09-27"),
        ("sep 27 00:30", "2026-09-27T00:30:00+12:00"),
        ("apr 4 23:30", "2026-04-04T23:30:00+13:00"),
        ("apr 5", "2026-04-05"),
        ("apr 5 00:30", "2026-04-05T00:30:00+13:00"),
    ]
    _seed(database, [_row("d", i, title, due=due) for i, (title, due) in enumerate(specs)])
    got, _ = _sql_ids(database, "d", TaskFilter(), tz)
    assert got == _python_ids(database, "d", TaskFilter(), tz)
    with database.sync_sessions()() as session:
        titles = {task.id: task.title for task in TaskRepository(session, "d").all()}
    assert [titles[task_id] for task_id in got] == [
        "apr 4 23:30", "apr 5", "apr 5 00:30", "sep 26 23:30", "sep 27", "sep 27 00:30"]
