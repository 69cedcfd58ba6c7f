"""ChatKit export: every builder's tree is valid for the `openai-chatkit` package's own types.

The types are checked in the validator environment (tests/chatkit_types.py): strict parse,
no prop a ChatKit component does not have, strict widget types all the way down.
"""

from __future__ import annotations

import json

import pytest
from chatkit_types import ChatKitTypes, chatkit_types  # noqa: F401 - the fixture
from test_widgets_golden import CASES

from widgets import to_chatkit


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_is_valid_chatkit(name: str, chatkit_types: ChatKitTypes) -> None:  # noqa: F811
    exported = to_chatkit(CASES[name]())
    chatkit_types.check("widget_root", json.dumps(exported))
    assert exported["type"] == "Card"


def test_the_validator_refuses_what_chatkit_does_not_have(
    chatkit_types: ChatKitTypes,  # noqa: F811
) -> None:
    card = to_chatkit(CASES["task_list"]())
    card["children"][0]["colour"] = "red"  # a misspelt prop
    assert "colour" in (chatkit_types.problem("widget_root", json.dumps(card)) or "")
    assert chatkit_types.problem("widget_root", json.dumps({"type": "Kard"})) is not None


def test_export_maps_the_todo_semantics() -> None:
    card = to_chatkit(CASES["task_list"]())
    assert card["type"] == "Card" and card["id"] == "task_list_card"
    headline, listing = card["children"]
    assert headline == {"id": "task_list_headline", "type": "Title", "value": "All tasks (3)",
                        "size": "sm"}
    milk, report, _plants = listing["children"]
    assert milk["type"] == "ListViewItem"
    title, due, _priority, _tag, complete, delete = milk["children"]
    assert title == {"id": "task_title_task_a1", "type": "Text", "value": "Buy milk",
                     "color": "danger"}
    assert due["type"] == "Badge" and due["label"] == "overdue \u00b7 Nov 20"
    assert due["color"] == "danger"
    assert complete["onClickAction"] == {"type": "task_complete",
                                         "payload": {"task_id": "task_a1"}}
    assert complete["id"] == "complete_task_btn_task_a1"  # the widget_id to send back
    assert delete["color"] == "danger"
    assert report["children"][0]["lineThrough"] is True
