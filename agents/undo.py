"""The thread's undo log and pending confirmations, kept in the thread's agent memory.

An entry records the tasks as they were before a change (snapshots in the task shape)
and the ids the change created, so undo restores the snapshots and deletes the creations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store.tasks import TaskRepository

MAX_UNDO = 10
MAX_PENDING = 5


def record_change(
    memory: dict[str, Any],
    *,
    change_id: str,
    label: str,
    before: Sequence[dict[str, Any]] = (),
    created: Sequence[str] = (),
) -> str:
    """Push a change on the thread's undo log; returns its id (for the Undo button)."""
    log = list(memory.get("undo", []))
    log.append({"id": change_id, "label": label, "before": list(before), "created": list(created)})
    memory["undo"] = log[-MAX_UNDO:]
    return change_id


def undo_change(
    repo: TaskRepository, memory: dict[str, Any], change_id: str | None = None
) -> str | None:
    """Revert the thread's last change (only if it is `change_id`, when given).

    Returns the undone change's label, or None when there is nothing (more) to undo:
    a second click on the same Undo button changes nothing.
    """
    log = list(memory.get("undo", []))
    if not log or (change_id is not None and log[-1]["id"] != change_id):
        return None
    entry = log.pop()
    memory["undo"] = log
    repo.delete_ids(entry["created"])
    for snapshot in entry["before"]:
        repo.restore(snapshot)
    return str(entry["label"])


def add_pending(
    memory: dict[str, Any], confirmation_id: str, operation: str, task_ids: Sequence[str]
) -> None:
    """Remember a bulk operation waiting for Confirm (and the exact tasks it covers)."""
    pending = dict(memory.get("pending", {}))
    pending[confirmation_id] = {"operation": operation, "task_ids": list(task_ids)}
    memory["pending"] = dict(list(pending.items())[-MAX_PENDING:])


def pop_pending(
    memory: dict[str, Any], confirmation_id: str, operation: str
) -> dict[str, Any] | None:
    """Take a pending operation away (None when already confirmed, cancelled or unknown)."""
    pending = dict(memory.get("pending", {}))
    entry = pending.get(confirmation_id)
    if entry is None or entry["operation"] != operation:
        return None
    del pending[confirmation_id]
    memory["pending"] = pending
    return dict(entry)
