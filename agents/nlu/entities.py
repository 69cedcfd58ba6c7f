"""Entity scanners: dates/times/recurrence (agents/nlu/dates.py), priority, tags, list names.

`extract` finds every entity in a span of text and returns the title left over (the span
minus the phrases it understood) with the parsed values. Quoted text is literal: a date
inside quotes is part of the title. Every pattern here is a flat alternation (no nested
quantifiers), so scanning is linear in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import datetime

from agents.nlu import dates
from agents.nlu import lexicon as lx
from store.tasks import Priority

__all__ = [
    "PRI_WORD",
    "RE_PRI_BARE",
    "Ents",
    "cut",
    "extract",
    "find_priority",
    "find_tags",
    "inside",
    "list_tag",
    "outside",
    "outside_quotes",
]

_F = re.IGNORECASE

PRI_WORD: dict[str, Priority] = {
    "1": "urgent", "2": "high", "3": "medium", "4": "low", "top": "urgent",
    "highest": "urgent", "urgent": "urgent", "max": "urgent", "maximum": "urgent",
    "critical": "urgent", "asap": "urgent", "a.s.a.p": "urgent", "urgently": "urgent",
    "high": "high", "important": "high", "medium": "medium", "med": "medium",
    "normal": "medium", "mid": "medium", "moderate": "medium", "low": "low", "lowest": "low",
    "min": "low", "minimum": "low", "not urgent": "low", "no rush": "low",
    "not important": "low", "top priority": "urgent", "more important": "high",
    "less important": "low", "less urgent": "low", "more urgent": "urgent",
    "higher priority": "high", "lower priority": "low",
}  # fmt: skip
LEVELS = (
    r"top|highest|high|medium|med|normal|mid|moderate|low|lowest|urgent|max|maximum|min|minimum"
)
_RE_PRI = re.compile(
    r"(?=[watophmnluic(!])"
    r"(?:\b(?:with|at|as|to|a|an|of)\s+(?:an?\s+)?(?=(?:p|pri|prio|priority)\s*[:=]?\s*[1-4]\b|"
    r"(?:" + LEVELS + r")[\s-]+(?:priority|prio|pri|importance)\b|priority\b))?"
    r"(?:\b(?:p|pri|prio|priority|prio\.)\s*[:=]?\s*(?P<n>[1-4])(?:s\b|\b)"
    r"|\b(?P<lvl>" + LEVELS + r")[\s-]+(?:priority|prio|pri|importance)\b"
    r"|\b(?:priority|prio|pri)\s*(?:[:=]|\s+is|\s+of|\s+to|\s+as)?\s*(?P<lvl2>" + LEVELS + r")\b"
    r"|\((?P<paren>urgent|important|asap)\)"
    r"|\b(?P<word>not\s+urgent|not\s+important|no\s+rush|top\s+priority|more\s+important|"
    r"less\s+important|less\s+urgent|more\s+urgent|higher\s+priority|lower\s+priority|"
    r"urgent(?:ly)?|asap|a\.s\.a\.p|important|critical)(?![\w.])"
    r"|(?<!\w)!!!?(?=\s|$))",
    _F,
)
RE_PRI_BARE = re.compile(r"\b(?P<lvl>high|low|medium|normal|top|urgent|important|critical)\b", _F)
_RE_TAG = re.compile(
    r"(?=[#@tlw])"
    r"(?<![\w@#.+/-])[#@](?P<t>[^\W\d_][\w-]*)"
    r"|\b(?:tagged|labell?ed|with\s+(?:the\s+)?(?:tags?|labels?)|tags?:|labels?:)\s+"
    # "the calves are tagged now": no tag named "now"
    r"(?:as\s+|with\s+)?(?!(?:now|today|already|yet|and|in|at|on|up|too|then|all|this|last|"
    r"yesterday)\b)[#@]?(?P<t2>[^\W\d_][\w-]*)",
    _F,
)


def _pri_value(m: re.Match[str]) -> Priority:
    if m["n"]:
        return PRI_WORD[m["n"]]
    key = m["lvl"] or m["lvl2"] or m["paren"] or m["word"]
    if key is None:
        return "urgent"  # "!!!"
    return PRI_WORD.get(" ".join(key.lower().split()), "high")


_PRI_NEEDLES = ("pri", "urgent", "important", "importance", "asap", "a.s.a.p", "critical",
                "!!", "rush")  # fmt: skip
_RE_P_LEVEL = re.compile(r"\bp\s*[:=]?\s*[1-4]", _F)


def find_priority(s: str) -> tuple[Priority | None, list[tuple[int, int]]]:
    """The first priority phrase's level, and the spans of every priority phrase."""
    low = s.lower()
    if not any(n in low for n in _PRI_NEEDLES) and not (
        "p" in low and any(c in low for c in "1234") and _RE_P_LEVEL.search(s)
    ):
        return None, []  # a substring test first: most messages have no priority
    pri: Priority | None = None
    spans: list[tuple[int, int]] = []
    for m in _RE_PRI.finditer(s):
        if pri is None:
            pri = _pri_value(m)
        spans.append(m.span())
    return pri, spans


def find_tags(s: str) -> tuple[tuple[str, ...], list[tuple[int, int]]]:
    """Tags (`#home`, `@work`, "tagged work"), lowercased and without sigil, and their spans."""
    low = s.lower()
    if "#" not in s and "@" not in s and "tag" not in low and "label" not in low:
        return (), []
    tags: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _RE_TAG.finditer(s):
        t = (m["t"] or m["t2"]).lower().strip("-_")
        if t and t not in tags:
            tags.append(t)
        spans.append(m.span())
    return tuple(tags), spans


