"""Scaling: does a turn get slower as a user's data grows?

Rows are seeded directly through `store/` (bulk inserts), then the product's own code is
timed in this process, pinned to one core, against the machine's PostgreSQL:

- `turn_ms_tasks_{10,1000,10000}`: the worker's cost of one turn (`ThreadProcessor.drain`:
  lock, understand, resolve, act, render, commit) for a user holding that many tasks, as
  the mean over a mix of "add …", "show my tasks" and "complete <a task>" turns (each kind
  is also reported alone);
- `respond_ms_history_{1,10000}`: the API's cost of accepting a message
  (`TurnIntake.respond`: validate, store the turn with its sequence number, kick) on a
  thread with that many earlier turns; `turn_ms_history_*` the worker's cost there.

The baseline of each row is its smallest size, measured in the same run.

    python bench/bench_scaling.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import stack

TURN_MIX = {
    "add": "add call the plumber friday p2 #home",
    "list": "show my tasks",
    "complete": "complete task number 7",
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def seed_tasks(database: Any, user_id: str, count: int) -> None:
    """`count` open tasks for the user, in one bulk insert."""
    from sqlalchemy import insert

    from store.models import Task

    now = _now()
    rows: list[dict[str, Any]] = [
        {
            "id": f"task_{user_id}_{i}",
            "user_id": user_id,
            "title": f"task number {i}",
            "completed": False,
            "completed_at": None,
            "due": None,
            "due_at": None,
            "priority": None,
            "tags": [],
            "recurrence": None,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    with database.sync_sessions()() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Task), rows[start : start + 5000])
        session.commit()


def seed_thread(database: Any, thread_id: str, user_id: str, history: int) -> None:
    """A thread with `history` completed turns (and their events), numbered 1..history."""
    from sqlalchemy import insert

    from store.models import Thread, ThreadEvent, Turn

    now = _now()
    with database.sync_sessions()() as session:
        session.execute(
            insert(Thread),
            [
                {
                    "id": thread_id,
                    "user_id": user_id,
                    "title": "t",
                    "next_seq": history,
                    "context": {},
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        turns: list[dict[str, Any]] = [
            {
                "id": f"hist_{thread_id}_{i}",
                "thread_id": thread_id,
                "user_id": user_id,
                "seq": i,
                "kind": "message",
                "input": "show my tasks",
                "action": None,
                "meta": {},
                "status": "completed",
                "text": "Your Tasks: 0 tasks.",
                "widgets": [],
                "error": None,
                "attempts": 1,
                "created_at": now,
                "started_at": now,
                "completed_at": now,
            }
            for i in range(1, history + 1)
        ]
        events = [
            {
                "thread_id": thread_id,
                "turn_id": t["id"],
                "type": "turn.completed",
                "created_at": now,
            }
            for t in turns
        ]
        for start in range(0, len(turns), 5000):
            session.execute(insert(Turn), turns[start : start + 5000])
            session.execute(insert(ThreadEvent), events[start : start + 5000])
        session.commit()


async def _noop_kick(thread_id: str) -> None:
    return None


class ApiSide:
    """`TurnIntake` on one long-lived event loop (asyncpg connections belong to a loop)."""

    def __init__(self, database: Any) -> None:
        from api.server import TurnIntake

        self.loop = asyncio.new_event_loop()
        self.database = database
        self.server = TurnIntake(database.async_sessions(), _noop_kick)

    def respond(self, thread_id: str, text: str, user_id: str) -> float:
        """Milliseconds of one `respond` (the kick is a no-op: no broker here)."""
        began = time.perf_counter()
        self.loop.run_until_complete(self.server.respond(thread_id, text, user_id))
        return (time.perf_counter() - began) * 1000

    def close(self) -> None:
        self.loop.run_until_complete(self.database.aclose())
        self.loop.close()


def time_respond(api: ApiSide, thread_id: str, user_id: str, count: int) -> list[float]:
    return [api.respond(thread_id, "add buy milk", user_id) for _ in range(count)]


def time_turns(
    api: ApiSide, processor: Any, thread_id: str, user_id: str, text: str, count: int
) -> list[float]:
    """Milliseconds of the worker processing each of `count` turns, one at a time."""
    times = []
    for _ in range(count):
        api.respond(thread_id, text, user_id)
        began = time.perf_counter()
        processed = processor.drain(thread_id)
        times.append((time.perf_counter() - began) * 1000)
        assert processed == 1, processed
    return times


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def run(*, quick: bool = False) -> dict[str, Any]:
    from store import Database
    from workers.processing import ThreadProcessor

    cpus = stack.pin(stack.SERVER_CPUS)
    if cpus:
        os.sched_setaffinity(0, cpus)
    repeats = 3 if quick else 20
    sizes = [10, 1000, 10000]
    out: dict[str, Any] = {"tasks": {}, "history": {}}
    with stack.bench_database() as url:
        database = Database(url)
        processor = ThreadProcessor(database.sync_sessions())
        api = ApiSide(database)
        for size in sizes:
            user = f"scale_tasks_{size}"
            seed_tasks(database, user, size)
            per_kind: dict[str, float] = {}
            for kind, text in TURN_MIX.items():
                thread = f"t_{user}_{kind}"
                time_turns(api, processor, thread, user, text, 2)  # warm caches
                per_kind[kind] = _mean(time_turns(api, processor, thread, user, text, repeats))
            out["tasks"][str(size)] = {
                "mean_ms": _mean(list(per_kind.values())),
                **{f"{kind}_ms": value for kind, value in per_kind.items()},
            }
        # Both threads are measured in alternation, so drift in the machine's load over
        # the run hits the long and the short thread alike.
        threads = {}
        for history in (1, 10000):
            user = f"scale_hist_{history}"
            threads[history] = (f"t_{user}", user)
            seed_tasks(database, user, 10)
            seed_thread(database, f"t_{user}", user, history)
            time_respond(api, f"t_{user}", user, 3)  # warm
        respond: dict[int, list[float]] = {1: [], 10000: []}
        turns: dict[int, list[float]] = {1: [], 10000: []}
        for _ in range(repeats * 2):
            for history, (thread, user) in threads.items():
                respond[history] += time_respond(api, thread, user, 1)
        for thread, _user in threads.values():
            processor.drain(thread)  # the accepted messages, so the next timings are 1 turn
        for _ in range(repeats):
            for history, (thread, user) in threads.items():
                turns[history] += time_turns(api, processor, thread, user, "show my tasks", 1)
        for history in threads:
            out["history"][str(history)] = {
                "respond_ms": _mean(respond[history]),
                "respond_p50_ms": stack.percentile(respond[history], 50),
                "turn_ms": _mean(turns[history]),
                "turn_p50_ms": stack.percentile(turns[history], 50)}
        api.close()
        database.close()
    tasks, history = out["tasks"], out["history"]
    out["keys"] = {
        "turn_ms_tasks_10": tasks["10"]["mean_ms"],
        "turn_ms_tasks_1000": tasks["1000"]["mean_ms"],
        "turn_ms_tasks_10000": tasks["10000"]["mean_ms"],
        "respond_ms_history_1": history["1"]["respond_ms"],
        "respond_ms_history_10000": history["10000"]["respond_ms"],
        "turn_ms_history_1": history["1"]["turn_ms"],
        "turn_ms_history_10000": history["10000"]["turn_ms"],
    }
    keys = out["keys"]
    out["history_growth"] = stack.ratio(
        keys["respond_ms_history_10000"], keys["respond_ms_history_1"]
    )
    out["worker_history_growth"] = stack.ratio(
        keys["turn_ms_history_10000"], keys["turn_ms_history_1"]
    )
    # 1000x more tasks: linear growth would be x1000; sub-linear is well below that.
    out["task_growth"] = stack.ratio(keys["turn_ms_tasks_10000"], keys["turn_ms_tasks_10"])
    # Per kind: a kind that scans every task grows with the task count, whatever the mean.
    out["growth_by_kind"] = {kind: stack.ratio(tasks["10000"][f"{kind}_ms"],
                                               tasks["10"][f"{kind}_ms"]) for kind in TURN_MIX}
    out["worst_kind_growth"] = max(out["growth_by_kind"].values())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick)
    print(json.dumps(result, indent=None if args.json else 2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
