"""Completing one recurring task from two threads at the same moment, on PostgreSQL:
exactly one next occurrence (the attack run saw two, 8 rounds of 8)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from store import Database
from store.migrate import upgrade
from store.tasks import TaskRepository
from todos import NewTask, TaskService

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


def test_two_concurrent_completions_schedule_one_occurrence(pg_url: str) -> None:
    upgrade(pg_url)
    database = Database(pg_url)
    sessions = database.sync_sessions()
    try:
        for round_ in range(8):
            with sessions() as session:
                task = TaskService(TaskRepository(session, "alice"), now=NOW).add(NewTask(
                    title=f"pay rent {round_}", due="2026-12-01", recurrence="FREQ=MONTHLY"))
                session.commit()
            start = threading.Barrier(2)
            changed: list[bool] = []

            def complete(task_id: str = task["id"], start: threading.Barrier = start,
                         changed: list[bool] = changed) -> None:
                with sessions() as session:
                    service = TaskService(TaskRepository(session, "alice"), now=NOW)
                    start.wait()
                    result = service.set_completed(task_id, True)
                    session.commit()
                    changed.append(result.changed)

            workers = [threading.Thread(target=complete) for _ in range(2)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=30)
            assert sorted(changed) == [False, True]
            with sessions() as session:
                same = [t for t in TaskRepository(session, "alice").all()
                        if t.title == f"pay rent {round_}"]
            assert sorted(t.due for t in same) == ["2026-12-01", "2027-01-01"], round_
    finally:
        database.close()
