"""The production shape: `chatkit-todo api` + a real `celery worker` process, on the machine's
Redis and PostgreSQL. A message over HTTP, its result polled, an action clicked, the task
state read back from PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
from chatkit_testing import (
    TEST_SECRET,
    find_widget,
    poll_result,
    production_env,
    production_stack,
)

from api.auth import mint_token


def test_message_to_widgets_to_action_on_redis_and_postgres(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = production_env(pg_url, redis_url, tmp_path)
    alice = {"Authorization": f"Bearer {mint_token(TEST_SECRET, 'alice')}"}
    with production_stack(env, tmp_path) as base, \
            httpx.Client(base_url=base, timeout=10) as client:
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
