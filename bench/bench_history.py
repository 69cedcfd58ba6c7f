"""Does a long thread cost more? Timings on a thread with N past turns beside a new thread.

For each figure the median of `--repeat` runs, in milliseconds:

- `respond_ms`: storing a message (`TurnIntake.respond`: thread row, sequence number,
  turn and its `turn.queued` event);
- `drain_ms`: a worker processing that message (`ThreadProcessor.drain`: understand, act,
  render, commit);
- `history_page_ms`: reading the newest page of 50 items (`GET /threads/{id}`'s queries);
- `events_resume_ms`: reading the events after the second-to-last one (a resume).

The long thread is filled by bulk insert (completed turns and their events), then the same
operations run on it and on a fresh thread.

    python bench/bench_history.py [--turns 10000] [--repeat 15] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from api.server import TurnIntake
from store import Database
from store.history import events_after, last_event_id, list_turns
from store.migrate import upgrade
from store.models import Thread, ThreadEvent, Turn
from workers.processing import ThreadProcessor

USER = "bench-user"


def fill_thread(database: Database, thread_id: str, turns: int) -> None:
    """A thread with `turns` completed turns and their three events each, inserted in bulk."""
    now = dt.datetime.now(dt.UTC)
    card = [{"id": "c", "type": "card", "children": [], "props": {}, "metadata": {}}]
    with database.sync_sessions()() as session:
        session.execute(
            insert(Thread),
            [
                {
                    "id": thread_id,
                    "user_id": USER,
                    "title": "long",
                    "next_seq": turns,
                    "context": {},
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        for start in range(0, turns, 2000):
            batch = range(start + 1, min(start + 2000, turns) + 1)
            session.execute(
                insert(Turn),
                [
                    {
                        "id": f"resp_{thread_id}_{seq}",
                        "thread_id": thread_id,
                        "user_id": USER,
                        "seq": seq,
                        "kind": "message",
                        "input": f"add task {seq}",
                        "meta": {},
                        "status": "completed",
                        "text": "Added.",
                        "widgets": card,
                        "attempts": 1,
                        "created_at": now,
                        "completed_at": now,
                    }
                    for seq in batch
                ],
            )
            session.execute(
                insert(ThreadEvent),
                [
                    {
                        "thread_id": thread_id,
                        "turn_id": f"resp_{thread_id}_{seq}",
                        "type": f"turn.{kind}",
                        "created_at": now,
                    }
                    for seq in batch
                    for kind in ("queued", "running", "completed")
                ],
            )
        session.commit()


async def measure(
    database: Database, threads: list[str], repeat: int
) -> dict[str, dict[str, float]]:
    """Median ms of each operation per thread; the threads take turns, so drift hits both."""
    processor = ThreadProcessor(database.sync_sessions())

    async def no_kick(_: str) -> None:
        return None

    server = TurnIntake(database.async_sessions(), no_kick)
    sessions = database.async_sessions()

    async def respond(thread_id: str) -> None:
        await server.respond(thread_id, "add buy milk", USER)

    async def drain(thread_id: str) -> None:
        await asyncio.to_thread(processor.drain, thread_id)

    async def history_page(thread_id: str) -> None:
        async with sessions() as session:
            await list_turns(session, thread_id, limit=50)

    async def events_resume(thread_id: str) -> None:
        async with sessions() as session:
            last = await last_event_id(session, thread_id)
            await events_after(session, thread_id, last - 1)

    operations: dict[str, Callable[[str], Awaitable[None]]] = {
        "respond_ms": respond,
        "drain_ms": drain,
        "history_page_ms": history_page,
        "events_resume_ms": events_resume,
    }
    samples: dict[str, dict[str, list[float]]] = {
        t: {name: [] for name in operations} for t in threads
    }
    for _ in range(repeat):
        for name, operation in operations.items():
            for thread_id in threads:
                start = time.perf_counter()
                await operation(thread_id)
                samples[thread_id][name].append((time.perf_counter() - start) * 1000)
    return {
        t: {name: round(statistics.median(values), 2) for name, values in figures.items()}
        for t, figures in samples.items()
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    database = Database(url)
    fill_thread(database, "long-thread", args.turns)
    figures = await measure(database, ["new-thread", "long-thread"], args.repeat)
    results: dict[str, Any] = {
        "turns_in_long_thread": args.turns,
        "new_thread": figures["new-thread"],
        "long_thread": figures["long-thread"],
    }
    await database.aclose()
    database.close()
    if args.json:
        print(json.dumps(results))
        return
    print(f"database: {url}")
    print(f"{'figure (median ms)':<22}{'new thread':>12}{'long thread':>14}   ({args.turns} turns)")
    for name in results["new_thread"]:
        print(f"{name:<22}{results['new_thread'][name]:>12}{results['long_thread'][name]:>14}")


if __name__ == "__main__":
    asyncio.run(main())
