"""Thread history: the caller's thread list, pages of a thread's items, deletion."""

from __future__ import annotations

from typing import Any

import pytest
from chatkit_testing import auth, find_widget
from litestar.testing import AsyncTestClient


async def say(client: AsyncTestClient[Any], text: str, thread: str = "t1",
              user: str = "alice") -> str:
    response = await client.post("/api/chatkit/respond", headers=auth(user),
                                 json={"thread_id": thread, "input": text})
    assert response.status_code == 202, response.text
    return str(response.json()["response_id"])


async def test_threads_are_listed_newest_first_with_title_and_last_status(
    client: AsyncTestClient[Any],
) -> None:
    await say(client, "  add buy milk tomorrow  ", thread="older")
    await say(client, "show my tasks", thread="newer")
    await say(client, "hello", thread="bobs", user="bob")
    response = await client.get("/api/chatkit/threads", headers=auth("alice"))
    assert response.status_code == 200
    threads = response.json()["threads"]
    assert [t["id"] for t in threads] == ["newer", "older"]
    assert threads[1]["title"] == "add buy milk tomorrow"
    assert threads[0]["last_status"] == "completed"
    assert {"created_at", "updated_at"} <= set(threads[0])


async def test_thread_list_pages_with_a_cursor(client: AsyncTestClient[Any]) -> None:
    for n in range(5):
        await say(client, "hello", thread=f"th{n}")
    seen: list[str] = []
    after = None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = (await client.get("/api/chatkit/threads", headers=auth("alice"),
                                 params=params)).json()
        seen += [t["id"] for t in page["threads"]]
        after = page["next_cursor"]
        if after is None:
            break
    assert seen == ["th4", "th3", "th2", "th1", "th0"]


async def test_thread_items_in_order_and_scroll_back(client: AsyncTestClient[Any]) -> None:
    names = ["apples", "bread", "cheese", "dates", "eggs", "flour", "grapes"]
    ids = [await say(client, f"add buy {name}") for name in names]
    newest = (await client.get("/api/chatkit/threads/t1", headers=auth("alice"),
                               params={"limit": 3})).json()
    assert [i["id"] for i in newest["items"]] == ids[4:]
    first = newest["items"][0]
    assert first["kind"] == "message" and first["input"] == "add buy eggs"
    assert first["status"] == "completed" and first["widgets"] and "buy eggs" in first["text"]
    assert newest["after_cursor"] is None and newest["last_event_id"] > 0
    older = (await client.get("/api/chatkit/threads/t1", headers=auth("alice"),
                              params={"limit": 3, "before": newest["before_cursor"]})).json()
    assert [i["id"] for i in older["items"]] == ids[1:4]
    oldest = (await client.get("/api/chatkit/threads/t1", headers=auth("alice"),
                               params={"limit": 3, "before": older["before_cursor"]})).json()
    assert [i["id"] for i in oldest["items"]] == ids[:1]
    assert oldest["before_cursor"] is None
    forward = (await client.get("/api/chatkit/threads/t1", headers=auth("alice"),
                                params={"limit": 4, "after": "0"})).json()
    assert [i["id"] for i in forward["items"]] == ids[:4]
    assert forward["after_cursor"] is not None


async def test_action_items_show_the_click(client: AsyncTestClient[Any]) -> None:
    await say(client, "add buy milk")
    await say(client, "show my tasks")
    listed = (await client.get("/api/chatkit/threads/t1", headers=auth("alice"))).json()
    button = find_widget(listed["items"][-1]["widgets"][0],
                         lambda n: n["type"] == "button"
                         and n["props"]["action"]["type"] == "task_complete")[0]
    response = await client.post("/api/chatkit/action", headers=auth("alice"), json={
        "thread_id": "t1", "action": {"type": "task_complete", "widget_id": button["id"],
                                      "payload": button["props"]["action"]["payload"]}})
    assert response.status_code == 202, response.text
    items = (await client.get("/api/chatkit/threads/t1", headers=auth("alice"))).json()["items"]
    assert items[-1]["kind"] == "action"
    assert items[-1]["action"]["type"] == "task_complete"


async def test_other_users_thread_is_forbidden_and_unknown_is_404(
    client: AsyncTestClient[Any],
) -> None:
    await say(client, "add buy milk")
    response = await client.get("/api/chatkit/threads/t1", headers=auth("bob"))
    assert response.status_code == 403 and response.json()["error"]["type"] == "AUTH_ERROR"
    response = await client.get("/api/chatkit/threads/nope", headers=auth("alice"))
    assert response.status_code == 404 and response.json()["error"]["type"] == "NOT_FOUND"
    response = await client.delete("/api/chatkit/threads/t1", headers=auth("bob"))
    assert response.status_code == 403


@pytest.mark.parametrize("params", [{"before": "x1"}, {"limit": 0}, {"limit": 101},
                                    {"before": "3", "after": "1"}])
async def test_bad_paging_parameters_are_422(client: AsyncTestClient[Any],
                                             params: dict[str, Any]) -> None:
    await say(client, "add buy milk")
    response = await client.get("/api/chatkit/threads/t1", headers=auth("alice"), params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["type"] == "VALIDATION_ERROR"


async def test_bad_thread_cursor_is_422(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/chatkit/threads", headers=auth("alice"),
                                params={"after": "not-a-cursor"})
    assert response.status_code == 422
    assert "after" in response.json()["error"]["message"]


async def test_delete_removes_thread_and_turns_but_keeps_tasks(
    client: AsyncTestClient[Any],
) -> None:
    response_id = await say(client, "add buy milk")
    response = await client.delete("/api/chatkit/threads/t1", headers=auth("alice"))
    assert response.status_code == 204
    assert (await client.get("/api/chatkit/threads/t1", headers=auth("alice"))).status_code == 404
    assert (await client.get(f"/api/chatkit/responses/{response_id}",
                             headers=auth("alice"))).status_code == 404
    listed = (await client.get("/api/chatkit/threads", headers=auth("alice"))).json()
    assert listed["threads"] == []
    tasks = (await client.get("/api/tasks", headers=auth("alice"))).json()["tasks"]
    assert [t["title"] for t in tasks] == ["buy milk"]
    # The id is free again: the same user starts over with a fresh history.
    await say(client, "hello")
    items = (await client.get("/api/chatkit/threads/t1", headers=auth("alice"))).json()["items"]
    assert [i["input"] for i in items] == ["hello"]
