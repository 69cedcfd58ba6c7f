"""A repeated `Idempotency-Key` is answered from the rate limiter's memo, read in the same
step as the limits: no database statement, and the database stays the record when the
memo is gone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chatkit_testing import auth
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text

from store import Database

BODY = {"thread_id": "t1", "input": "add buy milk"}


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """Every SQL statement the API's engine runs from here on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = database.async_engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def test_a_repeat_is_answered_without_the_database(
        client: AsyncTestClient[Any], statements: list[str]) -> None:
    headers = {**auth(), "Idempotency-Key": "k-1"}
    first = await client.post("/api/chatkit/respond", headers=headers, json=BODY)
    assert first.status_code == 202
    statements.clear()
    again = await client.post("/api/chatkit/respond", headers=headers, json=BODY)
    assert again.status_code == 202 and again.json() == first.json()
    assert statements == []
    # A different request under the same key is refused from the memo too.
    changed = await client.post("/api/chatkit/respond", headers=headers,
                                json={**BODY, "input": "add buy eggs"})
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json()["error"]["message"]
    assert statements == []


async def test_without_the_memo_the_database_answers_the_repeat(
        client: AsyncTestClient[Any], statements: list[str]) -> None:
    headers = {**auth(), "Idempotency-Key": "k-2"}
    first = await client.post("/api/chatkit/respond", headers=headers, json=BODY)
    limiter = client.app.state.limiter
    limiter._buckets.clear()  # the memo is a cache: an API restart forgets it
    again = await client.post("/api/chatkit/respond", headers=headers, json=BODY)
    assert again.status_code == 202 and again.json() == first.json()
    changed = await client.post("/api/chatkit/respond", headers=headers,
                                json={**BODY, "input": "add buy eggs"})
    assert changed.status_code == 422
    history = await client.get("/api/chatkit/threads/t1", headers=auth())
    assert [item["input"] for item in history.json()["items"]] == ["add buy milk"]
    # Remembered again after the database answered: the next repeat skips it.
    statements.clear()
    assert (await client.post("/api/chatkit/respond", headers=headers, json=BODY)
            ).json() == first.json()
    assert statements == []


async def test_a_repeat_after_the_key_expired_is_a_new_request(
        client: AsyncTestClient[Any], database: Database) -> None:
    headers = {**auth(), "Idempotency-Key": "k-3"}
    first = await client.post("/api/chatkit/respond", headers=headers, json=BODY)
    client.app.state.limiter._buckets.clear()
    with database.sync_sessions()() as session:  # 25 hours ago
        session.execute(text("UPDATE idempotency_keys SET created_at = "
                             "datetime(created_at, '-25 hours')"))
        session.commit()
    again = await client.post("/api/chatkit/respond", headers=headers, json=BODY)
    assert again.status_code == 202
    assert again.json()["response_id"] != first.json()["response_id"]
