"""The ChatKit protocol over this backend's threads and turns: one method per request type.

Messages and clicks go through `TurnIntake` exactly as `POST /api/chatkit/respond` and
`/action` do (stored as a queued turn, a worker kicked); the stream then follows the turn
through the same pub/sub nudges as the SSE endpoint and sends its answer as ChatKit items
when the worker commits it. Nothing here runs the agent. Reads are pages over indexes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.chatkit import items as view
from api.chatkit.protocol import (
    ActiveStatus,
    ErrorEvent,
    InputTag,
    InputText,
    ItemsFeedback,
    ItemsList,
    NoticeEvent,
    Page,
    ProgressUpdateEvent,
    StreamOptions,
    StreamOptionsEvent,
    Thread,
    ThreadCreatedEvent,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadsAddUserMessage,
    ThreadsCreate,
    ThreadsCustomAction,
    ThreadsDelete,
    ThreadsGetById,
    ThreadsList,
    ThreadsRetryAfterItem,
    ThreadStreamEvent,
    ThreadsUpdate,
    UserMessageInput,
    WidgetItem,
    WidgetRootUpdated,
    encode,
    sse,
)
from api.server import TurnIntake, reject_nul, validate_thread_id
from core.errors import ChatKitError, Problem
from core.pubsub import EventHub
from store.chatkit_views import (
    CHATKIT_MARK,
    facts_from,
    rename_thread,
    threads_page,
    turn_facts,
    turn_in_thread,
    turn_status,
    turns_between,
    turns_by_id,
)
from store.history import BadCursor, get_thread
from store.models import Thread as ThreadRow
from store.models import Turn

log = logging.getLogger("chatkit.api")

DEFAULT_PAGE_SIZE = 20  # the reference server's page when `limit` is absent
MAX_PAGE_SIZE = 100
MAX_TITLE_CHARS = 200  # the threads.title column
HEARTBEAT_S = 15.0  # an SSE comment while waiting, below common proxies' idle timeouts
RECHECK_S = 5.0  # re-read the turn even without a nudge (a nudge can be lost)
# How long a stream follows its turn. Past it the answer is still produced and stored (a
# crashed worker's turn is taken over within lease + sweep interval, 90 s by default): the
# stream says so and ends, and the client reads the answer with threads.get_by_id.
FOLLOW_S = 120.0
QUEUED_TEXT = "Waiting for a worker"
RUNNING_TEXT = "Working on it"


@dataclass(frozen=True)
class Once:
    """A streaming request's `Idempotency-Key` (and the answer the limiter had cached for
    it): a repeat streams the first request's turn again and stores nothing."""

    key: str | None = None
    recalled: str | None = None


NO_KEY = Once()


def _not_supported(what: str) -> ChatKitError:
    return Problem.INVALID.error(f"{what} is not supported by this server")


