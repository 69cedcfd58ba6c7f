"""Flower against the machine's Redis shows a turn's task, by its readable name, as SUCCESS,
with nothing but ids in its arguments."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from chatkit_testing import free_port, running, wait_http
from test_workers_harness import (
    Submitter,
    Worker,
    migrate,
    stack_env,
    wait_turn,
    workers,  # noqa: F401 - the fixture
)

AUTH = ("ops", "flower-test-password")


def _our_tasks(client: httpx.Client, thread_id: str) -> list[dict[str, Any]]:
    response = client.get("/api/tasks", params={"taskname": "chatkit.process_thread"})
    assert response.status_code == 200, response.text
    return [task for task in response.json().values() if thread_id in (task.get("args") or "")]


def test_flower_shows_the_turns_task_as_success(
    pg_url: str, redis_url: str, tmp_path: Path, workers: list[Worker]  # noqa: F811
) -> None:
    port = free_port()
    env = stack_env(pg_url, redis_url, tmp_path, CHATKIT_FLOWER_BASIC_AUTH=":".join(AUTH))
    migrate(env)
    with running("flower", "--port", str(port), env=env,
                 log_path=tmp_path / "flower.log") as flower:
        wait_http(f"http://127.0.0.1:{port}/healthcheck", flower, tmp_path / "flower.log")
        worker = Worker("w-flower", env, tmp_path, "-c", "1").start()
        workers.append(worker)
        worker.wait_ready()
        submitter = Submitter(pg_url, redis_url, env["CHATKIT_CELERY_QUEUE"])
        secret_text = "add pack the-secret-word"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            assert client.get("/api/tasks").status_code == 401  # basic auth is on
            client.auth = AUTH
            seen: list[dict[str, Any]] = []
            try:
                # Flower only knows what happens after it subscribed to the events; a turn
                # sent before that is invisible to it, so send another if needed.
                for attempt in range(3):
                    thread_id = f"flower-t{attempt}"
                    turn_id = submitter.submit(thread_id, "olga", secret_text)
                    wait_turn(pg_url, turn_id, worker)
                    deadline = time.monotonic() + 10
                    while time.monotonic() < deadline and not any(
                        task["state"] == "SUCCESS" for task in seen
                    ):
                        seen = _our_tasks(client, thread_id)
                        time.sleep(0.2)
                    if seen:
                        break
            finally:
                submitter.close()
    assert seen, (tmp_path / "flower.log").read_text(errors="replace")[-3000:]
    task = next(task for task in seen if task["state"] == "SUCCESS")
    assert task["name"] == "chatkit.process_thread"
    assert task["args"] == f"['{thread_id}']"
    assert "secret" not in str(task.get("kwargs")) + str(task.get("args"))
