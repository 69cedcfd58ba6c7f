"""The worker's drain on PostgreSQL: the unit checks, and one statement per claim and completion.

tests/unit/test_processing.py runs on SQLite, where claiming and completing a turn are
several statements each; on PostgreSQL each is one statement of data-modifying CTEs
(store/turns.py). Every test of that file runs here again against the machine's
PostgreSQL, among them the lease checks: a drain that lost its lease mid-turn writes
nothing when it completes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from chatkit_testing import TEST_SECRET, unit_checks
from sqlalchemy import event

import workers.processing as processing
from agents.types import TurnResult
from core.settings import Settings
from store import Database
from store.migrate import upgrade
from store.models import Thread
from store.turns import claim_turn, complete_turn
from workers.processing import ThreadProcessor

pytestmark = pytest.mark.integration


CHECKS = unit_checks("test_processing.py", "processing_unit_checks")
# The unit file's tests and its `processor` fixture, collected here on PostgreSQL.
globals().update({name: value for name, value in vars(CHECKS).items()
                  if name.startswith("test_") or name == "processor"})

_TABLES = "threads, turns, thread_events, tasks, offered_actions, idempotency_keys"


@pytest.fixture(scope="module")
def migrated_pg_url(pg_url_module: str) -> str:
    upgrade(pg_url_module)
    return pg_url_module


@pytest.fixture
def settings(tmp_path: Path, migrated_pg_url: str) -> Settings:
    return Settings(data_dir=tmp_path, jwt_secret=TEST_SECRET, redis_url=None,
                    database_url=migrated_pg_url)


@pytest.fixture
def database(migrated_pg_url: str) -> Iterator[Database]:
    """The module's PostgreSQL database, emptied for each test (they reuse thread ids)."""
    with psycopg.connect(migrated_pg_url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {_TABLES} CASCADE")
    db = Database(migrated_pg_url)
    yield db
    db.close()


def test_the_claim_and_each_completion_are_one_statement_and_a_commit(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = CHECKS.store(database, "t1", "add buy milk", "add call mom", "show my tasks")
    # The pipeline answers without touching the database: what is left is the drain's own.
    monkeypatch.setattr(processing, "run_turn",
                        lambda session, **kwargs: TurnResult(text="ok", widgets=[]))
    seen: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = " ".join(statement.split())
        for prefix, name in (("WITH lease AS MATERIALIZED (", "complete"),
                             ("WITH lease AS (", "claim"), ("SELECT ", "read")):
            if words.startswith(prefix):
                seen.append(name)
                return
        seen.append(words[:60])  # anything else shows in the failure

    def committed(_conn: Any) -> None:
        seen.append("COMMIT")

    engine = database.sync_engine
    with engine.connect():
        pass  # the dialect's first-connect queries are not the drain's
    event.listen(engine, "before_cursor_execute", executed)
    event.listen(engine, "commit", committed)
    try:
        assert ThreadProcessor(database.sync_sessions()).drain("t1") == 3
    finally:
        event.remove(engine, "before_cursor_execute", executed)
        event.remove(engine, "commit", committed)

    assert seen == [
        "read",  # the kick's look for a pending turn
        "claim", "COMMIT",  # lease + first turn running + its event
        "complete", "COMMIT",  # result + event + next turn running + its event + lease kept
        "complete", "COMMIT",
        "complete", "COMMIT",  # the last one: result + event + lease released
        "read",  # the look once more after releasing
    ]
    assert [(t.status, t.attempts) for t in CHECKS.turns(database, "t1")] == [
        ("completed", 1)] * 3
    assert CHECKS.events(database, "t1")[3:] == [
        (ids[0], "turn.running"), (ids[0], "turn.completed"),
        (ids[1], "turn.running"), (ids[1], "turn.completed"),
        (ids[2], "turn.running"), (ids[2], "turn.completed"),
    ]


def test_every_write_of_the_statements_is_gated_on_the_lease(database: Database) -> None:
    # The worker rolls back after a lost lease; on PostgreSQL the statements themselves
    # write nothing without it, so even a commit right after them leaves every row as it was.
    [first, second] = CHECKS.store(database, "t1", "add buy milk", "add call mom")
    now = CHECKS.T0
    sessions = database.sync_sessions()
    with sessions() as session:
        assert claim_turn(session, "t1", "holder", first, now, dt.timedelta(days=1)) == ({}, True)
        session.commit()
    with sessions() as session:
        assert claim_turn(session, "t1", "intruder", second, now, dt.timedelta(days=1)) is None
        assert complete_turn(session, "t1", first, owner="intruder", now=now, until=now,
                             memory={"stolen": True}, chain=True, keep=False,
                             status="completed", text="stolen", widgets=[]) is None
        session.commit()
    done = CHECKS.turns(database, "t1")
    assert [(t.status, t.attempts, t.text) for t in done] == [("running", 1, None),
                                                             ("queued", 0, None)]
    assert CHECKS.events(database, "t1") == [(first, "turn.queued"), (second, "turn.queued"),
                                             (first, "turn.running")]
    with sessions() as session:
        thread = session.get(Thread, "t1")
        assert thread is not None and thread.lock_owner == "holder" and thread.context == {}
