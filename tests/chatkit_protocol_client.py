"""A ChatKit protocol client for the tests: what ChatKit's UI sends to `POST /chatkit`, and
what it keeps on screen.

Every request is checked as a `ChatKitReq`, every streamed event as a `ThreadStreamEvent`
and every JSON answer as its response type, against openai-chatkit's own types
(tests/chatkit_types.py). `Screen` applies the events as the UI does (an item added or
done appears, or replaces the item with its id; `thread.item.updated` swaps a widget), so
a test compares what was streamed with what a reload shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from chatkit_types import ChatKitTypes

# What each non-streaming request answers (validate.py's kinds).
RESPONSE_KINDS = {
    "threads.get_by_id": "thread",
    "threads.update": "thread",
    "threads.list": "threads_page",
    "items.list": "items_page",
    "threads.delete": "empty",
    "items.feedback": "empty",
}


def message(text: str) -> dict[str, Any]:
    """ChatKit's `UserMessageInput` for a typed message."""
    return {"content": [{"type": "input_text", "text": text}], "attachments": [],
            "inference_options": {}}


def sse_events(lines: Iterator[str]) -> Iterator[str]:
    """The `data:` payloads of a Server-Sent Events stream (comments skipped)."""
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


def walk(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield node
    for child in node.get("children") or []:
        yield from walk(child)


def buttons(widget: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [node for node in walk(widget) if node.get("type") == "Button"]


@dataclass
class Screen:
    """One thread as ChatKit's UI holds it: items in order, by id."""

    items: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind in ("thread.item.added", "thread.item.done"):
            item = event["item"]
            for index, shown in enumerate(self.items):
                if shown["id"] == item["id"]:
                    self.items[index] = item
                    return
            self.items.append(item)
        elif kind == "thread.item.updated":
            update = event["update"]
            assert update["type"] == "widget.root.updated", update
            shown = self.item(event["item_id"])
            shown["widget"] = update["widget"]
        elif kind == "error":
            self.errors.append(event)

    def item(self, item_id: str) -> dict[str, Any]:
        for shown in self.items:
            if shown["id"] == item_id:
                return shown
        raise AssertionError(f"no item {item_id!r} on screen")

    def widgets(self) -> list[dict[str, Any]]:
        return [item for item in self.items if item["type"] == "widget"]

    def task_button(self, title: str, label: str) -> tuple[str, Mapping[str, Any]]:
        """The newest widget item listing the task `title`, and that row's `label` button."""
        for item in reversed(self.widgets()):
            for row in walk(item["widget"]):
                if row.get("type") != "ListViewItem":
                    continue
                cells = row.get("children") or []
                if any(cell.get("type") == "Text" and cell.get("value") == title
                       for cell in cells):
                    for cell in cells:
                        if cell.get("type") == "Button" and cell.get("label") == label:
                            return item["id"], cell
        raise AssertionError(f"no {label!r} button for {title!r} on screen")

    def find_button(self, predicate: Any) -> tuple[str, Mapping[str, Any]]:
        """The newest widget item holding a button for which predicate(button) is true."""
        for item in reversed(self.widgets()):
            for button in buttons(item["widget"]):
                if predicate(button):
                    return item["id"], button
        raise AssertionError("no such button on screen")


class ChatKitClient:
    """Sends ChatKit requests over real HTTP (or an ASGI transport) with a bearer token."""

    def __init__(self, http: httpx.Client, headers: Mapping[str, str], types: ChatKitTypes,
                 path: str = "/chatkit") -> None:
        self.http = http
        self.headers = dict(headers)
        self.types = types
        self.path = path

    def post(self, body: dict[str, Any]) -> httpx.Response:
        """A request body checked as ChatKitReq, sent; the raw response (not streamed)."""
        raw = json.dumps(body)
        self.types.check("request", raw)
        return self.http.post(self.path, content=raw, headers={
            **self.headers, "Content-Type": "application/json"})

    def stream(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """A streaming request: every event, each checked as a ThreadStreamEvent."""
        return list(self.iter_stream(body))

    def iter_stream(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        raw = json.dumps(body)
        self.types.check("request", raw)
        with self.http.stream("POST", self.path, content=raw, headers={
                **self.headers, "Content-Type": "application/json"}) as response:
            assert response.status_code == 200, response.read()
            assert response.headers["content-type"].startswith("text/event-stream")
            for data in sse_events(response.iter_lines()):
                yield self.types.check("event", data)

    def call(self, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streaming request: its JSON answer, checked as the protocol's type."""
        response = self.post(body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        parsed: dict[str, Any] = self.types.check(RESPONSE_KINDS[body["type"]], response.text)
        return parsed

    # ---- the requests a ChatKit UI sends ----------------------------------------------------

    def create(self, text: str, screen: Screen | None = None) -> tuple[str, list[dict[str, Any]]]:
        events = self.stream({"type": "threads.create", "params": {"input": message(text)}})
        assert events[0]["type"] == "thread.created", events[0]
        _show(screen, events)
        return events[0]["thread"]["id"], events

    def say(self, thread_id: str, text: str, screen: Screen | None = None
            ) -> list[dict[str, Any]]:
        events = self.stream({"type": "threads.add_user_message",
                              "params": {"thread_id": thread_id, "input": message(text)}})
        _show(screen, events)
        return events

    def click(self, thread_id: str, item_id: str | None, button: Mapping[str, Any],
              screen: Screen | None = None) -> list[dict[str, Any]]:
        action = button["onClickAction"]
        params: dict[str, Any] = {"thread_id": thread_id,
                                  "action": {"type": action["type"],
                                             "payload": action.get("payload")}}
        if item_id is not None:
            params["item_id"] = item_id
        events = self.stream({"type": "threads.custom_action", "params": params})
        _show(screen, events)
        return events

    def retry(self, thread_id: str, item_id: str, screen: Screen | None = None
              ) -> list[dict[str, Any]]:
        events = self.stream({"type": "threads.retry_after_item",
                              "params": {"thread_id": thread_id, "item_id": item_id}})
        _show(screen, events)
        return events

    def get(self, thread_id: str) -> dict[str, Any]:
        return self.call({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})

    def items(self, thread_id: str, **params: Any) -> dict[str, Any]:
        return self.call({"type": "items.list", "params": {"thread_id": thread_id, **params}})

    def all_items(self, thread_id: str, *, order: str = "asc", limit: int = 3
                  ) -> list[dict[str, Any]]:
        """Every item of the thread, page by page (`after` = the previous page's cursor)."""
        found: list[dict[str, Any]] = []
        after = None
        while True:
            params: dict[str, Any] = {"order": order, "limit": limit}
            if after is not None:
                params["after"] = after
            page = self.items(thread_id, **params)
            found.extend(page["data"])
            if not page["has_more"]:
                return found
            after = page["after"]

    def threads(self, **params: Any) -> dict[str, Any]:
        return self.call({"type": "threads.list", "params": params})

    def rename(self, thread_id: str, title: str) -> dict[str, Any]:
        return self.call({"type": "threads.update",
                          "params": {"thread_id": thread_id, "title": title}})

    def delete(self, thread_id: str) -> dict[str, Any]:
        return self.call({"type": "threads.delete", "params": {"thread_id": thread_id}})


def _show(screen: Screen | None, events: list[dict[str, Any]]) -> None:
    if screen is not None:
        for event in events:
            screen.apply(event)


def event_types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


def answer_of(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items and updates a stream delivered after the user's message (its answer)."""
    return [event for event in events
            if event["type"] in ("thread.item.done", "thread.item.updated")
            and not (event["type"] == "thread.item.done"
                     and event["item"]["type"] == "user_message")]
