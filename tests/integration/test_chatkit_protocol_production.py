"""`POST /chatkit` on real servers: `chatkit-todo serve` (embedded) and `chatkit-todo api` with
a Celery worker on the machine's Redis and PostgreSQL. A whole conversation in ChatKit's
protocol (every request and event checked against openai-chatkit's types), a recorded
thread answering the same as over REST, and an answer that survives both a client that
leaves mid-stream and a worker SIGKILLed mid-turn.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from chatkit_equivalence import recorded_thread, replay_through_both
from chatkit_protocol_client import ChatKitClient, Screen, answer_of, event_types, message
from chatkit_testing import (
    TEST_SECRET,
    auth,
    free_port,
    production_env,
    production_stack,
    running,
    wait_http,
)
from chatkit_types import ChatKitTypes, chatkit_types  # noqa: F401 - the fixture
from test_workers_harness import pg

TIMEOUT = httpx.Timeout(10.0, read=60.0)


@pytest.fixture(scope="module")
def production(pg_url_module: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[str]:
    """`chatkit-todo api` and a worker on PostgreSQL and Redis, with a short lease and sweep
    so a turn whose worker process died is taken over in seconds."""
    workdir = tmp_path_factory.mktemp("chatkit-production")
    env = production_env(pg_url_module, redis_url, workdir, CHATKIT_TURN_LEASE_SECONDS="2",
                         CHATKIT_SWEEP_INTERVAL_SECONDS="1",
                         CHATKIT_SWEEP_QUEUED_AFTER_SECONDS="1")
    with production_stack(env, workdir) as base:
        yield base


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chatkit-todo serve`: the API and an in-process worker on SQLite."""
    workdir = tmp_path_factory.mktemp("chatkit-serve")
    port = free_port()
    env = {"CHATKIT_PORT": str(port), "CHATKIT_DATA_DIR": str(workdir / ".chatkit"),
           "CHATKIT_JWT_SECRET": TEST_SECRET, "CHATKIT_DATABASE_URL": "",
           "CHATKIT_REDIS_URL": ""}
    log = workdir / "serve.log"
    with running("serve", env=env, log_path=log, cwd=workdir) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}"


def test_a_conversation_through_chatkit_on_serve(
    embedded: str, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    converse(embedded, chatkit_types, replay=False)  # the unit tier replays on SQLite


def test_a_conversation_through_chatkit_on_api_worker_redis_and_postgres(
    production: str, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    converse(production, chatkit_types)


def converse(base_url: str, chatkit_types: ChatKitTypes,  # noqa: F811
             *, replay: bool = True) -> None:
    """A whole conversation; then (`replay`) a recorded thread through both protocols."""
    with httpx.Client(base_url=base_url, timeout=TIMEOUT) as http:
        alice = ChatKitClient(http, auth("alice"), chatkit_types)
        screen = Screen()
        thread_id, events = alice.create("add buy milk tomorrow #home", screen)
        assert event_types(events)[:3] == ["thread.created", "thread.item.done",
                                           "stream_options"]
        assert event_types(events)[-2:] == ["thread.item.done", "thread.item.done"]
        alice.say(thread_id, "show my tasks", screen)
        item_id, complete = screen.task_button("buy milk", "Complete")
        updated = answer_of(alice.click(thread_id, item_id, complete, screen))
        assert [(e["type"], e.get("item_id")) for e in updated] == [
            ("thread.item.updated", item_id)]

        assert alice.get(thread_id)["items"]["data"] == screen.items
        assert alice.all_items(thread_id, order="desc", limit=2) == screen.items[::-1]
        alice.rename(thread_id, "Shopping")
        assert [t.get("title") for t in alice.threads()["data"]] == ["Shopping"]
        tasks = http.get("/api/tasks", headers=auth()).json()["tasks"]
        assert [(t["title"], t["completed"], t["tags"]) for t in tasks] == [
            ("buy milk", True, ["home"])]
        assert alice.delete(thread_id) == {}
        assert alice.threads()["data"] == []
        if not replay:
            return
        thread = recorded_thread("widgets.jsonl", "buttons-complete-reopen-delete")
        replay_through_both(http, ChatKitClient(http, auth("ck-replay"), chatkit_types),
                            auth("rest-replay"), thread)


def test_the_answer_survives_a_closed_stream_and_a_killed_worker(
    production: str, pg_url_module: str, chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    with httpx.Client(base_url=production, timeout=TIMEOUT) as http:
        carol = ChatKitClient(http, auth("carol"), chatkit_types)
        thread_id, _ = carol.create("add walk the dog")

        with pg(pg_url_module) as blocker:
            # Hold the tasks table: the worker marks the turn running, then waits inside it.
            blocker.execute("BEGIN")
            blocker.execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
            events = carol.iter_stream({"type": "threads.add_user_message", "params": {
                "thread_id": thread_id, "input": message("add buy milk")}})
            seen = []
            for event in events:
                seen.append(event)
                if event["type"] == "progress_update" and event["text"] == "Working on it":
                    break
            events.close()  # the user reloads the page mid-stream
            owner = blocker.execute("SELECT lock_owner FROM threads WHERE id = %s",
                                    (thread_id,)).fetchone()
            assert owner is not None and owner[0], "no worker holds the thread"
            # And the worker process running the turn dies (owners are `host:pid:token`);
            # Celery requeues its kick and forks another.
            os.kill(int(owner[0].split(":")[1]), signal.SIGKILL)
            blocker.execute("ROLLBACK")
        assert event_types(seen)[:2] == ["thread.item.done", "stream_options"]
        assert seen[-1] == {"type": "progress_update", "text": "Working on it"}
        user_item = seen[0]["item"]

        items = _reload_until_answered(carol, thread_id, user_item["id"])
        ids = [item["id"] for item in items]
        assert ids[-3:] == [user_item["id"], f"{user_item['id']}.reply",
                            f"{user_item['id']}.widget0"]
        assert items[-2]["content"][0]["text"] == "Added: \u201cbuy milk\u201d."
        tasks = http.get("/api/tasks", headers=auth("carol")).json()["tasks"]
        assert sorted(t["title"] for t in tasks) == ["buy milk", "walk the dog"]  # once
    with pg(pg_url_module) as conn:
        attempts = conn.execute("SELECT attempts FROM turns WHERE id = %s",
                                (user_item["id"],)).fetchone()
    assert attempts == (2,)  # started by the killed process, finished by another


def _reload_until_answered(client: ChatKitClient, thread_id: str, user_item_id: str,
                           timeout: float = 60) -> list[dict[str, Any]]:
    """The thread's items, read again (as a reloaded page does) until the answer is there."""
    deadline = time.monotonic() + timeout
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        items = client.get(thread_id)["items"]["data"]
        if any(item["id"] == f"{user_item_id}.reply" for item in items):
            return items
        time.sleep(0.5)
    raise AssertionError(f"no answer to {user_item_id} after {timeout}s: {items}")
