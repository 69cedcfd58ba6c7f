"""Act stage: apply the resolved intent to the user's todos, inside the caller's transaction."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from dateutil.rrule import rrulestr

from agents.types import Intent, ListFilter, Outcome, OutcomeKind, Resolution, TaskChanges
from agents.undo import add_pending, pop_pending, record_change, undo_change
from store.models import MAX_TITLE_LENGTH
from store.tasks import ListSpec, TaskRepository, list_page, supports_list_text, task_to_dict

PAGE_SIZE = 20

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


def _due_matches(
    due: str,
    task: dict[str, Any],
    day: dt.date | None,
    today: dt.date,
    week_end: dt.date,
    now: dt.datetime,
    tz: ZoneInfo,
) -> bool:
    if due == "no_date":
        return day is None
    if day is None:
        return False
    if due == "today":
        return day == today
    if due == "tomorrow":
        return day == today + dt.timedelta(days=1)
    if due == "this_week":
        return day <= week_end
    return due != "overdue" or is_overdue(task, now, tz)


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
        if flt.due and not _due_matches(
            flt.due, task, _due_date(task, tz), today, week_end, now, tz
        ):
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
        parts.append(
            {
                "today": "due today",
                "tomorrow": "due tomorrow",
                "this_week": "due this week",
                "overdue": "overdue",
                "no_date": "with no date",
            }[flt.due]
        )
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


def encode_cursor(flt: ListFilter, offset: int) -> str:
    """An opaque "Show more" cursor: the list's filter and the next page's offset."""
    raw = json.dumps(
        {"f": msgspec.to_builtins(flt), "o": offset}, sort_keys=True, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[ListFilter, int]:
    """The filter and offset of a cursor; raises ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        return msgspec.convert(data["f"], ListFilter), max(0, int(data["o"]))
    except (ValueError, KeyError, TypeError, msgspec.ValidationError) as error:
        raise ValueError(f"not a list cursor: {cursor!r}") from error


def list_tasks(
    repo: TaskRepository,
    flt: ListFilter,
    *,
    offset: int,
    now: dt.datetime,
    tz: ZoneInfo,
    memory: dict[str, Any],
) -> Outcome:
    """One page of the filtered list; remembers it as the thread's list on screen.

    Filtering, ordering, paging and counting run in SQL (`store.tasks.list_page`), so a
    list costs the same for 10 tasks or 10,000. `last_list` holds the rows shown so far
    (1 to the page's end), which positions ("the second one", "the last one") refer to.
    """
    spec = ListSpec(status=flt.status, due=flt.due, priority=flt.priority, tag=flt.tag,
                    text=flt.text)
    if supports_list_text(flt.text):
        rows, shown_ids, total, offset = list_page(
            repo.session, repo.user_id, spec, now=now, tz=tz, offset=offset, limit=PAGE_SIZE
        )
        page = [task_to_dict(task) for task in rows]
    else:
        # Non-ASCII title text: SQLite's lower() cannot fold it like Python does.
        tasks = filter_tasks([task_to_dict(t) for t in repo.all()], flt, now, tz)
        total = len(tasks)
        if offset >= total:
            offset = 0
        page = tasks[offset : offset + PAGE_SIZE]
        shown_ids = [task["id"] for task in tasks[: offset + PAGE_SIZE]]
    memory["last_list"] = shown_ids
    memory["list_view"] = {"filter": msgspec.to_builtins(flt), "offset": offset}
    more = offset + PAGE_SIZE < total
    return Outcome(
        kind="listed",
        tasks=page,
        heading=describe_filter(flt),
        total=total,
        offset=offset,
        next_cursor=encode_cursor(flt, offset + PAGE_SIZE) if more else None,
    )


def refresh_list(
    repo: TaskRepository, *, now: dt.datetime, tz: ZoneInfo, memory: dict[str, Any]
) -> Outcome:
    """The list card on screen again (same filter and page), after a click changed tasks."""
    view = memory.get("list_view") or {}
    try:
        flt = msgspec.convert(view.get("filter") or {}, ListFilter)
    except msgspec.ValidationError:
        flt = ListFilter()
    return list_tasks(repo, flt, offset=int(view.get("offset") or 0), now=now, tz=tz, memory=memory)


def next_occurrence(due: str | None, rule: str, now: dt.datetime, tz: ZoneInfo) -> str | None:
    """The due date of a recurring task's next occurrence, after its due date and today.

    Keeps the form of `due`: a date stays a date, a date-time keeps its time and offset.
    """
    try:
        if due and "T" in due:
            start = dt.datetime.fromisoformat(due)
            later = rrulestr(rule, dtstart=start).after(max(start, now.astimezone(start.tzinfo)))
            return later.isoformat() if later else None
        today = now.astimezone(tz).date()
        first = dt.date.fromisoformat(due) if due else today
        start_day = dt.datetime.combine(first, dt.time())
        after = dt.datetime.combine(max(first, today), dt.time())
        later = rrulestr(rule, dtstart=start_day).after(after)
        return later.date().isoformat() if later else None
    except (ValueError, TypeError):
        return None  # a rule we cannot read schedules nothing rather than failing the turn


