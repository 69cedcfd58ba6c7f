"""Recurring tasks: the next occurrence of a series, with dateutil's RRULE engine.

A recurring task is one occurrence of its series; completing it creates the next one,
which carries the rule on. `COUNT` and `UNTIL` belong to the series, not to each
occurrence: the next task's rule says how many occurrences are left (`COUNT`), and no
occurrence is created after `UNTIL`.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

# The longest series a rule may spell out with COUNT (checked when a rule is stored).
MAX_COUNT = 1000


class Occurrence(NamedTuple):
    """The next task of a series: its due (same form as the last one's) and its rule."""

    due: str
    rule: str


def _parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in rule.strip().removeprefix("RRULE:").split(";"):
        key, _, value = piece.partition("=")
        if key.strip():
            parts[key.strip().upper()] = value.strip()
    return parts


def _until(raw: str, start: dt.datetime) -> dt.datetime:
    """UNTIL as a datetime comparable with `start` (a bare date lasts the whole day)."""
    if "T" in raw:
        moment = dt.datetime.strptime(raw.rstrip("Z"), "%Y%m%dT%H%M%S")
        if start.tzinfo is None:
            return moment
        return moment.replace(tzinfo=dt.UTC if raw.endswith("Z") else start.tzinfo)
    day = dt.datetime.strptime(raw, "%Y%m%d")
    end = day.replace(hour=23, minute=59, second=59)
    return end if start.tzinfo is None else end.replace(tzinfo=start.tzinfo)


def count_of(rule: str) -> int | None:
    """The rule's COUNT, if it has one."""
    value = _parts(rule).get("COUNT")
    return int(value) if value is not None else None


def next_occurrence(
    due: str | None, rule: str, now: dt.datetime, tz: ZoneInfo
) -> Occurrence | None:
    """The occurrence after `due` and after today (None: the series is over, or the rule
    cannot be read — a rule we cannot read schedules nothing rather than failing a turn).

    A date stays a date; a date-time keeps its time and offset.
    """
    try:
        parts = _parts(rule)
        count = int(parts.pop("COUNT")) if "COUNT" in parts else None
        until_raw = parts.pop("UNTIL", None)
        if due and "T" in due:
            start = dt.datetime.fromisoformat(due)
            after = max(start, now.astimezone(start.tzinfo))
        else:
            today = now.astimezone(tz).date()
            first = dt.date.fromisoformat(due) if due else today
            start = dt.datetime.combine(first, dt.time())
            after = dt.datetime.combine(max(first, today), dt.time())
        series = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
        if not isinstance(series, rrule):
            return None
        if until_raw:
            series = series.replace(until=_until(until_raw, start))
        if count is not None:
            series = series.replace(count=min(count, MAX_COUNT))
        later = series.after(after)
        if later is None:
            return None
        next_rule = rule
        if count is not None:
            # Occurrences before `later` are used up (done, or skipped while overdue).
            used = sum(1 for moment in series if moment < later)
            next_rule = ";".join(
                f"{k}={count - used if k == 'COUNT' else v}"
                for k, v in _parts(rule).items()
            )
        next_due = later.isoformat() if due and "T" in due else later.date().isoformat()
        return Occurrence(next_due, next_rule)
    except (ValueError, TypeError, OverflowError):
        return None
