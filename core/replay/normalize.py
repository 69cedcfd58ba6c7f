"""Volatile values → stable placeholders: generated ids become `{task#1}`, `{turn#3}`, …

Ids are found inside any string (widget ids embed them: `complete_task_btn_task_ab12cd`),
numbered per kind in order of first appearance, and mapped back when a later turn
clicks a button or sends an action that names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# A generated id: a lowercase prefix, `_`, then random hex. The known prefixes accept short
# hex runs; any other prefix needs 10+ hex chars with a digit, so words never match.
_ID = re.compile(r"(?<![A-Za-z0-9])([a-z]+)_([0-9a-f]{6,})(?![A-Za-z0-9])")
_KNOWN_PREFIXES = frozenset({"resp", "action", "task"})
_PLACEHOLDER = re.compile(r"\{([a-z]+)#(\d+)\}")
# ISO 8601 date-times and dates, for comparisons that cannot freeze the clock (--url).
_DATETIME = re.compile(
    r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _is_generated(prefix: str, hex_part: str) -> bool:
    if prefix in _KNOWN_PREFIXES:
        return True
    return len(hex_part) >= 10 and any(char.isdigit() for char in hex_part)


class IdMap:
    """The two-way map between one thread's generated ids and their placeholders."""

    def __init__(self) -> None:
        self.placeholders: dict[str, str] = {}
        self.reals: dict[str, str] = {}
        # Values that are not id-shaped (a suffixed thread id): replaced as plain text.
        self.literals: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def register(self, real: str, placeholder: str) -> None:
        """Name a value explicitly (a turn's own id is `{turn#k}`, whatever its prefix)."""
        if _ID.fullmatch(real):
            self.placeholders[real] = placeholder
            self.reals[placeholder] = real
        elif real != placeholder:
            self.literals[real] = placeholder
            # Longest first: a user id may contain the thread id.
            self.literals = dict(sorted(self.literals.items(), key=lambda i: -len(i[0])))

    def _placeholder_for(self, prefix: str, real: str, learn: bool) -> str | None:
        known = self.placeholders.get(real)
        if known is not None or not learn:
            return known
        self._counts[prefix] = self._counts.get(prefix, 0) + 1
        placeholder = f"{{{prefix}#{self._counts[prefix]}}}"
        self.register(real, placeholder)
        return placeholder

    def normalize_text(self, text: str, *, learn: bool = True) -> str:
        """Replace every generated id in the string; `learn=False` leaves unknown ids as-is."""
        for real, placeholder in self.literals.items():
            text = text.replace(real, placeholder)

        def swap(match: re.Match[str]) -> str:
            prefix, hex_part = match.group(1), match.group(2)
            if not _is_generated(prefix, hex_part):
                return match.group(0)
            return self._placeholder_for(prefix, match.group(0), learn) or match.group(0)

        return _ID.sub(swap, text)

    def normalize(self, value: Any, *, learn: bool = True) -> Any:
        """A deep copy of a JSON value with ids replaced in every string (keys included)."""
        if isinstance(value, str):
            return self.normalize_text(value, learn=learn)
        if isinstance(value, Mapping):
            return {self.normalize_text(str(key), learn=learn): self.normalize(item, learn=learn)
                    for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.normalize(item, learn=learn) for item in value]
        return value

    def denormalize(self, value: Any) -> Any:
        """Placeholders back to the real ids of this run (unknown ones stay as written)."""
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: self.reals.get(m.group(0), m.group(0)), value)
        if isinstance(value, Mapping):
            return {self.denormalize(key): self.denormalize(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.denormalize(item) for item in value]
        return value


def mask_dates(value: Any) -> Any:
    """ISO date-times → `{datetime}`, dates → `{date}`: for runs whose clock is not frozen."""
    if isinstance(value, str):
        return _DATE.sub("{date}", _DATETIME.sub("{datetime}", value))
    if isinstance(value, Mapping):
        return {key: mask_dates(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_dates(item) for item in value]
    return value


# Result fields that identify or time a turn rather than describe its answer: the turn's
# own id and the echo of its input are known from the file, its times from the clock.
IDENTITY_FIELDS = frozenset({"response_id", "action_id", "thread_id", "input", "action",
                             "created_at", "completed_at", "started_at"})
_ANSWER_FIELDS = ("status", "text", "widgets", "error")


def expectation_fields(view: Mapping[str, Any], ids: IdMap) -> dict[str, Any]:
    """A result view (store.turns.turn_view's shape) as normalized expectation fields."""
    fields = {"status": view.get("status"), "text": view.get("text"),
              "widgets": view.get("widgets") or [], "error": view.get("error")}
    other = {key: value for key, value in view.items()
             if key not in IDENTITY_FIELDS and key not in _ANSWER_FIELDS}
    normalized = ids.normalize({**fields, "other": other})
    return dict(normalized)
