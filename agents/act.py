"""Act stage: apply the resolved intent to the user's todos, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from agents.types import Intent, ListFilter, Outcome, Resolution, TaskChanges
from store.tasks import TaskRepository, task_to_dict

_PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3, None: 4}


def _due_date(task: dict[str, Any], tz: ZoneInfo) -> dt.date | None:
    due = task.get("due")
    if not due:
        return None
    if "T" in due:
        return dt.datetime.fromisoformat(due).astimezone(tz).date()
    return dt.date.fromisoformat(due)


def is_overdue(task: dict[str, Any], now: dt.datetime, tz: ZoneInfo) -> bool:
    """Open and due before now (a date-only task is overdue from the next day)."""
    due = task.get("due")
    if task.get("completed") or not due:
        return False
    if "T" in due:
        return dt.datetime.fromisoformat(due) < now
    return dt.date.fromisoformat(due) < now.astimezone(tz).date()


def filter_tasks(
    tasks: Sequence[dict[str, Any]], flt: ListFilter, now: dt.datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """The tasks a list request asks for, sorted: overdue, then by due date, then priority."""
    today = now.astimezone(tz).date()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    selected = []
    for task in tasks:
        if flt.status == "open" and task["completed"]:
            continue
        if flt.status == "completed" and not task["completed"]:
            continue
        if flt.priority and task.get("priority") != flt.priority:
            continue
        if flt.tag and flt.tag.lower() not in task.get("tags", []):
            continue
        if flt.text and flt.text.lower() not in task["title"].lower():
            continue
        if flt.due:
            day = _due_date(task, tz)
            if flt.due == "no_date":
                if day is not None:
                    continue
            elif day is None:
                continue
            elif flt.due == "today" and day != today:
                continue
            elif flt.due == "tomorrow" and day != today + dt.timedelta(days=1):
                continue
            elif flt.due == "this_week" and not (day <= week_end):
                continue
            elif flt.due == "overdue" and not is_overdue(task, now, tz):
                continue
        selected.append(task)

    def sort_key(task: dict[str, Any]) -> tuple[Any, ...]:
        day = _due_date(task, tz)
        return (
            task["completed"],
            not is_overdue(task, now, tz),
            day is None,
            day or dt.date.max,
            task.get("due") or "",
            _PRIORITY_RANK.get(task.get("priority"), 4),
            task["created_at"] or "",
        )

    return sorted(selected, key=sort_key)


def describe_filter(flt: ListFilter) -> str:
    """A headline for the list: "Your Tasks", "Completed tasks", "Due today", …"""
    parts: list[str] = []
    if flt.status == "completed":
        parts.append("Completed tasks")
    elif flt.status == "all":
        parts.append("All tasks")
    if flt.due:
        parts.append({"today": "due today", "tomorrow": "due tomorrow",
                      "this_week": "due this week", "overdue": "overdue",
                      "no_date": "with no date"}[flt.due])
    if flt.priority:
        parts.append(f"{flt.priority} priority")
    if flt.tag:
        parts.append(f"#{flt.tag}")
    if flt.text:
        parts.append(f"about \u201c{flt.text}\u201d")
    if not parts:
        return "Your Tasks"
    if flt.status not in ("completed", "all"):
        parts.insert(0, "Tasks")
    text = " ".join(parts)
    return text[0].upper() + text[1:]


def planned_changes(task: dict[str, Any], changes: TaskChanges) -> dict[str, Any]:
    """The task fields an update sets (only those that change)."""
    fields: dict[str, Any] = {}
    if changes.title:
        fields["title"] = changes.title
    if changes.clear_due:
        fields["due"] = None
    elif changes.due:
        fields["due"] = changes.due
    if changes.clear_priority:
        fields["priority"] = None
    elif changes.priority:
        fields["priority"] = changes.priority
    if changes.add_tags or changes.remove_tags:
        removed = {tag.lower() for tag in changes.remove_tags}
        tags = [tag for tag in task["tags"] if tag not in removed]
        tags += [tag.lower() for tag in changes.add_tags if tag.lower() not in tags]
        fields["tags"] = tags
    if changes.clear_recurrence:
        fields["recurrence"] = None
    elif changes.recurrence:
        fields["recurrence"] = changes.recurrence
    return fields


def act(
    resolution: Resolution,
    *,
    repo: TaskRepository,
    now: dt.datetime,
    tz: ZoneInfo,
    memory: dict[str, Any],
) -> Outcome:
    """Carry out the intent. Changes go through `repo` (uncommitted); `memory` is updated."""
    understanding = resolution.understanding
    intent = understanding.intent

    if intent in (Intent.COMPLETE, Intent.REOPEN, Intent.DELETE, Intent.UPDATE):
        if resolution.ambiguous:
            candidates = [task_to_dict(t) for t in repo.get_many(resolution.ambiguous)]
            return Outcome(kind="ambiguous", tasks=candidates)
        if resolution.missing or not resolution.targets:
            return Outcome(kind="not_found", names=resolution.missing,
                           message=", ".join(resolution.suggestions) or None)

    if intent is Intent.ADD:
        created = [
            repo.add(title=draft.title, now=now, due=draft.due, priority=draft.priority,
                     tags=draft.tags, recurrence=draft.recurrence)
            for draft in understanding.drafts
        ]
        if not created:
            return Outcome(kind="nothing_to_do", message="What should I add?")
        memory["last_task"] = created[-1].id
        return Outcome(kind="added", tasks=[task_to_dict(t) for t in created])

    if intent is Intent.LIST:
        flt = understanding.filter or ListFilter()
        tasks = filter_tasks([task_to_dict(t) for t in repo.all()], flt, now, tz)
        memory["last_list"] = [task["id"] for task in tasks]
        return Outcome(kind="listed", tasks=tasks, heading=describe_filter(flt))

    if intent in (Intent.COMPLETE, Intent.REOPEN):
        done = intent is Intent.COMPLETE
        changed = []
        for task in repo.get_many(resolution.targets):
            # Idempotent: completing a completed task leaves it completed.
            if task.completed != done:
                repo.set_completed(task, done, now)
            changed.append(task_to_dict(task))
        memory["last_task"] = resolution.targets[-1]
        return Outcome(kind="completed" if done else "reopened", tasks=changed)

    if intent is Intent.DELETE:
        removed = []
        for task in repo.get_many(resolution.targets):
            removed.append(task_to_dict(task))
            repo.delete(task)
        memory.pop("last_task", None)
        return Outcome(kind="deleted", tasks=removed)

    if intent is Intent.UPDATE:
        changes = understanding.changes or TaskChanges()
        updated = []
        for task in repo.get_many(resolution.targets):
            repo.update_fields(task, now, **planned_changes(task_to_dict(task), changes))
            updated.append(task_to_dict(task))
        memory["last_task"] = resolution.targets[-1]
        return Outcome(kind="updated", tasks=updated)

    if intent is Intent.CLEAR_COMPLETED:
        count = repo.delete_completed()
        return Outcome(kind="cleared", message=f"Removed {count} completed task(s).")

    if intent in (Intent.HELP, Intent.GREETING, Intent.THANKS):
        return Outcome(kind=intent.value)  # type: ignore[arg-type]

    return Outcome(kind="unknown")
