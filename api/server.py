"""`TurnIntake`: validates a message or a click, stores it as a queued turn, kicks a worker.

It implements the contract's Python interface (`ChatKitServer`: `respond` and `action`
return exactly the two endpoints' bodies) but does not produce the answer: a worker does,
later (`agents`). The HTTP routes are thin wrappers over it; tests and the replay tool
drive the product through it without HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.errors import ChatKitError, Problem
from api.ratelimit import RateLimiter, user_key
from api.telemetry import turn_stored
from core.clock import utcnow
from store.actions import find_offer, thread_owner
from store.history import delete_thread
from store.idempotency import (
    IDEMPOTENCY_TTL,
    find_key,
    memo_name,
    memo_value,
    parse_memo,
    purge_expired,
    request_fingerprint,
)
from store.ingest import TurnWriter, read_turn
from store.models import IdempotencyKey
from store.turns import (
    ThreadForbidden,
    ThreadQuotaExceeded,
    create_turn,
    get_turn_for_user,
    turn_view,
)
from widgets.actions import ACTION_TYPES, UnknownAction, canonical_action

log = logging.getLogger("chatkit.api")

# Enqueue "look at this thread" (ids only). May raise when the broker is down: the turn is
# already stored, and the worker-side sweep re-kicks it.
Kick = Callable[[str], Awaitable[None]]


class AnswerMemo(Protocol):
    """A cache of what each `Idempotency-Key` created (the database stays the record)."""

    async def remember(self, user_id: str, key: str, value: str, ttl_s: float) -> None: ...

    async def forget(self, user_id: str, keys: list[str]) -> None: ...


class LimiterMemo(AnswerMemo):
    """The answers kept by the rate limiter, which reads a repeat's answer back in the
    same round trip as the limits (`AdmissionMiddleware`, `api.security.recalled`)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def remember(self, user_id: str, key: str, value: str, ttl_s: float) -> None:
        await self.limiter.remember(user_key(user_id), memo_name(key), value, ttl_s)

    async def forget(self, user_id: str, keys: list[str]) -> None:
        await self.limiter.forget(user_key(user_id), [memo_name(key) for key in keys])

# Small enough that a turn row stays small; the whole body is capped separately (413).
MAX_METADATA_BYTES = 4096
MAX_PAYLOAD_BYTES = 4096
MAX_IDEMPOTENCY_KEY_CHARS = 255

_THREAD_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-")


def _invalid(message: str) -> ChatKitError:
    return Problem.INVALID.error(message)


def reject_nul(value: str, field: str) -> str:
    """422 for text holding NUL characters, which PostgreSQL cannot store in a text column."""
    if "\x00" in value:
        raise _invalid(f"{field}: must not contain NUL (\\u0000) characters")
    return value


def validate_thread_id(thread_id: Any) -> str:
    if not isinstance(thread_id, str) or not 1 <= len(thread_id) <= 128:
        raise _invalid("thread_id: must be a string of 1 to 128 characters")
    if not set(thread_id) <= _THREAD_ID_CHARS or not thread_id[0].isalnum():
        raise _invalid("thread_id: use letters, digits and _ . : - (starting with a letter "
                       "or digit)")
    return thread_id


def _json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def validate_idempotency_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_CHARS or not all(
        "!" <= char <= "~" for char in key
    ):
        raise _invalid(f"Idempotency-Key: 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII "
                       "characters (a UUID is a good key)")
    return key


