"""PLACEHOLDER understand stage (to be replaced by the full rule-based parser)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from agents.types import Intent, ListFilter, TaskDraft, TaskRef, Understanding


def understand(text: str, *, now: dt.datetime, tz: ZoneInfo) -> Understanding:
    t = text.strip()
    low = t.lower()
    if m := re.match(r"(?i)add\s+(.+)", t):
        return Understanding(intent=Intent.ADD, drafts=(TaskDraft(title=m.group(1)),))
    if re.search(r"\b(show|list)\b", low):
        status = "completed" if "completed" in low else "open"
        return Understanding(intent=Intent.LIST, filter=ListFilter(status=status))
    if m := re.match(r"(?i)(complete|done|finish)\s+(.+)", t):
        return Understanding(intent=Intent.COMPLETE, refs=(TaskRef(title=m.group(2)),))
    if m := re.match(r"(?i)(delete|remove)\s+(.+)", t):
        return Understanding(intent=Intent.DELETE, refs=(TaskRef(title=m.group(2)),))
    return Understanding(intent=Intent.UNKNOWN)
