"""Buttons on the production stack: `chatkit-todo api` + a real Celery worker, on Redis and
PostgreSQL. Clicks go through the offered-actions index and replace their card in place."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

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

ALICE = {"Authorization": f"Bearer {mint_token(TEST_SECRET, 'alice')}"}


def say(client: httpx.Client, text: str) -> dict[str, Any]:
    response = client.post("/api/chatkit/respond", headers=ALICE,
                           json={"thread_id": "prod-w1", "input": text})
    assert response.status_code == 202, response.text
    result = poll_result(client, response.headers["location"], ALICE, timeout=60)
    assert result["status"] == "completed", result
    return result


def click(client: httpx.Client, node: Mapping[str, Any]) -> dict[str, Any]:
    action = node["props"]["action"]
    response = client.post("/api/chatkit/action", headers=ALICE, json={
        "thread_id": "prod-w1",
        "action": {"type": action["type"], "widget_id": node["id"],
                   "payload": action["payload"]}})
    assert response.status_code == 202, response.text
    result = poll_result(client, response.headers["location"], ALICE, timeout=60)
    assert result["status"] == "completed", result
    return result


def by_prefix(tree: Mapping[str, Any], prefix: str) -> Mapping[str, Any]:
    return find_widget(tree, lambda n: n["id"].startswith(prefix))[0]


def titles(tree: Mapping[str, Any]) -> list[str]:
    return [n["props"]["text"] for n in find_widget(tree, lambda n: n["id"].startswith(
        "task_title_"))]


def test_clicking_through_cards_on_redis_and_postgres(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = production_env(pg_url, redis_url, tmp_path)
    with production_stack(env, tmp_path) as base, \
            httpx.Client(base_url=base, timeout=10) as client:
        say(client, "add buy milk")
        say(client, "add call mom")
        card = say(client, "show my tasks")["widgets"][0]
        assert titles(card) == ["buy milk", "call mom"]

        completed = click(client, by_prefix(card, "complete_task_btn_"))
        assert completed["replaces"] == "task_list_card"
        assert titles(completed["widgets"][0]) == ["call mom"]

        undone = click(client, by_prefix(completed["widgets"][0], "undo_btn_"))
        assert undone["replaces"] == "task_list_card"
        assert titles(undone["widgets"][0]) == ["buy milk", "call mom"]

        # A forged payload (another task id) is refused before anything is stored.
        delete = find_widget(undone["widgets"][0],
                             lambda n: n["id"].startswith("delete_task_btn_"))
        forged = client.post("/api/chatkit/action", headers=ALICE, json={
            "thread_id": "prod-w1",
            "action": {"type": "task_delete", "widget_id": delete[0]["id"],
                       "payload": delete[1]["props"]["action"]["payload"]}})
        assert forged.status_code == 422
        assert forged.json()["error"]["type"] == "WIDGET_ERROR"

        deleted = click(client, delete[1])
        assert titles(deleted["widgets"][0]) == ["buy milk"]

        asked = say(client, "delete all tasks")
        cancelled = click(client, by_prefix(asked["widgets"][0], "cancel_btn_"))
        assert cancelled["replaces"] == asked["widgets"][0]["id"]

        exported = client.get(f"/api/chatkit/actions/{deleted['action_id']}?format=chatkit",
                              headers=ALICE).json()
        assert exported["widgets"][0]["type"] == "Card"

    with psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql")) as conn:
        rows = conn.execute("SELECT title, completed FROM tasks").fetchall()
        offered = conn.execute("SELECT count(*) FROM offered_actions "
                               "WHERE thread_id = 'prod-w1'").fetchone()
        replaced = conn.execute("SELECT replaces FROM turns WHERE kind = 'action' "
                                "ORDER BY seq").fetchall()
    assert rows == [("buy milk", False)]
    assert offered is not None and offered[0] > 0
    assert [r[0] for r in replaced][:3] == ["task_list_card"] * 3
