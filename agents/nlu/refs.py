"""References to existing tasks: "the second one", "#2", "1-3", "it", "buy milk", "milk and eggs".

Conventions the resolve stage relies on (docs/NLU.md): `TaskRef.position` is 1-based in the
last list shown, negative from its end ("the last one" → -1); a range becomes one ref per
position; several refs come from commas, or from "and" when every part is a position /
pronoun or a single word; otherwise "and" stays inside one title. At most `MAX_REFS` refs.
"""

from __future__ import annotations

import re

from agents.nlu import lexicon as lx
from agents.types import TaskRef

__all__ = ["MAX_REFS", "RE_PRONOUN", "RE_QUOTED", "parse_refs", "strip_tail"]

_F = re.IGNORECASE
# Targets one message may name (issue 13): at most one more is read, so that the pipeline
# refuses a message naming more than 50 tasks instead of acting on part of it.
MAX_REFS = 50
_TAIL_WINDOW = 120  # trailing-noise patterns look at the end only: linear on any input

RE_PRONOUN = re.compile(
    r"^(?:it|that|this|them|those|these|both|that\s+one|this\s+one|that\s+task|this\s+task|"
    r"the\s+task|that\s+item|this\s+item|the\s+item|th(?:at|is)\s+(?:reminder|todo|entry)|(?:the\s+)?(?:one|task|item|todo|thing)\s+"
    r"(?:that\s+)?(?:i|you)\s+(?:just\s+|last\s+)?(?:added|created|mentioned|made|showed|put\s+in)|"
    r"the\s+(?:last|latest|newest|most\s+recent)\s+(?:one|task|item)\s+(?:i|you)\s+(?:just\s+)?"
    r"(?:added|created|made)|what\s+(?:i|you)\s+just\s+added|the\s+same\s+(?:one|task)|"
    r"the\s+previous\s+one|that\s+last\s+one|the\s+one\s+above|same\s+one|the\s+latter|"
    r"the\s+former|the\s+one|it\s+too|that\s+too|(?:both|all)\s+of\s+them|that\s+one\s+too)$",
    _F,
)
_RE_POS = re.compile(
    r"^(?:the\s+)?(?:(?:tasks?|items?|todos?|to-?dos?|numbers?|nos?\.?|num|#|n°)\s*)*"
    r"(?P<n>\d{1,3})(?:st|nd|rd|th|\.)?(?:\s+(?:ones?|tasks?|items?|todos?|to-?dos?|entry))?"
    r"(?:\s+(?:on|in|from|of)\s+(?:the|my|that)\s+list)?$",
    _F,
)
_RE_ORD = re.compile(
    r"^(?:the\s+)?(?:very\s+)?(?:(?:task|item|todo)\s+)?(?:number\s+|no\.?\s*|#)?"
    r"(?P<o>first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth|eleventh|twelfth|last|top|bottom|final|penultimate|one|two|three|"
    r"thrid|frist|fisrt|secnod|forth|latest|newest|most\s+recent|"
    r"four|five|six|seven|eight|nine|ten|(?P<k>second|2nd|third|3rd)[\s-]+(?:to[\s-]+|from[\s-]+"
    r"(?:the[\s-]+)?)?last|next[\s-]+to[\s-]+last|one\s+before\s+(?:the\s+)?last)"
    r"(?:\s+(?:ones?|tasks?|items?|todos?|to-?dos?|entry|entries|things?))?"
    r"(?:\s+(?:on|in|of|from)\s+(?:the|my|that)\s+list)?$",
    _F,
)
_RE_RANGE = re.compile(
    r"^(?:(?:the\s+)?(?:tasks?|items?|numbers?)\s+)?#?(?P<a>\d{1,3})\s*(?:-|to|through|thru)"
    r"\s*#?(?P<b>\d{1,3})$",
    _F,
)
_RE_NUM_LIST = re.compile(
    r"^(?:(?:the\s+)?(?:tasks?|items?|numbers?|nos?\.?)\s*)?#?\d{1,3}(?:(?:\s*,\s*(?:and\s+)?|"
    r"\s+and\s+|\s*&\s*|\s+)#?\d{1,3})+$",
    _F,
)
_RE_DIGITS = re.compile(r"\d{1,3}")
_RE_FIRST_N = re.compile(
    r"^(?:the\s+)?(?P<which>top|first|last|bottom)\s+(?P<n>\d{1,2}|two|three|four|five)"
    r"(?:\s+(?:ones|tasks|items|todos))?(?:\s+(?:on|in)\s+(?:the|my)\s+list)?$",
    _F,
)
_RE_REF_SPLIT = re.compile(r"\s*(?:,|;|\?(?=\s)|\s&\s|\s(?:and|plus|as\s+well\s+as)\s|\+)\s*", _F)
_RE_REF_COMMA = re.compile(r"\s*(?:[,;]|\?(?=\s))\s*(?:(?:and|&)\s+)?", _F)
_RE_REF_LEAD = re.compile(
    r"^(?:(?:the|a|an|my|our|that|this|your)\s+)?(?:(?:task|todo|to-?do|item|reminder|entry)"
    r"(?:\s+(?:called|named|titled|about|for|that\s+says|saying|to|with)\b|\s*:)?\s+)?"
    r"(?:(?:one|thing)\s+(?:called|named|titled|about|for|with)\s+)?"
    r"(?:called|named|titled)?\s*",
    _F,
)
_RE_REF_TRAIL = re.compile(
    r"(?:\s+(?:task|todo|to-?do|item|reminder|one|thing|entry))?(?:\s+(?:from|on|off|in|of)\s+"
    r"(?:(?:my|the|our)\s+)?(?:[\w-]+\s+){0,2}?(?:list|tasks|todos?|to-?dos?|groceries|shopping))?"
    r"(?:\s+(?:please|already|now|too|again|as\s+well|any\s*more|anymore|for\s+good|then))*$",
    _F,
)
_RE_ONE_THEN_CLAUSE = re.compile(
    r"(?<=\w)\s+one\s+(?:it'?s|it\s+(?:is|was|has)|which|cos|cause|because|as|since|coz)\s.*$",
    _F)
