"""Validate ChatKit protocol JSON against openai-chatkit's own types (strict), line by line.

Runs in the validator environment (.venv-chatkit/: openai-chatkit with all of its
dependencies, this repository not installed). Reads one JSON object per line on stdin,
`{"kind": KIND, "raw": "<the exact JSON text sent or received>"}`, and answers one line
on stdout, `{"ok": true}` or `{"ok": false, "error": "..."}`.

KIND: `request` (ChatKitReq), `event` (ThreadStreamEvent), `thread` (Thread),
`threads_page` (Page[Thread]), `items_page` (Page[ThreadItem]), `empty` (`{}`),
`widget_root` (a widget root). Besides parsing with `strict=True`, every key the JSON
holds must be a field of the type it parsed as (pydantic ignores unknown keys, so a
misspelt field would otherwise pass), and every widget tree must parse as ChatKit's
strict widget types (not the dynamic fallback that accepts anything).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import warnings
from typing import Any

from pydantic import BaseModel, TypeAdapter

with warnings.catch_warnings():
    # Building widget classes directly is deprecated in favour of templates; parsing is not.
    warnings.simplefilter("ignore", DeprecationWarning)
    from chatkit.types import ChatKitReq, Page, Thread, ThreadItem, ThreadStreamEvent
    from chatkit.widgets import StrictWidgetComponent, StrictWidgetRoot

ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "request": TypeAdapter(ChatKitReq),
    "event": TypeAdapter(ThreadStreamEvent),
    "thread": TypeAdapter(Thread),
    "threads_page": TypeAdapter(Page[Thread]),
    "items_page": TypeAdapter(Page[ThreadItem]),
    "widget_root": TypeAdapter(StrictWidgetRoot),
}
ROOT = ADAPTERS["widget_root"]
COMPONENT: TypeAdapter[Any] = TypeAdapter(StrictWidgetComponent)


class Invalid(ValueError):
    pass


def _same_instant(left: Any, right: Any) -> bool:
    if not (isinstance(left, str) and isinstance(right, str)):
        return False
    try:
        return dt.datetime.fromisoformat(left) == dt.datetime.fromisoformat(right)
    except ValueError:
        return False


def same_keys(sent: Any, parsed: Any, path: str = "$") -> None:
    """`sent` (the wire JSON) and `parsed` (the model dumped back, only fields that were set)
    hold the same keys and values: a key the type does not have was dropped by the parse."""
    if isinstance(sent, dict) and isinstance(parsed, dict):
        unknown = sorted(set(sent) - set(parsed))
        if unknown:
            raise Invalid(f"{path}: no such field(s) {unknown}")
        for key in sent:
            same_keys(sent[key], parsed[key], f"{path}.{key}")
    elif isinstance(sent, list) and isinstance(parsed, list) and len(sent) == len(parsed):
        for index, (left, right) in enumerate(zip(sent, parsed, strict=True)):
            same_keys(left, right, f"{path}[{index}]")
    elif sent != parsed and not _same_instant(sent, parsed):
        raise Invalid(f"{path}: sent {sent!r}, read back as {parsed!r}")


def strict_widget(node: Any, adapter: TypeAdapter[Any], path: str) -> None:
    """The node parses as the strict ChatKit component it names, with no prop left unknown."""
    model = adapter.validate_python(node, strict=False)
    if not isinstance(model, BaseModel) or getattr(model, "type", None) != node.get("type"):
        raise Invalid(f"{path}: {node.get('type')!r} is not a ChatKit widget type")
    unknown = sorted(set(node) - set(type(model).model_fields))
    if unknown:
        raise Invalid(f"{path}: {node['type']} has no field(s) {unknown}")
    for index, child in enumerate(node.get("children") or []):
        strict_widget(child, COMPONENT, f"{path}.children[{index}]")


def widget_trees(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    """Every widget root in a protocol value: widget items and widget.root.updated."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        if value.get("type") in ("widget", "widget.root.updated") and "widget" in value:
            found.append((f"{path}.widget", value["widget"]))
        for key, child in value.items():
            if key != "widget":
                found.extend(widget_trees(child, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(widget_trees(child, f"{path}[{index}]"))
    return found


def validate(kind: str, raw: str) -> None:
    sent = json.loads(raw)
    if kind == "empty":
        if sent != {}:
            raise Invalid(f"expected {{}}, got {raw}")
        return
    adapter = ADAPTERS.get(kind)
    if adapter is None:
        raise Invalid(f"unknown kind {kind!r}")
    model = adapter.validate_json(raw, strict=True)
    same_keys(sent, adapter.dump_python(model, mode="json", by_alias=True, exclude_unset=True))
    trees = [("$", sent)] if kind == "widget_root" else widget_trees(sent)
    for path, tree in trees:
        strict_widget(tree, ROOT, path)


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            validate(message["kind"], message["raw"])
            answer: dict[str, Any] = {"ok": True}
        except Exception as error:  # every failure is an answer, never a dead validator
            answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
