"""The worker's drain on SQLite: order, exactly-once, leases, failures, poison kicks, sweep.

tests/integration/test_processing_postgres.py runs every test here on PostgreSQL too, where
the claim and the completion of a turn are one statement each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

import workers.processing as processing
from core.clock import utcnow
from core.settings import Settings
from store import Database
from store.models import Task, Thread, ThreadEvent, Turn
from store.turns import PendingTurn, create_turn, next_pending, try_lock_thread
from workers.app import Runtime, process_thread
from workers.processing import MAX_ATTEMPTS, LostLease, ThreadProcessor
from workers.sweeper import sweep_once

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def store(database: Database, thread_id: str, *texts: str, user: str = "alice",
          now: dt.datetime = T0) -> list[str]:
    """Store message turns the way the API does; returns their ids."""
    async def go() -> list[str]:
        db = Database(database.url)
        ids = []
        async with db.async_sessions()() as session:
            for number, text in enumerate(texts):
                turn_id = f"{thread_id}-{number}-{secrets.token_hex(4)}"
                await create_turn(session, turn_id=turn_id, thread_id=thread_id, user_id=user,
                                  kind="message", input=text, action=None, metadata={},
                                  now=now)
                ids.append(turn_id)
        await db.aclose()
        return ids
    return asyncio.run(go())


def turns(database: Database, thread_id: str) -> list[Turn]:
    with database.sync_sessions()() as session:
        return list(session.scalars(
            select(Turn).where(Turn.thread_id == thread_id).order_by(Turn.seq)))


def titles(database: Database, user: str = "alice") -> list[tuple[str, bool]]:
    with database.sync_sessions()() as session:
        rows = session.execute(select(Task.title, Task.completed).where(Task.user_id == user))
        return sorted((title, completed) for title, completed in rows)


def completed_events(database: Database, turn_id: str) -> int:
    with database.sync_sessions()() as session:
        return int(session.scalar(select(func.count()).where(
            ThreadEvent.turn_id == turn_id, ThreadEvent.type == "turn.completed")) or 0)


@pytest.fixture
def processor(database: Database) -> ThreadProcessor:
    return ThreadProcessor(database.sync_sessions(), lease_seconds=30)


def patch_run_turn(monkeypatch: pytest.MonkeyPatch,
                   before: Callable[[dict[str, Any]], None]) -> None:
    """Call `before(kwargs)` ahead of the real pipeline for every turn the worker runs."""
    real = processing.run_turn

    def wrapped(session: Any, **kwargs: Any) -> Any:
        before(kwargs)
        return real(session, **kwargs)
    monkeypatch.setattr(processing, "run_turn", wrapped)


def test_turns_run_in_order_and_a_repeated_kick_changes_nothing(
    database: Database, processor: ThreadProcessor
) -> None:
    ids = store(database, "t1", "add buy milk", "show my tasks", "complete buy milk")
    assert processor.drain("t1") == 3
    done = turns(database, "t1")
    assert [t.status for t in done] == ["completed"] * 3
    assert "buy milk" in (done[1].text or "")  # the list sent after the add shows it

    assert processor.drain("t1") == 0  # the redelivered kick
    assert titles(database) == [("buy milk", True)]
    assert [completed_events(database, turn_id) for turn_id in ids] == [1, 1, 1]


def test_a_turn_stored_while_another_drain_holds_the_thread_is_not_stranded(
    database: Database, processor: ThreadProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = ThreadProcessor(database.sync_sessions(), lease_seconds=30)
    store(database, "t1", "add buy milk")
    dropped: list[int] = []

    def meanwhile(kwargs: dict[str, Any]) -> None:
        if kwargs["text"] == "add buy milk":
            # A second message arrives; its kick reaches another worker, which finds the
            # thread locked and returns without processing it.
            store(database, "t1", "add call mom")
            dropped.append(other.drain("t1"))
    patch_run_turn(monkeypatch, meanwhile)

    assert processor.drain("t1") == 2
    assert dropped == [0]
    assert [t.status for t in turns(database, "t1")] == ["completed", "completed"]
    assert titles(database) == [("buy milk", False), ("call mom", False)]


def test_two_drains_in_one_process_never_run_one_thread_at_once(
    database: Database, processor: ThreadProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    store(database, "t1", "add buy milk", "add call mom")
    nested: list[int] = []

    def meanwhile(kwargs: dict[str, Any]) -> None:
        if not nested:
            # The same processor (a thread pool shares it) is kicked again mid-drain.
            box: list[int] = []
            worker = threading.Thread(target=lambda: box.append(processor.drain("t1")))
            worker.start()
            worker.join()
            nested.extend(box)
    patch_run_turn(monkeypatch, meanwhile)

    assert processor.drain("t1") == 2
    assert nested == [0]


def test_a_dead_workers_lease_is_taken_over_and_the_dead_worker_commits_nothing(
    database: Database
) -> None:
    now = [T0]
    dead = ThreadProcessor(database.sync_sessions(), lease_seconds=30, clock=lambda: now[0])
    alive = ThreadProcessor(database.sync_sessions(), lease_seconds=30, clock=lambda: now[0])
    store(database, "t1", "add buy milk")
    owner = dead.new_owner()
    with database.sync_sessions()() as session:
        assert try_lock_thread(session, "t1", owner, now[0], dead.lease)

    assert alive.drain("t1") == 0  # the lease still holds
    now[0] += dt.timedelta(seconds=31)
    assert alive.drain("t1") == 1
    [turn] = turns(database, "t1")
    assert turn.status == "completed"

    # The dead worker wakes up with a turn in hand: its lease is gone, so it must not commit.
    [late] = store(database, "t1", "add walk the dog")
    with pytest.raises(LostLease):
        dead.process_turn("t1", late, owner=owner)
    assert turns(database, "t1")[1].status == "queued"
    assert titles(database) == [("buy milk", False)]


def events(database: Database, thread_id: str) -> list[tuple[str, str]]:
    with database.sync_sessions()() as session:
        return [(row.turn_id, row.type) for row in session.execute(
            select(ThreadEvent.turn_id, ThreadEvent.type)
            .where(ThreadEvent.thread_id == thread_id).order_by(ThreadEvent.id))]


@pytest.mark.parametrize("outcome", ["completed", "failed"])
def test_a_drain_that_lost_its_lease_mid_turn_writes_nothing_when_completing(
    database: Database, processor: ThreadProcessor, monkeypatch: pytest.MonkeyPatch,
    outcome: str,
) -> None:
    [first, second] = store(database, "t1", "add buy milk", "add call mom")

    def taken_over(kwargs: dict[str, Any]) -> None:
        # The drain stalled past its lease and another worker took the thread over; the
        # pipeline then runs (its task insert is in the completing transaction).
        with database.sync_sessions()() as session:
            session.execute(update(Thread).where(Thread.id == "t1").values(
                lock_owner="another-worker", lock_until=T0 + dt.timedelta(days=1)))
            session.commit()
        if outcome == "failed":
            raise ValueError("a bug")  # a failed turn's completion is checked the same way
    patch_run_turn(monkeypatch, taken_over)

    with pytest.raises(LostLease):
        processor.drain("t1")
    done = turns(database, "t1")
    # The first turn is left as the claim committed it, with no result; the second is not
    # started; no task, no memory, no event beyond the claim's; the lease is the other's.
    assert [(t.status, t.attempts) for t in done] == [("running", 1), ("queued", 0)]
    assert done[0].text is None and done[0].widgets is None and done[0].completed_at is None
    assert titles(database) == []
    assert events(database, "t1") == [(first, "turn.queued"), (second, "turn.queued"),
                                      (first, "turn.running")]
    with database.sync_sessions()() as session:
        thread = session.get(Thread, "t1")
        assert thread is not None
        assert thread.lock_owner == "another-worker" and thread.context == {}


def test_a_claim_whose_candidate_was_finished_meanwhile_starts_the_next_turn(
    database: Database, processor: ThreadProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    [first, second] = store(database, "t1", "add buy milk", "add call mom")
    with database.sync_sessions()() as session:
        stale = next_pending(session, "t1")  # what the kick read, before another drain ran
    assert stale is not None and stale.id == first
    with database.sync_sessions()() as session:
        session.execute(update(Turn).where(Turn.id == first).values(status="completed"))
        session.commit()
    reads = iter([stale])

    def stale_first(session: Any, thread_id: str) -> PendingTurn | None:
        return next(reads, None) or next_pending(session, thread_id)
    monkeypatch.setattr(processing, "next_pending", stale_first)

    assert processor.drain("t1") == 1
    done = turns(database, "t1")
    assert [(t.status, t.attempts) for t in done] == [("completed", 0), ("completed", 1)]
    assert events(database, "t1")[2:] == [(second, "turn.running"), (second, "turn.completed")]
    assert titles(database) == [("call mom", False)]


def test_a_claim_that_finds_nothing_left_gives_the_lease_back(
    database: Database, processor: ThreadProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    [only] = store(database, "t1", "add buy milk")
    with database.sync_sessions()() as session:
        stale = next_pending(session, "t1")
        session.execute(update(Turn).where(Turn.id == only).values(status="completed"))
        session.commit()
    reads = iter([stale])
    monkeypatch.setattr(processing, "next_pending",
                        lambda session, thread_id: next(reads, None))

    assert processor.drain("t1") == 0
    [turn] = turns(database, "t1")
    assert (turn.status, turn.attempts) == ("completed", 0)
    assert events(database, "t1") == [(only, "turn.queued")]
    with database.sync_sessions()() as session:
        thread = session.get(Thread, "t1")
        assert thread is not None and thread.lock_owner is None and thread.lock_until is None


def test_a_live_drain_keeps_its_short_lease_by_heartbeat_past_the_lease(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [T0]
    slow = ThreadProcessor(database.sync_sessions(), lease_seconds=30, heartbeat_s=0.02,
                           clock=lambda: now[0])
    other = ThreadProcessor(database.sync_sessions(), lease_seconds=30, clock=lambda: now[0])
    taken: list[int] = []

    beat = slow.heartbeat
    assert beat is not None
    renewals = threading.Semaphore(0)
    renew = beat.renew

    def counted(held: list[tuple[str, str]]) -> None:
        renew(held)
        renewals.release()
    monkeypatch.setattr(beat, "renew", counted)

    def long_turn(kwargs: dict[str, Any]) -> None:
        # 40 s pass in the middle of the turn, longer than the lease; the heartbeat beats.
        for _ in range(4):
            now[0] += dt.timedelta(seconds=10)
            while renewals.acquire(blocking=False):
                pass  # renewals made before this step of the clock
            assert renewals.acquire(timeout=5)
        taken.append(other.drain("t1"))
    patch_run_turn(monkeypatch, long_turn)
    store(database, "t1", "add buy milk")

    assert slow.drain("t1") == 1
    assert taken == [0]  # the other worker found the lease still held
    [turn] = turns(database, "t1")
    assert turn.status == "completed" and turn.attempts == 1
    assert titles(database) == [("buy milk", False)]


def test_a_bug_fails_the_turn_with_an_envelope_and_the_thread_goes_on(
    database: Database, processor: ThreadProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(kwargs: dict[str, Any]) -> None:
        if kwargs["text"] == "add boom":
            raise ValueError("a bug")
    patch_run_turn(monkeypatch, explode)
    store(database, "t1", "add boom", "add buy milk")

    assert processor.drain("t1") == 2
    failed, later = turns(database, "t1")
    assert failed.status == "failed"
    assert failed.error is not None and failed.error["error"]["type"] == "PROCESSING_ERROR"
    assert failed.text and "went wrong" in failed.text and failed.widgets
    assert later.status == "completed"
    assert titles(database) == [("buy milk", False)]  # the failed turn left nothing behind


def test_a_transient_error_keeps_the_turn_for_the_retry_which_resumes_its_lease(
    database: Database, processor: ThreadProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage = [True]

    def flaky(kwargs: dict[str, Any]) -> None:
        if outage[0]:
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed"))
    patch_run_turn(monkeypatch, flaky)
    store(database, "t1", "add buy milk")
    owner = processor.new_owner()

    with pytest.raises(OperationalError):
        processor.drain("t1", owner=owner)
    assert turns(database, "t1")[0].status in ("queued", "running")
    assert titles(database) == []

    outage[0] = False
    with database.sync_sessions()() as session:  # as if the release had failed too
        assert try_lock_thread(session, "t1", owner, utcnow(), processor.lease)
    assert processor.drain("t1", owner=owner) == 1
    assert titles(database) == [("buy milk", False)]


def test_a_turn_that_keeps_killing_its_worker_is_failed_not_retried_forever(
    database: Database, processor: ThreadProcessor
) -> None:
    [poison, _] = store(database, "t1", "add buy milk", "add call mom")
    with database.sync_sessions()() as session:
        turn = session.get(Turn, poison)
        assert turn is not None
        turn.attempts, turn.status = MAX_ATTEMPTS, "running"
        session.commit()

    assert processor.drain("t1") == 2
    assert [t.status for t in turns(database, "t1")] == ["failed", "completed"]
    assert titles(database) == [("call mom", False)]


def test_a_failing_live_event_publisher_does_not_fail_the_turn(database: Database) -> None:
    def broken(thread_id: str, turn_id: str, status: str) -> None:
        raise ConnectionError("redis is down")
    processor = ThreadProcessor(database.sync_sessions(), notify=broken)
    store(database, "t1", "add buy milk")
    assert processor.drain("t1") == 1
    assert turns(database, "t1")[0].status == "completed"


@pytest.mark.parametrize("args, kwargs", [
    ((), {}),
    ((42,), {}),
    (("t1", "extra"), {}),
    (("t1",), {"token": "secret"}),
    (("no-such-thread",), {}),
])
def test_poison_kicks_are_dropped_without_raising(
    settings: Settings, database: Database, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    Runtime.install(Runtime(settings))
    try:
        store(database, "t1", "add buy milk")
        assert process_thread(*args, **kwargs) == 0
        assert turns(database, "t1")[0].status == "queued"  # no kick for t1 was valid
    finally:
        Runtime.install(None)


def test_the_sweep_kicks_old_unlocked_threads_only(database: Database) -> None:
    now = utcnow()
    store(database, "old", "add buy milk", now=now - dt.timedelta(seconds=60))
    store(database, "fresh", "add call mom", now=now)
    store(database, "held", "add walk the dog", now=now - dt.timedelta(seconds=60))
    with database.sync_sessions()() as session:
        assert try_lock_thread(session, "held", "a-live-worker", now,
                               dt.timedelta(seconds=30))
    kicked: list[str] = []
    assert sweep_once(database, kicked.append, older_than_s=30) == ["old"]
    assert kicked == ["old"]

    with database.sync_sessions()() as session:  # the holder died: its lease runs out
        thread = session.get(Thread, "held")
        assert thread is not None
        thread.lock_until = now - dt.timedelta(seconds=1)
        session.commit()
    assert sorted(sweep_once(database, lambda _: None, older_than_s=30)) == ["held", "old"]


def test_the_sweep_kicks_a_dead_workers_running_turn_at_once_but_lets_queued_ones_wait(
    database: Database,
) -> None:
    now = utcnow()
    [dead] = store(database, "dead", "add buy milk", now=now)
    store(database, "waiting", "add call mom", now=now)  # its kick is still in the queue
    with database.sync_sessions()() as session:
        assert try_lock_thread(session, "dead", "a-worker", now, dt.timedelta(seconds=5))
        session.execute(update(Turn).where(Turn.id == dead).values(status="running"))
        session.commit()
    assert sweep_once(database, lambda _: None, older_than_s=30) == []  # lease still live
    with database.sync_sessions()() as session:  # the worker died: its lease runs out
        session.execute(update(Thread).where(Thread.id == "dead").values(
            lock_until=now - dt.timedelta(seconds=1)))
        session.commit()
    assert sweep_once(database, lambda _: None, older_than_s=30) == ["dead"]


def test_a_drain_out_of_time_requeues_its_thread_instead_of_starting_more(
        database: Database) -> None:
    # Celery's time limit is per task: a drain past its budget hands the rest of the
    # thread to a new kick (a fresh limit) rather than start a turn it may not finish.
    requeued: list[str] = []
    processor = ThreadProcessor(database.sync_sessions(), drain_budget_s=0.0,
                                requeue=requeued.append)
    ids = store(database, "budget", "add milk", "add eggs", "show my tasks")
    assert processor.drain("budget") == 1 and requeued == ["budget"]
    assert [t.status for t in turns(database, "budget")] == ["completed", "queued", "queued"]
    with database.sync_sessions()() as session:  # the lease is free for the new kick
        assert session.get(Thread, "budget").lock_owner is None  # type: ignore[union-attr]
    while requeued:
        processor.drain(requeued.pop())
    assert [t.status for t in turns(database, "budget")] == ["completed"] * 3
    assert [completed_events(database, turn_id) for turn_id in ids] == [1, 1, 1]


def test_a_soft_time_limit_fails_the_turn_once_and_the_thread_goes_on(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    def runaway(kwargs: dict[str, Any]) -> None:
        if kwargs["text"] == "add milk":
            raise SoftTimeLimitExceeded()

    patch_run_turn(monkeypatch, runaway)
    requeued: list[str] = []
    processor = ThreadProcessor(database.sync_sessions(), drain_budget_s=60.0,
                                requeue=requeued.append)
    store(database, "runaway", "add milk", "add eggs")
    processor.drain("runaway")
    first, second = turns(database, "runaway")
    assert first.status == "failed" and first.attempts == 1
    assert first.error == {"error": {"type": "PROCESSING_ERROR", "code": 500,
                                     "message": "This message took too long to process."}}
    # No time was left in that task: the next turn waits for the requeued kick.
    assert second.status == "queued" and requeued == ["runaway"]
    processor.drain(requeued.pop())
    assert turns(database, "runaway")[1].status == "completed"
    assert titles(database) == [("eggs", False)]