_RE_LIST_WORD = re.compile(r"[\w'&-]+")


def list_tag(phrase: str) -> str | None:
    """The tag a named list stands for: "my grocery list" → "grocery", "my list" → None.

    The words before the list noun (at most two, joined by "-") name it; possessives,
    articles and to-do words are not names ("my work to do list" → "work").
    """
    ws = [w.lower() for w in _RE_LIST_WORD.findall(phrase)]
    for stop in ("list", "lists", "todos", "todo", "tasks", "reminders"):
        if stop in ws:
            ws = ws[: ws.index(stop)]
            break
    if ws and ws[-1] == "groceries":
        return "grocery"
    name = [w for w in ws if w not in lx.GENERIC_LIST_WORDS]
    if not name:
        return None
    name = name[-2:]
    tag = "-".join(lx.LIST_TAG_ALIASES.get(w, w) for w in name).strip("-")
    return tag or None


def inside(pos: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    """Whether `pos` falls in one of the non-overlapping, sorted `spans` (`starts` their starts)."""
    i = bisect_right(starts, pos) - 1
    return i >= 0 and pos < spans[i][1]


def outside(found: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of `found` that do not start inside a span of `taken` (sorted, disjoint).

    A bisection per span, not a scan of `taken` per span: a message full of "p1 5pm" pairs
    would otherwise cost their product.
    """
    if not taken or not found:
        return found
    starts = [a for a, _ in taken]
    return [p for p in found if not inside(p[0], taken, starts)]


class Ents:
    """Entities found in a span of text (title left over + parsed values)."""

    __slots__ = ("conflict", "due", "priority", "recurrence", "rest", "tags")

    def __init__(
        self,
        rest: str,
        due: str | None,
        priority: Priority | None,
        tags: tuple[str, ...],
        recurrence: str | None,
    ) -> None:
        self.rest = rest
        self.due = due
        self.priority = priority
        self.tags = tags
        self.recurrence = recurrence
        # Two different times or days in one item ("gym friday at 6 or at 7"): a guess.
        self.conflict = False

    @property
    def any(self) -> bool:
        return bool(self.due or self.priority or self.tags or self.recurrence)


def _cut_keep_len(s: str, spans: list[tuple[int, int]]) -> str:
    chars = list(s)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def cut(s: str, spans: list[tuple[int, int]]) -> str:
    """`s` without the spans, whitespace collapsed."""
    if not spans:
        return s
    out: list[str] = []
    pos = 0
    for a, b in sorted(spans):
        if a >= pos:
            out.append(s[pos:a])
            pos = b
        elif b > pos:
            pos = b
    out.append(s[pos:])
    return " ".join("".join(out).split())


_RE_QUOTED_SPAN = re.compile(r'"[^"]+"|(?<!\w)\'[^\']+\'(?!\w)')


def outside_quotes(s: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans that do not overlap quoted text ("add 'Prepare slides for Monday'")."""
    if '"' not in s and "'" not in s:
        return spans
    quoted = [m.span() for m in _RE_QUOTED_SPAN.finditer(s)]
    if not quoted:
        return spans
    starts = [a for a, _ in quoted]
    kept = []
    for sp in spans:
        # The last quoted span starting before this one ends is the only one that can overlap
        # (quoted spans are disjoint and in order).
        i = bisect_right(starts, sp[1] - 1) - 1
        if i < 0 or quoted[i][1] <= sp[0]:
            kept.append(sp)
    return kept


def extract(s: str, now_local: datetime, *, bare_priority: bool = False) -> Ents:
    """Every entity of `s` and the text left over (the title, before trimming)."""
    toks = dates.scan(s, now_local)
    if toks and "'" in s:
        # "lay out tomorrow's uniform": a day's thing, not a date
        toks = [t for t in toks if s[t.end:t.end + 2].lower() != "'s"]
    if toks and ('"' in s or "'" in s):
        keep = set(outside_quotes(s, [(t.start, t.end) for t in toks]))
        toks = [t for t in toks if (t.start, t.end) in keep]
    due, rule = dates.resolve(toks, now_local, hint=dates.day_half_hint(s)) if toks else (
        None, None)
    spans = [(t.start, t.end) for t in toks]
    pri, pspans = find_priority(s)
    if pri is None and bare_priority:
        m = RE_PRI_BARE.search(s)
        if m:
            pri, pspans = PRI_WORD[m["lvl"].lower()], [m.span()]
    tags, tspans = find_tags(s)
    if tspans and ('"' in s or "'" in s):
        kept = outside_quotes(s, tspans)
        if len(kept) != len(tspans):
            tags, tspans = find_tags(_cut_keep_len(s, [sp for sp in tspans if sp not in kept]))
    if pspans and ('"' in s or "'" in s):
        pspans = outside_quotes(s, pspans)
        if not pspans:
            pri = None
    # A phrase already taken as a date must not also count as a priority/tag.
    pspans = outside(pspans, spans)
    rest = cut(s, spans + pspans + tspans)
    ents = Ents(rest, due, pri, tags, rule)
    # a recurrence's part of day ("every night") is a default, like "tonight": no conflict
    clocks = {t.clock for t in toks if t.clock is not None and not t.vague and t.rule is None}
    days = {t.day for t in toks if t.day is not None}
    ents.conflict = len(clocks) > 1 or len(days) > 1
    return ents
