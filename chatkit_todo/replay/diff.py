"""A readable, path-by-path difference between an expected and an actual turn result.

Lists whose items all carry a unique `id` (widget children) are matched by id, so one
inserted row reads as "added", not as every later row changed.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

import msgspec

ABSENT: Any = msgspec.UNSET  # a side that has no value at this path


class Difference(msgspec.Struct, frozen=True):
    """One path where the two sides differ."""

    path: str
    expected: Any
    actual: Any

    def render(self, indent: str = "    ") -> list[str]:
        """Lines for a person: the path, then expected / actual (a line diff for long text)."""
        lines = [f"{indent}{self.path or '(whole result)'}"]
        if (isinstance(self.expected, str) and isinstance(self.actual, str)
                and ("\n" in self.expected or "\n" in self.actual)):
            for line in difflib.unified_diff(self.expected.splitlines(),
                                             self.actual.splitlines(), "expected", "actual",
                                             lineterm="", n=1):
                if not line.startswith(("---", "+++")):
                    lines.append(f"{indent}  {line}")
            return lines
        lines.append(f"{indent}  expected: {_show(self.expected)}")
        lines.append(f"{indent}  actual:   {_show(self.actual)}")
        return lines


def _show(value: Any, limit: int = 300) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ids(items: list[Any]) -> list[str] | None:
    ids = [item.get("id") for item in items if isinstance(item, dict)]
    if len(ids) != len(items) or not all(isinstance(i, str) for i in ids):
        return None
    return ids if len(set(ids)) == len(ids) else None  # type: ignore[return-value]


def diff(expected: Any, actual: Any, path: str = "") -> list[Difference]:
    """Every differing leaf path, in the expected side's order."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[Difference] = []
        for key in [*expected, *(k for k in actual if k not in expected)]:
            child = f"{path}.{key}" if path else str(key)
            found += diff(expected.get(key, ABSENT), actual.get(key, ABSENT), child)
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        return _diff_list(expected, actual, path)
    if type(expected) is not type(actual) or expected != actual:
        return [Difference(path, expected, actual)]
    return []


def _diff_list(expected: list[Any], actual: list[Any], path: str) -> list[Difference]:
    expected_ids, actual_ids = _ids(expected), _ids(actual)
    if expected_ids is not None and actual_ids is not None and (expected or actual):
        found: list[Difference] = []
        by_id = dict(zip(actual_ids, actual, strict=True))
        for index, (item_id, item) in enumerate(zip(expected_ids, expected, strict=True)):
            found += diff(item, by_id.get(item_id, ABSENT), f"{path}[{index}]({item_id})")
        for index, (item_id, item) in enumerate(zip(actual_ids, actual, strict=True)):
            if item_id not in expected_ids:
                found.append(Difference(f"{path}[{index}]({item_id})", ABSENT, item))
        common = [i for i in expected_ids if i in by_id]
        if common != [i for i in actual_ids if i in expected_ids]:
            found.append(Difference(f"{path} (order of ids)", expected_ids, actual_ids))
        return found
    found = []
    for index in range(max(len(expected), len(actual))):
        found += diff(expected[index] if index < len(expected) else ABSENT,
                      actual[index] if index < len(actual) else ABSENT, f"{path}[{index}]")
    return found
