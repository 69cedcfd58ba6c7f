"""The list card and change confirmation, in the contract's widget schema."""

from __future__ import annotations

import json

from chatkit_testing import find_widget

from widgets import task_list_card, tasks_changed_card, to_builtins, to_text

TASKS = [
    {"id": "task_a", "title": "Buy groceries", "completed": False},
    {"id": "task_b", "title": "Call mom", "completed": True},
]


def test_list_card_matches_the_contract_example_shape() -> None:
    card = to_builtins(task_list_card(TASKS))
    assert set(card) == {"id", "type", "children", "props", "metadata"}
    assert card["id"] == "task_list_card" and card["type"] == "card"
    headline, listview = card["children"]
    assert headline["type"] == "headline" and headline["props"]["text"] == "Your Tasks (2)"
    assert listview["type"] == "listview"
    first = listview["children"][0]
    assert first["type"] == "row" and first["id"] == "task_item_task_a"
    title, button, delete = first["children"]
    assert title == {"id": "task_title_task_a", "type": "text", "children": [],
                     "props": {"text": "Buy groceries", "completed": False}, "metadata": {}}
    assert button["id"] == "complete_task_btn_task_a"
    assert delete["props"]["action"] == {"type": "task_delete", "payload": {"task_id": "task_a"}}
    assert button["props"]["action"] == {"type": "task_complete",
                                         "payload": {"task_id": "task_a"}}


def test_completed_task_offers_reopen() -> None:
    card = to_builtins(task_list_card(TASKS))
    buttons = find_widget(card, lambda node: node["type"] == "button")
    assert [b["props"]["action"]["type"] for b in buttons] == [
        "task_complete", "task_delete", "task_reopen", "task_delete"]


def test_ids_are_deterministic_and_unique() -> None:
    first = json.dumps(to_builtins(task_list_card(TASKS)), sort_keys=True)
    second = json.dumps(to_builtins(task_list_card(TASKS)), sort_keys=True)
    assert first == second
    ids = [n["id"] for n in find_widget(json.loads(first), lambda node: True)]
    assert len(ids) == len(set(ids))


def test_empty_list_says_how_to_start() -> None:
    card = to_builtins(task_list_card([]))
    assert "add buy milk" in to_text(task_list_card([]))
    assert not find_widget(card, lambda node: node["type"] == "listview")


def test_added_card_names_the_task_and_derives_ids_from_the_turn() -> None:
    card = tasks_changed_card("Added", TASKS[:1], turn_id="resp_1")
    data = to_builtins(card)
    assert data["id"] == "task_added_card_resp_1"
    assert to_text(card).startswith("Added: \u201cBuy groceries\u201d")
