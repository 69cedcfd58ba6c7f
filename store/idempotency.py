"""`Idempotency-Key`s of respond/action requests: a repeat within 24 h names the same turn.

The key row is written in the same transaction as the turn it names (see
`store.turns.create_turn`), so two concurrent requests with one key create one turn: the
second insert hits the primary key and its transaction, turn included, rolls back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import IdempotencyKey

IDEMPOTENCY_TTL = dt.timedelta(hours=24)


def memo_name(key: str) -> str:
    """The name a key's answer is cached under (fixed length, whatever the key holds)."""
    return "idem:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def memo_value(fingerprint: str, turn_id: str) -> str:
    """What is cached for a key: the request's fingerprint and the turn it created."""
    return f"{fingerprint}:{turn_id}"


def parse_memo(value: str | None) -> tuple[str, str] | None:
    """(fingerprint, turn_id) of a cached value; None when absent or not one of ours."""
    if not value:
        return None
    fingerprint, sep, turn_id = value.partition(":")
    return (fingerprint, turn_id) if sep and fingerprint and turn_id else None


def request_fingerprint(request: Mapping[str, Any]) -> str:
    """A stable hash of a validated request (key order and spacing do not matter)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def find_key(
    session: AsyncSession, user_id: str, key: str, now: dt.datetime
) -> IdempotencyKey | None:
    """The user's live key row; an expired one is deleted (committed) and None returned."""
    row = await session.get(IdempotencyKey, (user_id, key))
    if row is None:
        return None
    if row.created_at <= now - IDEMPOTENCY_TTL:
        await session.delete(row)
        await session.commit()
        return None
    return row


async def purge_expired(session: AsyncSession, now: dt.datetime) -> int:
    """Delete every key older than the TTL (by the `created_at` index). Commits."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - IDEMPOTENCY_TTL)
    )
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
