"""Live events over a real HTTP server: SSE delivery, resume with Last-Event-ID, stream
tokens, the open-stream limit, and long-polling results with `?wait=N`.

The worker is a real ThreadProcessor behind a gate, so a test decides when turns run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from chatkit_testing import TEST_SECRET, free_port

from api.app import create_app
from api.auth import mint_token
from api.events import MAX_STREAMS_PER_USER, StreamTokens
from core.pubsub import publisher
from core.settings import Settings
from store import Database
from workers.processing import ThreadProcessor


def auth(user: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(TEST_SECRET, user)}"}


@dataclass
class Live:
    base: str
    processor: ThreadProcessor
    pending: list[str] = field(default_factory=list)

    def run_pending(self) -> None:
        """Let the worker process every thread kicked so far (as a worker picking them up)."""
        while self.pending:
            self.processor.drain(self.pending.pop(0))


@pytest.fixture
def live(settings: Settings, database: Database) -> Iterator[Live]:
    with serve(settings, database) as state:
        yield state


@contextmanager
def serve(settings: Settings, database: Database) -> Iterator[Live]:
    """The app on uvicorn in a thread, on a free port, with a gated worker."""
    processor = ThreadProcessor(database.sync_sessions(), notify=publisher(settings))
    state = Live("", processor)

    async def kick(thread_id: str) -> None:
        state.pending.append(thread_id)  # the test releases the worker when it wants

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        create_app(settings, database=database, kick=kick), host="127.0.0.1", port=port,
        log_level="warning", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    state.base = f"http://127.0.0.1:{port}"
    yield state
    server.should_exit = True
    thread.join(10)


@dataclass
class Frame:
    id: int
    event: str
    data: dict[str, Any]


@contextmanager
def stream(live: Live, thread_id: str, *, headers: dict[str, str] | None = None,
           params: dict[str, Any] | None = None) -> Iterator[Iterator[Frame]]:
    """Open the thread's event stream; yields an iterator of its event frames."""
    with httpx.Client(base_url=live.base, timeout=httpx.Timeout(10.0)) as client, \
            client.stream("GET", f"/api/chatkit/threads/{thread_id}/events",
                          headers=headers or {}, params=params or {}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield frames(response.iter_lines())


def frames(lines: Iterator[str]) -> Iterator[Frame]:
    fields: dict[str, str] = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                yield Frame(int(fields["id"]), fields["event"], json.loads(fields["data"]))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def take(events: Iterator[Frame], count: int) -> list[Frame]:
    return [next(events) for _ in range(count)]


def say(live: Live, text: str, thread: str = "t1", user: str = "alice") -> str:
    response = httpx.post(f"{live.base}/api/chatkit/respond", headers=auth(user),
                          json={"thread_id": thread, "input": text})
    assert response.status_code == 202, response.text
    return str(response.json()["response_id"])


def test_stream_sends_each_state_change_with_ids_and_results(live: Live) -> None:
    turn = say(live, "add buy milk")
    with stream(live, "t1", headers=auth()) as events:
        queued = next(events)  # stored before we connected: read from the database
        assert (queued.event, queued.data["turn_id"]) == ("turn.queued", turn)
        assert queued.data["item"]["input"] == "add buy milk"
        live.run_pending()
        running, completed = take(events, 2)
    assert [running.event, completed.event] == ["turn.running", "turn.completed"]
    assert queued.id < running.id < completed.id
    item = completed.data["item"]
    assert item["status"] == "completed" and "buy milk" in item["text"]
    assert item["widgets"][0]["type"] == "card"


def test_resume_with_last_event_id_gets_the_missed_events_once(live: Live) -> None:
    first = say(live, "add buy milk")
    live.run_pending()
    with stream(live, "t1", headers=auth()) as events:
        seen = take(events, 3)
    assert [f.data["turn_id"] for f in seen] == [first] * 3
    last_id = seen[-1].id

    # Disconnected: two more turns are sent and processed.
    missed = [say(live, "add walk the dog"), say(live, "show my tasks")]
    live.run_pending()
    with stream(live, "t1", headers={**auth(), "Last-Event-ID": str(last_id)}) as events:
        replayed = take(events, 6)
        later = say(live, "add call mum")  # then the same stream carries live events
        live.run_pending()
        live_frames = take(events, 3)
    assert [(f.data["turn_id"], f.event) for f in replayed] == [
        (missed[0], "turn.queued"), (missed[1], "turn.queued"),
        (missed[0], "turn.running"), (missed[0], "turn.completed"),
        (missed[1], "turn.running"), (missed[1], "turn.completed"),
    ]
    assert [(f.data["turn_id"], f.event) for f in live_frames] == [
        (later, "turn.queued"), (later, "turn.running"), (later, "turn.completed")]
    ids = [f.id for f in seen + replayed + live_frames]
    assert ids == sorted(set(ids)), "an event arrived twice or out of order"


def test_stream_token_is_for_one_thread_and_user(live: Live) -> None:
    say(live, "add buy milk", thread="t1")
    say(live, "hello", thread="t2")
    response = httpx.post(f"{live.base}/api/chatkit/threads/t1/stream-token", headers=auth())
    assert response.status_code == 201, response.text
    grant = response.json()
    with stream(live, "t1", params={"stream_token": grant["token"]}) as events:
        assert next(events).event == "turn.queued"
    with httpx.Client(base_url=live.base, timeout=5) as client:
        other = client.get("/api/chatkit/threads/t2/events",
                           params={"stream_token": grant["token"]})
        assert other.status_code == 401 and other.json()["error"]["type"] == "AUTH_ERROR"
        bare = client.get("/api/chatkit/threads/t1/events")
        assert bare.status_code == 401
        forged = client.get("/api/chatkit/threads/t1/events",
                            params={"stream_token": grant["token"][:-2] + "xx"})
        assert forged.status_code == 401
        bobs = client.post("/api/chatkit/threads/t1/stream-token", headers=auth("bob"))
        assert bobs.status_code == 403
        bob_streams = client.get("/api/chatkit/threads/t1/events", headers=auth("bob"))
        assert bob_streams.status_code == 403


def test_access_token_query_parameter_also_works(live: Live) -> None:
    say(live, "add buy milk")
    token = mint_token(TEST_SECRET, "alice")
    with stream(live, "t1", params={"access_token": token}) as events:
        assert next(events).event == "turn.queued"


def test_expired_stream_token_is_refused() -> None:
    tokens = StreamTokens("secret")
    token, expires = tokens.mint("alice", "t1", now=1000.0)
    assert tokens.verify(token, "t1", now=expires - 1) == "alice"
    with pytest.raises(Exception, match="expired"):
        tokens.verify(token, "t1", now=expires + 1)


def test_open_streams_per_user_are_limited(live: Live) -> None:
    say(live, "add buy milk")
    url = f"{live.base}/api/chatkit/threads/t1/events"
    with httpx.Client(timeout=10) as client:
        opened = []
        for _ in range(MAX_STREAMS_PER_USER):
            response = client.send(client.build_request("GET", url, headers=auth()),
                                   stream=True)
            assert response.status_code == 200
            opened.append(response)
        refused = client.get(url, headers=auth())
        assert refused.status_code == 429
        assert refused.json()["error"]["type"] == "RATE_LIMIT_ERROR"
        # Other users are not affected.
        say(live, "hello", thread="bobs", user="bob")
        with stream(live, "bobs", headers=auth("bob")) as events:
            assert next(events).event == "turn.queued"
        for response in opened:
            response.close()
    # Closed streams free their slots (the server notices the disconnect shortly).
    deadline = time.monotonic() + 10
    status = 429
    while status == 429 and time.monotonic() < deadline:
        with httpx.Client(timeout=10) as client, \
                client.stream("GET", url, headers=auth()) as response:
            status = response.status_code
        time.sleep(0.1)
    assert status == 200


def test_long_poll_returns_when_the_turn_completes(live: Live) -> None:
    turn = say(live, "add buy milk")
    url = f"{live.base}/api/chatkit/responses/{turn}"
    assert httpx.get(url, headers=auth()).json()["status"] == "queued"
    threading.Timer(0.3, live.run_pending).start()
    result = httpx.get(url, headers=auth(), params={"wait": 20}, timeout=30).json()
    assert result["status"] == "completed" and "buy milk" in result["text"]


def test_long_poll_gives_up_after_n_seconds_with_the_current_status(live: Live) -> None:
    turn = say(live, "add buy milk")
    result = httpx.get(f"{live.base}/api/chatkit/responses/{turn}", headers=auth(),
                       params={"wait": 1}, timeout=10)
    assert result.status_code == 200 and result.json()["status"] == "queued"


@pytest.mark.parametrize("wait", ["31", "-1", "soon"])
def test_long_poll_wait_is_validated(live: Live, wait: str) -> None:
    turn = say(live, "add buy milk")
    response = httpx.get(f"{live.base}/api/chatkit/responses/{turn}", headers=auth(),
                         params={"wait": wait})
    assert response.status_code == 422
    assert "wait" in response.json()["error"]["message"]


def test_open_streams_do_not_use_up_the_in_flight_limit(settings: Settings,
                                                        database: Database) -> None:
    strict = settings.model_copy(update={"max_concurrent": 1})
    with serve(strict, database) as live:
        say(live, "add buy milk")
        with stream(live, "t1", headers=auth()) as first, \
                stream(live, "t1", headers=auth()) as second:
            assert next(first).event == next(second).event == "turn.queued"
            response = httpx.get(f"{live.base}/api/tasks", headers=auth())
            assert response.status_code == 200, response.text


def test_a_bearer_stream_counts_against_the_users_window(live: Live) -> None:
    say(live, "add buy milk")
    with httpx.Client(base_url=live.base, timeout=httpx.Timeout(10.0)) as client, \
            client.stream("GET", "/api/chatkit/threads/t1/events", headers=auth()) as response:
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "100"
        # The message above and this stream: two requests of alice's window are used.
        assert response.headers["x-ratelimit-remaining"] == "98"


def test_each_event_carries_the_turn_as_it_was_then(live: Live) -> None:
    # Issue 14: read after the turn finished, `turn.queued` showed `status: completed`
    # and the answer; a client replaying events must see each state as it happened.
    turn = say(live, "add buy milk")
    live.run_pending()
    with stream(live, "t1", headers=auth()) as events:
        queued, running, completed = take(events, 3)
    for frame, status in ((queued, "queued"), (running, "running")):
        item = frame.data["item"]
        assert (item["status"], item["text"], item["widgets"], item["error"],
                item["completed_at"]) == (status, None, [], None, None), frame.event
        assert item["response_id"] == turn and item["input"] == "add buy milk"
    final = completed.data["item"]
    assert final["status"] == "completed" and "buy milk" in final["text"]
    assert final["widgets"] and final["completed_at"] is not None


def test_a_stream_closes_when_its_thread_is_deleted_and_leaks_nothing_of_a_reuser(
        live: Live) -> None:
    # Issue 13: alice's open stream kept following thread id "t1" after she deleted it and
    # bob took the id: it showed bob's messages and widgets.
    say(live, "add buy milk")
    seen: list[Frame] = []
    with httpx.Client(base_url=live.base, timeout=httpx.Timeout(10.0, read=8.0)) as client, \
            client.stream("GET", "/api/chatkit/threads/t1/events",
                          headers=auth()) as response:
        assert response.status_code == 200
        events = frames(response.iter_lines())
        seen.append(next(events))
        deleted = client.delete("/api/chatkit/threads/t1", headers=auth())
        assert deleted.status_code == 204
        bobs = say(live, "add bob's secret plan", user="bob")
        live.run_pending()
        seen.extend(events)  # ends when the server closes the stream
    assert [frame.event for frame in seen] == ["turn.queued"]
    assert all(frame.data["turn_id"] != bobs for frame in seen)
    # Reconnecting (EventSource does) is refused: the thread is bob's now.
    again = httpx.get(f"{live.base}/api/chatkit/threads/t1/events", headers=auth())
    assert again.status_code == 403



class _ScriptedResults:
    """A `TurnIntake.result` stand-in: each read returns the next status of the script;
    `on_read` runs before each read returns (a worker publishing meanwhile)."""

    def __init__(self, statuses: list[str], on_read: Any = None) -> None:
        self.statuses = statuses
        self.reads = 0
        self.on_read = on_read

    async def result(self, turn_id: str, user_id: str, *, kind: str) -> dict[str, Any]:
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        if self.on_read is not None:
            self.on_read(self.reads)
        return {"response_id": turn_id, "thread_id": "t1", "status": status}


def test_a_long_poll_reads_its_turn_twice_and_misses_no_event_before_subscribing() -> None:
    import asyncio

    from api.events import wait_for_result
    from core.pubsub import LocalHub

    async def scenario(publish_on_first_read: bool) -> tuple[str, int]:
        hub = LocalHub()

        def worker(reads: int) -> None:
            if reads == 1 and publish_on_first_read:
                # The turn finishes after the first read, before the long-poll subscribes.
                hub.publish("t1", "r1", "completed")
        server = _ScriptedResults(["queued", "completed"], worker)

        async def events() -> None:
            await asyncio.sleep(0.05)
            hub.publish("t1", "r1", "running")  # its own earlier event: no read
            hub.publish("t1", "other", "completed")  # another turn of the thread: no read
            await asyncio.sleep(0.05)
            hub.publish("t1", "r1", "completed")
        publishing = None if publish_on_first_read else asyncio.ensure_future(events())
        view = await wait_for_result(server, hub, "r1", "alice", kind="message",  # type: ignore[arg-type]
                                     wait=1.5)
        if publishing is not None:
            await publishing
        return view["status"], server.reads

    assert asyncio.run(scenario(publish_on_first_read=True)) == ("completed", 2)
    assert asyncio.run(scenario(publish_on_first_read=False)) == ("completed", 2)
