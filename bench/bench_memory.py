"""Memory: peak RSS of one API process and one worker process after 10,000 turns.

One API process (uvicorn, as `chatkit-todo api` runs it) and one Celery worker with one
pool process, against the machine's PostgreSQL and Redis. The load generator sends
10,000 messages (closed loop, 16 connections, 2,000 users: adds and lists mixed, so task
lists grow), then the bench waits until the worker has finished every turn and reads each
process's peak resident set (`VmHWM`). Baseline in the same run: the same processes'
RSS when idle just after start-up.

    python bench/bench_memory.py [--turns N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_e2e
import stack


def pending_turns(database_url: str) -> int:
    import psycopg

    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            "SELECT count(*) FROM turns WHERE status IN ('queued', 'running')"
        ).fetchone()
        return int(row[0]) if row else 0


def completed_turns(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM turns WHERE status = 'completed'").fetchone()
        return int(row[0]) if row else 0


def _peaks(proc: stack.Proc) -> dict[str, float]:
    """Peak RSS (MB) of the process and of its largest child (the Celery pool process)."""
    usage = stack.rss_mb(proc.pids())
    main = usage.get(proc.pid, {})
    children = [u for pid, u in usage.items() if pid != proc.pid]
    return {
        "main_peak_mb": main.get("peak", 0.0),
        "main_rss_mb": main.get("rss", 0.0),
        "child_peak_mb": max((c.get("peak", 0.0) for c in children), default=0.0),
    }


def run(*, turns: int = 10000, server: str = stack.PRODUCT_SERVER) -> dict[str, Any]:
    out: dict[str, Any] = {"turns": turns, "server": server}
    with (
        tempfile.TemporaryDirectory() as tmp,
        stack.bench_database() as db_url,
        stack.bench_queue() as queue,
    ):
        requests = bench_e2e.write_requests(Path(tmp))
        env = stack.product_env(db_url, queue)
        api, base = stack.start_server(
            "mem-api",
            server,
            "api.app:create_app",
            factory=True,
            workers=1,
            env=env,
            cpus=stack.pin(stack.SERVER_CPUS),
        )
        workers: list[stack.Proc] = []
        try:
            workers = stack.start_workers(1, env, concurrency=1)
            time.sleep(1.0)
            out["idle"] = {"api": _peaks(api), "worker": _peaks(workers[0])}
            began = time.monotonic()
            load = stack.run_loadgen(
                [
                    "--base",
                    base,
                    "--requests",
                    str(requests),
                    "--mode",
                    "closed",
                    "--concurrency",
                    "16",
                    "--duration",
                    "3600",
                    "--warmup",
                    "0",
                    "--count",
                    str(turns),
                ],
                timeout=3600,
            )
            out["load"] = {
                key: load[key]
                for key in ("requests", "errors", "rps", "p50_ms", "p99_ms", "error_samples")
            }
            deadline = time.monotonic() + 1800
            while pending_turns(db_url) and time.monotonic() < deadline:
                time.sleep(1.0)
            out["seconds"] = time.monotonic() - began
            out["completed_turns"] = completed_turns(db_url)
            out["after"] = {"api": _peaks(api), "worker": _peaks(workers[0])}
        finally:
            for proc in workers:
                proc.stop()
            api.stop()
    after = out["after"]
    out["keys"] = {
        "api_rss_mb": after["api"]["main_peak_mb"],
        # The pool process runs the turns; the Celery main process only routes kicks.
        "worker_rss_mb": max(after["worker"]["child_peak_mb"], after["worker"]["main_peak_mb"]),
        "api_rss_idle_mb": out["idle"]["api"]["main_rss_mb"],
        "worker_rss_idle_mb": max(
            out["idle"]["worker"]["child_peak_mb"], out["idle"]["worker"]["main_peak_mb"]
        ),
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(turns=args.turns)
    print(json.dumps(result, indent=None if args.json else 2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