class ChatKitService:
    """Answers ChatKit requests for one authenticated user at a time."""

    def __init__(self, intake: TurnIntake, sessions: async_sessionmaker[AsyncSession],
                 hub: EventHub, *, follow_s: float = FOLLOW_S,
                 heartbeat_s: float = HEARTBEAT_S) -> None:
        self.intake = intake
        self.sessions = sessions
        self.hub = hub
        self.follow_s = follow_s
        self.heartbeat_s = heartbeat_s

    # ---- streaming requests: store a turn, then follow it ------------------------------------

    async def create(self, request: ThreadsCreate, user_id: str, *,
                     once: Once = NO_KEY) -> AsyncIterator[bytes]:
        """threads.create: a new thread holding the user's first message.

        With an `Idempotency-Key` the thread's id comes from the key, so a repeat names
        the same thread and turn and streams that turn again instead of a new one."""
        text = self._message_text(request.params.input)
        thread_id = (f"thr_{secrets.token_hex(8)}" if once.key is None
                     else "thr_" + hashlib.sha256(f"{user_id}\0{once.key}".encode(
                         "utf-8", "surrogatepass")).hexdigest()[:16])
        accepted = await self.intake.respond(thread_id, text, user_id,
                                             self._metadata(request.metadata),
                                             idempotency_key=once.key, recalled=once.recalled)
        turn_id = accepted["response_id"]
        async with self.sessions() as session:
            thread = await get_thread(session, thread_id)
            turn = await turn_in_thread(session, thread_id, turn_id)
        if thread is None or turn is None:  # deleted in between by another request
            raise Problem.NOT_FOUND.error(f"no thread with id {thread_id!r}")
        first = view.user_item(turn, retry=False)
        prelude: list[ThreadStreamEvent] = [
            ThreadCreatedEvent(self._thread(thread, Page([], False)))]
        if first is not None:
            prelude.append(ThreadItemDoneEvent(first))
        return self._follow(prelude, thread_id, turn_id)

    async def add_user_message(self, request: ThreadsAddUserMessage, user_id: str, *,
                               once: Once = NO_KEY) -> AsyncIterator[bytes]:
        """threads.add_user_message: a message in one of the user's threads."""
        thread_id = request.params.thread_id
        await self._owned(thread_id, user_id)
        text = self._message_text(request.params.input)
        accepted = await self.intake.respond(thread_id, text, user_id,
                                             self._metadata(request.metadata),
                                             idempotency_key=once.key, recalled=once.recalled)
        return await self._follow_new_turn(thread_id, accepted["response_id"])

    async def custom_action(self, request: ThreadsCustomAction, user_id: str, *,
                            once: Once = NO_KEY) -> AsyncIterator[bytes]:
        """threads.custom_action: a button click, checked like POST /api/chatkit/action."""
        params = request.params
        await self._owned(params.thread_id, user_id)
        payload = params.action.payload
        if not isinstance(payload, dict):
            raise Problem.ACTION_NOT_OFFERED.error(
                "action.payload: must be the object the button rendered")
        payload = dict(payload)
        widget_id = payload.pop(view.WIDGET_ID_KEY, None)
        if not isinstance(widget_id, str) or not widget_id:
            raise Problem.ACTION_NOT_OFFERED.error(
                f"action.payload.{view.WIDGET_ID_KEY}: required; send the action exactly as "
                "the button rendered it")
        mark: dict[str, Any] = {}
        if params.item_id is not None:
            mark = {"item_id": params.item_id,
                    "item_seq": await self._widget_item_seq(params.thread_id, params.item_id)}
        accepted = await self.intake.action(
            params.thread_id, {"type": params.action.type, "widget_id": widget_id,
                               "payload": payload},
            user_id, self._metadata(request.metadata, mark),
            idempotency_key=once.key, recalled=once.recalled)
        return await self._follow_new_turn(params.thread_id, accepted["action_id"],
                                           sender=params.item_id)

    async def retry_after_item(self, request: ThreadsRetryAfterItem, user_id: str, *,
                               once: Once = NO_KEY) -> AsyncIterator[bytes]:
        """threads.retry_after_item: answer the thread's latest message again."""
        thread_id, item_id = request.params.thread_id, request.params.item_id
        await self._owned(thread_id, user_id)
        parsed = view.parse_item_id(item_id)
        async with self.sessions() as session:
            turn = (await turn_in_thread(session, thread_id, parsed.turn_id)
                    if parsed is not None and parsed.position == 0 else None)
            facts = await facts_from(session, thread_id, turn.seq) if turn is not None else []
        plan = view.ThreadPlan(facts)
        text = view.user_text(turn) if turn is not None else None
        if turn is None or text is None or not view.has_user_item(plan.facts[turn.id]):
            raise Problem.INVALID.error(f"params.item_id: {item_id!r} is not a user message "
                                        "of this thread")
        if any(view.has_user_item(fact) for fact in facts if fact.seq > turn.seq):
            raise Problem.INVALID.error("params.item_id: only the latest message can be "
                                        "retried")
        mark = {"retry_of": turn.id, "retry_of_seq": turn.seq}
        accepted = await self.intake.respond(thread_id, text, user_id,
                                             self._metadata(request.metadata, mark),
                                             idempotency_key=once.key, recalled=once.recalled)
        return await self._follow_new_turn(thread_id, accepted["response_id"])

    async def _follow_new_turn(self, thread_id: str, turn_id: str,
                               sender: str | None = None) -> AsyncIterator[bytes]:
        async with self.sessions() as session:
            turn = await turn_in_thread(session, thread_id, turn_id)
        prelude: list[ThreadStreamEvent] = []
        if turn is not None:
            first = view.user_item(turn, retry=turn_facts(turn).retry_of is not None)
            if first is not None:
                prelude.append(ThreadItemDoneEvent(first))
        return self._follow(prelude, thread_id, turn_id, sender)

    async def _follow(self, prelude: Sequence[ThreadStreamEvent], thread_id: str,
                      turn_id: str, sender: str | None = None) -> AsyncIterator[bytes]:
        """The stream: the prelude, progress while the turn waits or runs, then its answer."""
        for event in prelude:
            yield sse(event)
        # The turn is stored and will be answered whatever the client does: no cancel button.
        yield sse(StreamOptionsEvent(StreamOptions(allow_cancel=False)))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.follow_s
        last_status: str | None = None
        last_write = loop.time()
        try:
            async with self.hub.subscribe(thread_id) as waiter:
                while True:
                    # Read after subscribing: a commit in between still wakes us.
                    async with self.sessions() as session:
                        status = await turn_status(session, turn_id)
                    if status is None:
                        yield sse(ErrorEvent("This conversation was deleted."))
                        return
                    if status in view.FINAL:
                        for event in await self._answer_events(thread_id, turn_id, sender):
                            yield sse(event)
                        return
                    if status != last_status:
                        last_status = status
                        text = QUEUED_TEXT if status == "queued" else RUNNING_TEXT
                        yield sse(ProgressUpdateEvent(text))
                        last_write = loop.time()
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        yield sse(NoticeEvent(
                            "info", "Still working on it: the answer will appear in this "
                            "conversation when it is ready (reload to see it)."))
                        return
                    await waiter.wait(min(RECHECK_S, self.heartbeat_s, remaining))
                    if loop.time() - last_write >= self.heartbeat_s:
                        yield b": keep-alive\n\n"
                        last_write = loop.time()
        except asyncio.CancelledError:
            raise  # the client left; the turn goes on and is read back later
        except Exception:
            log.warning("lost track of turn %s while streaming it", turn_id, exc_info=True)
            yield sse(ErrorEvent("Lost track of this answer; it is still being worked on. "
                                 "Reload the conversation in a moment to see it."))

    async def _answer_events(self, thread_id: str, turn_id: str, sender: str | None
                             ) -> list[ThreadStreamEvent]:
        """A finished turn's answer as events: exactly what a reload then shows."""
        async with self.sessions() as session:
            turn = await turn_in_thread(session, thread_id, turn_id)
            if turn is None:
                return [ErrorEvent("This conversation was deleted.")]
            plan = view.ThreadPlan(await facts_from(session, thread_id, turn.seq))
        events: list[ThreadStreamEvent] = []
        if not plan.hidden(turn.seq):
            answer = view.answer(turn, replaces_sender=plan.replaces_sender(plan.facts[turn.id]))
            if answer.replacement is not None and sender is not None:
                events.append(ThreadItemUpdatedEvent(sender,
                                                     WidgetRootUpdated(answer.replacement)))
            events.extend(ThreadItemDoneEvent(item) for item in answer.items)
        if turn.status == "failed":
            events.append(ErrorEvent(_failure_message(turn)))
        return events

    # ---- non-streaming requests ---------------------------------------------------------------

    async def get_by_id(self, request: ThreadsGetById, user_id: str) -> bytes:
        """threads.get_by_id: the thread and its first page of items, oldest first."""
        thread = await self._owned(request.params.thread_id, user_id)
        page = await self._items_page(thread, after=None, limit=DEFAULT_PAGE_SIZE,
                                      order="asc")
        return encode(self._thread(thread, page))

    async def list_threads(self, request: ThreadsList, user_id: str) -> bytes:
        """threads.list: the user's threads by latest activity, ChatKit's pagination."""
        params = request.params
        limit = _page_size(params.limit)
        async with self.sessions() as session:
            try:
                threads, cursor = await threads_page(session, user_id, after=params.after,
                                                     limit=limit, order=params.order)
            except BadCursor:
                raise Problem.INVALID.error("params.after: not a cursor from this server"
                                            ) from None
        return encode(Page([self._thread(thread, Page([], False)) for thread in threads],
                           has_more=cursor is not None, after=cursor))

    async def list_items(self, request: ItemsList, user_id: str) -> bytes:
        """items.list: a page of a thread's items after an item id, either order."""
        params = request.params
        thread = await self._owned(params.thread_id, user_id)
        return encode(await self._items_page(thread, after=params.after,
                                             limit=_page_size(params.limit),
                                             order=params.order))

    async def update(self, request: ThreadsUpdate, user_id: str) -> bytes:
        """threads.update: rename the thread (a blank title clears it)."""
        thread = await self._owned(request.params.thread_id, user_id)
        title = reject_nul(request.params.title, "params.title").strip()
        if len(title) > MAX_TITLE_CHARS:
            raise Problem.INVALID.error(f"params.title: at most {MAX_TITLE_CHARS} characters")
        async with self.sessions() as session:
            await rename_thread(session, thread.id, title or None)
        thread.title = title or None
        return encode(self._thread(thread, Page([], False)))

    async def delete(self, request: ThreadsDelete, user_id: str) -> bytes:
        """threads.delete: the thread, its turns and events go; tasks stay."""
        thread = await self._owned(request.params.thread_id, user_id)
        await self.intake.delete_thread(thread.id, user_id)
        await self.hub.nudge(thread.id)  # its open streams (both protocols) end now
        return b"{}"

    async def feedback(self, request: ItemsFeedback, user_id: str) -> bytes:
        """items.feedback: acknowledged and logged (nothing in the product uses it yet)."""
        params = request.params
        await self._owned(params.thread_id, user_id)
        if len(params.item_ids) > MAX_PAGE_SIZE or not all(
                view.parse_item_id(item_id) for item_id in params.item_ids):
            raise Problem.INVALID.error("params.item_ids: item ids of this thread")
        log.info("feedback %s on %d item(s) of thread %s", params.kind, len(params.item_ids),
                 params.thread_id)
        return b"{}"

    # ---- helpers --------------------------------------------------------------------------------

    async def _owned(self, thread_id: str, user_id: str) -> ThreadRow:
        """The thread, if it exists and is the caller's (404 absent, 403 another user's)."""
        try:
            validate_thread_id(thread_id)
        except ChatKitError as error:
            raise Problem.INVALID.error(f"params.{error.message}") from None
        async with self.sessions() as session:
            thread = await get_thread(session, thread_id)
        if thread is None:
            raise Problem.NOT_FOUND.error(f"no thread with id {thread_id!r}")
        if thread.user_id != user_id:
            raise Problem.FORBIDDEN.error("this thread belongs to another user")
        return thread

    async def _widget_item_seq(self, thread_id: str, item_id: str) -> int:
        """The seq of the turn showing widget item `item_id` (422 unless it shows it)."""
        parsed = view.parse_item_id(item_id)
        problem = Problem.ACTION_NOT_OFFERED.error(
            f"params.item_id: {item_id!r} is not a widget of this thread")
        if parsed is None or parsed.widget_index is None:
            raise problem
        async with self.sessions() as session:
            turn = await turn_in_thread(session, thread_id, parsed.turn_id)
            if turn is None:
                raise problem
            plan = view.ThreadPlan(await facts_from(session, thread_id, turn.seq))
        if not any(item.id == item_id for item in plan.items(turn)):
            raise problem
        return turn.seq

    @staticmethod
    def _message_text(message: UserMessageInput) -> str:
        if message.attachments:
            raise _not_supported("attachments")
        return "".join(part.text for part in message.content
                       if isinstance(part, InputText | InputTag))

    @staticmethod
    def _metadata(metadata: dict[str, Any], mark: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
        """The request's metadata (`timezone`, …) as the turn stores it, with our own mark;
        a client cannot send the mark itself."""
        stored = {key: value for key, value in metadata.items() if key != CHATKIT_MARK}
        if mark:
            stored[CHATKIT_MARK] = mark
        return stored

    @staticmethod
    def _thread(thread: ThreadRow, items: Page) -> Thread:
        return Thread(id=thread.id, created_at=thread.created_at, items=items,
                      status=ActiveStatus(), title=thread.title)

    async def _items_page(self, thread: ThreadRow, *, after: str | None, limit: int,
                          order: str) -> Page:
        """`limit` items after the item `after` (or from the start/end) in `order`."""
        async with self.sessions() as session:
            anchor: tuple[int, int] | None = None
            if after:
                parsed = view.parse_item_id(after)
                turn = (await turn_in_thread(session, thread.id, parsed.turn_id)
                        if parsed is not None else None)
                if parsed is None or turn is None:
                    raise Problem.INVALID.error(f"params.after: no item {after!r} in this "
                                                "thread")
                anchor = (turn.seq, parsed.position)
            collected, plan = await _collect(session, thread, anchor, limit, order)
            page = collected[:limit]
            await _apply_updates(session, thread.id, page, plan)
        has_more = len(collected) > limit
        return Page(list(page), has_more=has_more, after=page[-1].id if has_more else None)


async def _collect(session: AsyncSession, thread: ThreadRow, anchor: tuple[int, int] | None,
                   limit: int, order: str) -> tuple[list[ThreadItem], view.ThreadPlan]:
    """At least `limit + 1` items past the anchor (fewer at the thread's end), reading whole
    turns a page at a time and the light facts of every turn after the first one read."""
    last = thread.next_seq
    collected: list[ThreadItem] = []
    chunk = limit + 1
    if order == "asc":
        low = anchor[0] if anchor else 1
        plan = view.ThreadPlan(await facts_from(session, thread.id, low))
        while len(collected) <= limit and low <= last:
            for turn in await turns_between(session, thread.id, low, low + chunk - 1):
                collected.extend(item for item in plan.items(turn)
                                 if anchor is None or (turn.seq, view.position_of(item)) > anchor)
            low += chunk
        return collected, plan
    high = anchor[0] if anchor else last
    plan = view.ThreadPlan([])
    while len(collected) <= limit and high >= 1:
        low = max(1, high - chunk + 1)
        # Later turns may retry or update these ones: the facts from `low` on say how.
        plan = view.ThreadPlan(await facts_from(session, thread.id, low))
        shown: list[ThreadItem] = []
        for turn in await turns_between(session, thread.id, low, high):
            shown.extend(item for item in plan.items(turn)
                         if anchor is None or (turn.seq, view.position_of(item)) < anchor)
        collected.extend(reversed(shown))
        high = low - 1
    return collected, plan


async def _apply_updates(session: AsyncSession, thread_id: str, page: Sequence[ThreadItem],
                         plan: view.ThreadPlan) -> None:
    """Widget items that a later click updated in place show that click's widget."""
    updated = {item.id: plan.updated_by[item.id] for item in page
               if isinstance(item, WidgetItem) and item.id in plan.updated_by}
    turns: dict[str, Turn] = await turns_by_id(session, thread_id, sorted(set(updated.values())))
    for item in page:
        source = turns.get(updated.get(item.id, ""))
        if isinstance(item, WidgetItem) and source is not None and source.widgets:
            item.widget = view.protocol_widget(source.widgets[0])


def _page_size(limit: int | None) -> int:
    if limit is not None and limit < 0:
        raise Problem.INVALID.error("params.limit: must not be negative")
    return min(limit or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def _failure_message(turn: Turn) -> str:
    error = (turn.error or {}).get("error") if isinstance(turn.error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or "This message could not be processed.")
