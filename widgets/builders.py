"""One builder per kind of answer.

Ids are derived from content (task ids, turn ids, change ids, cursors), so the same
conversation replayed gives byte-identical trees, and a button id always stands for the
same action: the server's offered-actions index relies on that.

Builders take tasks in the shared task shape (dicts with `id`, `title`, `completed`,
`due`, `priority`, `tags`, `recurrence`), optionally decorated by the caller with
`overdue` (bool) and `due_label` (a human date such as "tomorrow 17:00").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from widgets.schema import Widget, action

TaskLike = Mapping[str, Any]

PAGE_SIZE = 20
EMPTY_EXAMPLES = ("add buy milk tomorrow p2 #home", "help")
_SLUG = re.compile(r"[^a-z0-9]+")


def _digest(text: str, size: int = 10) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


def _quoted(tasks: Sequence[TaskLike]) -> str:
    return ", ".join(f"\u201c{task['title']}\u201d" for task in tasks)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def button(widget_id: str, text: str, act: dict[str, Any], style: str | None = None) -> Widget:
    """A button node; `style` is "primary", "secondary" or "danger"."""
    props: dict[str, Any] = {"text": text, "action": act}
    if style:
        props["style"] = style
    return Widget(id=widget_id, type="button", props=props)


def suggestion_button(text: str, *, label: str | None = None) -> Widget:
    """A button that sends `text` as if the person had typed it."""
    slug = _SLUG.sub("_", text.lower()).strip("_")[:40] or "text"
    return button(f"suggestion_btn_{slug}_{_digest(text, 6)}", label or text,
                  action("suggestion", text=text), "secondary")


def undo_button(change_id: str) -> Widget:
    """The Undo button for one recorded change."""
    return button(f"undo_btn_{change_id}", "Undo", action("undo", change_id=change_id),
                  "secondary")


def task_badges(task: TaskLike) -> list[Widget]:
    """Due date (or overdue), priority, tags and recurrence of a task, as badges."""
    task_id = task["id"]
    badges: list[Widget] = []
    due = task.get("due")
    if due:
        label = str(task.get("due_label") or due)
        overdue = bool(task.get("overdue"))
        badges.append(Widget(
            id=f"task_due_{task_id}", type="badge",
            props={"text": f"overdue \u00b7 {label}" if overdue else f"due {label}",
                   "kind": "overdue" if overdue else "due", "value": due}))
    if task.get("priority"):
        badges.append(Widget(id=f"task_priority_{task_id}", type="badge",
                             props={"text": task["priority"], "kind": "priority",
                                    "value": task["priority"]}))
    for index, tag in enumerate(task.get("tags") or []):
        badges.append(Widget(id=f"task_tag_{task_id}_{index}", type="badge",
                             props={"text": f"#{tag}", "kind": "tag", "value": tag}))
    if task.get("recurrence"):
        badges.append(Widget(id=f"task_recurrence_{task_id}", type="badge",
                             props={"text": "repeats", "kind": "recurrence",
                                    "value": task["recurrence"]}))
    return badges


def task_row(task: TaskLike, *, with_buttons: bool = True,
             extra: Sequence[Widget] = ()) -> Widget:
    """One task: its title (marked completed / overdue), badges, and its buttons."""
    task_id = task["id"]
    completed = bool(task.get("completed"))
    title_props: dict[str, Any] = {"text": task["title"], "completed": completed}
    if task.get("overdue"):
        title_props["overdue"] = True
    children = [Widget(id=f"task_title_{task_id}", type="text", props=title_props),
                *task_badges(task)]
    if with_buttons:
        if completed:
            children.append(button(f"reopen_task_btn_{task_id}", "Reopen",
                                   action("task_reopen", task_id=task_id), "secondary"))
        else:
            children.append(button(f"complete_task_btn_{task_id}", "Complete",
                                   action("task_complete", task_id=task_id), "primary"))
        children.append(button(f"delete_task_btn_{task_id}", "Delete",
                               action("task_delete", task_id=task_id), "danger"))
    children.extend(extra)
    return Widget(id=f"task_item_{task_id}", type="row", children=children,
                  metadata={"task_id": task_id})


def task_list_card(
    tasks: Sequence[TaskLike],
    *,
    heading: str = "Your Tasks",
    total: int | None = None,
    offset: int = 0,
    next_cursor: str | None = None,
    notice: str | None = None,
    notice_change_id: str | None = None,
) -> Widget:
    """The list card: headline with count and filter, one row per task, "Show more".

    `tasks` is the page shown (starting at `offset` of `total`); `next_cursor` adds a
    "Show more" button for the next page. `notice` is a line about the change a click just
    made on this card, with an Undo button when `notice_change_id` is given.
    """
    total = len(tasks) if total is None else total
    headline = f"{heading} ({total})" if total else heading
    children = [Widget(id="task_list_headline", type="headline", props={"text": headline})]
    if notice:
        notice_children = [Widget(id="task_list_notice_text", type="caption",
                                  props={"text": notice})]
        if notice_change_id:
            notice_children.append(undo_button(notice_change_id))
        children.append(Widget(id="task_list_notice", type="row", children=notice_children))
    if tasks:
        children.append(Widget(id="task_list", type="listview",
                               children=[task_row(task) for task in tasks]))
        if offset or next_cursor:
            children.append(Widget(
                id="task_list_range", type="caption",
                props={"text": f"Showing {offset + 1}\u2013{offset + len(tasks)} of {total}"}))
        if next_cursor:
            children.append(button(f"task_list_more_btn_{_digest(next_cursor)}", "Show more",
                                   action("list_page", cursor=next_cursor), "secondary"))
    else:
        children.append(Widget(
            id="task_list_empty", type="text",
            # After a click emptied the list (its last task completed or deleted), the
            # tasks still exist elsewhere: "nothing here yet" would say they never did.
            props={"text": "Nothing left in this list." if notice else
                   "Nothing here yet. Try \u201cadd buy milk tomorrow\u201d."}))
        children.append(Widget(id="task_list_examples", type="row",
                               children=[suggestion_button(text) for text in EMPTY_EXAMPLES]))
    return Widget(id="task_list_card", type="card", children=children,
                  metadata={"total": total, "offset": offset})


_VERB_KEYS = {"Added": "added", "Updated": "updated", "Completed": "completed",
              "Reopened": "reopened", "Deleted": "deleted"}


def tasks_changed_card(
    verb: str,
    tasks: Sequence[TaskLike],
    *,
    turn_id: str,
    change_id: str | None = None,
    detail: str | None = None,
) -> Widget:
    """A confirmation after a change ("Added", "Completed", …) naming what changed.

    The rows show the tasks as they are now (no buttons: act on them from the list);
    `change_id` adds an Undo button, `detail` a caption (e.g. the next occurrence).
    """
    key = _VERB_KEYS.get(verb, verb.lower())
    children = [
        Widget(id=f"task_{key}_headline_{turn_id}", type="headline",
               props={"text": f"{verb}: {_quoted(tasks)}"}),
        Widget(id=f"task_{key}_list_{turn_id}", type="listview",
               children=[task_row(task, with_buttons=False) for task in tasks]),
    ]
    if detail:
        children.append(Widget(id=f"task_{key}_detail_{turn_id}", type="caption",
                               props={"text": detail}))
    if change_id:
        children.append(undo_button(change_id))
    return Widget(id=f"task_{key}_card_{turn_id}", type="card", children=children,
                  metadata={"task_ids": [task["id"] for task in tasks]})


def choose_task_card(
    candidates: Sequence[TaskLike],
    *,
    turn_id: str,
    intent: str,
    changes: Mapping[str, Any] | None = None,
) -> Widget:
    """Disambiguation: "Which one did you mean?" with one `choose` button per candidate."""
    rows = []
    for task in candidates:
        payload: dict[str, Any] = {"task_id": task["id"], "intent": intent}
        if changes:
            payload["changes"] = dict(changes)
        choose = button(f"choose_task_btn_{turn_id}_{task['id']}", "This one",
                        {"type": "choose", "payload": payload}, "primary")
        rows.append(task_row(task, with_buttons=False, extra=[choose]))
    return Widget(
        id=f"choose_task_card_{turn_id}", type="card",
        children=[
            Widget(id=f"choose_task_headline_{turn_id}", type="headline",
                   props={"text": "Which one did you mean?"}),
            Widget(id=f"choose_task_list_{turn_id}", type="listview", children=rows),
        ],
        metadata={"intent": intent},
    )


_CONFIRM_QUESTIONS = {  # operation → (question, noun counted, Confirm label)
    "clear_completed": ("Delete {count}?", "completed task", "Delete"),
    "delete_all": ("Delete all {count}?", "task", "Delete all"),
}


def confirm_card(
    *, confirmation_id: str, operation: str, tasks: Sequence[TaskLike]
) -> Widget:
    """Confirm/Cancel before a destructive bulk action; nothing changes until Confirm."""
    question, noun, label = _CONFIRM_QUESTIONS.get(
        operation, ("Go ahead with {count}?", "task", "Confirm"))
    names = [str(task["title"]) for task in tasks[:5]]
    more = len(tasks) - len(names)
    listing = ", ".join(f"\u201c{name}\u201d" for name in names)
    if more > 0:
        listing += f" and {more} more"
    payload = {"confirmation_id": confirmation_id, "operation": operation}
    prefix = f"confirm_{operation}"
    return Widget(
        id=f"{prefix}_card_{confirmation_id}", type="card",
        children=[
            Widget(id=f"{prefix}_headline_{confirmation_id}", type="headline",
                   props={"text": question.format(count=_plural(len(tasks), noun))}),
            Widget(id=f"{prefix}_tasks_{confirmation_id}", type="caption",
                   props={"text": f"This removes {listing}. Nothing is deleted until you "
                                  "confirm."}),
            Widget(id=f"{prefix}_buttons_{confirmation_id}", type="row", children=[
                button(f"confirm_btn_{confirmation_id}", label,
                       {"type": "confirm", "payload": payload}, "danger"),
                button(f"cancel_btn_{confirmation_id}", "Cancel",
                       {"type": "cancel", "payload": dict(payload)}, "secondary"),
            ]),
        ],
        metadata={"operation": operation, "count": len(tasks)},
    )


HELP_LINES = (
    "Add: \u201cadd buy milk tomorrow at 5pm p1 #home\u201d, "
    "\u201cadd milk, eggs and bread\u201d",
    "List: \u201cshow my tasks\u201d, \u201cwhat's due today\u201d, \u201cshow #work\u201d",
    "Change: \u201ccomplete the second one\u201d, \u201cmove milk to friday\u201d, "
    "\u201cdelete milk\u201d, \u201cundo\u201d",
)
HELP_EXAMPLES = ("show my tasks", "add buy milk tomorrow p2 #home", "what's due today")


def help_card(*, card_id: str = "help_card", intro: str | None = None,
              examples: Sequence[str] = HELP_EXAMPLES) -> Widget:
    """What a person can say, with example buttons (a click sends the example as typed)."""
    children = [Widget(id=f"{card_id}_headline", type="headline",
                       props={"text": intro or "Here's what I can do"})]
    children += [Widget(id=f"{card_id}_line_{index}", type="text", props={"text": line})
                 for index, line in enumerate(HELP_LINES, 1)]
    children.append(Widget(id=f"{card_id}_examples", type="row",
                           children=[suggestion_button(text) for text in examples]))
    return Widget(id=card_id, type="card", children=children)


def message_card(text: str, *, card_id: str, change_id: str | None = None,
                 suggestions: Sequence[str] = ()) -> Widget:
    """A card holding one line of text, with an optional Undo and suggestion buttons."""
    children = [Widget(id=f"{card_id}_text", type="text", props={"text": text})]
    extra = [suggestion_button(example) for example in suggestions]
    if change_id:
        extra.insert(0, undo_button(change_id))
    if extra:
        children.append(Widget(id=f"{card_id}_buttons", type="row", children=extra))
    return Widget(id=card_id, type="card", children=children)


def error_card(message: str, *, turn_id: str) -> Widget:
    """The card of a failed turn: what went wrong and that the thread still works."""
    return Widget(
        id=f"error_card_{turn_id}", type="card",
        children=[
            Widget(id=f"error_headline_{turn_id}", type="headline",
                   props={"text": "Something went wrong"}),
            Widget(id=f"error_text_{turn_id}", type="text", props={"text": message}),
        ],
        metadata={"error": True},
    )
