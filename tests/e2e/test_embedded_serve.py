"""`chatkit-todo serve` as a newcomer runs it: a subprocess on a free port, real HTTP.

Steps 3-7 of the README's walkthrough: respond, fetch the result, list, click Complete,
another user's 403, no token's 401, a malformed body's 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from chatkit_testing import cli, find_widget, free_port, poll_result, running, wait_http


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    workdir = tmp_path_factory.mktemp("serve")
    port = free_port()
    # No CHATKIT_JWT_SECRET: serve and token must agree through the generated local secret.
    env = {"CHATKIT_PORT": str(port), "CHATKIT_DATA_DIR": str(workdir / ".chatkit"),
           "CHATKIT_JWT_SECRET": "", "CHATKIT_DATABASE_URL": "", "CHATKIT_REDIS_URL": ""}
    log = workdir / "serve.log"
    with running("serve", env=env, log_path=log, cwd=workdir) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}", env


def token(env: dict[str, str], user: str) -> dict[str, str]:
    minted = cli("token", "--user", user, env=env).stdout.strip()
    return {"Authorization": f"Bearer {minted}"}


def test_walkthrough(served: tuple[str, dict[str, str]]) -> None:
    base, env = served
    alice = token(env, "alice")
    assert (Path(env["CHATKIT_DATA_DIR"]) / "jwt-secret").exists()
    with httpx.Client(base_url=base, timeout=10) as client:
        # 3: respond answers at once with the contract's body and a Location.
        response = client.post("/api/chatkit/respond", headers=alice,
                               json={"thread_id": "t1", "input": "add buy milk"})
        assert response.status_code == 202
        body = response.json()
        assert body == {"status": "success", "thread_id": "t1",
                        "response_id": body["response_id"]}
        assert body["response_id"].startswith("resp_")
        # 4: the result completes with widgets and text.
        added = poll_result(client, response.headers["location"], alice)
        assert added["status"] == "completed" and "buy milk" in added["text"]
        # 5: the list card has a row for the task with a task_complete button.
        response = client.post("/api/chatkit/respond", headers=alice,
                               json={"thread_id": "t1", "input": "show me my tasks"})
        listed = poll_result(client, response.headers["location"], alice)
        card = listed["widgets"][0]
        assert card["type"] == "card"
        assert find_widget(card, lambda n: n["type"] == "headline")
        rows = find_widget(card, lambda n: n["type"] == "row")
        assert [r["children"][0]["props"]["text"] for r in rows] == ["buy milk"]
        button = find_widget(rows[0], lambda n: n["type"] == "button")[0]
        assert button["props"]["action"]["type"] == "task_complete"
        # 6: clicking it completes the task.
        response = client.post("/api/chatkit/action", headers=alice, json={
            "thread_id": "t1",
            "action": {"type": "task_complete", "widget_id": button["id"],
                       "payload": button["props"]["action"]["payload"]}})
        assert response.status_code == 202
        assert response.json()["action_id"].startswith("action_")
        clicked = poll_result(client, f"/api/chatkit/actions/{response.json()['action_id']}",
                              alice)
        assert clicked["status"] == "completed" and clicked["action"]["type"] == "task_complete"
        response = client.post("/api/chatkit/respond", headers=alice,
                               json={"thread_id": "t1", "input": "show my completed tasks"})
        done = poll_result(client, response.headers["location"], alice)
        titles = find_widget(done["widgets"][0], lambda n: n["id"].startswith("task_title_"))
        assert [t["props"]["completed"] for t in titles] == [True]
        # 7: bob is forbidden on alice's thread; no token is 401; a bad body is 422.
        response = client.post("/api/chatkit/respond", headers=token(env, "bob"),
                               json={"thread_id": "t1", "input": "show my tasks"})
        assert response.status_code == 403
        assert response.json()["error"]["type"] == "AUTH_ERROR"
        assert response.json()["error"]["code"] == 403
        response = client.post("/api/chatkit/respond",
                               json={"thread_id": "t1", "input": "hi"})
        assert response.status_code == 401 and response.json()["error"]["type"] == "AUTH_ERROR"
        response = client.post("/api/chatkit/respond", headers=alice,
                               json={"thread_id": "t1"})
        assert response.status_code == 422
        assert response.json()["error"]["type"] == "VALIDATION_ERROR"
