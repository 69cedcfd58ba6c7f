"""Crash recovery: seconds from a worker SIGKILLed mid-turn until its thread moves again.

Production layout: one API process, one Celery worker with 2 pool processes (as
`chatkit-todo worker -c 2`), the machine's PostgreSQL and Redis. Each kill uses a fresh
thread: the bench locks the `tasks` table (EXCLUSIVE: reads go on, writes wait), posts two
turns ("add …" each), waits until a pool process has marked the first one running and
is blocked inside it, SIGKILLs that process (its pid is in the thread's lease owner,
`host:pid:token`), releases the table, and measures the seconds until the *second* turn
is `completed` (which needs the killed turn redone first: per-thread order).

`crash_recovery_s` is the median of `--kills` (≥ 5) such kills; the max is reported beside
it. What bounds it: the lease must run out (a dead worker cannot release it) and a sweep
or a redelivered kick must find the thread.

    python bench/bench_recovery.py [--kills 5] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import stack


def _conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _post(client: Any, token: str, thread_id: str, text: str) -> str:
    response = client.post("/api/chatkit/respond", json={"thread_id": thread_id, "input": text},
                           headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return str(response.json()["response_id"])


def _wait_status(conn: Any, turn_id: str, statuses: tuple[str, ...], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = conn.execute("SELECT status FROM turns WHERE id = %s", (turn_id,)).fetchone()
        if row is not None and row[0] in statuses:
            return True
        time.sleep(0.005)
    return False


def one_kill(client: Any, conninfo: str, token: str, thread_id: str, worker: stack.Proc,
             timeout: float) -> dict[str, Any]:
    """One kill as the module docstring says; returns the seconds and what happened."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as watch, \
            psycopg.connect(conninfo) as blocker:
        blocker.execute("LOCK TABLE tasks IN EXCLUSIVE MODE")
        first = _post(client, token, thread_id, "add buy milk tomorrow")
        second = _post(client, token, thread_id, "add buy eggs")
        if not _wait_status(watch, first, ("running",), 30):
            blocker.rollback()
            return {"error": "the first turn never started"}
        # Running, and blocked on the table lock: in the middle of the turn.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()").fetchone()[0]:
            time.sleep(0.005)
        owner = watch.execute("SELECT lock_owner FROM threads WHERE id = %s",
                              (thread_id,)).fetchone()[0]
        pid = int(owner.split(":")[1])
        if pid not in worker.pids() or pid == worker.pid:
            blocker.rollback()
            return {"error": f"lease owner {owner} is not a pool process"}
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        blocker.rollback()  # the redone turn must not wait on the bench
        done = _wait_status(watch, second, ("completed", "failed"), timeout)
        seconds = time.monotonic() - killed_at
        statuses = dict(watch.execute("SELECT id, status FROM turns WHERE id IN (%s, %s)",
                                      (first, second)).fetchall())
        attempts = watch.execute("SELECT attempts FROM turns WHERE id = %s",
                                 (first,)).fetchone()[0]
    return {"seconds": round(seconds, 3) if done else None, "timed_out": not done,
            "first": statuses.get(first), "second": statuses.get(second),
            "first_attempts": attempts}


def run(*, kills: int = 5, timeout: float = 150.0) -> dict[str, Any]:
    import httpx

    out: dict[str, Any] = {"kills": [], "layout": "api: 1 process; worker: 1 Celery "
                           "worker, 2 pool processes; the pool process running the turn "
                           "SIGKILLed"}
    with stack.bench_database() as db_url, stack.bench_queue() as queue:
        env = stack.product_env(db_url, queue)
        api, base = stack.start_server("recovery-api", stack.PRODUCT_SERVER,
                                       "api.app:create_app", factory=True, workers=1, env=env)
        workers: list[stack.Proc] = []
        try:
            workers = stack.start_workers(1, env, concurrency=2)
            users = [f"bench_recovery_{i}" for i in range(kills)]
            tokens = stack.mint_tokens(users)
            with httpx.Client(base_url=base, timeout=30) as client:
                for user, token in zip(users, tokens, strict=True):
                    time.sleep(1.0)  # Celery has forked the replacement pool process
                    out["kills"].append(one_kill(client, _conninfo(db_url), token,
                                                 f"t_{user}", workers[0], timeout))
        finally:
            for proc in workers:
                proc.stop()
            api.stop()
    seconds = [k["seconds"] if k.get("seconds") is not None else timeout
               for k in out["kills"] if "error" not in k]
    out["keys"] = {
        "crash_recovery_s": round(statistics.median(seconds), 2) if seconds else None,
        "crash_recovery_max_s": round(max(seconds), 2) if seconds else None,
        "crash_recovery_kills": len(seconds),
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the same 5 kills (the minimum)")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(kills=max(5, args.kills), timeout=args.timeout)
    print(json.dumps(result, indent=None if args.json else 2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
