"""A checked-in replay thread against the production shape: `chatkit-todo api` + a real Celery
worker on Redis and PostgreSQL, driven by `chatkit-todo replay --url` with minted tokens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
from chatkit_testing import (
    REPO,
    TEST_SECRET,
    production_env,
    production_stack,
)

THREAD = "buttons-complete-reopen-delete"  # clicks Complete/Reopen/Delete; no relative dates


def test_a_recorded_thread_replays_through_api_worker_redis_and_postgres(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = production_env(pg_url, redis_url, tmp_path)
    junit = tmp_path / "replay.xml"
    with production_stack(env, tmp_path) as base:
        run = subprocess.run(
            [sys.executable, "-m", "chatkit_todo.cli", "replay",
             str(REPO / "tests" / "data" / "replay" / "widgets.jsonl"), "--thread", THREAD,
             "--url", base, "--jwt-secret", TEST_SECRET,
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
