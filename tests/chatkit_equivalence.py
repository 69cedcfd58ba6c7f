"""One recorded thread replayed through both protocols: the REST contract and ChatKit's.

Each side plays the thread's turns in an account of its own (so each starts from an empty
todo list): `say` as a message, `click` as the latest earlier button with that normalized
id. Every answer is normalized (generated ids → `{task#1}`, …, learned in order of first
appearance on each side) and compared: the same text, the same widget trees (the REST
trees in ChatKit's format), the same card updated in place; and at the end the same tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from chatkit_protocol_client import ChatKitClient, Screen, answer_of, buttons
from chatkit_testing import poll_result

from api.chatkit.items import protocol_widget, reply_text
from chatkit_todo.replay.runner import find_button
from core.replay.format import ReplayThread, load_file
from core.replay.normalize import IdMap

REPLAY = Path(__file__).resolve().parent / "data" / "replay"


def recorded_thread(file: str, thread_id: str) -> ReplayThread:
    """A thread of the repository's replay files (tests/data/replay/)."""
    for thread in load_file(REPLAY / file).threads:
        if thread.thread_id == thread_id:
            return thread
    raise LookupError(thread_id)


@dataclass(frozen=True)
class Answer:
    """One turn's answer, as a ChatKit UI shows it, normalized."""

    reply: str | None  # the assistant message's text
    widgets: list[Any]  # new widget items
    updated: Any  # the widget that replaced the clicked card in place, if any


def rest_side(http: httpx.Client, headers: Mapping[str, str], thread: ReplayThread,
              thread_id: str) -> tuple[list[Answer], list[tuple[Any, ...]]]:
    """The thread through POST /api/chatkit/respond and /action; answers and tasks."""
    ids = IdMap()
    history: list[tuple[int, dict[str, Any]]] = []
    answers = []
    for index, turn in enumerate(thread.turns, 1):
        if turn.say is not None:
            sent = http.post("/api/chatkit/respond", headers=dict(headers),
                             json={"thread_id": thread_id, "input": turn.say})
        else:
            assert turn.click is not None, "only say and click turns are replayed here"
            action = find_button(history, turn.click, ids)
            assert action is not None, f"turn {index}: no button {turn.click}"
            sent = http.post("/api/chatkit/action", headers=dict(headers),
                             json={"thread_id": thread_id, "action": action})
        assert sent.status_code == 202, sent.text
        view = poll_result(http, sent.headers["location"], headers)
        assert view["status"] == "completed", view
        history.append((index, view))
        widgets = [protocol_widget(tree) for tree in view["widgets"]]
        if view.get("replaces") is not None:
            answers.append(Answer(None, ids.normalize(widgets[1:]), ids.normalize(widgets[0])))
        else:
            reply = reply_text(view["text"], view["widgets"])
            answers.append(Answer(ids.normalize(reply), ids.normalize(widgets), None))
    return answers, tasks_of(http, headers, ids)


def chatkit_side(chatkit: ChatKitClient, thread: ReplayThread
                 ) -> tuple[list[Answer], list[tuple[Any, ...]], str]:
    """The thread through POST /chatkit; answers, tasks and the ChatKit thread id."""
    ids = IdMap()
    screen = Screen()
    # Every widget as delivered, older renderings too: a replayed click may press a button
    # of a card since updated in place, as the REST side's history keeps every card.
    delivered: list[tuple[str, dict[str, Any]]] = []
    thread_id: str | None = None
    answers = []
    for index, turn in enumerate(thread.turns, 1):
        if turn.say is not None:
            if thread_id is None:
                thread_id, events = chatkit.create(turn.say, screen)
            else:
                events = chatkit.say(thread_id, turn.say, screen)
        else:
            assert isinstance(turn.click, str) and thread_id is not None
            item_id, button = _latest_button(delivered, turn.click, ids)
            events = chatkit.click(thread_id, item_id, button, screen)
        assert not screen.errors, screen.errors
        reply, widgets, updated = None, [], None
        for event in answer_of(events):
            if event["type"] == "thread.item.updated":
                delivered.append((event["item_id"], event["update"]["widget"]))
                updated = ids.normalize(event["update"]["widget"])
            elif event["item"]["type"] == "assistant_message":
                reply = ids.normalize(event["item"]["content"][0]["text"])
            else:
                delivered.append((event["item"]["id"], event["item"]["widget"]))
                widgets.append(ids.normalize(event["item"]["widget"]))
        answers.append(Answer(reply, widgets, updated))
        assert index == len(answers)
    assert thread_id is not None
    # Every button the screen shows still carries an action a click can send back.
    assert all("widget_id" in b["onClickAction"]["payload"]
               for item in screen.widgets() for b in buttons(item["widget"]))
    return answers, tasks_of(chatkit.http, chatkit.headers, ids), thread_id


def _latest_button(delivered: list[tuple[str, dict[str, Any]]], click: str, ids: IdMap
                   ) -> tuple[str, Mapping[str, Any]]:
    for item_id, widget in reversed(delivered):
        for button in buttons(widget):
            if ids.normalize_text(button["id"], learn=False) == click:
                return item_id, button
    raise AssertionError(f"no button {click} was delivered")


def tasks_of(http: httpx.Client, headers: Mapping[str, str], ids: IdMap
             ) -> list[tuple[Any, ...]]:
    tasks = http.get("/api/tasks", headers=dict(headers), params={"status": "all"}).json()
    return sorted((ids.normalize(task["id"]), task["title"], task["completed"], task["due"],
                   task["priority"], tuple(task["tags"])) for task in tasks["tasks"])


def replay_through_both(http: httpx.Client, chatkit: ChatKitClient,
                        rest_headers: Mapping[str, str], thread: ReplayThread) -> int:
    """Play `thread` through both protocols and assert they agree; returns the turns played."""
    rest_answers, rest_tasks = rest_side(http, rest_headers, thread,
                                         f"{thread.thread_id}-rest")
    chatkit_answers, chatkit_tasks, _ = chatkit_side(chatkit, thread)
    assert len(chatkit_answers) == len(rest_answers) == len(thread.turns)
    for number, (rest, ours) in enumerate(zip(rest_answers, chatkit_answers, strict=True), 1):
        assert ours == rest, f"turn {number} ({thread.turns[number - 1].describe()}) differs"
    assert chatkit_tasks == rest_tasks
    return len(thread.turns)
