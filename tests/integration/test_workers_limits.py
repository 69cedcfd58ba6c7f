"""Limits on stuck work (issues 13 and 14): a turn that cannot finish fails once with
PROCESSING_ERROR, and its thread goes on without it.

The stuck turn is real: the test holds the row lock of the todo the turn must update.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from test_workers_harness import (
    Submitter,
    Worker,
    migrate,
    pg,
    stack_env,
    tasks_by_user,
    wait_all_final,
    workers,  # noqa: F401 - the fixture
)


def _turn(pg_url: str, turn_id: str) -> dict[str, Any]:
    with pg(pg_url) as conn:
        status, error, attempts = conn.execute(
            "SELECT status, error, attempts FROM turns WHERE id = %s", (turn_id,)).fetchone()
        events = [kind for (kind,) in conn.execute(
            "SELECT type FROM thread_events WHERE turn_id = %s ORDER BY id", (turn_id,))]
    if isinstance(error, str):
        error = json.loads(error)
    return {"status": status, "error": error, "attempts": attempts, "events": events}


def _wait_final(pg_url: str, turn_id: str, worker: Worker, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        turn = _turn(pg_url, turn_id)
        if turn["status"] in ("completed", "failed"):
            return turn
        time.sleep(0.1)
    raise AssertionError(f"turn {turn_id} still {turn['status']} after {timeout}s:\n"
                         f"{worker.tail()}")


@pytest.mark.parametrize("limits", [
    # PostgreSQL cancels the statement waiting on the lock.
    {"CHATKIT_STATEMENT_TIMEOUT_SECONDS": "1"},
    # No statement timeout: Celery's soft time limit stops the turn.
    {"CHATKIT_STATEMENT_TIMEOUT_SECONDS": "0", "CHATKIT_TURN_TIME_LIMIT_SECONDS": "2",
     "CHATKIT_TURN_HARD_TIME_LIMIT_SECONDS": "8"},
], ids=["statement-timeout", "soft-time-limit"])
def test_a_stuck_turn_fails_once_and_its_thread_goes_on(
    pg_url: str, redis_url: str, tmp_path: Path, workers: list[Worker],  # noqa: F811
    limits: dict[str, str],
) -> None:
    # A lease longer than the stuck turn: no other drain takes the thread over meanwhile.
    env = stack_env(pg_url, redis_url, tmp_path, CHATKIT_TURN_LEASE_SECONDS="10", **limits)
    migrate(env)
    worker = Worker("limited", env, tmp_path, "-c", "2").start()
    workers.append(worker)
    worker.wait_ready()
    submitter = Submitter(pg_url, redis_url, env["CHATKIT_CELERY_QUEUE"])
    try:
        submitter.submit("stuck", "sam", "add pack alpha")
        wait_all_final(pg_url, workers)
        with pg(pg_url) as conn, conn.transaction():
            # Held for longer than any limit above: the turn that must update it is stuck.
            conn.execute("SELECT id FROM tasks FOR UPDATE")
            stuck = submitter.submit("stuck", "sam", "complete pack alpha")
            after = submitter.submit("stuck", "sam", "add pack bravo")
            failed = _wait_final(pg_url, stuck, worker, timeout=20)
            went_on = _wait_final(pg_url, after, worker, timeout=20)
        time.sleep(2)  # the lock is gone: nothing may run the failed turn again
        again = _turn(pg_url, stuck)
    finally:
        submitter.close()

    assert failed["status"] == "failed", failed
    assert failed["error"] == {"error": {"type": "PROCESSING_ERROR", "code": 500,
                                         "message": "This message took too long to process."}}
    assert went_on["status"] == "completed"  # while the lock was still held
    assert again == failed and again["attempts"] == 1
    assert again["events"] == ["turn.queued", "turn.running", "turn.failed"]
    assert tasks_by_user(pg_url) == {"sam": [("pack alpha", False), ("pack bravo", False)]}
    assert worker.proc is not None and worker.proc.poll() is None
