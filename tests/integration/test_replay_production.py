"""A checked-in replay thread against the production shape: `chatkit-todo api` + a real Celery
worker on Redis and PostgreSQL, driven by `chatkit-todo replay --url` with minted tokens."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
from chatkit_testing import REPO, TEST_SECRET, cli, free_port, running, wait_http

THREAD = "buttons-complete-reopen-delete"  # clicks Complete/Reopen/Delete; no relative dates


def test_a_recorded_thread_replays_through_api_worker_redis_and_postgres(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "CHATKIT_DATABASE_URL": pg_url,
        "CHATKIT_REDIS_URL": redis_url,
        "CHATKIT_JWT_SECRET": TEST_SECRET,
        "CHATKIT_PORT": str(port),
        "CHATKIT_CELERY_QUEUE": f"chatkit-it-{secrets.token_hex(4)}",
        "CHATKIT_DATA_DIR": str(tmp_path),
    }
    cli("migrate", env=env)
    junit = tmp_path / "replay.xml"
    with (
        running("api", env=env, log_path=tmp_path / "api.log") as api,
        running("worker", "--concurrency", "2", env=env, log_path=tmp_path / "worker.log"),
    ):
        wait_http(f"http://127.0.0.1:{port}/health", api, tmp_path / "api.log")
        run = subprocess.run(
            [sys.executable, "-m", "chatkit_todo.cli", "replay",
             str(REPO / "tests" / "data" / "replay" / "widgets.jsonl"), "--thread", THREAD,
             "--url", f"http://127.0.0.1:{port}", "--jwt-secret", TEST_SECRET,
             "--suffix", "it", "--junit", str(junit), "--quiet"],
            env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True, timeout=120,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"PASS widgets.jsonl:{THREAD} (10 turns)" in run.stdout
    assert junit.exists()
    # The replay used a fresh thread id and user: it ran on the real database and queue.
    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql")) as conn:
        threads = conn.execute("SELECT id, user_id FROM threads").fetchall()
        statuses = conn.execute("SELECT status FROM turns ORDER BY seq").fetchall()
    assert threads == [(f"{THREAD}-it", f"alice-{THREAD}-it")]
    assert [row[0] for row in statuses] == ["completed"] * 10
