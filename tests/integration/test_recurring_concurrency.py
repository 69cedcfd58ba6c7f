"""Completing one recurring task from two threads at the same moment, on PostgreSQL:
exactly one next occurrence (the attack run saw two, 8 rounds of 8); creating tasks at the
same moment stops at the quota."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from store import Database
from store.migrate import upgrade
from store.tasks import TaskRepository
from todos import NewTask, QuotaExceeded, TaskService

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


def test_concurrent_creates_never_pass_the_task_quota(pg_url: str) -> None:
    """Ten creates at once for a user five short of the quota: five pass
    (the review saw nine, leaving the user at 5,004 of 5,000)."""
    upgrade(pg_url)
    database = Database(pg_url)
    sessions = database.sync_sessions()
    quota = 20
    try:
        with sessions() as session:
            TaskService(TaskRepository(session, "bob"), now=NOW).add_many(
                [NewTask(title=f"old {n}") for n in range(quota - 5)])
            session.commit()
        start = threading.Barrier(10)
        outcomes: list[str] = []

        def create(n: int) -> None:
            with sessions() as session:
                service = TaskService(TaskRepository(session, "bob"), now=NOW,
                                      max_tasks=quota)
                start.wait()
                try:
                    service.add(NewTask(title=f"race {n}"))
                    time.sleep(0.05)  # the request's other work: others count meanwhile
                    session.commit()
                    outcomes.append("created")
                except QuotaExceeded:
                    session.rollback()
                    outcomes.append("refused")

        workers = [threading.Thread(target=create, args=(n,)) for n in range(10)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
        assert sorted(outcomes) == ["created"] * 5 + ["refused"] * 5
        with sessions() as session:
            assert TaskRepository(session, "bob").count() == quota
    finally:
        database.close()