def _label(verb: str, tasks: list[dict[str, Any]]) -> str:
    return f"{verb} " + ", ".join(f"\u201c{task['title']}\u201d" for task in tasks)


def act(
    resolution: Resolution,
    *,
    repo: TaskRepository,
    now: dt.datetime,
    tz: ZoneInfo,
    memory: dict[str, Any],
    turn_id: str = "",
) -> Outcome:
    """Carry out the intent. Changes go through `repo` (uncommitted); `memory` is updated.

    Every change is recorded in the thread's undo log under `turn_id`.
    """
    understanding = resolution.understanding
    intent = understanding.intent

    if intent in (Intent.COMPLETE, Intent.REOPEN, Intent.DELETE, Intent.UPDATE):
        if resolution.ambiguous:
            candidates = [task_to_dict(t) for t in repo.get_many(resolution.ambiguous)]
            changes = (
                msgspec.to_builtins(understanding.changes)
                if understanding.changes is not None
                else None
            )
            return Outcome(kind="ambiguous", tasks=candidates, intent=intent.value, changes=changes)
        if resolution.missing or not resolution.targets:
            return Outcome(
                kind="not_found",
                names=resolution.missing,
                message=", ".join(resolution.suggestions) or None,
            )

    if intent is Intent.ADD:
        if any(len(draft.title) > MAX_TITLE_LENGTH for draft in understanding.drafts):
            return Outcome(kind="nothing_to_do", message=f"That title is too long: a task's "
                           f"title has at most {MAX_TITLE_LENGTH} characters.")
        # A microsecond apart: tasks added together keep their typed order in every list
        # (lists sort by creation last, and ids are random).
        created = [
            repo.add(
                title=draft.title,
                now=now + dt.timedelta(microseconds=index),
                due=draft.due,
                priority=draft.priority,
                tags=draft.tags,
                recurrence=draft.recurrence,
            )
            for index, draft in enumerate(understanding.drafts)
        ]
        if not created:
            return Outcome(kind="nothing_to_do", message="What should I add?")
        memory["last_task"] = created[-1].id
        added = [task_to_dict(t) for t in created]
        change = record_change(
            memory, change_id=turn_id, label=_label("added", added), created=[t.id for t in created]
        )
        return Outcome(kind="added", tasks=added, change_id=change)

    if intent is Intent.LIST:
        return list_tasks(
            repo, understanding.filter or ListFilter(), offset=0, now=now, tz=tz, memory=memory
        )

    if intent in (Intent.COMPLETE, Intent.REOPEN):
        return _set_completed(
            resolution.targets,
            intent is Intent.COMPLETE,
            repo=repo,
            now=now,
            tz=tz,
            memory=memory,
            turn_id=turn_id,
        )

    if intent is Intent.DELETE:
        removed = [task_to_dict(task) for task in repo.get_many(resolution.targets)]
        repo.delete_ids([task["id"] for task in removed])
        memory.pop("last_task", None)
        change = record_change(
            memory, change_id=turn_id, label=_label("deleted", removed), before=removed
        )
        return Outcome(kind="deleted", tasks=removed, change_id=change)

    if intent is Intent.UPDATE:
        changes = understanding.changes or TaskChanges()
        if changes.title and len(changes.title) > MAX_TITLE_LENGTH:
            return Outcome(kind="nothing_to_do", message=f"That title is too long: a task's "
                           f"title has at most {MAX_TITLE_LENGTH} characters.")
        before, updated = [], []
        for task in repo.get_many(resolution.targets):
            fields = planned_changes(task_to_dict(task), changes)
            if fields:
                before.append(task_to_dict(task))
                repo.update_fields(task, now, **fields)
            updated.append(task_to_dict(task))
        memory["last_task"] = resolution.targets[-1]
        updated_change = (
            record_change(memory, change_id=turn_id, label=_label("updated", before), before=before)
            if before
            else None
        )
        return Outcome(
            kind="updated",
            tasks=updated,
            change_id=updated_change,
            detail=None if before else "Nothing to change: it already was so.",
        )

    if intent in (Intent.CLEAR_COMPLETED, Intent.DELETE_ALL):
        return request_confirmation(intent, repo=repo, memory=memory, turn_id=turn_id)

    if intent is Intent.UNDO:
        return undo(repo=repo, memory=memory)

    if intent in (Intent.HELP, Intent.GREETING, Intent.THANKS):
        return Outcome(kind=intent.value)

    return Outcome(kind="unknown")


