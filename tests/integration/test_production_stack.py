"""The production shape: `chatkit-todo api` + a real `celery worker` process, on the machine's
Redis and PostgreSQL. A message over HTTP, its result polled, an action clicked, the task
state read back from PostgreSQL.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import psycopg
from chatkit_testing import (
    TEST_SECRET,
    cli,
    find_widget,
    free_port,
    poll_result,
    running,
    wait_http,
)

from api.auth import mint_token


def test_message_to_widgets_to_action_on_redis_and_postgres(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "CHATKIT_DATABASE_URL": pg_url,
        "CHATKIT_REDIS_URL": redis_url,
        "CHATKIT_JWT_SECRET": TEST_SECRET,
        "CHATKIT_PORT": str(port),
        # A queue of its own keeps this test's kicks away from any other worker on Redis.
        "CHATKIT_CELERY_QUEUE": f"chatkit-it-{secrets.token_hex(4)}",
        "CHATKIT_DATA_DIR": str(tmp_path),
    }
    cli("migrate", env=env)
    alice = {"Authorization": f"Bearer {mint_token(TEST_SECRET, 'alice')}"}
    with (
        running("api", env=env, log_path=tmp_path / "api.log") as api,
        running("worker", "--concurrency", "2", env=env, log_path=tmp_path / "worker.log"),
    ):
        wait_http(f"http://127.0.0.1:{port}/health", api, tmp_path / "api.log")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            response = client.post("/api/chatkit/respond", headers=alice,
                                   json={"thread_id": "prod-t1", "input": "add buy milk"})
            assert response.status_code == 202, response.text
            added = poll_result(client, response.headers["location"], alice, timeout=60)
            assert added["status"] == "completed", added

            response = client.post("/api/chatkit/respond", headers=alice,
                                   json={"thread_id": "prod-t1", "input": "show me my tasks"})
            listed = poll_result(client, response.headers["location"], alice)
            button = find_widget(listed["widgets"][0], lambda n: n["type"] == "button")[0]
            action = button["props"]["action"]
            assert action["type"] == "task_complete"

            response = client.post("/api/chatkit/action", headers=alice, json={
                "thread_id": "prod-t1",
                "action": {"type": action["type"], "widget_id": button["id"],
                           "payload": action["payload"]}})
            assert response.status_code == 202
            clicked = poll_result(
                client, f"/api/chatkit/actions/{response.json()['action_id']}", alice)
            assert clicked["status"] == "completed"

    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql")) as conn:
        rows = conn.execute("SELECT title, completed, user_id FROM tasks").fetchall()
        statuses = conn.execute("SELECT status FROM turns ORDER BY seq").fetchall()
    assert rows == [("buy milk", True, "alice")]
    assert [s[0] for s in statuses] == ["completed"] * 3
