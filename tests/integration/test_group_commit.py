"""Group commit of new turns on PostgreSQL (store/ingest.py): one transaction per batch, and
the same outcome as one `create_turn` per message: gap-free numbers in arrival order, each
turn with its `turn.queued` event, owners and thread limits enforced, nothing half-stored."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from core.clock import utcnow
from store import Database
from store.ingest import TurnWriter
from store.migrate import upgrade
from store.models import Thread, ThreadEvent, Turn
from store.turns import ThreadForbidden, ThreadQuotaExceeded

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Database]:
    upgrade(pg_url)
    database = Database(pg_url)
    yield database
    database.close()


async def _store_all(database: Database, requests: list[tuple[str, str, str, str]],
                     **options: object) -> list[BaseException | None]:
    """Send every (turn, thread, user, text) at once; the outcome of each, in order."""
    writer = TurnWriter(database.async_engine, clock=utcnow, **options)  # type: ignore[arg-type]

    async def one(turn_id: str, thread_id: str, user_id: str, text: str) -> None:
        await writer.store(turn_id=turn_id, thread_id=thread_id, user_id=user_id,
                           kind="message", input=text, action=None, metadata={"n": turn_id})
    try:
        results = await asyncio.gather(*(one(*request) for request in requests),
                                       return_exceptions=True)
    finally:
        await database.aclose()
    return list(results)


def test_concurrent_turns_are_numbered_in_arrival_order_without_gaps(
    pg_database: Database,
) -> None:
    requests = [(f"turn-{n:03}", f"thread-{n % 7}", "alice", f"add item {n}")
                for n in range(300)]
    # Bob posts to alice's threads (refused) and to his own (stored).
    requests += [(f"bob-{n}", f"thread-{n}", "bob", "hi") for n in range(3)]
    requests += [(f"bob-own-{n}", "bobs-thread", "bob", f"add b{n}") for n in range(5)]
    outcomes = asyncio.run(_store_all(pg_database, requests))

    by_id = dict(zip((r[0] for r in requests), outcomes, strict=True))
    assert all(by_id[f"turn-{n:03}"] is None for n in range(300))
    assert all(isinstance(by_id[f"bob-{n}"], ThreadForbidden) for n in range(3))
    assert all(by_id[f"bob-own-{n}"] is None for n in range(5))
    with pg_database.sync_sessions()() as session:
        for number in range(7):
            rows = session.execute(select(Turn.id, Turn.seq, Turn.status, Turn.input).where(
                Turn.thread_id == f"thread-{number}").order_by(Turn.seq)).all()
            assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
            # Arrival order is the order of `requests` (gather starts them in order).
            assert [row.id for row in rows] == sorted(row.id for row in rows)
            assert {row.status for row in rows} == {"queued"}
            thread = session.get(Thread, f"thread-{number}")
            assert thread is not None and thread.user_id == "alice"
            assert thread.next_seq == len(rows)
            assert thread.title == f"add item {number}"
            events = session.scalars(select(ThreadEvent.turn_id).where(
                ThreadEvent.thread_id == f"thread-{number}").order_by(ThreadEvent.id)).all()
            assert list(events) == [row.id for row in rows]  # queued events, in seq order
        assert session.scalar(select(Turn.meta).where(Turn.id == "turn-042")) == {
            "n": "turn-042"}
        assert session.get(Thread, "bobs-thread").next_seq == 5  # type: ignore[union-attr]
        assert session.scalar(select(Turn.id).where(Turn.user_id == "bob",
                                                    Turn.thread_id != "bobs-thread")) is None


def test_the_thread_limit_refuses_the_new_threads_beyond_it_in_arrival_order(
    pg_database: Database,
) -> None:
    first = asyncio.run(_store_all(pg_database, [("t-a", "a", "carol", "add x")],
                                   max_threads_per_user=2))
    assert first == [None]
    requests = [("t-a2", "a", "carol", "add y"), ("t-b", "b", "carol", "add z"),
                ("t-c", "c", "carol", "add w")]
    outcomes = asyncio.run(_store_all(pg_database, requests, max_threads_per_user=2))
    # Both new threads arrive in one batch: the first fits the limit, the second does not
    # (as two requests one after the other); the existing thread takes its turn.
    assert outcomes[:2] == [None, None]
    assert isinstance(outcomes[2], ThreadQuotaExceeded)
    with pg_database.sync_sessions()() as session:
        assert sorted(session.scalars(select(Thread.id).where(
            Thread.user_id == "carol")).all()) == ["a", "b"]
        assert sorted(session.scalars(select(Turn.id)).all()) == ["t-a", "t-a2", "t-b"]


def test_the_result_read_without_the_orm_shows_what_the_orm_shows(
    pg_database: Database,
) -> None:
    import datetime as dt

    from sqlalchemy import update

    from store.ingest import read_turn
    from store.turns import turn_view

    assert asyncio.run(_store_all(pg_database, [("r-1", "th", "dana", "add milk")])) == [None]
    with pg_database.sync_sessions()() as session:
        session.execute(update(Turn).where(Turn.id == "r-1").values(
            status="completed", text="Added: “milk”.", replaces="card_1",
            widgets=[{"id": "w", "type": "card", "children": [], "props": {"é": 1}}],
            error=None, completed_at=dt.datetime(2026, 12, 1, 9, 30, 0, 123456, dt.UTC)))
        session.commit()
        expected = turn_view(session.get(Turn, "r-1"))  # type: ignore[arg-type]

    async def fast() -> dict[str, object]:
        try:
            row = await read_turn(pg_database.async_engine, "r-1")
            assert row is not None and row.user_id == "dana"
            assert await read_turn(pg_database.async_engine, "nope") is None
            return turn_view(row)  # type: ignore[arg-type]
        finally:
            await pg_database.aclose()
    assert asyncio.run(fast()) == expected
