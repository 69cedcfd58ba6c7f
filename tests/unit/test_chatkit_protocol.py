"""`POST /chatkit`: a whole conversation in OpenAI ChatKit's protocol over real HTTP.

The app runs on uvicorn with a worker the test controls (tests/unit/test_events.py's
`serve`); every request, event and response is checked against openai-chatkit's own types
(tests/chatkit_protocol_client.py). What the stream showed is what a reload shows, and
the REST contract reads the same threads and turns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
from chatkit_equivalence import recorded_thread, replay_through_both
from chatkit_protocol_client import (
    ChatKitClient,
    Screen,
    answer_of,
    event_types,
    message,
    walk,
)
from chatkit_testing import auth
from chatkit_types import ChatKitTypes, chatkit_types  # noqa: F401 - the fixture
from test_events import Live, serve

from api.chatkit.protocol import ChatKitRequest, ThreadsCreate
from api.chatkit.service import ChatKitService
from api.server import TurnIntake
from core.pubsub import LocalHub
from core.settings import Settings
from store import Database


@pytest.fixture
def live(settings: Settings, database: Database) -> Iterator[Live]:
    with serve(settings, database) as state:
        yield state


@pytest.fixture
def worker(live: Live) -> Iterator[Live]:
    """A worker that picks up every kicked thread at once (in a background thread)."""
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            live.run_pending()
            stop.wait(0.01)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield live
    stop.set()
    thread.join(10)


@pytest.fixture
def http(live: Live) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.base, timeout=httpx.Timeout(20.0)) as client:
        yield client


def chatkit(http: httpx.Client, types: ChatKitTypes, user: str = "alice") -> ChatKitClient:
    return ChatKitClient(http, auth(user), types)


def texts(widget: dict[str, Any]) -> list[str]:
    """The words a widget shows (titles, texts, captions), in order."""
    return [str(node["value"]) for node in walk(widget)
            if node.get("type") in ("Text", "Title", "Caption")]


def test_a_conversation_streams_and_reloads_the_same(
    worker: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    screen = Screen()
    thread_id, events = alice.create("add buy milk", screen)

    # The user's message, the stream's options, then the answer when the worker is done.
    assert event_types(events)[:3] == ["thread.created", "thread.item.done", "stream_options"]
    assert events[0]["thread"]["title"] == "add buy milk"
    assert events[1]["item"]["content"] == [{"type": "input_text", "text": "add buy milk"}]
    assert events[2]["stream_options"] == {"allow_cancel": False}
    reply, card = (event["item"] for event in answer_of(events))
    assert reply["content"][0]["text"] == "Added: \u201cbuy milk\u201d."
    assert card["type"] == "widget" and card["widget"]["type"] == "Card"
    assert texts(card["widget"])[:2] == ["Added: \u201cbuy milk\u201d", "buy milk"]

    alice.say(thread_id, "add walk the dog", screen)
    listed = answer_of(alice.say(thread_id, "show my tasks", screen))
    # A list's text only repeats its card: the card alone answers.
    assert [event["item"]["type"] for event in listed] == ["widget"]
    list_item = listed[0]["item"]
    assert texts(list_item["widget"])[:3] == ["Your Tasks (2)", "buy milk", "walk the dog"]

    # Clicking Complete in the list updates that list in place.
    item_id, complete = screen.task_button("buy milk", "Complete")
    assert item_id == list_item["id"]
    clicked = alice.click(thread_id, item_id, complete, screen)
    updates = answer_of(clicked)
    assert [event["type"] for event in updates] == ["thread.item.updated"]
    assert updates[0]["item_id"] == list_item["id"]
    refreshed = screen.item(list_item["id"])["widget"]
    assert texts(refreshed) == ["Your Tasks (1)", "Completed: \u201cbuy milk\u201d.",
                                "walk the dog"]

    # Reload: the thread and every page of its items are what the screen shows.
    reloaded = alice.get(thread_id)
    assert reloaded["title"] == "add buy milk"
    assert reloaded["items"]["data"] == screen.items
    assert alice.all_items(thread_id, order="asc", limit=2) == screen.items
    assert alice.all_items(thread_id, order="desc", limit=3) == screen.items[::-1]

    # The REST contract reads the same thread and tasks.
    history = http.get(f"/api/chatkit/threads/{thread_id}", headers=auth()).json()
    assert [turn["kind"] for turn in history["items"]] == ["message"] * 3 + ["action"]
    tasks = http.get("/api/tasks", headers=auth()).json()["tasks"]
    assert sorted((task["title"], task["completed"]) for task in tasks) == [
        ("buy milk", True), ("walk the dog", False)]

    # Title, thread list, delete.
    assert alice.rename(thread_id, "  Groceries ")["title"] == "Groceries"
    listed_threads = alice.threads()["data"]
    assert [(t["id"], t.get("title")) for t in listed_threads] == [(thread_id, "Groceries")]
    assert alice.delete(thread_id) == {}
    gone = alice.post({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})
    assert gone.status_code == 404 and gone.json()["error"]["type"] == "NOT_FOUND"
    assert len(http.get("/api/tasks", headers=auth()).json()["tasks"]) == 2  # tasks stay


def test_progress_while_queued_and_the_answer_when_the_worker_is_done(
    live: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    events = alice.iter_stream({"type": "threads.create",
                                "params": {"input": message("add buy milk")}})
    seen = [next(events) for _ in range(4)]
    assert event_types(seen) == ["thread.created", "thread.item.done", "stream_options",
                                 "progress_update"]
    assert seen[3]["text"] == "Waiting for a worker"
    live.run_pending()  # a worker picks the turn up now
    seen += list(events)
    assert event_types(seen)[-2:] == ["thread.item.done", "thread.item.done"]
    assert seen[-1]["item"]["type"] == "widget"


def test_an_answer_missed_by_a_closed_stream_is_there_on_reload(
    live: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    events = alice.iter_stream({"type": "threads.create",
                                "params": {"input": message("add buy milk")}})
    created = next(events)
    thread_id = created["thread"]["id"]
    while next(events)["type"] != "progress_update":
        pass
    events.close()  # the page reloads mid-stream
    live.run_pending()
    items = alice.get(thread_id)["items"]["data"]
    assert [item["type"] for item in items] == ["user_message", "assistant_message", "widget"]
    assert items[1]["content"][0]["text"] == "Added: \u201cbuy milk\u201d."


def test_rest_and_chatkit_are_two_views_of_the_same_threads(
    worker: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    started = http.post("/api/chatkit/respond", headers=auth(),
                        json={"thread_id": "rest-1", "input": "add buy milk"})
    assert started.status_code == 202
    rest_turn = started.json()["response_id"]
    http.get(f"/api/chatkit/responses/{rest_turn}", params={"wait": 10}, headers=auth())

    # Started over REST, continued in ChatKit.
    items = alice.get("rest-1")["items"]["data"]
    assert [item["id"] for item in items] == [rest_turn, f"{rest_turn}.reply",
                                              f"{rest_turn}.widget0"]
    alice.say("rest-1", "show my tasks")
    history = http.get("/api/chatkit/threads/rest-1", headers=auth()).json()
    assert [turn["input"] for turn in history["items"]] == ["add buy milk", "show my tasks"]

    # Started in ChatKit, read over REST (the widget ids are the turn's own).
    thread_id, events = alice.create("add walk the dog")
    turn_id = events[1]["item"]["id"]
    result = http.get(f"/api/chatkit/responses/{turn_id}", headers=auth()).json()
    assert result["thread_id"] == thread_id and result["status"] == "completed"
    assert result["text"] == "Added: \u201cwalk the dog\u201d."
    assert {t["id"] for t in alice.threads()["data"]} == {"rest-1", thread_id}


def test_threads_list_pages_newest_activity_first(
    worker: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    made = [alice.create(f"add task {n}")[0] for n in range(3)]
    first = alice.threads(limit=2)
    assert [t["id"] for t in first["data"]] == made[:0:-1] and first["has_more"] is True
    second = alice.threads(limit=2, after=first["after"])
    assert [t["id"] for t in second["data"]] == made[:1] and second["has_more"] is False
    oldest_first = alice.threads(order="asc")
    assert [t["id"] for t in oldest_first["data"]] == made


def test_suggestion_buttons_speak_for_the_user_and_retry_answers_again(
    worker: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    screen = Screen()
    thread_id, _ = alice.create("help", screen)
    item_id, suggestion = screen.find_button(
        lambda b: b["onClickAction"]["type"] == "suggestion")
    said = suggestion["onClickAction"]["payload"]["text"]
    events = alice.click(thread_id, item_id, suggestion, screen)
    # Exactly as if typed: the user's words appear, then a new answer; the help card stays.
    assert events[0]["type"] == "thread.item.done"
    assert events[0]["item"]["content"] == [{"type": "input_text", "text": said}]
    appended = answer_of(events)
    assert appended and {event["type"] for event in appended} == {"thread.item.done"}

    last_message = [item for item in screen.items if item["type"] == "user_message"][-1]
    before = screen.items.index(last_message)
    retried = alice.retry(thread_id, last_message["id"])
    assert retried[0]["type"] == "stream_options"  # no second copy of the message
    reloaded = alice.get(thread_id)["items"]["data"]
    # The earlier answer to that message is replaced by the new one.
    assert reloaded[:before + 1] == screen.items[:before + 1]
    assert [item["id"] for item in reloaded[before + 1:]] == [
        event["item"]["id"] for event in answer_of(retried)]

    first_message = screen.items[0]
    refused = alice.retry(thread_id, first_message["id"])
    assert event_types(refused) == ["error"]
    assert "only the latest message" in refused[0]["message"]


def test_clicking_a_button_twice_changes_nothing_more(
    worker: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    screen = Screen()
    thread_id, _ = alice.create("add buy milk", screen)
    alice.say(thread_id, "show my tasks", screen)
    item_id, complete = screen.task_button("buy milk", "Complete")
    alice.click(thread_id, item_id, complete, screen)
    again = answer_of(alice.click(thread_id, item_id, complete, screen))
    assert [event["type"] for event in again] == ["thread.item.updated"]
    tasks = http.get("/api/tasks", headers=auth()).json()["tasks"]
    assert [(task["title"], task["completed"]) for task in tasks] == [("buy milk", True)]
    assert alice.get(thread_id)["items"]["data"] == screen.items


def test_a_recorded_thread_answers_the_same_through_rest_and_chatkit(
    worker: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    thread = recorded_thread("widgets.jsonl", "buttons-complete-reopen-delete")
    played = replay_through_both(http, chatkit(http, chatkit_types, "chatkit-user"),
                                 auth("rest-user"), thread)
    assert played == 10


def test_deleting_a_thread_ends_its_open_stream(
    live: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    alice = chatkit(http, chatkit_types)
    events = alice.iter_stream({"type": "threads.create",
                                "params": {"input": message("add buy milk")}})
    thread_id = next(events)["thread"]["id"]
    while next(events)["type"] != "progress_update":
        pass
    with httpx.Client(base_url=live.base, timeout=10) as other_tab:
        assert ChatKitClient(other_tab, auth(), chatkit_types).delete(thread_id) == {}
    rest = list(events)
    assert event_types(rest) == ["error"]
    assert rest[0]["message"] == "This conversation was deleted."


async def test_a_stream_that_waits_too_long_ends_with_a_notice(
    database: Database, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    """Workers down: the stream says the answer will come and ends; the turn stays queued."""
    async def no_worker(thread_id: str) -> None:
        return None

    intake = TurnIntake(database.async_sessions(), no_worker)
    service = ChatKitService(intake, database.async_sessions(), LocalHub(), follow_s=0.05)
    request = msgspec.convert({"type": "threads.create", "params": {"input": message("hi")}},
                              ChatKitRequest)
    assert isinstance(request, ThreadsCreate)
    frames = [frame async for frame in await service.create(request, "alice")]
    events = [chatkit_types.check("event", frame.removeprefix(b"data: ").strip())
              for frame in frames if frame.startswith(b"data: ")]
    assert event_types(events) == ["thread.created", "thread.item.done", "stream_options",
                                   "progress_update", "notice"]
    assert "will appear in this conversation" in events[-1]["message"]


def test_a_request_repeated_with_its_idempotency_key_is_answered_once(
    worker: Live, http: httpx.Client, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    # A client that resends after a dropped connection: the same thread, turn and answer.
    alice = chatkit(http, chatkit_types)
    keyed = ChatKitClient(http, {**auth(), "Idempotency-Key": "create-1"}, chatkit_types)
    thread_id, first = keyed.create("add buy milk")
    again_id, again = keyed.create("add buy milk")
    assert again_id == thread_id
    assert answer_of(again) == answer_of(first)

    keyed.headers["Idempotency-Key"] = "say-1"
    said = answer_of(keyed.say(thread_id, "add walk the dog"))
    assert answer_of(keyed.say(thread_id, "add walk the dog")) == said
    # The same key for another message: an error event, and nothing is stored.
    assert event_types(keyed.say(thread_id, "add feed the cat")) == ["error"]

    items = alice.all_items(thread_id)
    assert [item["content"][0]["text"] for item in items if item["type"] == "user_message"
            ] == ["add buy milk", "add walk the dog"]
    tasks = http.get("/api/tasks", headers=auth()).json()["tasks"]
    assert sorted(task["title"] for task in tasks) == ["buy milk", "walk the dog"]
    assert [thread["id"] for thread in alice.threads()["data"]] == [thread_id]
    # Another user's same key is their own request.
    bob = ChatKitClient(http, {**auth("bob"), "Idempotency-Key": "create-1"}, chatkit_types)
    assert bob.create("add buy milk")[0] != thread_id
