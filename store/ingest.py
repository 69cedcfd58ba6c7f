"""Group commit of new turns on PostgreSQL: many requests, one transaction, one fsync.

`create_turn` (store/turns.py) stores one turn per transaction through the ORM: five
statements and a commit, ~2 ms of the API's CPU and one WAL flush per message. Here the
turns that arrive while the previous batch is being written (plus up to `window_s` more)
are written together, with asyncpg prepared statements on a connection of the API's pool,
in one transaction:

1. lock the batch's existing threads (`FOR UPDATE`, in id order: two batches, in this
   process or another, never wait on each other in a cycle), learning their owners;
2. insert the new threads (`ON CONFLICT DO NOTHING`: another process may create one
   first, then it is locked and read like an existing one);
3. with a per-user thread limit, count the threads of users who got a new one;
4. add each thread's number of new turns to its `next_seq` (the lock from 1 holds, so the
   numbers are gap-free and in arrival order, as one `create_turn` per message gives);
5. insert the turns and their `turn.queued` events in one statement; commit.

Each caller's `store` returns only after that commit (the turn is durable before its 202)
and raises what `create_turn` raises: `ThreadForbidden`, `ThreadQuotaExceeded`. A batch
that fails on its data (never expected) is retried one turn per transaction through
`create_turn`, so one bad request cannot fail the others; a database that is away fails
them all as SQLAlchemy's OperationalError, which the API answers with 503.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from store.turns import ThreadForbidden, ThreadQuotaExceeded, create_turn

log = logging.getLogger("chatkit.store")

_LOCK_THREADS = "SELECT id, user_id FROM threads WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE"
_INSERT_THREADS = (
    "INSERT INTO threads (id, user_id, title, next_seq, context, created_at, updated_at) "
    "SELECT t.id, t.user_id, t.title, 0, '{}'::json, $4::timestamptz, $4::timestamptz "
    "FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, user_id, title) ORDER BY t.id "
    "ON CONFLICT (id) DO NOTHING RETURNING id"
)
_COUNT_THREADS = (
    "SELECT user_id, count(*) FROM threads WHERE user_id = ANY($1::text[]) GROUP BY user_id"
)
_DELETE_THREADS = "DELETE FROM threads WHERE id = ANY($1::text[])"
_NUMBER_TURNS = (
    "UPDATE threads AS th SET next_seq = th.next_seq + c.n, updated_at = $3::timestamptz "
    "FROM unnest($1::text[], $2::int[]) AS c(id, n) WHERE th.id = c.id "
    "RETURNING th.id, th.next_seq"
)
_INSERT_TURNS = (
    "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], "
    "$5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY "
    "AS u(id, thread_id, user_id, seq, kind, input, action, meta, ord)), "
    "turns_in AS (INSERT INTO turns (id, thread_id, user_id, seq, kind, input, action, "
    "metadata, status, attempts, created_at) SELECT id, thread_id, user_id, seq, kind, input, "
    "action::json, meta::json, 'queued', 0, $9::timestamptz FROM u) "
    "INSERT INTO thread_events (thread_id, turn_id, type, created_at) "
    "SELECT thread_id, id, 'turn.queued', $9::timestamptz FROM u ORDER BY ord"
)


@dataclass
class NewTurn:
    """One turn to store, as `create_turn` takes it; `done` resolves after the commit."""

    turn_id: str
    thread_id: str
    user_id: str
    kind: str
    input: str | None
    action: dict[str, Any] | None
    metadata: dict[str, Any]
    done: asyncio.Future[None] = field(repr=False)


class _DataError(Exception):
    """The batch failed on its data, not on the connection: retry its turns one by one."""


class TurnWriter:
    """Stores turns by group commit on PostgreSQL (see the module docstring)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Callable[[], dt.datetime],
        max_threads_per_user: int | None = None,
        window_s: float = 0.001,
        max_batch: int = 256,
    ) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.clock = clock
        self.max_threads = max_threads_per_user
        self.window_s = window_s
        self.max_batch = max_batch
        self.pending: list[NewTurn] = []
        self.flusher: asyncio.Task[None] | None = None  # the one writing, while any waits

    async def store(self, *, turn_id: str, thread_id: str, user_id: str, kind: str,
                    input: str | None, action: dict[str, Any] | None,
                    metadata: dict[str, Any]) -> None:
        """Store one queued turn; returns once its batch has committed."""
        loop = asyncio.get_running_loop()
        turn = NewTurn(turn_id, thread_id, user_id, kind, input, action, metadata,
                       loop.create_future())
        self.pending.append(turn)
        if self.flusher is None:
            self.flusher = loop.create_task(self._flush())
        await turn.done

    async def _flush(self) -> None:
        """Write batches until nothing waits; one at a time (their order is arrival order)."""
        try:
            while self.pending:
                if self.window_s > 0:
                    await asyncio.sleep(self.window_s)  # let the batch fill a little
                batch = self.pending[:self.max_batch]
                del self.pending[:self.max_batch]
                await self._write(batch)
        finally:
            self.flusher = None
            if self.pending:  # left behind by an error: a new flusher takes them
                self.flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _write(self, batch: list[NewTurn]) -> None:
        """Commit one batch and settle every caller's future (a result or an error)."""
        try:
            refused = await self._write_batch(batch)
        except _DataError as error:
            log.warning("group commit of %d turns failed (%s); storing them one by one",
                        len(batch), error.__cause__)
            await asyncio.gather(*(self._write_one(turn) for turn in batch))
            return
        except BaseException as error:
            outage = error if isinstance(error, sa_exc.SQLAlchemyError) else \
                sa_exc.OperationalError("group commit of new turns", None, error)
            for turn in batch:
                if not turn.done.done():
                    turn.done.set_exception(outage)
            if not isinstance(error, Exception):
                raise
            return
        for turn in batch:
            if turn.done.done():
                continue
            problem = refused.get(turn.turn_id)
            if problem is None:
                turn.done.set_result(None)
            else:
                turn.done.set_exception(problem)

    async def _write_one(self, turn: NewTurn) -> None:
        """The fallback: this turn alone, through `create_turn`."""
        try:
            async with self.sessions() as session:
                await create_turn(session, turn_id=turn.turn_id, thread_id=turn.thread_id,
                                  user_id=turn.user_id, kind=turn.kind, input=turn.input,
                                  action=turn.action, metadata=turn.metadata, now=self.clock(),
                                  max_threads=self.max_threads)
        except Exception as error:
            turn.done.set_exception(error)
        else:
            turn.done.set_result(None)

    async def _write_batch(self, batch: list[NewTurn]) -> dict[str, Exception]:
        """One transaction for the batch; returns the turns refused, with their error."""
        import asyncpg

        now = self.clock()
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            conn: Any = raw.driver_connection
            try:
                async with conn.transaction():
                    refused = await self._statements(conn, batch, now)
            except (TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):
                raw.invalidate()
                raise
            except asyncpg.PostgresError as error:
                raise _DataError(str(error)) from error
        return refused

    async def _statements(self, conn: Any, batch: list[NewTurn],
                          now: dt.datetime) -> dict[str, Exception]:
        refused: dict[str, Exception] = {}
        thread_ids = sorted({turn.thread_id for turn in batch})
        owners = dict(await conn.fetch(_LOCK_THREADS, thread_ids))
        created: set[str] = set()
        first_of_new: dict[str, NewTurn] = {}
        for turn in batch:
            if turn.thread_id not in owners:
                first_of_new.setdefault(turn.thread_id, turn)
        if first_of_new:
            news = sorted(first_of_new)
            rows = await conn.fetch(
                _INSERT_THREADS, news, [first_of_new[i].user_id for i in news],
                [_title(first_of_new[i].input) for i in news], now)
            created = {row[0] for row in rows}
            for thread_id in news:
                owners[thread_id] = first_of_new[thread_id].user_id
            lost = [i for i in news if i not in created]  # another process created them
            if lost:
                owners.update(dict(await conn.fetch(_LOCK_THREADS, lost)))
        if created and self.max_threads is not None:
            users = sorted({owners[i] for i in created})
            counts = dict(await conn.fetch(_COUNT_THREADS, users))
            # As one request at a time would: a user's new threads, in arrival order, are
            # kept while the user's count stays within the limit.
            room = {user: self.max_threads - (counts.get(user, 0) - sum(
                1 for i in created if owners[i] == user)) for user in users}
            dropped = []
            for thread_id, turn in first_of_new.items():  # arrival order
                if thread_id not in created:
                    continue
                if room[turn.user_id] > 0:
                    room[turn.user_id] -= 1
                else:
                    dropped.append(thread_id)
            if dropped:
                await conn.execute(_DELETE_THREADS, sorted(dropped))
                for thread_id in dropped:
                    owners.pop(thread_id)
                for turn in batch:
                    if turn.thread_id in dropped:
                        refused[turn.turn_id] = ThreadQuotaExceeded(self.max_threads)
        accepted = []
        for turn in batch:
            if turn.turn_id in refused:
                continue
            if owners.get(turn.thread_id) != turn.user_id:
                refused[turn.turn_id] = ThreadForbidden(turn.thread_id)
            else:
                accepted.append(turn)
        if not accepted:
            return refused
        counts_by_thread = Counter(turn.thread_id for turn in accepted)
        numbered = sorted(counts_by_thread)
        last = dict(await conn.fetch(_NUMBER_TURNS, numbered,
                                     [counts_by_thread[i] for i in numbered], now))
        next_seq = {i: last[i] - counts_by_thread[i] + 1 for i in numbered}
        seqs = []
        for turn in accepted:
            seqs.append(next_seq[turn.thread_id])
            next_seq[turn.thread_id] += 1
        await conn.execute(
            _INSERT_TURNS, [t.turn_id for t in accepted], [t.thread_id for t in accepted],
            [t.user_id for t in accepted], seqs, [t.kind for t in accepted],
            [t.input for t in accepted],
            [None if t.action is None else json.dumps(t.action) for t in accepted],
            [json.dumps(t.metadata) for t in accepted], now)
        return refused


