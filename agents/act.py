"""Act stage: what each intent does to the user's tasks, inside the caller's transaction.

Every change goes through `todos.TaskService` (the same rules as the REST API); the
changes of a turn go on the thread's undo log under the turn's id. Which handler runs
for an intent is decided by the table in `agents.intents`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from agents.memory import MAX_LAST_LIST, ListView, ThreadMemory
from agents.types import (
    Intent,
    Outcome,
    OutcomeKind,
    PendingQuestion,
    Resolution,
    TaskChanges,
)
from store.history import BadCursor, decode_cursor, encode_cursor
from store.tasks import TaskFilter
from todos import (
    MAX_TITLE_LENGTH,
    NewTask,
    TaskInvalid,
    TaskService,
    TaskStore,
    clean_tags,
    task_dict,
)

PAGE_SIZE = 20


@dataclass(frozen=True)
class Limits:
    """What one turn may do (a message can't make a worker spin or a thread's memory grow)."""

    max_new_tasks: int = 50  # tasks one message may add
    max_targets: int = 50  # tasks one message may name
    max_choices: int = 10  # candidates a "which one did you mean?" card shows
    max_tasks_per_user: int | None = None  # None: no quota


@dataclass
class TurnContext:
    """Everything a turn acts with: the user's tasks, the clock, the thread's memory."""

    repo: TaskStore
    memory: ThreadMemory
    now: dt.datetime
    tz: ZoneInfo
    turn_id: str
    limits: Limits = field(default_factory=Limits)
    service: TaskService = field(init=False)
    asked: PendingQuestion | None = None  # the question this message answers, if any

    def __post_init__(self) -> None:
        self.service = TaskService(self.repo, now=self.now, tz=self.tz,
                                   max_tasks=self.limits.max_tasks_per_user)

    def remember(self, label: str) -> str | None:
        """Put what the service changed in this turn on the undo log (its Undo button id)."""
        changes, self.service.changes = self.service.changes, []
        return self.memory.record_change(self.turn_id, label, changes)


def _label(verb: str, tasks: list[dict[str, Any]]) -> str:
    return f"{verb} " + ", ".join(f"\u201c{task['title']}\u201d" for task in tasks)


# -- lists ---------------------------------------------------------------------------------


def describe_filter(flt: TaskFilter) -> str:
    """A headline for the list: "Your Tasks", "Completed tasks", "Due today", …"""
    parts: list[str] = []
    if flt.status == "completed":
        parts.append("Completed tasks")
    elif flt.status == "all":
        parts.append("All tasks")
    if flt.due:
        parts.append({
            "today": "due today",
            "tomorrow": "due tomorrow",
            "this_week": "due this week",
            "overdue": "overdue",
            "no_date": "with no date",
        }[flt.due])
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


def list_cursor(flt: TaskFilter, offset: int) -> str:
    """An opaque "Show more" cursor: the list's filter and the next page's offset."""
    return encode_cursor(msgspec.to_builtins(flt), offset)


def read_list_cursor(cursor: str) -> tuple[TaskFilter, int]:
    """The filter and offset of a list cursor; ValueError when it is not one of ours."""
    try:
        raw, offset = decode_cursor(cursor, 2)
        return msgspec.convert(raw, TaskFilter), max(0, int(offset))  # type: ignore[call-overload]
    except (BadCursor, ValueError, TypeError, msgspec.ValidationError) as error:
        raise ValueError(f"not a list cursor: {cursor!r}") from error


def list_tasks(ctx: TurnContext, flt: TaskFilter, *, offset: int) -> Outcome:
    """One page of the filtered list; remembers it as the thread's list on screen.

    Filtering, ordering, paging and counting run in SQL (`store.tasks.list_page`), so a
    list costs the same for 10 tasks or 10,000. `last_list` holds the rows shown so far
    (1 to the page's end), which positions ("the second one", "the last one") refer to.
    """
    rows, shown_ids, total, offset = ctx.repo.page(flt, now=ctx.now, tz=ctx.tz, offset=offset,
                                                   limit=PAGE_SIZE)
    ctx.memory.last_list = shown_ids[-MAX_LAST_LIST:]
    ctx.memory.list_view = ListView(filter=flt, offset=offset)
    more = offset + PAGE_SIZE < total
    return Outcome(
        kind="listed",
        tasks=[task_dict(row) for row in rows],
        heading=describe_filter(flt),
        total=total,
        offset=offset,
        next_cursor=list_cursor(flt, offset + PAGE_SIZE) if more else None,
    )


def refresh_list(ctx: TurnContext) -> Outcome:
    """The list card on screen again (same filter and page), after a click changed tasks."""
    view = ctx.memory.list_view or ListView()
    return list_tasks(ctx, view.filter, offset=view.offset)


# -- the intents ---------------------------------------------------------------------------


def add(ctx: TurnContext, resolution: Resolution) -> Outcome:
    drafts = resolution.understanding.drafts
    if not drafts:
        return Outcome(kind="nothing_to_do", message="What should I add?")
    if any(len(draft.title) > MAX_TITLE_LENGTH for draft in drafts):
        return Outcome(kind="nothing_to_do", message=f"That title is too long: a task's "
                       f"title has at most {MAX_TITLE_LENGTH} characters.")
    kept = drafts[: ctx.limits.max_new_tasks]
    try:
        added = ctx.service.add_many([
            NewTask(title=draft.title, due=draft.due, priority=draft.priority,
                    tags=clean_tags(draft.tags), recurrence=draft.recurrence)
            for draft in kept])
    except TaskInvalid as error:
        return Outcome(kind="nothing_to_do", message=_sentence(error))
    ctx.memory.last_task = added[-1]["id"]
    detail = None
    if len(drafts) > len(kept):
        detail = (f"I added the first {len(kept)}; one message adds at most "
                  f"{ctx.limits.max_new_tasks} tasks.")
    return Outcome(kind="added", tasks=added, change_id=ctx.remember(_label("added", added)),
                   detail=detail)


def show_list(ctx: TurnContext, resolution: Resolution) -> Outcome:
    return list_tasks(ctx, resolution.understanding.filter or TaskFilter(), offset=0)


def complete(ctx: TurnContext, resolution: Resolution) -> Outcome:
    return _set_completed(ctx, resolution.targets, done=True)


def reopen(ctx: TurnContext, resolution: Resolution) -> Outcome:
    return _set_completed(ctx, resolution.targets, done=False)


def _set_completed(ctx: TurnContext, target_ids: list[str], *, done: bool) -> Outcome:
    changed: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    details: list[str] = []
    for task_id in target_ids:
        try:
            result = ctx.service.set_completed(task_id, done)
        except LookupError:
            continue
        tasks.append(result.task)
        if result.changed:
            changed.append(result.task)
        if result.follow_up is not None:
            details.append(f"Next \u201c{result.follow_up['title']}\u201d is due "
                           f"{result.follow_up['due']}.")
    if target_ids:
        ctx.memory.last_task = target_ids[-1]
    verb: OutcomeKind = "completed" if done else "reopened"
    change = ctx.remember(_label(verb, changed)) if changed else None
    detail = " ".join(details) or (None if changed else f"It was already {verb}.")
    return Outcome(kind=verb, tasks=tasks, change_id=change, detail=detail)


def delete(ctx: TurnContext, resolution: Resolution) -> Outcome:
    removed = ctx.service.delete(resolution.targets)
    ctx.memory.last_task = None
    change = ctx.remember(_label("deleted", removed))
    return Outcome(kind="deleted", tasks=removed, change_id=change)


def planned_fields(task: dict[str, Any], changes: TaskChanges) -> dict[str, Any]:
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
    return {name: value for name, value in fields.items() if task.get(name) != value}


def update(ctx: TurnContext, resolution: Resolution) -> Outcome:
    changes = resolution.understanding.changes or TaskChanges()
    if changes.title and len(changes.title) > MAX_TITLE_LENGTH:
        return Outcome(kind="nothing_to_do", message=f"That title is too long: a task's "
                       f"title has at most {MAX_TITLE_LENGTH} characters.")
    before, updated = [], []
    for row in ctx.repo.get_many(resolution.targets):
        current = task_dict(row)
        fields = planned_fields(current, changes)
        if "tags" in fields:
            try:
                fields["tags"] = clean_tags(fields["tags"])
            except TaskInvalid as error:
                return Outcome(kind="nothing_to_do", message=_sentence(error))
        if fields:
            before.append(current)
            updated.append(ctx.service.update(row.id, **fields))
        else:
            updated.append(current)
    ctx.memory.last_task = resolution.targets[-1]
    change = ctx.remember(_label("updated", before)) if before else None
    return Outcome(kind="updated", tasks=[t for t in updated if t is not None], change_id=change,
                   detail=None if before else "Nothing to change: it already was so.")


_OPERATIONS = {Intent.CLEAR_COMPLETED: "clear_completed", Intent.DELETE_ALL: "delete_all"}


def request_confirmation(ctx: TurnContext, resolution: Resolution) -> Outcome:
    """Ask before a bulk deletion: nothing is deleted until its Confirm button is clicked."""
    intent = resolution.understanding.intent
    operation = _OPERATIONS[intent]
    rows = ctx.repo.all(completed=True if intent is Intent.CLEAR_COMPLETED else None)
    if not rows:
        what = "completed tasks" if intent is Intent.CLEAR_COMPLETED else "tasks"
        return Outcome(kind="nothing_to_do", message=f"There are no {what} to delete.")
    ctx.memory.add_confirmation(ctx.turn_id, operation, [row.id for row in rows])
    return Outcome(kind="confirm", tasks=[task_dict(row) for row in rows], operation=operation,
                   confirmation_id=ctx.turn_id)


def confirm(ctx: TurnContext, confirmation_id: str, operation: str) -> Outcome:
    """Carry out a pending bulk deletion once; a second Confirm changes nothing more."""
    waiting = ctx.memory.pop_confirmation(confirmation_id, operation)
    if waiting is None:
        return Outcome(kind="stale",
                       message="That was already done or cancelled; nothing more changed.")
    # Exactly the tasks the question named (a task added since is never swept away).
    rows = ctx.repo.get_many(waiting.task_ids)
    if operation == "clear_completed":
        rows = [row for row in rows if row.completed]
    removed = ctx.service.delete([row.id for row in rows])
    ctx.memory.last_list = []
    ctx.memory.last_task = None
    noun = "completed task" if operation == "clear_completed" else "task"
    count = f"{len(removed)} {noun}{'' if len(removed) == 1 else 's'}"
    change = ctx.remember(f"deleted {count}") if removed else None
    message = f"Deleted {count}."
    if removed and change is None:
        message += " (Too many to undo.)"
    return Outcome(kind="cleared", tasks=removed, message=message, change_id=change)


def cancel(ctx: TurnContext, confirmation_id: str, operation: str) -> Outcome:
    """Drop a pending bulk deletion: nothing is deleted, and its Confirm stops working."""
    if ctx.memory.pop_confirmation(confirmation_id, operation) is None:
        return Outcome(kind="stale",
                       message="That was already done or cancelled; nothing more changed.")
    return Outcome(kind="cancelled", message="Cancelled: nothing was deleted.")


def undo(ctx: TurnContext, change_id: str | None = None) -> Outcome:
    """Undo the thread's last change (that change only, when `change_id` is given).

    Only what that change did is put back: a task edited since (in chat or through the
    REST API) keeps its newer values, and the answer says so.
    """
    entry = ctx.memory.pop_undo(change_id)
    if entry is None:
        if change_id is not None:
            return Outcome(kind="stale", message="That change was already undone (or a "
                           "later one came after it).")
        return Outcome(kind="nothing_to_undo", message="There is nothing to undo.")
    report = ctx.service.undo(entry.changes)
    ctx.service.changes = []
    ctx.memory.last_task = None
    message = f"Undone: {entry.label}."
    if report.kept:
        names = ", ".join(f"\u201c{title}\u201d" for title in dict.fromkeys(report.kept))
        message += f" {names} changed since, so the later change was kept."
    return Outcome(kind="undone", message=message)


def undo_last(ctx: TurnContext, resolution: Resolution) -> Outcome:
    return undo(ctx)


_SUMMARY_COUNTS = {
    "open": TaskFilter(),
    "overdue": TaskFilter(due="overdue"),
    "due_today": TaskFilter(due="today"),
    "completed": TaskFilter(status="completed"),
}


def summary(ctx: TurnContext, resolution: Resolution) -> Outcome:
    """How the user stands: open, overdue, due today and completed tasks (one count each)."""
    counts = {name: ctx.repo.page(flt, now=ctx.now, tz=ctx.tz, offset=0, limit=0)[2]
              for name, flt in _SUMMARY_COUNTS.items()}
    return Outcome(kind="summary", counts=counts)


def ask(ctx: TurnContext, resolution: Resolution) -> Outcome:
    """Ask back (too vague to act on): remember the question so the answer completes it."""
    understanding = resolution.understanding
    ctx.memory.pending = understanding.pending
    return Outcome(kind="clarify", message=understanding.question or "What should I add?")


def dismiss(ctx: TurnContext, resolution: Resolution) -> Outcome:
    return Outcome(kind="dismissed", message="OK, never mind." if ctx.asked else "OK.")


def simple(ctx: TurnContext, resolution: Resolution) -> Outcome:
    """Help, greeting, thanks and anything not understood: an answer, no change."""
    intent = resolution.understanding.intent
    kind = intent.value if intent in (Intent.HELP, Intent.GREETING, Intent.THANKS) else "unknown"
    return Outcome(kind=kind)  # type: ignore[arg-type]


def _sentence(error: TaskInvalid) -> str:
    """A field error as a sentence ("title: at most 500 characters" → "Title: at most …")."""
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
