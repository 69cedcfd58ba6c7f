"""End to end: from `POST /api/chatkit/respond` to the result seen `completed`.

Production layout: one API process (pinned to core 0), one Celery worker with 2 processes
(`chatkit-todo worker --concurrency 2`, unpinned: they float over both cores), the
machine's PostgreSQL and Redis; the load generator on core 1. Load is open-loop at fixed
rates; each accepted message is followed by long-poll (`GET …/responses/{id}?wait=10`,
answered the moment the worker's pub/sub event arrives), so the time measured is the
product's, not a polling interval's. With `--follow poll` (servers without long-poll) the
follow-up polls every 5 ms, and the output says so.

The baseline in the same run is the ingest half alone: the same open-loop rate, POST
only (`post_p50_ms`), so "how much of the wait is the worker" reads off directly.

`e2e_cpu_ms_per_message`: at 50 messages/s, the CPU seconds used by the API process, the
worker's processes, PostgreSQL and Redis (from /proc, before and after the rate's run;
the load generator is not counted) over the messages completed.

`e2e_max_sustained_per_s`: the highest tested rate (10, 25, 50, 100, 200, …) where every
message completed, the generator kept its schedule, and the median latency of the last
half of the run stayed within 2x (+20 ms) of the first half (a growing backlog fails that).

    python bench/bench_e2e.py [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import stack

TEXTS = ("add buy milk tomorrow p2 #home", "show my tasks")
USERS = 3000


def write_requests(directory: Path) -> Path:
    user_ids = [f"bench_e2e_{i}" for i in range(USERS)]
    tokens = stack.mint_tokens(user_ids)
    requests = [
        {
            "method": "POST",
            "path": "/api/chatkit/respond",
            "headers": {"Authorization": f"Bearer {token}"},
            "body": {"thread_id": f"t_{user}", "input": TEXTS[i % len(TEXTS)]},
        }
        for i, (user, token) in enumerate(zip(user_ids, tokens, strict=True))
    ]
    path = directory / "e2e-requests.json"
    path.write_text(json.dumps({"requests": requests}))
    return path


def has_long_poll() -> bool:
    """True when the result endpoint takes `?wait=` (the live-events work)."""
    source = (stack.ROOT / "api" / "routes.py").read_text()
    return "wait_for_result" in source or "wait:" in source


def open_loop(
    base: str, requests: Path, rate: float, duration: float, follow: str
) -> dict[str, Any]:
    return stack.run_loadgen(
        [
            "--base",
            base,
            "--requests",
            str(requests),
            "--mode",
            "open",
            "--rate",
            str(rate),
            "--duration",
            str(duration),
            "--follow",
            follow,
            "--wait",
            "10",
            "--poll-ms",
            "5",
        ]
    )


def sustained(result: dict[str, Any]) -> bool:
    """Every message completed on schedule and latency did not climb through the run."""
    first, last = result.get("e2e_p50_first_half_ms"), result.get("e2e_p50_last_half_ms")
    if first is None or last is None or math.isnan(first) or math.isnan(last):
        return False
    return (
        result["errors"] == 0
        and result["e2e_count"] == result["offered"]
        and result["achieved_send_rate"] >= 0.95 * result["rate"]
        and last <= 2 * first + 20
    )


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "rate",
        "offered",
        "achieved_send_rate",
        "e2e_count",
        "outcomes",
        "errors",
        "p50_ms",
        "p99_ms",
        "e2e_p50_ms",
        "e2e_p90_ms",
        "e2e_p99_ms",
        "e2e_max_ms",
        "e2e_p50_first_half_ms",
        "e2e_p50_last_half_ms",
        "follow_requests_per_turn",
        "drain_s",
        "loadgen_cpu_share",
        "error_samples",
    )
    return {key: result[key] for key in keep if key in result}


def run(
    *, quick: bool = False, follow: str | None = None, server: str = stack.PRODUCT_SERVER,
    api_processes: int = 1, worker_processes: int = 1,
) -> dict[str, Any]:
    follow = follow or ("longpoll" if has_long_poll() else "poll")
    duration = 3.0 if quick else 15.0
    rates = [50.0] if quick else [50.0, 200.0]
    ramp = [] if quick else [10.0, 25.0, 100.0, 150.0, 300.0, 400.0, 600.0]
    out: dict[str, Any] = {
        "follow": follow,
        "server": server,
        "rates": {},
        "layout": (f"api: {api_processes} process(es) on core 0; worker: "
                   f"{worker_processes} Celery worker(s), 2 processes each, unpinned; "
                   "loadgen: core 1") if api_processes == 1 else
                  (f"api: {api_processes} processes, unpinned; worker: {worker_processes} "
                   "Celery worker(s), 2 processes each, unpinned; loadgen: core 1"),
    }
    with (
        tempfile.TemporaryDirectory() as tmp,
        stack.bench_database() as db_url,
        stack.bench_queue() as queue,
    ):
        requests = write_requests(Path(tmp))
        env = stack.product_env(db_url, queue)
        api, base = stack.start_server(
            "e2e-api",
            server,
            "api.app:create_app",
            factory=True,
            workers=api_processes,
            env=env,
            # One API process is pinned to core 0 (as in bench_ingest); more float.
            cpus=stack.pin(stack.SERVER_CPUS) if api_processes == 1 else (),
        )
        workers: list[stack.Proc] = []
        try:
            workers = stack.start_workers(worker_processes, env, concurrency=2)
            open_loop(base, requests, 20, 1 if quick else 2, follow)  # warm both sides
            # Baseline: the same load, POST only, measured first (its turns drain before
            # the e2e runs start, so they do not inflate the backlog).
            baseline = open_loop(base, requests, 50, duration, "none")
            out["post_only_50"] = _brief(baseline)
            _wait_drained(queue)
            held_so_far = True
            for rate in sorted(set(rates + ramp)):
                if rate not in rates and not held_so_far:
                    continue  # the ramp already found its ceiling; only the keyed rates run
                pids = [*api.pids(), *(p for w in workers for p in w.pids()),
                        *stack.service_pids(db_url)]
                before = stack.cpu_by_pid(pids)
                result = open_loop(base, requests, rate, duration, follow)
                # Everything the stack spent (API, worker pool, PostgreSQL, Redis; not the
                # load generator) over the messages completed, read from /proc.
                used = stack.cpu_since(before, [*api.pids(),
                                                *(p for w in workers for p in w.pids()),
                                                *stack.service_pids(db_url)])
                cpu_ms = 1000 * used / max(1, result.get("e2e_count") or 0)
                out["rates"][f"{rate:g}"] = _brief(result) | {
                    "sustained": sustained(result), "cpu_ms_per_message": cpu_ms}
                held_so_far = held_so_far and sustained(result)
                _wait_drained(queue)
        finally:
            for proc in workers:
                proc.stop()
            api.stop()
    at50 = out["rates"]["50"]
    held = [float(rate) for rate, result in out["rates"].items() if result["sustained"]]
    out["keys"] = {
        "e2e_p50_ms": at50["e2e_p50_ms"],
        "e2e_p99_ms": at50["e2e_p99_ms"],
        "e2e_max_sustained_per_s": max(held) if held else 0.0,
        "e2e_cpu_ms_per_message": at50["cpu_ms_per_message"],
        "e2e_p50_ms_at_200": out["rates"].get("200", {}).get("e2e_p50_ms"),
        "e2e_p99_ms_at_200": out["rates"].get("200", {}).get("e2e_p99_ms"),
        "post_only_p50_ms_at_50": out["post_only_50"]["p50_ms"],
    }
    return out


def _wait_drained(queue: str, timeout: float = 60.0) -> None:
    """Let the workers finish what is queued so one rate's backlog is not the next one's."""
    deadline = time.monotonic() + timeout
    while stack.queue_length(queue) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--follow", choices=("longpoll", "poll"))
    parser.add_argument("--server", default=stack.PRODUCT_SERVER, choices=stack.SERVERS)
    parser.add_argument("--api-processes", type=int, default=1,
                        help="API processes (scale-out runs; >1 leaves them unpinned)")
    parser.add_argument("--worker-processes", type=int, default=1,
                        help="Celery workers (`chatkit-todo worker -c 2` each)")
    args = parser.parse_args()
    result = run(quick=args.quick, follow=args.follow, server=args.server,
                 api_processes=args.api_processes, worker_processes=args.worker_processes)
    print(json.dumps(result, indent=None if args.json else 2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
