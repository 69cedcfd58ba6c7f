"""The chat endpoints through Litestar's test client, with turns drained by a real processor."""

from __future__ import annotations

from typing import Any

import pytest
from chatkit_testing import auth, find_widget
from litestar.testing import AsyncTestClient


async def send(client: AsyncTestClient[Any], text: str, user: str = "alice",
               thread: str = "t1") -> dict[str, Any]:
    response = await client.post("/api/chatkit/respond", headers=auth(user),
                                 json={"thread_id": thread, "input": text})
    assert response.status_code == 202, response.text
    result = await client.get(response.headers["location"], headers=auth(user))
    assert result.status_code == 200
    return dict(result.json())


async def test_respond_answers_202_with_the_contract_body(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/chatkit/respond", headers=auth("alice"),
                                 json={"thread_id": "t1", "input": "add buy milk",
                                       "metadata": {"user_agent": "web"}})
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"status", "thread_id", "response_id"}
    assert body["status"] == "success" and body["thread_id"] == "t1"
    assert body["response_id"].startswith("resp_")
    assert response.headers["location"] == f"/api/chatkit/responses/{body['response_id']}"


async def test_result_has_the_documented_fields(client: AsyncTestClient[Any]) -> None:
    result = await send(client, "add buy milk")
    assert set(result) == {"response_id", "thread_id", "status", "input", "text", "widgets",
                           "error", "created_at", "completed_at"}
    assert result["status"] == "completed"
    assert result["input"] == "add buy milk"
    assert "buy milk" in result["text"]
    assert result["error"] is None


async def test_list_then_click_complete(client: AsyncTestClient[Any]) -> None:
    await send(client, "add buy milk")
    listed = await send(client, "show me my tasks")
    button = find_widget(listed["widgets"][0], lambda n: n["type"] == "button")[0]
    response = await client.post(
        "/api/chatkit/action", headers=auth("alice"),
        json={"thread_id": "t1", "action": {"type": button["props"]["action"]["type"],
                                            "widget_id": button["id"],
                                            "payload": button["props"]["action"]["payload"]}})
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"status", "thread_id", "action_id"}
    result = (await client.get(f"/api/chatkit/actions/{body['action_id']}",
                               headers=auth("alice"))).json()
    assert result["status"] == "completed"
    assert result["action"]["type"] == "task_complete"
    again = await send(client, "show my completed tasks")
    titles = find_widget(again["widgets"][0], lambda n: n["id"].startswith("task_title_"))
    assert [t["props"] for t in titles] == [{"text": "buy milk", "completed": True}]


async def test_another_users_thread_is_forbidden(client: AsyncTestClient[Any]) -> None:
    await send(client, "add buy milk")
    response = await client.post("/api/chatkit/respond", headers=auth("bob"),
                                 json={"thread_id": "t1", "input": "show my tasks"})
    assert response.status_code == 403
    assert response.json() == {"error": {"type": "AUTH_ERROR", "code": 403,
                                         "message": "this thread belongs to another user"}}


async def test_another_users_result_is_not_found(client: AsyncTestClient[Any]) -> None:
    result = await send(client, "add buy milk")
    response = await client.get(f"/api/chatkit/responses/{result['response_id']}",
                                headers=auth("bob"))
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NOT_FOUND"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic YWxpY2U6cHc="}])
async def test_missing_or_bad_token_is_401(client: AsyncTestClient[Any],
                                           headers: dict[str, str]) -> None:
    response = await client.post("/api/chatkit/respond", headers=headers,
                                 json={"thread_id": "t1", "input": "hi"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "AUTH_ERROR" and error["code"] == 401 and error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"thread_id": "t1"}, "input"),
        ({"thread_id": "t1", "input": ""}, "input"),
        ({"thread_id": "t1", "input": 5}, "input"),
        ({"thread_id": "bad id!", "input": "hi"}, "thread_id"),
        ({"thread_id": "t1", "input": "hi", "metadata": {"timezone": "Mars/Base"}}, "timezone"),
        ({"thread_id": "t1", "input": "x" * 4001}, "input"),
    ],
)
async def test_malformed_body_is_422_naming_the_field(
    client: AsyncTestClient[Any], body: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/chatkit/respond", headers=auth("alice"), json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["type"] == "VALIDATION_ERROR" and error["code"] == 422
    assert field in error["message"]


async def test_unknown_action_type_is_422(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/api/chatkit/action", headers=auth("alice"),
                                 json={"thread_id": "t1", "action": {"type": "explode"}})
    assert response.status_code == 422
    assert "action.type" in response.json()["error"]["message"]


async def test_unknown_route_uses_the_envelope(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/nope", headers=auth("alice"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404


async def test_health_needs_no_token(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
