"""In-process cost of one whole turn (understand → resolve → act → render + commit) on SQLite,
for a user with 100 tasks. Target (issue 5): p50 ≤ 5 ms.

    python bench/bench_turn.py [--tasks 100] [--turns 600] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents import run_turn
from store import Database
from store.migrate import upgrade
from store.tasks import TaskRepository

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
MESSAGES = [
    "show me my tasks",
    "add buy oat milk tomorrow at 5pm p2 #home",
    "what's due this week?",
    "complete task number 7",
    "show my tasks tagged #work",
    "delete buy oat milk",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--turns", type=int, default=600)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        database = Database(url)
        sessions = database.sync_sessions()
        with sessions() as session:
            repo = TaskRepository(session, "bench")
            for i in range(args.tasks):
                repo.add(
                    title=f"task number {i} about report {i % 7}",
                    now=NOW,
                    tags=["work"] if i % 3 == 0 else [],
                    due=(NOW.date() + dt.timedelta(days=i % 10)).isoformat(),
                )
            session.commit()
        memory: dict[str, Any] = {}
        by_message: dict[str, list[float]] = {m: [] for m in MESSAGES}
        all_ms: list[float] = []
        for i in range(args.turns):
            text = MESSAGES[i % len(MESSAGES)]
            start = time.perf_counter()
            with sessions() as session:
                run_turn(
                    session,
                    user_id="bench",
                    turn_id=f"resp_{i}",
                    now=NOW,
                    tz=ZoneInfo("UTC"),
                    memory=memory,
                    text=text,
                )
                session.commit()
            elapsed = (time.perf_counter() - start) * 1000
            by_message[text].append(elapsed)
            all_ms.append(elapsed)
        database.close()

    result = {
        "turn_tasks": args.tasks,
        "turn_p50_ms": round(statistics.median(all_ms), 3),
        "turn_p99_ms": round(percentile(all_ms, 0.99), 3),
        "per_message_p50_ms": {m: round(statistics.median(v), 3) for m, v in by_message.items()},
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"whole turn on SQLite, user with {args.tasks} tasks, {args.turns} turns:")
        print(
            f"  p50 {result['turn_p50_ms']} ms   p99 {result['turn_p99_ms']} ms   "
            "(target p50 <= 5 ms)"
        )
        for message, value in result["per_message_p50_ms"].items():
            print(f"  {value:8.3f} ms  {message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
