"""`Idempotency-Key` rows: a key is live for 24 hours, then forgotten."""

from __future__ import annotations

import datetime as dt

from store import Database
from store.idempotency import IDEMPOTENCY_TTL, find_key, purge_expired, request_fingerprint
from store.models import IdempotencyKey

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    first = request_fingerprint({"input": "add milk", "metadata": {"a": 1, "b": 2}})
    assert first == request_fingerprint({"metadata": {"b": 2, "a": 1}, "input": "add milk"})
    assert first != request_fingerprint({"input": "add milk", "metadata": {"a": 1, "b": 3}})


async def test_a_key_is_live_for_24_hours_then_forgotten(database: Database) -> None:
    sessions = database.async_sessions()
    async with sessions() as session:
        session.add_all([
            IdempotencyKey(user_id="alice", key="k1", request_hash="h", turn_id="resp_1",
                           created_at=T0),
            IdempotencyKey(user_id="alice", key="k2", request_hash="h", turn_id="resp_2",
                           created_at=T0 + dt.timedelta(hours=23)),
        ])
        await session.commit()
    try:
        async with sessions() as session:
            live = await find_key(session, "alice", "k1", T0 + IDEMPOTENCY_TTL
                                  - dt.timedelta(seconds=1))
            assert live is not None and live.turn_id == "resp_1"
            assert await find_key(session, "bob", "k1", T0) is None  # keys are per user
            assert await find_key(session, "alice", "k1", T0 + IDEMPOTENCY_TTL) is None
        async with sessions() as session:
            assert await session.get(IdempotencyKey, ("alice", "k1")) is None  # deleted
            assert await purge_expired(session, T0 + dt.timedelta(hours=30)) == 0
            assert await purge_expired(session, T0 + dt.timedelta(hours=47)) == 1
            assert await session.get(IdempotencyKey, ("alice", "k2")) is None
    finally:
        await database.aclose()
