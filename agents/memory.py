"""The thread's memory between turns, typed: what was shown, what can be undone, what waits.

Stored as JSON in the thread row (`store.turns`); `ThreadMemory.load` reads what is
stored (dropping what no longer parses, so an upgrade never breaks a thread) and `dump`
writes it back.
"""

from __future__ import annotations

from typing import Any

import msgspec

from agents.types import PendingQuestion
from store.tasks import TaskFilter
from todos import Change

# How many changes a thread can undo, one after the other, and how many bulk deletions
# may wait for Confirm at once.
MAX_UNDO = 10
MAX_CONFIRMATIONS = 5
# A change touching more tasks than this is not kept for undo (the answer says so): the
# memory of a thread stays small (a "delete all" of 5,000 tasks stored 1.3 MB before).
MAX_UNDO_TASKS = 500
# "the 2nd one" refers to the rows shown, at most this many (pages of 20 add up).
MAX_LAST_LIST = 200


class UndoEntry(msgspec.Struct, kw_only=True):
    """One undoable change: what the Undo button of its answer puts back."""

    id: str
    label: str
    changes: list[Change] = []


class Confirmation(msgspec.Struct, kw_only=True):
    """A bulk deletion waiting for Confirm, and the exact tasks it covers."""

    id: str
    operation: str  # "clear_completed" | "delete_all"
    task_ids: list[str] = []


class ListView(msgspec.Struct, kw_only=True):
    """The list card on screen (a click on it refreshes that same view)."""

    filter: TaskFilter = TaskFilter()
    offset: int = 0


class ThreadMemory(msgspec.Struct, kw_only=True):
    """What the agent remembers in a thread."""

    last_list: list[str] = []  # ids of the rows shown, for "the second one"
    last_task: str | None = None  # the task last mentioned, for "it"
    list_view: ListView | None = None
    undo: list[UndoEntry] = []
    confirmations: list[Confirmation] = []
    pending: PendingQuestion | None = None  # a question asked, waiting for its answer

    @classmethod
    def load(cls, raw: dict[str, Any] | None) -> ThreadMemory:
        """The memory stored for a thread; fields that no longer parse start empty."""
        memory = cls()
        for name, value in (raw or {}).items():
            if name not in _FIELD_TYPES:
                continue
            try:
                setattr(memory, name, msgspec.convert(value, _FIELD_TYPES[name]))
            except (msgspec.ValidationError, TypeError, KeyError):
                continue
        return memory

    def dump(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)

    # -- undo ----------------------------------------------------------------------------

    def record_change(self, change_id: str, label: str, changes: list[Change]) -> str | None:
        """Push a change for its Undo button; None when it is too large to keep."""
        touched = len({change.task_id for change in changes})
        if not changes or touched > MAX_UNDO_TASKS:
            return None
        self.undo = [*self.undo, UndoEntry(id=change_id, label=label, changes=changes)]
        self.undo = self.undo[-MAX_UNDO:]
        return change_id

    def pop_undo(self, change_id: str | None = None) -> UndoEntry | None:
        """Take the last change off the log (only if it is `change_id`, when given)."""
        if not self.undo or (change_id is not None and self.undo[-1].id != change_id):
            return None
        entry = self.undo[-1]
        self.undo = self.undo[:-1]
        return entry

    # -- confirmations -------------------------------------------------------------------

    def add_confirmation(self, confirmation_id: str, operation: str, task_ids: list[str]) -> None:
        waiting = [c for c in self.confirmations if c.id != confirmation_id]
        waiting.append(Confirmation(id=confirmation_id, operation=operation, task_ids=task_ids))
        self.confirmations = waiting[-MAX_CONFIRMATIONS:]

    def pop_confirmation(self, confirmation_id: str, operation: str) -> Confirmation | None:
        """Take a waiting bulk deletion away (None: confirmed, cancelled or unknown)."""
        for waiting in self.confirmations:
            if waiting.id == confirmation_id and waiting.operation == operation:
                self.confirmations = [c for c in self.confirmations if c is not waiting]
                return waiting
        return None


_FIELD_TYPES: dict[str, Any] = {
    "last_list": list[str],
    "last_task": str | None,
    "list_view": ListView | None,
    "undo": list[UndoEntry],
    "confirmations": list[Confirmation],
    "pending": PendingQuestion | None,
}
