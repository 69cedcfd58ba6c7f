"""Workers SIGKILLed mid-run: every accepted turn still completes, exactly once, in order."""

from __future__ import annotations

import os
import random
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from test_workers_harness import (
    SCRIPT,
    SCRIPT_TASKS,
    Submitter,
    Worker,
    assert_exactly_once_in_order,
    migrate,
    pg,
    stack_env,
    tasks_by_user,
    wait_all_final,
    workers,  # noqa: F401 - the fixture
)

THREADS = 10
KILLS = 5


def _draining_process(pg_url: str, pids: list[int], timeout: float = 5) -> int | None:
    """The first of `pids` seen running a turn (lease owners are `host:pid:token`)."""
    deadline = time.monotonic() + timeout
    with pg(pg_url) as conn:
        while time.monotonic() < deadline:
            for (owner,) in conn.execute(
                    "SELECT th.lock_owner FROM threads th JOIN turns tu ON tu.thread_id = th.id"
                    " WHERE tu.status = 'running' AND th.lock_owner IS NOT NULL").fetchall():
                pid = int(owner.split(":")[1])
                if pid in pids:
                    return pid
            time.sleep(0.002)
    return None


def test_100_turns_survive_5_sigkills(
    pg_url: str, redis_url: str, tmp_path: Path, workers: list[Worker]  # noqa: F811
) -> None:
    env = stack_env(pg_url, redis_url, tmp_path)
    migrate(env)
    workers.extend(Worker(f"w{n}", env, tmp_path, "-c", "2").start() for n in range(2))
    for worker in workers:
        worker.wait_ready()
    submitter = Submitter(pg_url, redis_url, env["CHATKIT_CELERY_QUEUE"])
    rng = random.Random(4)
    batch = len(SCRIPT) // KILLS
    def submit_batch(texts: tuple[str, ...]) -> None:
        for text in texts:
            for number in range(THREADS):
                submitter.submit(f"crash-{number}", f"user-{number}", text)

    try:
        with ThreadPoolExecutor(1) as background:
            for kill in range(KILLS):
                victim = workers[kill % 2].wait_ready()
                sending = background.submit(submit_batch,
                                            SCRIPT[kill * batch:(kill + 1) * batch])
                # Strike while one of the victim's processes is in the middle of a turn.
                pid = _draining_process(pg_url, victim.children()) or rng.choice(
                    victim.children())
                if kill % 2 == 0:
                    # The whole worker: its unacknowledged kicks stay invisible in Redis
                    # for the visibility timeout, so the lease and the sweep recover them.
                    victim.kill()
                    victim.start()
                else:
                    # One pool process: Celery requeues its kick (reject_on_worker_lost)
                    # and forks a replacement.
                    os.kill(pid, signal.SIGKILL)
                sending.result()
    finally:
        submitter.close()
    wait_all_final(pg_url, workers)

    threads = assert_exactly_once_in_order(pg_url, tmp_path)
    assert sum(len(turns) for turns in threads.values()) == THREADS * len(SCRIPT)
    expected = sorted(SCRIPT_TASKS.items())
    assert tasks_by_user(pg_url) == {f"user-{n}": expected for n in range(THREADS)}
    with pg(pg_url) as conn:
        retried = conn.execute("SELECT count(*) FROM turns WHERE attempts > 1").fetchone()
    print(f"turns started more than once (taken over after a kill): {retried}")