_READ_TURN = (
    "SELECT id, thread_id, user_id, kind, status, input, action::text, replaces, text, "
    "widgets::text, error::text, created_at, completed_at FROM turns WHERE id = $1"
)


@dataclass(frozen=True)
class TurnRow:
    """The columns of a turn the result endpoints show (`store.turns.turn_view` reads them)."""

    id: str
    thread_id: str
    user_id: str
    kind: str
    status: str
    input: str | None
    action: dict[str, Any] | None
    replaces: str | None
    text: str | None
    widgets: list[Any] | None
    error: dict[str, Any] | None
    created_at: dt.datetime
    completed_at: dt.datetime | None


async def read_turn(engine: AsyncEngine, turn_id: str) -> TurnRow | None:
    """One turn by id: a prepared statement outside any transaction, no ORM (the long-poll
    reads a turn twice per message: through a session that cost a BEGIN, a ROLLBACK and the
    ORM's identity map, about as much as the rest of the request)."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        conn: Any = raw.driver_connection
        row = await conn.fetchrow(_READ_TURN, turn_id)
    if row is None:
        return None
    values = dict(row)
    for name in ("action", "widgets", "error"):
        if values[name] is not None:
            values[name] = json.loads(values[name])
    return TurnRow(**values)


def _title(text: str | None) -> str | None:
    # As create_turn titles a new thread: its first message, up to 80 characters.
    return (text or "").strip()[:80] or None

