"""Validation of a widget tree before it is stored: a tree that fails is a bug, never sent."""

from __future__ import annotations

import re

from widgets.schema import ACTION_SPECS, TYPE_SPECS, Widget

MAX_DEPTH = 8
MAX_NODES = 1500
MAX_TEXT = 2000
MAX_ID = 200  # the offered-actions index stores widget ids in 200 characters
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


class WidgetError(ValueError):
    """The tree breaks the schema; the message names the node and the rule."""


def validate(tree: Widget) -> None:
    """Raise WidgetError unless the tree is a well-formed card within the size bounds."""
    if tree.type != "card":
        raise WidgetError(f"{tree.id!r}: the root of a tree must be a card, not {tree.type!r}")
    _check_size(tree)
    _check(tree, seen=set())


def _check_size(tree: Widget) -> None:
    # Iterative and first: the structural pass below recurses, so bound the tree before it.
    count = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise WidgetError(f"{node.id!r}: nested deeper than {MAX_DEPTH} levels")
        if count > MAX_NODES:
            raise WidgetError(f"{tree.id!r}: more than the {MAX_NODES} nodes allowed")
        stack.extend((child, depth + 1) for child in node.children)


def _check(node: Widget, *, seen: set[str]) -> None:
    where = repr(node.id)
    if not isinstance(node.id, str) or not node.id or len(node.id) > MAX_ID \
            or not _ID.match(node.id):
        raise WidgetError(f"{where}: an id is 1 to {MAX_ID} letters, digits and _ . : -")
    if node.id in seen:
        raise WidgetError(f"{where}: duplicate id within the tree")
    seen.add(node.id)
    spec = TYPE_SPECS.get(node.type)
    if spec is None:
        raise WidgetError(f"{where}: unknown widget type {node.type!r}")
    for name, prop in spec.props.items():
        if name not in node.props:
            if prop.required:
                raise WidgetError(f"{where}: {node.type} requires props.{name}")
            continue
        value = node.props[name]
        # bool is an int in Python; no prop accepts both, so compare exact types.
        if type(value) not in prop.types:
            raise WidgetError(f"{where}: props.{name} must be "
                              + " or ".join(t.__name__ for t in prop.types))
        if prop.choices is not None and value not in prop.choices:
            raise WidgetError(f"{where}: props.{name} must be one of "
                              + ", ".join(sorted(prop.choices)))
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise WidgetError(f"{where}: props.{name} longer than {MAX_TEXT} characters")
    unknown = set(node.props) - set(spec.props)
    if unknown:
        raise WidgetError(f"{where}: {node.type} has no prop(s) " + ", ".join(sorted(unknown)))
    if node.type == "button":
        _check_action(where, node.props["action"])
    if node.children and not spec.children:
        raise WidgetError(f"{where}: a {node.type} cannot have children")
    for child in node.children:
        if child.type not in spec.children and child.type in TYPE_SPECS:
            raise WidgetError(f"{child.id!r}: a {child.type} cannot be inside a {node.type}")
        _check(child, seen=seen)


def _check_action(where: str, action: dict[str, object]) -> None:
    if set(action) != {"type", "payload"}:
        raise WidgetError(f"{where}: props.action must be exactly {{type, payload}}")
    spec = ACTION_SPECS.get(str(action["type"]))
    if spec is None:
        raise WidgetError(f"{where}: unknown action type {action['type']!r}")
    payload = action["payload"]
    if not isinstance(payload, dict):
        raise WidgetError(f"{where}: props.action.payload must be an object")
    for key in spec.required:
        value = payload.get(key)
        if not isinstance(value, str) or not value:
            raise WidgetError(f"{where}: {action['type']} needs payload.{key} (a string)")
    for key, value in payload.items():
        if key in spec.required:
            continue
        expected = spec.optional.get(key)
        if expected is None:
            raise WidgetError(f"{where}: {action['type']} takes no payload.{key}")
        if not isinstance(value, expected):
            raise WidgetError(f"{where}: payload.{key} must be {expected.__name__}")
