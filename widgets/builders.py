"""One builder per kind of answer. Ids are derived from content (task ids, turn ids), so the
same conversation replayed gives byte-identical trees.

Builders take tasks in the shared task shape (dicts with `id`, `title`, `completed`, …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from widgets.schema import Widget, action

TaskLike = Mapping[str, Any]


def _task_row(task: TaskLike) -> Widget:
    task_id = task["id"]
    if task.get("completed"):
        button = Widget(
            id=f"reopen_task_btn_{task_id}",
            type="button",
            props={"text": "Reopen", "action": action("task_reopen", task_id=task_id)},
        )
    else:
        button = Widget(
            id=f"complete_task_btn_{task_id}",
            type="button",
            props={"text": "Complete", "action": action("task_complete", task_id=task_id)},
        )
    return Widget(
        id=f"task_item_{task_id}",
        type="row",
        children=[
            Widget(
                id=f"task_title_{task_id}",
                type="text",
                props={"text": task["title"], "completed": bool(task.get("completed"))},
            ),
            button,
        ],
        metadata={"task_id": task_id},
    )


def task_list_card(tasks: Sequence[TaskLike], *, heading: str = "Your Tasks") -> Widget:
    """The list card: a headline with the count and a listview of task rows."""
    count = len(tasks)
    headline = f"{heading} ({count})" if count else heading
    children = [Widget(id="task_list_headline", type="headline", props={"text": headline})]
    if tasks:
        children.append(
            Widget(id="task_list", type="listview", children=[_task_row(t) for t in tasks])
        )
    else:
        children.append(
            Widget(
                id="task_list_empty",
                type="text",
                props={"text": "Nothing here yet. Try \u201cadd buy milk tomorrow\u201d."},
            )
        )
    return Widget(id="task_list_card", type="card", children=children)


def tasks_changed_card(verb: str, tasks: Sequence[TaskLike], *, turn_id: str) -> Widget:
    """A confirmation after a change ("Added", "Completed", "Deleted"): names what changed."""
    key = verb.lower()
    titles = ", ".join(f"\u201c{task['title']}\u201d" for task in tasks)
    children = [
        Widget(id=f"task_{key}_headline_{turn_id}", type="headline",
               props={"text": f"{verb}: {titles}"}),
    ]
    if key != "deleted":
        children.append(
            Widget(id=f"task_{key}_list_{turn_id}", type="listview",
                   children=[_task_row(task) for task in tasks])
        )
    return Widget(
        id=f"task_{key}_card_{turn_id}", type="card", children=children,
        metadata={"task_ids": [task["id"] for task in tasks]},
    )


def message_card(text: str, *, card_id: str) -> Widget:
    """A card holding one line of text (greetings, help, not found, errors)."""
    return Widget(
        id=card_id,
        type="card",
        children=[Widget(id=f"{card_id}_text", type="text", props={"text": text})],
    )
