"""Validation refuses every kind of malformed tree (a bug must never reach a client)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from widgets import Widget, WidgetError, action, help_card, task_list_card, validate
from widgets.validate import MAX_DEPTH, MAX_NODES, MAX_TEXT


def card(*children: Widget) -> Widget:
    return Widget(id="c", type="card", children=list(children))


def text(widget_id: str = "t", value: str = "hi") -> Widget:
    return Widget(id=widget_id, type="text", props={"text": value})


def btn(act: dict[str, object], widget_id: str = "b") -> Widget:
    return Widget(id=widget_id, type="button", props={"text": "Go", "action": act})


def nested(depth: int) -> Widget:
    node: Widget = text("leaf")
    for level in range(depth):
        node = Widget(id=f"r{level}", type="row", children=[node])
    return card(Widget(id="lv", type="listview", children=[node]))


MALFORMED: dict[str, tuple[Callable[[], Widget], str]] = {
    "root is not a card": (lambda: text(), "root of a tree must be a card"),
    "duplicate id": (lambda: card(text("x"), text("x")), "duplicate id"),
    "empty id": (lambda: card(text("")), "an id is"),
    "id with spaces": (lambda: card(text("a b")), "an id is"),
    "unknown type": (lambda: card(Widget(id="x", type="marquee")), "unknown widget type"),
    "missing required prop": (lambda: card(Widget(id="x", type="headline")),
                              "requires props.text"),
    "prop of the wrong type": (lambda: card(Widget(id="x", type="text",
                                                   props={"text": 5})), "props.text must be"),
    "bool where a string is due": (lambda: card(Widget(id="x", type="caption",
                                                       props={"text": True})), "must be str"),
    "unknown prop": (lambda: card(Widget(id="x", type="text",
                                         props={"text": "a", "colour": "red"})),
                     "no prop(s) colour"),
    "badge kind out of range": (lambda: card(Widget(id="x", type="badge",
                                                    props={"text": "a", "kind": "sparkly"})),
                                "props.kind must be one of"),
    "children on a leaf": (lambda: card(Widget(id="x", type="text", props={"text": "a"},
                                               children=[text("y")])), "cannot have children"),
    "child not allowed here": (lambda: card(Widget(id="lv", type="listview",
                                                   children=[text("y")])),
                               "a text cannot be inside a listview"),
    "card inside a card": (lambda: card(Widget(id="inner", type="card")),
                           "a card cannot be inside a card"),
    "button without action": (lambda: card(Widget(id="b", type="button",
                                                  props={"text": "Go"})),
                              "requires props.action"),
    "action with extra keys": (lambda: card(btn({"type": "undo", "payload": {"change_id": "c"},
                                                 "x": 1})), "exactly {type, payload}"),
    "unknown action type": (lambda: card(btn(action("launch", task_id="t"))),
                            "unknown action type 'launch'"),
    "action missing its payload key": (lambda: card(btn(action("task_complete"))),
                                       "task_complete needs payload.task_id"),
    "payload key of the wrong type": (lambda: card(btn(action("task_delete", task_id=7))),
                                      "needs payload.task_id"),
    "unexpected payload key": (lambda: card(btn(action("undo", change_id="c", force=True))),
                               "undo takes no payload.force"),
    "text too long": (lambda: card(text("t", "x" * (MAX_TEXT + 1))), "longer than"),
    "too deep": (lambda: nested(MAX_DEPTH), "nested deeper than"),
    "too many nodes": (lambda: card(*[text(f"t{i}") for i in range(MAX_NODES)]),
                       "nodes"),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_tree_is_rejected(kind: str) -> None:
    build, message = MALFORMED[kind]
    with pytest.raises(WidgetError) as caught:
        validate(build())
    assert message in str(caught.value)


def test_well_formed_trees_pass() -> None:
    validate(task_list_card([{"id": "task_1", "title": "Buy milk", "completed": False,
                              "tags": ["home"], "priority": "high", "due": "2026-11-27"}]))
    validate(help_card())
    validate(card(btn(action("choose", task_id="t", intent="update",
                             changes={"priority": "high"}))))