def validate_metadata(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise _invalid("metadata: must be an object")
    if _json_size(metadata) > MAX_METADATA_BYTES:
        raise _invalid(f"metadata: at most {MAX_METADATA_BYTES} bytes of JSON")
    timezone = metadata.get("timezone")
    if timezone is not None:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: too long, or a folder
            raise _invalid(f"metadata.timezone: unknown time zone {timezone!r} "
                           "(use an IANA name such as Europe/Paris)") from None
    return metadata


@dataclass(frozen=True)
class IdempotentRequest:
    """A request sent with an `Idempotency-Key`: the turn it already made, if the cache knew.

    `earlier_turn_id` None does not mean a first request: the key row is inserted with the
    turn, and a repeat the cache did not know collides there and is answered then.
    """

    key: str
    fingerprint: str
    earlier_turn_id: str | None


class ChatKitServer(Protocol):
    """The contract's server interface (seed "ChatKit API Contracts")."""

    async def respond(self, thread_id: str, input: str, user_id: str) -> dict[str, Any]: ...

    async def action(self, thread_id: str, action: dict[str, Any], user_id: str
                     ) -> dict[str, Any]: ...


class TurnIntake:
    """Accepts turns for the authenticated user and answers at once with their ids."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        kick: Kick,
        *,
        max_input_chars: int = 4000,
        max_threads_per_user: int | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        writer: TurnWriter | None = None,
        memo: AnswerMemo | None = None,
    ) -> None:
        self.sessions = sessions
        self.memo = memo
        # PostgreSQL: turns without an Idempotency-Key are stored by group commit.
        self.writer = writer
        self.kick = kick
        self.max_input_chars = max_input_chars
        self.max_threads_per_user = max_threads_per_user
        self.clock = clock

    async def respond(
        self,
        thread_id: str,
        input: str,
        user_id: str,
        metadata: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        recalled: str | None = None,
    ) -> dict[str, Any]:
        """Store a user message as a queued turn; returns the respond endpoint's body.

        With `idempotency_key`, a repeat of the same request by the same user within 24 h
        returns the first turn's id and stores nothing (a different request: 422).
        `recalled`: what the rate limiter had cached for that key (see `Remember`).
        """
        validate_thread_id(thread_id)
        if not isinstance(input, str) or not input.strip():
            raise _invalid("input: must be a non-empty string")
        reject_nul(input, "input")
        if len(input) > self.max_input_chars:
            raise _invalid(f"input: at most {self.max_input_chars} characters "
                           f"(got {len(input)})")
        metadata = validate_metadata(metadata)
        repeat = self._idempotent(idempotency_key, recalled, kind="message",
                                  thread_id=thread_id, input=input, action=None,
                                  metadata=metadata)
        turn_id = repeat.earlier_turn_id if repeat else None
        if turn_id is None:
            turn_id = await self._store_and_kick(
                f"resp_{secrets.token_hex(10)}", thread_id, user_id, kind="message",
                input=input, action=None, metadata=metadata, idempotent=repeat,
            )
        return {"status": "success", "thread_id": thread_id, "response_id": turn_id}

    async def action(
        self,
        thread_id: str,
        action: dict[str, Any],
        user_id: str,
        metadata: dict[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        recalled: str | None = None,
    ) -> dict[str, Any]:
        """Store a widget action as a queued turn; returns the action endpoint's body.

        `idempotency_key` and `recalled` work as for `respond`.
        """
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
        if _json_size(payload) > MAX_PAYLOAD_BYTES:
            raise _invalid(f"action.payload: at most {MAX_PAYLOAD_BYTES} bytes of JSON")
        stored = {"type": kind, "widget_id": action.get("widget_id"), "payload": payload}
        metadata = validate_metadata(metadata)
        # A repeat answers with the first id even if its button has since been replaced.
        repeat = self._idempotent(idempotency_key, recalled, kind="action",
                                  thread_id=thread_id, input=None, action=stored,
                                  metadata=metadata)
        turn_id = repeat.earlier_turn_id if repeat else None
        if turn_id is None:
            try:
                await self.check_offered(thread_id, user_id, kind, action.get("widget_id"),
                                         payload)
            except ChatKitError:
                # The first request's click may have replaced this very button since.
                earlier = (await self._earlier(user_id, repeat.key, repeat.fingerprint)
                           if repeat is not None else None)
                if earlier is None:
                    raise
                return {"status": "success", "thread_id": thread_id,
                        "action_id": earlier.turn_id}
            turn_id = await self._store_and_kick(
                f"action_{secrets.token_hex(10)}", thread_id, user_id, kind="action",
                input=None, action=stored, metadata=metadata, idempotent=repeat,
            )
        return {"status": "success", "thread_id": thread_id, "action_id": turn_id}

    async def check_offered(
        self, thread_id: str, user_id: str, kind: str, widget_id: Any, payload: dict[str, Any]
    ) -> None:
        """422 WIDGET_ERROR unless `widget_id` is a button rendered in this thread whose
        declared action has this type and payload (one primary-key lookup)."""
        if not isinstance(widget_id, str) or not widget_id:
            raise _widget_error("action.widget_id: required; send the id of the button "
                                "that was clicked")
        try:
            expected_type, expected_payload = canonical_action(kind, payload)
        except UnknownAction as error:
            raise _widget_error(f"action.payload: {error}") from None
        async with self.sessions() as session:
            offer = await find_offer(session, thread_id, widget_id, user_id)
            owner = None if offer is not None else await thread_owner(session, thread_id)
        if offer is None:
            if owner is not None and owner != user_id:
                raise Problem.FORBIDDEN.error("this thread belongs to another user")
            raise _widget_error(f"action.widget_id: no button {widget_id!r} was rendered in "
                                "this thread")
        if offer.action_type != expected_type:
            raise _widget_error(f"action.type: button {widget_id!r} offers "
                                f"{offer.action_type!r}, not {kind!r}")
        if offer.payload != expected_payload:
            keys = sorted(set(offer.payload) | set(expected_payload))
            wrong = [f"{key}: expected {offer.payload.get(key)!r}, got "
                     f"{expected_payload.get(key)!r}"
                     for key in keys if offer.payload.get(key) != expected_payload.get(key)]
            raise _widget_error(f"action.payload: does not match what button {widget_id!r} "
                                f"offered ({'; '.join(wrong)})")

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
        idempotent: IdempotentRequest | None = None,
    ) -> str:
        """Store the turn and kick its thread; returns its id (or, when a concurrent request
        with the same `Idempotency-Key` won, that request's)."""
        now = self.clock()
        key_row: IdempotencyKey | None = None
        if idempotent is not None:
            key_row = IdempotencyKey(user_id=user_id, key=idempotent.key,
                                     request_hash=idempotent.fingerprint, turn_id=turn_id,
                                     created_at=now)
        try:
            if key_row is None and self.writer is not None:
                await self.writer.store(turn_id=turn_id, thread_id=thread_id, user_id=user_id,
                                        kind=kind, input=input, action=action,
                                        metadata=metadata)
            else:
                await self._store(turn_id, thread_id, user_id, kind=kind, input=input,
                                  action=action, metadata=metadata, now=now, key_row=key_row)
        except ThreadQuotaExceeded as error:
            raise Problem.INVALID.error(
                f"thread_id: you have {error.args[0]} threads, the most one user may have; "
                "delete some (DELETE /api/chatkit/threads/{id}) or reuse one") from None
        except ThreadForbidden:
            raise Problem.FORBIDDEN.error("this thread belongs to another user") from None
        except _IdempotencyRace as race:
            await self._remember(user_id, race.winner)
            return race.winner.turn_id
        if key_row is not None:
            await self._remember(user_id, key_row)
        turn_stored(turn_id, thread_id, user_id, kind)  # metrics; log and kick correlation
        try:
            await self.kick(thread_id)
        except Exception:
            # Stored is accepted: the sweep re-kicks turns whose kick never arrived.
            log.warning("could not enqueue thread %s; the sweep will pick it up", thread_id,
                        exc_info=True)
        return turn_id

    async def _store(
        self, turn_id: str, thread_id: str, user_id: str, *, kind: str, input: str | None,
        action: dict[str, Any] | None, metadata: dict[str, Any], now: dt.datetime,
        key_row: IdempotencyKey | None,
    ) -> None:
        """One turn in its own transaction, with its `Idempotency-Key` row if any.

        A key already stored is a repeat (or a concurrent twin): answered with its turn
        (`_IdempotencyRace`); an expired one is deleted and the insert tried once more.
        """
        for attempt in (1, 2):
            async with self.sessions() as session:
                try:
                    await create_turn(
                        session, turn_id=turn_id, thread_id=thread_id, user_id=user_id,
                        kind=kind, input=input, action=action, metadata=metadata, now=now,
                        idempotency=key_row, max_threads=self.max_threads_per_user,
                    )
                    return
                except IntegrityError:
                    if key_row is None:
                        raise
                    await session.rollback()
                    key_row = _fresh_key_row(key_row)  # the failed session held this one
            winner = await self._earlier(user_id, key_row.key, key_row.request_hash)
            if winner is not None:
                raise _IdempotencyRace(winner)
            if attempt == 2:
                raise RuntimeError(f"Idempotency-Key of turn {turn_id} collides and is absent")

    async def purge_idempotency_keys(self) -> int:
        """Forget `Idempotency-Key`s older than 24 h; returns how many were deleted."""
        async with self.sessions() as session:
            return await purge_expired(session, self.clock())

    @staticmethod
    def _idempotent(key: str | None, recalled: str | None, **request: Any
                    ) -> IdempotentRequest | None:
        """None without a key; else the key, the request's fingerprint and, when the cache
        knew the key, the turn the first request created (422 if the request differs).

        Nothing is read from the database here: the key row goes in with the turn, and a
        repeat the cache did not know is answered when that insert collides."""
        if key is None:
            return None
        validate_idempotency_key(key)
        fingerprint = request_fingerprint(request)
        cached = parse_memo(recalled)
        if cached is None:
            return IdempotentRequest(key, fingerprint, None)
        _check_same_request(cached[0], fingerprint)
        return IdempotentRequest(key, fingerprint, cached[1])

    async def _earlier(self, user_id: str, key: str, fingerprint: str) -> IdempotencyKey | None:
        """The live key row of an earlier request with this key (422 if it was another
        request), or None if there is none."""
        async with self.sessions() as session:
            row = await find_key(session, user_id, key, self.clock())
        if row is not None:
            _check_same_request(row.request_hash, fingerprint)
        return row

    async def _remember(self, user_id: str, row: IdempotencyKey) -> None:
        """Cache the key's answer for as long as the key lives (a failure costs nothing:
        the database still holds the key)."""
        if self.memo is None:
            return
        ttl = (row.created_at + IDEMPOTENCY_TTL - self.clock()).total_seconds()
        if ttl <= 0:
            return
        try:
            await self.memo.remember(user_id, row.key, memo_value(row.request_hash, row.turn_id),
                                     ttl)
        except Exception:
            log.warning("could not cache Idempotency-Key of turn %s", row.turn_id,
                        exc_info=True)

    async def delete_thread(self, thread_id: str, user_id: str) -> None:
        """Delete one of the user's threads (the caller checked it is theirs): its turns,
        events and buttons, and its requests' `Idempotency-Key`s, cached ones included."""
        async with self.sessions() as session:
            keys = await delete_thread(session, thread_id)
        if keys and self.memo is not None:
            try:
                await self.memo.forget(user_id, keys)
            except Exception:
                # Left cached, a repeat would name a deleted turn: its result is a 404.
                log.warning("could not forget the Idempotency-Keys of thread %s", thread_id,
                            exc_info=True)

    async def result(self, turn_id: str, user_id: str, *, kind: str) -> dict[str, Any]:
        """The stored result of one of the user's turns. 404 (never 403) for anyone else's."""
        turn: Any
        if self.writer is not None:
            turn = await read_turn(self.writer.engine, turn_id)
            if turn is not None and (turn.user_id != user_id or turn.kind != kind):
                turn = None
        else:
            async with self.sessions() as session:
                turn = await get_turn_for_user(session, turn_id, user_id, kind)
        if turn is None:
            noun = "response" if kind == "message" else "action"
            raise Problem.NOT_FOUND.error(f"no {noun} with id {turn_id!r}")
        return turn_view(turn)


class _IdempotencyRace(Exception):
    """An earlier (or concurrent) request with the same `Idempotency-Key` stored its turn."""

    def __init__(self, winner: IdempotencyKey) -> None:
        super().__init__(winner.turn_id)
        self.winner = winner


def _check_same_request(stored: str, fingerprint: str) -> None:
    if stored != fingerprint:
        raise _invalid("Idempotency-Key: already used for a different request; "
                       "use a new key for a new request")


def _fresh_key_row(row: IdempotencyKey) -> IdempotencyKey:
    """A new, transient copy of a key row (a rolled-back session keeps the old one)."""
    return IdempotencyKey(user_id=row.user_id, key=row.key, request_hash=row.request_hash,
                          turn_id=row.turn_id, created_at=row.created_at)


def _widget_error(message: str) -> ChatKitError:
    return Problem.ACTION_NOT_OFFERED.error(message)