def _set_completed(
    target_ids: list[str],
    done: bool,
    *,
    repo: TaskRepository,
    now: dt.datetime,
    tz: ZoneInfo,
    memory: dict[str, Any],
    turn_id: str,
) -> Outcome:
    before: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    created: list[str] = []
    details: list[str] = []
    for task in repo.get_many(target_ids):
        # Idempotent: completing a completed task changes nothing (and schedules nothing).
        if task.completed != done:
            before.append(task_to_dict(task))
            repo.set_completed(task, done, now)
            if done and task.recurrence:
                upcoming = next_occurrence(task.due, task.recurrence, now, tz)
                if upcoming:
                    follow = repo.add(
                        title=task.title,
                        now=now,
                        due=upcoming,
                        priority=task.priority,
                        tags=task.tags,
                        recurrence=task.recurrence,
                    )
                    created.append(follow.id)
                    # The done copy stops repeating; the new one carries the rule on.
                    repo.update_fields(task, now, recurrence=None)
                    details.append(f"Next \u201c{task.title}\u201d is due {upcoming}.")
        changed.append(task_to_dict(task))
    memory["last_task"] = target_ids[-1]
    verb: OutcomeKind = "completed" if done else "reopened"
    change = (
        record_change(
            memory, change_id=turn_id, label=_label(verb, before), before=before, created=created
        )
        if before
        else None
    )
    detail = " ".join(details) or (None if before else f"It was already {verb}.")
    return Outcome(kind=verb, tasks=changed, change_id=change, detail=detail)


_OPERATIONS = {Intent.CLEAR_COMPLETED: "clear_completed", Intent.DELETE_ALL: "delete_all"}


def request_confirmation(
    intent: Intent, *, repo: TaskRepository, memory: dict[str, Any], turn_id: str
) -> Outcome:
    """Ask before a bulk deletion: nothing is deleted until its Confirm button is clicked."""
    operation = _OPERATIONS[intent]
    tasks = repo.all(completed=True if intent is Intent.CLEAR_COMPLETED else None)
    if not tasks:
        what = "completed tasks" if intent is Intent.CLEAR_COMPLETED else "tasks"
        return Outcome(kind="nothing_to_do", message=f"There are no {what} to delete.")
    add_pending(memory, turn_id, operation, [task.id for task in tasks])
    return Outcome(
        kind="confirm",
        tasks=[task_to_dict(task) for task in tasks],
        operation=operation,
        confirmation_id=turn_id,
    )


def confirm(
    confirmation_id: str,
    operation: str,
    *,
    repo: TaskRepository,
    memory: dict[str, Any],
    turn_id: str,
) -> Outcome:
    """Carry out a pending bulk deletion once; a second Confirm changes nothing more."""
    pending = pop_pending(memory, confirmation_id, operation)
    if pending is None:
        return Outcome(
            kind="stale", message="That was already done or cancelled; nothing more changed."
        )
    # Exactly the tasks the question named (a task added since is never swept away).
    tasks = repo.get_many(pending["task_ids"])
    if operation == "clear_completed":
        tasks = [task for task in tasks if task.completed]
    removed = [task_to_dict(task) for task in tasks]
    repo.delete_ids([task["id"] for task in removed])
    memory["last_list"] = []
    memory.pop("last_task", None)
    noun = "completed task" if operation == "clear_completed" else "task"
    count = f"{len(removed)} {noun}{'' if len(removed) == 1 else 's'}"
    change = (
        record_change(memory, change_id=turn_id, label=f"deleted {count}", before=removed)
        if removed
        else None
    )
    return Outcome(kind="cleared", tasks=removed, message=f"Deleted {count}.", change_id=change)


def cancel(confirmation_id: str, operation: str, *, memory: dict[str, Any]) -> Outcome:
    """Drop a pending bulk deletion: nothing is deleted, and its Confirm stops working."""
    pending = pop_pending(memory, confirmation_id, operation)
    if pending is None:
        return Outcome(
            kind="stale", message="That was already done or cancelled; nothing more changed."
        )
    return Outcome(kind="cancelled", message="Cancelled: nothing was deleted.")


def undo(*, repo: TaskRepository, memory: dict[str, Any], change_id: str | None = None) -> Outcome:
    """Undo the thread's last change (that change only, when `change_id` is given)."""
    label = undo_change(repo, memory, change_id)
    if label is None:
        if change_id is not None:
            return Outcome(
                kind="stale",
                message="That change was already undone (or a later one came after it).",
            )
        return Outcome(kind="nothing_to_undo", message="There is nothing to undo.")
    memory.pop("last_task", None)
    return Outcome(kind="undone", message=f"Undone: {label}.")
