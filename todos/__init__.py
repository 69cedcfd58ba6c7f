"""The task domain: one task shape, its field rules, recurrence, and `TaskService`, which
both the agent (chat turns, buttons) and the REST API (`/api/tasks`) change tasks through.

Imports nothing of ours but `core` and `store`.
"""

from store.tasks import PRIORITY_RANK, DueWindow, Priority, Status, TaskFilter, TaskRepository
from todos.model import MAX_TITLE_LENGTH, PRIORITIES, TaskView, is_overdue, task_dict
from todos.ports import TaskStore
from todos.recurrence import Occurrence, next_occurrence
from todos.service import (
    Change,
    Completion,
    NewTask,
    QuotaExceeded,
    TaskService,
    UndoReport,
)
from todos.validation import (
    TaskInvalid,
    clean_due,
    clean_priority,
    clean_recurrence,
    clean_tag,
    clean_tags,
    clean_title,
)

__all__ = [
    "MAX_TITLE_LENGTH", "PRIORITIES", "PRIORITY_RANK", "Change", "Completion", "DueWindow",
    "NewTask", "Occurrence", "Priority", "QuotaExceeded", "Status", "TaskFilter", "TaskInvalid",
    "TaskRepository", "TaskService", "TaskStore", "TaskView", "UndoReport", "clean_due",
    "clean_priority", "clean_recurrence", "clean_tag", "clean_tags", "clean_title", "is_overdue",
    "next_occurrence", "task_dict",
]
