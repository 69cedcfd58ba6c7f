"""The tables: threads (owned by one user), turns (messages and actions), tasks (todos)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# Longest task title the tasks table holds (PostgreSQL enforces it; SQLite would not).
MAX_TITLE_LENGTH = 500


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class TurnStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Thread(Base):
    """A conversation. Its id is chosen by the client; the first user to use it owns it."""

    __tablename__ = "threads"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    next_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Agent memory between turns (last list shown, last task mentioned, undo log...).
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Lease lock: the worker draining this thread, and until when its claim holds.
    lock_owner: Mapped[str | None] = mapped_column(String(64))
    lock_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Turn(Base):
    """One user message or widget action, its processing status and its result."""

    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("thread_id", "seq", name="uq_turns_thread_seq"),
        Index("ix_turns_status_created", "status", "created_at"),
        Index("ix_turns_thread_status_seq", "thread_id", "status", "seq"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # "message" | "action"
    input: Mapped[str | None] = mapped_column(Text)
    action: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=TurnStatus.QUEUED.value)
    text: Mapped[str | None] = mapped_column(Text)
    widgets: Mapped[list[Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # An action's result replaces this widget (the card clicked) in place; None: append.
    replaces: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]


class ThreadEvent(Base):
    """One state change of a turn (queued, running, completed, failed), in thread order.

    Written in the same transaction as the change itself, so a client resuming a live
    stream with `Last-Event-ID` reads exactly what it missed from here.
    """

    __tablename__ = "thread_events"
    __table_args__ = (Index("ix_thread_events_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    turn_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))  # turn.queued | turn.running | …
    created_at: Mapped[dt.datetime]


class OfferedAction(Base):
    """A button rendered in a thread: the only actions the server will honour there."""

    __tablename__ = "offered_actions"

    thread_id: Mapped[str] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    widget_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    turn_id: Mapped[str] = mapped_column(String(64))
    card_id: Mapped[str | None] = mapped_column(String(200))
    action_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime]


class IdempotencyKey(Base):
    """`Idempotency-Key` of a respond/action request: a repeat returns the same turn."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    turn_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(index=True)


class Task(Base):
    """A todo item of one user."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_user_completed_due", "user_id", "completed", "due_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[dt.datetime | None]
    # `due` as given (ISO date or date-time with offset); `due_at` the UTC instant for sorting.
    due: Mapped[str | None] = mapped_column(String(40))
    due_at: Mapped[dt.datetime | None]
    priority: Mapped[str | None] = mapped_column(String(8))
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recurrence: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
