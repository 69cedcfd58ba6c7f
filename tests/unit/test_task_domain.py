"""One task domain for chat and REST: the operations that once differed by entry point.

Each behaviour is checked through a chat turn (or its button) and through the REST API,
on the same tasks: recurring completion, COUNT/UNTIL series, and undo after a later edit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chatkit_testing import auth, find_widget
from litestar.testing import AsyncTestClient

from store import Database
from store.tasks import TaskRepository
from todos import NewTask, TaskService, task_dict

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday


async def say(client: AsyncTestClient[Any], text: str, thread: str = "t1") -> dict[str, Any]:
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": thread, "input": text})
    assert response.status_code == 202, response.text
    body = dict((await client.get(response.headers["location"], headers=auth())).json())
    assert body["status"] == "completed", body
    return body


async def rest_tasks(client: AsyncTestClient[Any]) -> list[dict[str, Any]]:
    response = await client.get("/api/tasks", headers=auth(), params={"status": "all"})
    assert response.status_code == 200, response.text
    return list(response.json()["tasks"])


async def create(client: AsyncTestClient[Any], **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/tasks", headers=auth(), json=fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_patch_completing_a_recurring_task_schedules_the_next_one(
    client: AsyncTestClient[Any],
) -> None:
    task = await create(client, title="water plants", due="2026-11-26",
                        recurrence="FREQ=WEEKLY")
    response = await client.patch(f"/api/tasks/{task['id']}", headers=auth(),
                                  json={"completed": True})
    assert response.status_code == 200, response.text
    done = response.json()
    assert done["completed"] is True and done["recurrence"] is None  # the series moved on
    follow = [t for t in await rest_tasks(client) if not t["completed"]]
    assert [(t["title"], t["due"], t["recurrence"]) for t in follow] == [
        ("water plants", "2026-12-03", "FREQ=WEEKLY")]
    # Completing it again over REST changes nothing and schedules nothing more.
    await client.patch(f"/api/tasks/{task['id']}", headers=auth(), json={"completed": True})
    assert len(await rest_tasks(client)) == 2


async def test_chat_completes_a_recurring_task_the_same_way(client: AsyncTestClient[Any]) -> None:
    await create(client, title="water plants", due="2026-11-26", recurrence="FREQ=WEEKLY")
    answer = await say(client, "complete water plants")
    assert "Next" in answer["text"]
    follow = [t for t in await rest_tasks(client) if not t["completed"]]
    assert [(t["due"], t["recurrence"]) for t in follow] == [("2026-12-03", "FREQ=WEEKLY")]


async def test_a_counted_series_ends_whoever_completes_it(client: AsyncTestClient[Any]) -> None:
    task = await create(client, title="physio exercises", due="2099-01-01",
                        recurrence="FREQ=DAILY;COUNT=3")
    # 1st occurrence over REST, 2nd in chat, 3rd over REST: then the series is over.
    await client.patch(f"/api/tasks/{task['id']}", headers=auth(), json={"completed": True})
    second = [t for t in await rest_tasks(client) if not t["completed"]]
    assert [(t["due"], t["recurrence"]) for t in second] == [("2099-01-02", "FREQ=DAILY;COUNT=2")]
    await say(client, "complete physio exercises")
    third = [t for t in await rest_tasks(client) if not t["completed"]]
    assert [(t["due"], t["recurrence"]) for t in third] == [("2099-01-03", "FREQ=DAILY;COUNT=1")]
    await client.patch(f"/api/tasks/{third[0]['id']}", headers=auth(), json={"completed": True})
    everything = await rest_tasks(client)
    assert len(everything) == 3 and all(t["completed"] for t in everything)


async def test_an_until_series_ends_at_its_date(client: AsyncTestClient[Any]) -> None:
    task = await create(client, title="standup", due="2099-03-05",
                        recurrence="FREQ=WEEKLY;UNTIL=20990315")
    await client.patch(f"/api/tasks/{task['id']}", headers=auth(), json={"completed": True})
    nxt = [t for t in await rest_tasks(client) if not t["completed"]]
    assert [t["due"] for t in nxt] == ["2099-03-12"]
    await say(client, "complete standup")
    assert all(t["completed"] for t in await rest_tasks(client))  # 03-19 is past UNTIL


async def test_undo_keeps_a_later_rest_edit_and_says_so(client: AsyncTestClient[Any]) -> None:
    await say(client, "add buy milk tomorrow p2")
    await say(client, "make buy milk urgent")  # the change to undo: priority high → urgent
    [task] = await rest_tasks(client)
    assert task["priority"] == "urgent"
    # Later, over REST: a new title and a new priority.
    await client.patch(f"/api/tasks/{task['id']}", headers=auth(),
                       json={"title": "buy oat milk", "priority": "low"})
    answer = await say(client, "undo")
    [after] = await rest_tasks(client)
    assert (after["title"], after["priority"]) == ("buy oat milk", "low")  # the later edit won
    assert "changed since" in answer["text"] and "buy oat milk" in answer["text"]


async def test_undo_restores_what_the_turn_changed_when_nothing_came_after(
    client: AsyncTestClient[Any],
) -> None:
    await say(client, "add buy milk tomorrow p2")
    await say(client, "make buy milk urgent")
    [task] = await rest_tasks(client)
    # A REST edit of another field does not conflict with the undone change.
    await client.patch(f"/api/tasks/{task['id']}", headers=auth(), json={"tags": ["home"]})
    answer = await say(client, "undo")
    [after] = await rest_tasks(client)
    assert (after["priority"], after["tags"]) == ("high", ["home"])
    assert "changed since" not in answer["text"]


async def test_undo_of_an_add_keeps_a_task_edited_since(client: AsyncTestClient[Any]) -> None:
    added = await say(client, "add call the bank")
    [task] = await rest_tasks(client)
    await client.patch(f"/api/tasks/{task['id']}", headers=auth(), json={"due": "2099-01-01"})
    undo = find_widget(added["widgets"][0], lambda n: n["type"] == "button")[0]
    response = await client.post("/api/chatkit/action", headers=auth(), json={
        "thread_id": "t1", "action": {"type": "undo", "widget_id": undo["id"],
                                      "payload": undo["props"]["action"]["payload"]}})
    assert response.status_code == 202, response.text
    result = (await client.get(response.headers["location"], headers=auth())).json()
    assert [t["title"] for t in await rest_tasks(client)] == ["call the bank"]
    assert "changed since" in result["text"]


def test_concurrent_completions_in_one_database_schedule_one_occurrence(
    database: Database,
) -> None:
    """Two turns completing the same recurring task: the second finds it done."""
    sessions = database.sync_sessions()
    with sessions() as session:
        service = TaskService(TaskRepository(session, "alice"), now=NOW)
        task = service.add(NewTask(title="pay rent", due="2026-12-01",
                                   recurrence="FREQ=MONTHLY"))
        session.commit()
    results = []
    for _ in range(2):
        with sessions() as session:
            results.append(TaskService(TaskRepository(session, "alice"), now=NOW)
                           .set_completed(task["id"], True))
            session.commit()
    assert [r.changed for r in results] == [True, False]
    with sessions() as session:
        titles = [task_dict(t)["due"] for t in TaskRepository(session, "alice").all()]
    assert sorted(titles) == ["2026-12-01", "2027-01-01"]
