"""Many workers, many threads: every turn of a thread in its order, each exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from test_workers_harness import (
    SCRIPT,
    SCRIPT_TASKS,
    Submitter,
    Worker,
    assert_exactly_once_in_order,
    migrate,
    stack_env,
    tasks_by_user,
    wait_all_final,
    workers,  # noqa: F401 - the fixture
)

THREADS = 20


def test_200_turns_over_20_threads_with_4_workers_match_a_sequential_replay(
    pg_url: str, redis_url: str, tmp_path: Path, workers: list[Worker]  # noqa: F811
) -> None:
    env = stack_env(pg_url, redis_url, tmp_path)
    migrate(env)
    for number in range(4):
        workers.append(Worker(f"w{number}", env, tmp_path, "-c", "2").start())
    for worker in workers:
        worker.wait_ready()
    submitter = Submitter(pg_url, redis_url, env["CHATKIT_CELERY_QUEUE"])
    try:
        # Each thread's turns in a burst, several threads at once: a thread's kicks reach
        # several worker processes while its earlier turns are still being processed.
        def conversation(number: int) -> None:
            for text in SCRIPT:
                submitter.submit(f"order-{number}", f"user-{number}", text)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(conversation, range(THREADS)))
    finally:
        submitter.close()
    wait_all_final(pg_url, workers)

    threads = assert_exactly_once_in_order(pg_url, tmp_path)
    assert sum(len(turns) for turns in threads.values()) == THREADS * len(SCRIPT)
    expected = sorted(SCRIPT_TASKS.items())
    assert tasks_by_user(pg_url) == {f"user-{n}": expected for n in range(THREADS)}
