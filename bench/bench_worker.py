"""Worker throughput: turns per second of one worker process on the production stack, beside
Celery's own no-op task throughput on the same broker, in the same run.

One `celery -A workers.app worker -c 1` process (what `chatkit-todo worker` runs), pinned to
one core, on the machine's Redis and a fresh PostgreSQL database. For each figure the
worker's consumer is paused, the whole backlog is published, the consumer resumed and the
clock runs until the last item is done:

- `worker_turns_per_s`: stored turns (a mix of "add …" and "show my tasks" over many
  threads, one kick per turn as the API sends them) processed to `completed`;
- `celery_noop_per_s`: `chatkit.bench.noop` tasks (same app, same acks_late/prefetch/events
  settings), the ceiling any Celery task can reach here;
- `worker_ratio`: the first over the second.

    python bench/bench_worker.py [--turns N] [--noops N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import secrets
import socket
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workers.app import app as _worker_app

NOOP = "chatkit.bench.noop"
DONE_KEY = "chatkit:bench:noop-done:"


@_worker_app.task(name=NOOP)
def noop(mark: str | None = None) -> None:
    """Does nothing; the last one of a batch leaves a mark so the bench knows it is done."""
    if mark:
        import redis

        from core.settings import get_settings

        client = redis.Redis.from_url(get_settings().redis_url or "")
        client.set(DONE_KEY + mark, "1", ex=300)
        client.close()


def _start_worker(env: dict[str, str]) -> Any:
    import stack

    node = f"bench-worker-{secrets.token_hex(3)}@{socket.gethostname()}"
    proc = stack.start(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.app",
            "worker",
            "-I",
            "bench_worker",
            "-Q",
            env["CHATKIT_CELERY_QUEUE"],
            "-c",
            "1",
            "--without-sweep",
            "--loglevel",
            "WARNING",
            "-n",
            node,
        ],
        {**env, "PYTHONPATH": f"{stack.BENCH}:{env['PYTHONPATH']}"},
        stack.pin(stack.SERVER_CPUS),
    )
    proc.extra["node"] = node
    return proc


class Bench:
    """The worker under test, a producer, and a control handle to pause its consumer."""

    def __init__(self, database_url: str, queue: str, worker: Any) -> None:
        import stack
        from celery import Celery

        self.database_url, self.queue, self.worker = database_url, queue, worker
        self.app = Celery("bench-producer", broker=stack.REDIS_URL, set_as_current=False)
        self.node = worker.extra["node"]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.worker.popen.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.worker.tail()}")
            if self.app.control.ping(destination=[self.node], timeout=1.0):
                return
        raise RuntimeError(f"worker not ready:\n{self.worker.tail()}")

    def pause(self) -> None:
        self.app.control.cancel_consumer(self.queue, destination=[self.node], reply=True)

    def resume(self) -> None:
        self.app.control.add_consumer(self.queue, destination=[self.node], reply=True)

    def turns_per_s(self, count: int, threads: int) -> float:
        from sqlalchemy import func, select

        from store import Database
        from store.models import Turn
        from store.turns import create_turn

        async def store() -> list[str]:
            database = Database(self.database_url)
            thread_ids = []
            async with database.async_sessions()() as session:
                for number in range(count):
                    thread_id = f"bench-{number % threads}"
                    text = (
                        "show my tasks"
                        if number // threads % 3 == 2
                        else (f"add pack item {number}")
                    )
                    await create_turn(
                        session,
                        turn_id=f"resp_{secrets.token_hex(10)}",
                        thread_id=thread_id,
                        user_id=f"user-{number % threads}",
                        kind="message",
                        input=text,
                        action=None,
                        metadata={},
                        now=dt.datetime.now(dt.UTC),
                    )
                    thread_ids.append(thread_id)
            await database.aclose()
            return thread_ids

        self.pause()
        for thread_id in asyncio.run(store()):
            self.app.send_task("chatkit.process_thread", args=[thread_id], queue=self.queue)
        database = Database(self.database_url)
        sessions = database.sync_sessions()
        started = time.perf_counter()
        self.resume()
        while True:
            with sessions() as session:
                done = session.scalar(select(func.count()).where(Turn.status == "completed"))
            if done == count:
                elapsed = time.perf_counter() - started
                break
            time.sleep(0.02)
        database.close()
        return count / elapsed

    def noops_per_s(self, count: int) -> float:
        import redis
        import stack

        mark = secrets.token_hex(6)
        client = redis.Redis.from_url(stack.REDIS_URL)
        self.pause()
        with self.app.producer_or_acquire() as producer:
            for _ in range(count - 1):
                self.app.send_task(NOOP, queue=self.queue, producer=producer)
            # One process, prefetch 1, a FIFO list: the marked one runs last.
            self.app.send_task(NOOP, args=[mark], queue=self.queue, producer=producer)
        started = time.perf_counter()
        self.resume()
        while not client.exists(DONE_KEY + mark):
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        client.delete(DONE_KEY + mark)
        client.close()
        return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--noops", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import stack

    with stack.bench_database() as database_url, stack.bench_queue() as queue:
        env = stack.product_env(database_url, queue)
        worker = _start_worker(env)
        try:
            bench = Bench(database_url, queue, worker)
            bench.wait_ready()
            bench.noops_per_s(100)  # warm-up: connections, imports, the pool's first fork
            noop_rate = bench.noops_per_s(args.noops)
            turn_rate = bench.turns_per_s(args.turns, args.threads)
        finally:
            worker.stop()
    result = {
        "worker_turns_per_s": round(turn_rate, 1),
        "celery_noop_per_s": round(noop_rate, 1),
        "worker_ratio": round(turn_rate / noop_rate, 3),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"worker turns/s (1 process): {result['worker_turns_per_s']}")
        print(f"celery no-op tasks/s (same worker, same broker): {result['celery_noop_per_s']}")
        print(f"ratio: {result['worker_ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
