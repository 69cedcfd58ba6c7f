"""ChatKit export: every builder's tree is valid for the `openai-chatkit` package's own types."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter
from test_widgets_golden import CASES

from widgets import to_chatkit

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from chatkit.widgets import Card, StrictWidgetComponent, StrictWidgetRoot

ROOT = TypeAdapter(StrictWidgetRoot)
COMPONENT = TypeAdapter(StrictWidgetComponent)


def check_strict(node: dict[str, Any], adapter: TypeAdapter[Any]) -> None:
    """The node parses as the strict ChatKit type it names, with no prop left unknown."""
    model = adapter.validate_python(node)
    assert isinstance(model, BaseModel) and model.type == node["type"]  # type: ignore[attr-defined]
    unknown = set(node) - set(type(model).model_fields)
    assert not unknown, f"{node['type']} has no field(s) {unknown}"
    for child in node.get("children", []):
        check_strict(child, COMPONENT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_is_valid_chatkit(name: str) -> None:
    exported = to_chatkit(CASES[name]())
    check_strict(exported, ROOT)
    assert isinstance(ROOT.validate_python(exported), Card)


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
