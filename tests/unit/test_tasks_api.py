"""The tasks REST API: create, read, change, delete, filters, sorting, pages, ownership."""

from __future__ import annotations

from typing import Any

import pytest
from chatkit_testing import auth
from litestar.testing import AsyncTestClient

TASK_FIELDS = {"id", "title", "completed", "completed_at", "due", "priority", "tags",
               "recurrence", "created_at", "updated_at"}




async def create(client: AsyncTestClient[Any], user: str = "alice", **fields: Any
                 ) -> dict[str, Any]:
    response = await client.post("/api/tasks", headers=auth(user), json=fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def titles(client: AsyncTestClient[Any], **params: Any) -> list[str]:
    response = await client.get("/api/tasks", headers=auth(), params=params)
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()["tasks"]]


async def test_create_read_update_delete(client: AsyncTestClient[Any]) -> None:
    task = await create(client, title="  buy milk ", due="2026-11-27", priority="high",
                        tags=["Home", "#errands"], recurrence="RRULE:FREQ=WEEKLY;BYDAY=MO")
    assert set(task) == TASK_FIELDS
    assert task["title"] == "buy milk" and task["tags"] == ["home", "errands"]
    assert task["recurrence"] == "FREQ=WEEKLY;BYDAY=MO" and task["completed"] is False
    path = f"/api/tasks/{task['id']}"
    assert (await client.get(path, headers=auth())).json() == task

    response = await client.patch(path, headers=auth(),
                                  json={"completed": True, "priority": None})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["completed"] is True and changed["completed_at"] is not None
    assert changed["priority"] is None and changed["due"] == "2026-11-27"  # untouched

    response = await client.patch(path, headers=auth(), json={"completed": False,
                                                              "due": "2026-12-01T09:30:00+01:00"})
    assert response.json()["completed_at"] is None
    assert response.json()["due"] == "2026-12-01T09:30:00+01:00"

    assert (await client.delete(path, headers=auth())).status_code == 204
    response = await client.get(path, headers=auth())
    assert response.status_code == 404 and response.json()["error"]["type"] == "NOT_FOUND"


async def test_another_users_task_is_not_found(client: AsyncTestClient[Any]) -> None:
    task = await create(client, title="secret plan")
    path = f"/api/tasks/{task['id']}"
    for method in ("get", "patch", "delete"):
        kwargs: dict[str, Any] = {"json": {"title": "mine now"}} if method == "patch" else {}
        response = await getattr(client, method)(path, headers=auth("bob"), **kwargs)
        assert response.status_code == 404, (method, response.text)
        assert response.json()["error"]["type"] == "NOT_FOUND"
    assert (await client.get("/api/tasks", headers=auth("bob"))).json()["tasks"] == []
    assert (await client.get(path, headers=auth())).json()["title"] == "secret plan"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"title": "a", "due": "tomorrow"}, "due"),
        ({"title": "a", "due": "2026-11-27T09:00:00"}, "due"),
        ({"title": "a", "priority": "p1"}, "priority"),
        ({"title": "a", "tags": ["has space"]}, "tags"),
        ({"title": "a", "tags": "home"}, "tags"),
        ({"title": "a", "recurrence": "every monday"}, "recurrence"),
        ({"title": "a", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"title": "a", "colour": "red"}, "colour"),
    ],
)
async def test_invalid_task_is_422_naming_the_field(
    client: AsyncTestClient[Any], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/tasks", headers=auth(), json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "VALIDATION_ERROR" and error["code"] == 422
    assert field in error["message"]


async def test_invalid_patch_is_422_and_changes_nothing(client: AsyncTestClient[Any]) -> None:
    task = await create(client, title="buy milk", priority="low")
    response = await client.patch(f"/api/tasks/{task['id']}", headers=auth(),
                                  json={"title": "buy oat milk", "priority": "whenever"})
    assert response.status_code == 422 and "priority" in response.json()["error"]["message"]
    assert (await client.get(f"/api/tasks/{task['id']}", headers=auth())).json() == task


async def test_filters(client: AsyncTestClient[Any]) -> None:
    await create(client, title="pay rent", due="2026-12-01", priority="urgent", tags=["home"])
    await create(client, title="buy milk", due="2026-11-27T18:00:00+00:00", tags=["errands"])
    done = await create(client, title="call mum", priority="low", tags=["family", "home"])
    await client.patch(f"/api/tasks/{done['id']}", headers=auth(), json={"completed": True})
    await create(client, title="Milk the cow", tags=["farm"], user="bob")

    assert await titles(client, status="open") == ["pay rent", "buy milk"]
    assert await titles(client, status="completed") == ["call mum"]
    assert await titles(client, tag="home") == ["pay rent", "call mum"]
    assert await titles(client, tag="hom") == []
    assert await titles(client, priority="urgent") == ["pay rent"]
    assert await titles(client, q="MILK") == ["buy milk"]
    assert await titles(client, due_before="2026-11-28") == ["buy milk"]
    assert await titles(client, due_after="2026-11-28") == ["pay rent"]
    assert await titles(client, due_after="2026-11-27T19:00:00+01:00",
                        due_before="2026-12-02") == ["pay rent", "buy milk"]


async def test_sorting_and_cursor_pages(client: AsyncTestClient[Any]) -> None:
    await create(client, title="c", due="2026-11-29", priority="low")
    await create(client, title="a", priority="urgent")
    await create(client, title="d", due="2026-11-27", priority="high")
    await create(client, title="b", due="2026-11-28")
    assert await titles(client, sort="due") == ["d", "b", "c", "a"]
    assert await titles(client, sort="-due") == ["a", "c", "b", "d"]
    assert await titles(client, sort="priority") == ["a", "d", "c", "b"]
    assert await titles(client, sort="title") == ["a", "b", "c", "d"]
    assert await titles(client, sort="-created_at") == ["b", "d", "a", "c"]
    for sort in ("due", "-priority", "title", "created_at"):
        everything = await titles(client, sort=sort)
        seen: list[str] = []
        params: dict[str, Any] = {"sort": sort, "limit": 3}
        while True:
            page = (await client.get("/api/tasks", headers=auth(), params=params)).json()
            seen += [task["title"] for task in page["tasks"]]
            if page["next_cursor"] is None:
                break
            params["after"] = page["next_cursor"]
        assert seen == everything, sort


@pytest.mark.parametrize("params", [{"status": "done"}, {"sort": "colour"}, {"limit": 0},
                                    {"due_before": "soon"}, {"after": "garbage"},
                                    {"priority": "p9"}])
async def test_bad_list_parameters_are_422(client: AsyncTestClient[Any],
                                           params: dict[str, Any]) -> None:
    response = await client.get("/api/tasks", headers=auth(), params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["type"] == "VALIDATION_ERROR"


async def test_chat_and_rest_see_the_same_tasks(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": "t1", "input": "add buy milk"})
    assert response.status_code == 202
    assert await titles(client) == ["buy milk"]
    await create(client, title="walk the dog")
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": "t1", "input": "show my tasks"})
    listed = (await client.get(response.headers["location"], headers=auth())).json()
    assert "walk the dog" in listed["text"]


async def test_tasks_need_a_token(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/tasks")
    assert response.status_code == 401 and response.json()["error"]["type"] == "AUTH_ERROR"
