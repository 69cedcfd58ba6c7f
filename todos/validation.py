"""Field rules of a task, the same for a chat turn and a REST call.

Each `clean_*` returns the normalized value or raises `TaskInvalid` naming the field; the
API answers it with 422, the agent with a sentence.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil.rrule import rrulestr

from todos.model import MAX_TITLE_LENGTH, PRIORITIES
from todos.recurrence import MAX_COUNT, count_of

MAX_TAGS = 20
# Due dates a task may have: wide enough for any plan, narrow enough that the local day in
# every time zone and the next occurrences of a recurrence stay representable.
DUE_MIN = dt.date(1900, 1, 1)
DUE_MAX = dt.date(2999, 12, 31)
_DUE_RANGE = f"due: must fall between {DUE_MIN} and {DUE_MAX}"
_TAG = re.compile(r"^[a-z0-9][a-z0-9_\-/.]{0,49}$")


class TaskInvalid(ValueError):
    """A task field that breaks the rules; the message starts with the field's name."""


def clean_title(value: str) -> str:
    title = value.strip()
    if not title:
        raise TaskInvalid("title: must not be empty")
    if len(title) > MAX_TITLE_LENGTH:
        raise TaskInvalid(f"title: at most {MAX_TITLE_LENGTH} characters")
    return _no_nul(title, "title")


def clean_due(value: str | None) -> str | None:
    """An ISO date (`2026-11-27`) or a date-time with its offset, normalized."""
    if value is None:
        return None
    try:
        if "T" not in value:
            day = dt.date.fromisoformat(value)
            if not DUE_MIN <= day <= DUE_MAX:
                raise TaskInvalid(_DUE_RANGE)
            return day.isoformat()
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise TaskInvalid("due: use an ISO date (2026-11-27) or a date-time with offset "
                          "(2026-11-27T09:00:00+01:00)") from None
    if parsed.tzinfo is None:
        raise TaskInvalid("due: a date-time needs its UTC offset (e.g. +01:00 or Z)")
    if not DUE_MIN <= parsed.date() <= DUE_MAX:
        raise TaskInvalid(_DUE_RANGE)
    return parsed.isoformat()


def clean_priority(value: str | None) -> str | None:
    if value is not None and value not in PRIORITIES:
        raise TaskInvalid("priority: must be null or one of " + ", ".join(PRIORITIES))
    return value


def clean_tag(value: str) -> str:
    tag = value.strip().lstrip("#").lower()
    if not _TAG.match(tag):
        raise TaskInvalid(f"tags: {value!r} is not a tag (letters, digits, _ - / ., at most 50)")
    return tag


def clean_tags(values: list[str] | tuple[str, ...]) -> list[str]:
    if len(values) > MAX_TAGS:
        raise TaskInvalid(f"tags: at most {MAX_TAGS}")
    tags: list[str] = []
    for value in values:
        tag = clean_tag(value)
        if tag not in tags:
            tags.append(tag)
    return tags


def clean_recurrence(value: str | None) -> str | None:
    """An RRULE (`FREQ=WEEKLY;BYDAY=MO`), stored without the `RRULE:` prefix."""
    if value is None:
        return None
    rule = value.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if (not rule.upper().startswith("FREQ=") or len(rule) > 200
            or any(c in rule for c in "\r\n:")):  # one RRULE, not a set of lines
        raise TaskInvalid("recurrence: must be an RRULE such as FREQ=WEEKLY;BYDAY=MO")
    try:
        rrulestr(rule, dtstart=dt.datetime(2026, 1, 1), ignoretz=True)
        count = count_of(rule)
    except (ValueError, TypeError, OverflowError):
        raise TaskInvalid(f"recurrence: {value!r} is not a valid RRULE") from None
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise TaskInvalid(f"recurrence: COUNT must be between 1 and {MAX_COUNT}")
    return rule


def _no_nul(value: str, field: str) -> str:
    # PostgreSQL cannot store NUL in a text column.
    if "\x00" in value:
        raise TaskInvalid(f"{field}: must not contain NUL (\\u0000) characters")
    return value
