"""A turn's cost is bounded whatever one message asks (issue 13, "a budget per turn").

The attack run: "complete a, b, c, …" with ~300 names over 5,150 tasks took 4.1 s of worker
time and sometimes failed with WIDGET_ERROR (a 1,500-node "which one?" card); one message
added 185 tasks; "delete all" over 5,150 tasks stored 1.3 MB of undo snapshots.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chatkit_testing import auth, find_widget
from litestar.testing import AsyncTestClient
from sqlalchemy import insert

from agents import Limits, run_turn
from agents.memory import MAX_UNDO_TASKS
from store import Database
from store.models import Task
from store.tasks import TaskRepository

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


class Chat:
    def __init__(self, database: Database, limits: Limits | None = None) -> None:
        self.sessions = database.sync_sessions()
        self.memory: dict[str, Any] = {}
        self.limits = limits
        self.count = 0

    def say(self, text: str | None = None, action: dict[str, Any] | None = None) -> Any:
        self.count += 1
        with self.sessions() as session:
            result = run_turn(session, user_id="alice", turn_id=f"t{self.count}", now=NOW,
                              tz=ZoneInfo("UTC"), memory=self.memory, text=text, action=action,
                              thread_id=None, limits=self.limits)
            session.commit()
        return result

    def count_tasks(self) -> int:
        with self.sessions() as session:
            return TaskRepository(session, "alice").count()


def seed(database: Database, titles: list[str]) -> None:
    rows = [{"id": f"task_{i:06d}", "user_id": "alice", "title": title, "completed": False,
             "tags": [], "created_at": NOW + dt.timedelta(microseconds=i), "updated_at": NOW}
            for i, title in enumerate(titles)]
    with database.sync_sessions()() as session:
        session.execute(insert(Task), rows)
        session.commit()


@pytest.fixture
def chat(database: Database) -> Chat:
    return Chat(database)


def test_a_message_naming_hundreds_of_tasks_is_refused_whole(
    chat: Chat, database: Database
) -> None:
    seed(database, [f"chore {i}" for i in range(300)])
    answer = chat.say("complete " + ", ".join(f"chore {i}" for i in range(300)))
    assert "at most 50 tasks" in answer.text
    with database.sync_sessions()() as session:
        assert not TaskRepository(session, "alice").all(completed=True)


def test_a_which_one_card_offers_at_most_ten_candidates(chat: Chat, database: Database) -> None:
    seed(database, [f"call mom {i}" for i in range(400)])
    answer = chat.say("complete call mom")
    rows = find_widget(answer.widgets[0], lambda node: node["type"] == "row")
    assert answer.text.startswith("Which one did you mean?")
    assert 2 <= len(rows) <= 10
    assert len(json.dumps(answer.widgets)) < 20_000


def test_one_message_adds_at_most_fifty_tasks_and_says_so(chat: Chat) -> None:
    answer = chat.say("add " + ", ".join(f"item {i}" for i in range(185)))
    assert chat.count_tasks() == 50
    assert "first 50" in answer.text


def test_the_task_quota_is_a_clear_answer_in_chat(database: Database) -> None:
    chat = Chat(database, Limits(max_tasks_per_user=3))
    chat.say("add a, b, c")
    answer = chat.say("add d")
    assert chat.count_tasks() == 3
    assert "at most 3" in answer.text


async def test_the_task_quota_is_a_422_over_rest(client: AsyncTestClient[Any],
                                                 database: Database) -> None:
    client.app.state.settings = client.app.state.settings.model_copy(
        update={"max_tasks_per_user": 2})
    for title in ("a", "b"):
        assert (await client.post("/api/tasks", headers=auth(),
                                  json={"title": title})).status_code == 201
    response = await client.post("/api/tasks", headers=auth(), json={"title": "c"})
    assert response.status_code == 422, response.text
    assert "at most 2" in response.json()["error"]["message"]


def test_a_huge_bulk_delete_keeps_thread_memory_small(chat: Chat, database: Database) -> None:
    seed(database, [f"chore {i}" for i in range(MAX_UNDO_TASKS + 100)])
    ask = chat.say("delete all tasks")
    confirm = find_widget(ask.widgets[0], lambda n: n["type"] == "button"
                          and n["props"]["action"]["type"] == "confirm")[0]
    done = chat.say(action={"type": "confirm", "widget_id": confirm["id"],
                            "payload": confirm["props"]["action"]["payload"]})
    assert chat.count_tasks() == 0
    assert "Too many to undo" in done.text
    assert len(json.dumps(chat.memory)) < 50_000


async def test_the_thread_quota_is_a_422_and_old_threads_keep_working(
    client: AsyncTestClient[Any],
) -> None:
    client.app.state.server.max_threads_per_user = 2
    for thread in ("t1", "t2"):
        response = await client.post("/api/chatkit/respond", headers=auth(),
                                     json={"thread_id": thread, "input": "hi"})
        assert response.status_code == 202, response.text
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": "t3", "input": "hi"})
    assert response.status_code == 422, response.text
    assert "2 threads" in response.json()["error"]["message"]
    again = await client.post("/api/chatkit/respond", headers=auth(),
                              json={"thread_id": "t1", "input": "show my tasks"})
    assert again.status_code == 202
    threads = (await client.get("/api/chatkit/threads", headers=auth())).json()["threads"]
    assert sorted(t["id"] for t in threads) == ["t1", "t2"]
