"""The pipeline stages end to end on SQLite: add, list, complete, delete, unknown."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chatkit_testing import find_widget

from agents import run_turn
from agents.resolve import match_title
from store import Database
from store.tasks import TaskRepository

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


class Conversation:
    def __init__(self, database: Database, user_id: str = "alice") -> None:
        self.sessions = database.sync_sessions()
        self.user_id = user_id
        self.memory: dict[str, Any] = {}
        self.count = 0

    def say(self, text: str | None = None, action: dict[str, Any] | None = None):
        self.count += 1
        with self.sessions() as session:
            result = run_turn(session, user_id=self.user_id, turn_id=f"t{self.count}", now=NOW,
                              tz=ZoneInfo("UTC"), memory=self.memory, text=text, action=action)
            session.commit()
        return result

    def tasks(self) -> list[Any]:
        with self.sessions() as session:
            return TaskRepository(session, self.user_id).all()


@pytest.fixture
def chat(database: Database) -> Conversation:
    return Conversation(database)


def test_add_then_list_shows_the_task_with_a_complete_button(chat: Conversation) -> None:
    added = chat.say("add buy milk")
    assert "buy milk" in added.text
    listed = chat.say("show me my tasks")
    card = listed.widgets[0]
    assert card["id"] == "task_list_card"
    rows = find_widget(card, lambda n: n["type"] == "row")
    assert [r["children"][0]["props"]["text"] for r in rows] == ["buy milk"]
    button = find_widget(card, lambda n: n["type"] == "button")[0]
    assert button["props"]["action"]["type"] == "task_complete"
    assert button["props"]["action"]["payload"]["task_id"] == chat.tasks()[0].id


def test_complete_by_title_with_a_typo(chat: Conversation) -> None:
    chat.say("add buy milk")
    chat.say("add call the dentist")
    result = chat.say("complete buy mlik")
    assert "Completed" in result.text
    done = {task.title: task.completed for task in chat.tasks()}
    assert done == {"buy milk": True, "call the dentist": False}


def test_delete_by_title(chat: Conversation) -> None:
    chat.say("add buy milk")
    chat.say("delete buy milk")
    assert chat.tasks() == []


def test_action_completes_exactly_the_named_task_and_is_idempotent(chat: Conversation) -> None:
    chat.say("add buy milk")
    task_id = chat.tasks()[0].id
    action = {"type": "task_complete", "payload": {"task_id": task_id}}
    chat.say(action=action)
    chat.say(action=action)
    assert chat.tasks()[0].completed is True


def test_unknown_text_changes_nothing_and_answers_kindly(chat: Conversation) -> None:
    chat.say("add buy milk")
    result = chat.say("what is the meaning of life")
    assert "didn't understand" in result.text
    assert [t.title for t in chat.tasks()] == ["buy milk"]


def test_not_found_changes_nothing_and_suggests(chat: Conversation) -> None:
    chat.say("add buy milk")
    result = chat.say("complete walk the dog")
    assert "couldn't find" in result.text
    assert chat.tasks()[0].completed is False


def test_other_users_tasks_are_invisible(database: Database) -> None:
    alice, bob = Conversation(database, "alice"), Conversation(database, "bob")
    alice.say("add buy milk")
    bob.say("complete buy milk")
    task_id = alice.tasks()[0].id
    result = bob.say(action={"type": "task_complete", "payload": {"task_id": task_id}})
    assert "couldn't find" in result.text
    assert alice.tasks()[0].completed is False


def test_title_matching_asks_when_two_tasks_are_equally_close() -> None:
    tasks = [{"id": "1", "title": "call mom"}, {"id": "2", "title": "call tom"}]
    matches, _ = match_title("call rom", tasks)
    assert sorted(matches) == ["1", "2"]