_RE_THE_X_ONE = re.compile(r"^the\s+[\w' -]{1,40}\s+one$", _F)
RE_QUOTED = re.compile(r"^[\"'`](.+)[\"'`]$")
_RE_ANYMORE_ON = re.compile(r"(?<=\w)\s+(?:anymore|any\s+more|any\s+longer)\s+(?=\w).*$", _F)


def strip_tail(rx: re.Pattern[str], s: str, window: int = _TAIL_WINDOW) -> str:
    """`rx.sub("", s, count=1)` for a pattern anchored at the end, run on the last `window`
    characters only: a trailing-noise pattern then costs the same on any input length."""
    if len(s) <= window:
        return rx.sub("", s, count=1)
    cut_at = s.find(" ", len(s) - window)
    if cut_at < 0:
        return s
    return s[:cut_at] + rx.sub("", s[cut_at:], count=1)


def _one_ref(part: str) -> TaskRef | None:
    p = part.strip(" ,.;:!?")
    if not p:
        return None
    if RE_PRONOUN.match(p):
        return TaskRef(pronoun=True)
    m = _RE_POS.match(p)
    if m:
        n = int(m["n"])
        return TaskRef(position=n) if n > 0 else None
    m = _RE_ORD.match(p)
    if m:
        o = " ".join(m["o"].lower().replace("-", " ").split())
        if m["k"]:
            return TaskRef(position=-2 if m["k"].lower() in ("second", "2nd") else -3)
        if o.startswith(("next", "one before")):
            return TaskRef(position=-2)
        return TaskRef(position=lx.POSITION_WORDS[o])
    q = RE_QUOTED.match(p)
    if q:
        return TaskRef(title=q.group(1).strip())
    if " one " in p:
        p = _RE_ONE_THEN_CLAUSE.sub("", p, count=1)  # "the parents evening one its been moved…"
    t = _RE_REF_LEAD.sub("", _RE_REF_LEAD.sub("", p, count=1), count=1)
    if "any" in t:
        # "no need for the kennel anymore my mum said she'll have rex": the kennel
        t = _RE_ANYMORE_ON.sub("", t, count=1)
    t = strip_tail(_RE_REF_TRAIL, t).strip(" ,.;:!?\"'")
    if not t:
        return None
    q = RE_QUOTED.match(t)
    return TaskRef(title=q.group(1).strip() if q else t)


_RE_OFF_END = re.compile(r"\s+off(?:\s+(?:the|my)\s+list)?\s*$", re.IGNORECASE)


def parse_refs(text: str) -> tuple[TaskRef, ...]:
    """Split a reference phrase into TaskRefs (see the module docstring for the rules)."""
    s = text.strip(" ,.;:!?")
    if not s:
        return ()
    m = _RE_RANGE.match(s)
    if m:
        a, b = int(m["a"]), int(m["b"])
        if 0 < a <= b and b - a < MAX_REFS:
            return tuple(TaskRef(position=i) for i in range(a, b + 1))
    if _RE_NUM_LIST.match(s):
        nums = [int(n) for n in _RE_DIGITS.findall(s)]
        if all(n > 0 for n in nums):
            return tuple(TaskRef(position=n) for n in nums[: MAX_REFS + 1])
    m = _RE_FIRST_N.match(s)
    if m:
        n = lx.SMALL_COUNTS.get(m["n"].lower(), 0) if not m["n"].isdigit() else int(m["n"])
        if 1 < n <= 20:
            last = m["which"].lower() in ("last", "bottom")
            return tuple(TaskRef(position=i - n - 1 if last else i) for i in range(1, n + 1))
    q = RE_QUOTED.match(s)
    if q and '"' not in q.group(1):
        return (TaskRef(title=q.group(1).strip()),)
    parts = [p for p in _RE_REF_SPLIT.split(s, maxsplit=4 * MAX_REFS) if p.strip()]
    if len(parts) > 1:
        refs = [_one_ref(p) for p in parts[: MAX_REFS + 1]]
        simple = all(r is not None and r.title is None for r in refs)
        words = all(r is not None and r.title is not None and " " not in r.title for r in refs)
        if simple or words:
            return tuple(r for r in refs if r is not None)
        commas = [p for p in _RE_REF_COMMA.split(s, maxsplit=4 * MAX_REFS) if p.strip()]
        if len(commas) > 1:
            # "tick the kitchen lightbulb off, new one's in": the particle ends the first
            commas[0] = _RE_OFF_END.sub("", commas[0]) or commas[0]
            refs2 = [_one_ref(p) for p in commas[: MAX_REFS + 1]]
            if len(commas) == 2 and refs2[0] is not None and refs2[0].position is not None \
                    and refs2[1] is not None and _RE_THE_X_ONE.match(commas[1]):
                return (refs2[1],)  # "the second one, the bank one": one task, said twice
            return tuple(r for r in refs2 if r is not None)
    r = _one_ref(s)
    return (r,) if r else ()
