"""Golden JSON for every builder: the trees (and their plain text) are stable across runs.

Run with CHATKIT_UPDATE_GOLDEN=1 to rewrite tests/data/widgets/ after an intended change,
then review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from widgets import (
    Widget,
    choose_task_card,
    confirm_card,
    error_card,
    help_card,
    message_card,
    task_list_card,
    tasks_changed_card,
    to_builtins,
    to_text,
    validate,
)

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "widgets"

MILK = {"id": "task_a1", "title": "Buy milk", "completed": False, "due": "2026-11-20",
        "due_label": "Nov 20", "overdue": True, "priority": "urgent", "tags": ["home"],
        "recurrence": None}
REPORT = {"id": "task_b2", "title": "Send the report", "completed": True,
          "due": "2026-11-27T17:00:00+01:00", "due_label": "tomorrow 17:00", "overdue": False,
          "priority": None, "tags": [], "recurrence": None}
PLANTS = {"id": "task_c3", "title": "Water plants", "completed": False, "due": "2026-11-26",
          "due_label": "today", "overdue": False, "priority": "low", "tags": ["home", "garden"],
          "recurrence": "FREQ=WEEKLY"}

CASES: dict[str, Callable[[], Widget]] = {
    "task_list": lambda: task_list_card([MILK, REPORT, PLANTS], heading="All tasks"),
    "task_list_empty": lambda: task_list_card([]),
    "task_list_page_with_notice": lambda: task_list_card(
        [PLANTS], total=21, offset=20, next_cursor="eyJmIjp7fSwibyI6NDB9",
        notice="Completed: \u201cBuy milk\u201d.", notice_change_id="action_0001"),
    "task_added": lambda: tasks_changed_card("Added", [MILK, PLANTS], turn_id="resp_0001",
                                             change_id="resp_0001"),
    "task_completed_recurring": lambda: tasks_changed_card(
        "Completed", [{**PLANTS, "completed": True, "recurrence": None}],
        turn_id="resp_0002", change_id="resp_0002",
        detail="Next \u201cWater plants\u201d is due 2026-12-03."),
    "task_deleted": lambda: tasks_changed_card("Deleted", [REPORT], turn_id="resp_0003",
                                               change_id="resp_0003"),
    "choose_task": lambda: choose_task_card(
        [MILK, {**MILK, "id": "task_a2", "tags": ["work"], "overdue": False, "due": None}],
        turn_id="resp_0004", intent="update", changes={"priority": "high"}),
    "confirm_clear_completed": lambda: confirm_card(
        confirmation_id="resp_0005", operation="clear_completed", tasks=[REPORT]),
    "confirm_delete_all": lambda: confirm_card(
        confirmation_id="resp_0006", operation="delete_all",
        tasks=[MILK, REPORT, PLANTS, *[{**MILK, "id": f"t{i}", "title": f"Task {i}"}
                                       for i in range(4)]]),
    "help": lambda: help_card(card_id="help_card_resp_0007"),
    "message_undo": lambda: message_card("Deleted 2 completed tasks.",
                                         card_id="cleared_card_action_0008",
                                         change_id="action_0008"),
    "message_not_found": lambda: message_card(
        "I couldn't find \u201cwalk the dog\u201d.", card_id="not_found_card_resp_0009",
        suggestions=["show my tasks"]),
    "error": lambda: error_card("This answer could not be displayed.", turn_id="resp_0010"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_matches_its_golden_json(name: str) -> None:
    tree = CASES[name]()
    validate(tree)
    actual = {"tree": to_builtins(tree), "text": to_text(tree)}
    path = GOLDEN / f"{name}.json"
    if os.environ.get("CHATKIT_UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(path.read_text())


def test_every_builder_has_a_golden_file_and_no_file_is_stale() -> None:
    assert {path.stem for path in GOLDEN.glob("*.json")} == set(CASES)
