"""`ChatKitServer`: the contract's Python interface. Validates, stores the turn, enqueues a kick.

The HTTP routes are thin wrappers over it; tests and the replay tool drive the product
through it without HTTP.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.actions import ACTION_TYPES
from api.errors import AUTH_ERROR, NOT_FOUND, VALIDATION_ERROR, ChatKitError
from store.models import Turn
from store.turns import ThreadForbidden, create_turn, get_turn_for_user

log = logging.getLogger("chatkit.api")

# Enqueue "look at this thread" (ids only). May raise when the broker is down: the turn is
# already stored, and the worker-side sweep re-kicks it.
Kick = Callable[[str], Awaitable[None]]

_THREAD_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _invalid(message: str) -> ChatKitError:
    return ChatKitError(422, VALIDATION_ERROR, message)


def validate_thread_id(thread_id: Any) -> str:
    if not isinstance(thread_id, str) or not 1 <= len(thread_id) <= 128:
        raise _invalid("thread_id: must be a string of 1 to 128 characters")
    if not set(thread_id) <= _THREAD_ID_CHARS or not thread_id[0].isalnum():
        raise _invalid("thread_id: use letters, digits and _ . : - (starting with a letter "
                       "or digit)")
    return thread_id


def validate_metadata(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise _invalid("metadata: must be an object")
    timezone = metadata.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise _invalid(f"metadata.timezone: unknown time zone {timezone!r} "
                           "(use an IANA name such as Europe/Paris)") from None
    return metadata


class ChatKitServer:
    """Accepts turns for the authenticated user and answers at once with their ids."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        kick: Kick,
        *,
        max_input_chars: int = 4000,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.kick = kick
        self.max_input_chars = max_input_chars
        self.clock = clock

    async def respond(
        self, thread_id: str, input: str, user_id: str, metadata: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Store a user message as a queued turn; returns the respond endpoint's body."""
        validate_thread_id(thread_id)
        if not isinstance(input, str) or not input.strip():
            raise _invalid("input: must be a non-empty string")
        if len(input) > self.max_input_chars:
            raise _invalid(f"input: at most {self.max_input_chars} characters "
                           f"(got {len(input)})")
        turn_id = f"resp_{secrets.token_hex(10)}"
        await self._store_and_kick(
            turn_id, thread_id, user_id, kind="message", input=input, action=None,
            metadata=validate_metadata(metadata),
        )
        return {"status": "success", "thread_id": thread_id, "response_id": turn_id}

    async def action(
        self,
        thread_id: str,
        action: dict[str, Any],
        user_id: str,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a widget action as a queued turn; returns the action endpoint's body."""
        validate_thread_id(thread_id)
        if not isinstance(action, dict):
            raise _invalid("action: must be an object")
        kind = action.get("type")
        if kind not in ACTION_TYPES:
            raise _invalid(f"action.type: unknown action {kind!r}; expected one of "
                           + ", ".join(ACTION_TYPES))
        payload = action.get("payload", {})
        if not isinstance(payload, dict):
            raise _invalid("action.payload: must be an object")
        if not isinstance(payload.get("task_id"), str) or not payload["task_id"]:
            raise _invalid("action.payload.task_id: required for this action")
        stored = {"type": kind, "widget_id": action.get("widget_id"), "payload": payload}
        turn_id = f"action_{secrets.token_hex(10)}"
        await self._store_and_kick(
            turn_id, thread_id, user_id, kind="action", input=None, action=stored,
            metadata=validate_metadata(metadata),
        )
        return {"status": "success", "thread_id": thread_id, "action_id": turn_id}

    async def _store_and_kick(
        self,
        turn_id: str,
        thread_id: str,
        user_id: str,
        *,
        kind: str,
        input: str | None,
        action: dict[str, Any] | None,
        metadata: dict[str, Any],
    ) -> None:
        async with self.sessions() as session:
            try:
                await create_turn(
                    session, turn_id=turn_id, thread_id=thread_id, user_id=user_id, kind=kind,
                    input=input, action=action, metadata=metadata, now=self.clock(),
                )
            except ThreadForbidden:
                raise ChatKitError(
                    403, AUTH_ERROR, "this thread belongs to another user"
                ) from None
        try:
            await self.kick(thread_id)
        except Exception:
            # Stored is accepted: the sweep re-kicks turns whose kick never arrived.
            log.warning("could not enqueue thread %s; the sweep will pick it up", thread_id,
                        exc_info=True)

    async def result(self, turn_id: str, user_id: str, *, kind: str) -> dict[str, Any]:
        """The stored result of one of the user's turns. 404 (never 403) for anyone else's."""
        async with self.sessions() as session:
            turn = await get_turn_for_user(session, turn_id, user_id, kind)
        if turn is None:
            noun = "response" if kind == "message" else "action"
            raise ChatKitError(404, NOT_FOUND, f"no {noun} with id {turn_id!r}")
        return turn_view(turn)


def turn_view(turn: Turn) -> dict[str, Any]:
    """A turn as the result endpoints show it."""
    view: dict[str, Any]
    if turn.kind == "message":
        view = {"response_id": turn.id, "thread_id": turn.thread_id, "status": turn.status,
                "input": turn.input}
    else:
        view = {"action_id": turn.id, "thread_id": turn.thread_id, "status": turn.status,
                "action": turn.action}
    view.update(
        text=turn.text,
        widgets=turn.widgets or [],
        error=turn.error,
        created_at=_iso(turn.created_at),
        completed_at=_iso(turn.completed_at),
    )
    return view
