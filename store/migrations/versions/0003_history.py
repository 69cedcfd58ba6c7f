"""turns (thread_id, status, seq): finding a thread's next pending turn without a scan

Without it, a worker looking for the next queued turn walks every turn of the thread
(`uq_turns_thread_seq`, filtered by status), so a thread's cost grew with its history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_turns_thread_status_seq", "turns", ["thread_id", "status", "seq"])


def downgrade() -> None:
    op.drop_index("ix_turns_thread_status_seq", table_name="turns")
