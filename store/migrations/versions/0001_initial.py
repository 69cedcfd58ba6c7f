"""threads, turns and tasks

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(200)),
        sa.Column("next_seq", sa.Integer, nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("lock_owner", sa.String(64)),
        sa.Column("lock_until", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_threads_user_id", "threads", ["user_id"])
    op.create_table(
        "turns",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "thread_id", sa.String(128), sa.ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("input", sa.Text),
        sa.Column("action", sa.JSON),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("widgets", sa.JSON),
        sa.Column("error", sa.JSON),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("completed_at", UTCDateTime()),
        sa.UniqueConstraint("thread_id", "seq", name="uq_turns_thread_seq"),
    )
    op.create_index("ix_turns_status_created", "turns", ["status", "created_at"])
    op.create_table(
        "thread_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "thread_id", sa.String(128), sa.ForeignKey("threads.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("turn_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_thread_events_thread_id_id", "thread_events", ["thread_id", "id"])
    op.create_table(
        "offered_actions",
        sa.Column(
            "thread_id", sa.String(128), sa.ForeignKey("threads.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("widget_id", sa.String(200), primary_key=True),
        sa.Column("turn_id", sa.String(64), nullable=False),
        sa.Column("card_id", sa.String(200)),
        sa.Column("action_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("turn_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("completed_at", UTCDateTime()),
        sa.Column("due", sa.String(40)),
        sa.Column("due_at", UTCDateTime()),
        sa.Column("priority", sa.String(8)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("recurrence", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_tasks_user_completed_due", "tasks", ["user_id", "completed", "due_at"])


def downgrade() -> None:
    op.drop_table("tasks")
    op.drop_table("idempotency_keys")
    op.drop_table("offered_actions")
    op.drop_table("thread_events")
    op.drop_table("turns")
    op.drop_table("threads")
