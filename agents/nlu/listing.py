"""Listing: "show my tasks", "what's due this week?", "urgent tasks", "tasks tagged work".

`try_list` returns a LIST understanding with its `TaskFilter` (defaults: open tasks, no
other filter), or None when the message is not a request to see tasks.
"""

from __future__ import annotations

import re

from agents.nlu import lexicon as lx
from agents.nlu.entities import cut, find_priority, list_tag
from agents.types import Intent, Understanding
from store.tasks import TaskFilter

__all__ = ["RE_LIST_LEAD", "RE_LIST_NOUN_ONLY", "RE_TASK_NOUN", "try_list"]

_F = re.IGNORECASE
_RE_WORDS = re.compile(r"[\w'-]+")

RE_LIST_LEAD = re.compile(
    r"^(?P<lead>(?P<search>search(?:\s+(?:for|my\s+tasks\s+for|tasks\s+for))?|find(?:\s+me)?|"
    r"look\s+(?:for|up)|lookup|filter(?:\s+(?:by|for))?|grep)"
    r"|(?P<show>show|list|display|view|see|get|give\s+me|tell\s+me|read(?:\s+out)?|"
    r"print|pull\s+up|bring\s+up|open|check|lemme\s+see|let\s+me\s+see|review|go\s+through)"
    r"|(?P<ask>what|what'?s|whats|what\s+is|what\s+are|which|how\s+many|how\s+much|"
    r"do\s+i\s+have|have\s+i\s+got|did\s+i|any|anything|are\s+there|is\s+there|where(?:'s)?|"
    r"when|whens|when'?s|am\s+i))\b\s*(?P<rest>.*)$",
    _F,
)
RE_TASK_NOUN = re.compile(
    r"\b(?:tasks?|todos?|to-?dos?|items?|lists?|agenda|plate|schedule|reminders?|things|stuff|"
    r"chores|errands|jobs|to\s+do|everything|anything|backlog|inbox|tsks|taks|tasls|workload|"
    r"due|left|remaining|pending|next|up\s+next|coming\s+up|on\s+deck|planned|"
    r"(?:should|do|can|could|must)\s+i\s+(?:do|work\s+on|focus\s+on|tackle|start\s+with)|"
    r"(?:need|have|got|supposed)\s+to\s+(?:do|buy|get|pick\s+up|grab|finish|remember))\b",
    _F,
)
RE_LIST_NOUN_ONLY = re.compile(
    r"^(?:(?:my|the|all|all\s+my|your|our|every)\s+)*(?:tasks?|todos?|to-?dos?|list|"
    r"to-?do\s+list|todo\s+list|task\s+list|items?|everything|stuff|things)$",
    _F,
)
_RE_LF_OVERDUE = re.compile(
    r"\b(?:(?:that\s+are|which\s+are|i'?m|am\s+i|are)\s+)?(?:overdue|over\s*due|past[\s-]+due|"
    r"late|missed|behind(?:\s+on)?|expired|past\s+(?:the|their|its)?\s*deadlines?|"
    r"should\s+have\s+(?:done|finished))\b",
    _F,
)
_RE_LF_NODATE = re.compile(
    r"\b(?:(?:with\s+)?no|without(?:\s+an?)?|with\s+no|missing(?:\s+an?)?|lacking)\s+"
    r"(?:due\s+)?(?:dates?|deadlines?)\b|\b(?:undated|unscheduled|not\s+scheduled|dateless|"
    r"someday|no-date|no\s+due)\b",
    _F,
)
_RE_LF_WEEK = re.compile(
    r"\b(?:(?:due|for|on|in|during|scheduled\s+for)\s+)?(?:this\s+week'?s?|the\s+week|"
    r"the\s+rest\s+of\s+(?:the|this)\s+week|this\s+weekend|(?:the\s+)?(?:next|coming)\s+"
    r"(?:7|seven)\s+days|within\s+(?:a|the|this)\s+week|the\s+coming\s+week|weekly|"
    r"this\s+wk|the\s+wk)\b",
    _F,
)
_RE_LF_TOMORROW = re.compile(
    r"\b(?:(?:due|for|on|scheduled\s+for)\s+)?(?:tomorrow'?s?|tmrw|tomorow|tommorow|"
    r"tommorrow|tmr)\b",
    _F,
)
_RE_LF_TODAY = re.compile(
    r"\b(?:(?:due|for|on|scheduled\s+for)\s+)?(?:today'?s?|tonight'?s?|todays|"
    r"this\s+(?:morning|afternoon|evening)|for\s+the\s+day|2day|tday)\b",
    _F,
)
_RE_LF_OPEN = re.compile(
    r"\b(?:(?:i\s+)?(?:haven'?t|have\s+not|didn'?t|did\s+not|not\s+yet)\s+(?:finished|completed|done|"
    r"do|finish|complete|gotten\s+to)|open|pending|incomplete|unfinished|uncompleted|undone|unchecked|outstanding|"
    r"remaining|left|active|current|not\s+(?:yet\s+)?(?:done|completed|finished|complete)|"
    r"still\s+(?:to\s+do|open|pending)|to\s+do|todo|to-do|need\s+to\s+do)\b",
    _F,
)
_RE_LF_DONE = re.compile(
    r"\b(?:completed|complete|done|finished|checked(?:\s+off)?|ticked(?:\s+off)?|"
    r"crossed\s+off|closed|accomplished|archived|achieved|did\s+i\s+(?:do|finish|complete|"
    r"get\s+done)|(?:i'?ve|i\s+have)\s+(?:done|finished|completed))\b",
    _F,
)
_RE_LF_ALL = re.compile(
    r"\b(?:all|everything|every\s+(?:single\s+)?(?:task|item|todo)|entire|whole|full)\b", _F
)
_RE_LF_INCL = re.compile(
    r"\b(?:including|incl\.?|with|plus|and|even|also)\s+(?:the\s+)?(?:completed|done|finished|"
    r"checked)(?:\s+ones)?\b|\b(?:completed|done|finished)\s+(?:ones\s+)?(?:too|as\s+well)\b|"
    r"\b(?:open|pending)\s+(?:and|&|or)\s+(?:completed|done|finished)\b",
    _F,
)
_RE_LF_TAG = re.compile(
    r"(?<![\w@#.+/-])[#@](?P<t>[^\W\d_][\w-]*)(?:\s+(?:tag|label))?"
    r"|\b(?:tagged|labell?ed|with\s+(?:the\s+)?(?:tag|label)|under(?:\s+the)?\s+(?:tag|label)|"
    r"in\s+(?:the\s+)?(?:tag|label|category|project|list)|(?:tag|label)\s*[:=]?)\s+"
    r"(?:as\s+|with\s+)?[#@]?(?P<t2>[^\W\d_][\w-]*)"
    r"|\b(?:with|under|in)\s+(?:the\s+)?(?P<t3>[^\W\d_][\w-]*)\s+(?:tag|label|category|project)\b"
    r"|\b(?:tasks|todos|to-?dos|items|stuff|things)\s+(?:for|in|under)\s+(?P<t4>[^\W\d_][\w-]*)$",
    _F,
)
_RE_LF_TEXT = re.compile(
    r"\b(?:about|regarding|re:|related\s+to|relating\s+to|concerning|containing|contain|"
    r"that\s+contains?|which\s+contains?|with\s+(?:the\s+)?(?:word|words|text|phrase|term)|"
    r"mentioning|that\s+mentions?|which\s+mentions?|matching|that\s+match(?:es)?|called|named|"
    r"titled|that\s+says?|involving|including|that\s+(?:have|has)|with|"
    r"(?:an?\s+)?(?:tasks?|todos?|reminders?)\s+(?:to|for))\s+(?P<text>.+)$",
    _F,
)
_LIST_NOISE = lx.frozenwords(
    "and or but only both just i've ive i'd "
    "show me my the all list tasks task todos todo to-dos to-do items item things stuff "
    "what what's whats is are do does i have got on in for please any anything there which "
    "that display view see get give tell let lets can you could would up pull bring check "
    "open due need to should of a an current entire whole everything agenda plate schedule "
    "how many much it still so far yet now right next first upcoming coming left remaining "
    "pending outstanding lined planned there's theres thing gonna going be need needs lemme "
    "out read print your our us we am just again list's lists chores errands jobs reminders "
    "reminder backlog inbox workload review go through doing else currently at moment the "
    "following ones one have got has overview summary everything's 's"
)
_RE_TEXT_TRIM = re.compile(
    r"^(?:(?:the|a|an|my|our|your|word|words|text|phrase|term)\s+)+|"
    r"(?:\s+(?:tasks?|todos?|items?|stuff|things|please|in\s+(?:the\s+)?(?:title|name)|"
    r"in\s+it|on\s+(?:my|the)\s+list|in\s+(?:my|the)\s+list))+$",
    _F,
)


def _list_filter(s: str) -> tuple[TaskFilter, str, bool]:
    """Extract list filters; returns (filter, leftover text, any filter found)."""
    spans: list[tuple[int, int]] = []
    due = None
    for rx, value in (
        (_RE_LF_OVERDUE, "overdue"),
        (_RE_LF_NODATE, "no_date"),
        (_RE_LF_WEEK, "this_week"),
        (_RE_LF_TOMORROW, "tomorrow"),
        (_RE_LF_TODAY, "today"),
    ):
        m = rx.search(s)
        if m:
            due = value
            spans.append(m.span())
            break
    pri, pspans = find_priority(s)
    spans += pspans
    # Later filters look only at what the due/priority phrases left ("tasks for today").
    s = cut(s, spans)
    spans = []
    tag = None
    m = _RE_LF_TAG.search(s)
    if m:
        tag = (m["t"] or m["t2"] or m["t3"] or m["t4"]).lower()
        spans.append(m.span())
    status = "open"
    found_status = False
    m = _RE_LF_OPEN.search(s)
    if m:
        found_status = True
        spans.append(m.span())
    else:
        m = _RE_LF_DONE.search(s)
        if m:
            status, found_status = "completed", True
            spans.append(m.span())
    rest = cut(s, spans)
    text = None
    m = _RE_LF_TEXT.search(rest)
    if m:
        text = _RE_TEXT_TRIM.sub("", m["text"]).strip(" ?.!\"':-")
        rest = rest[: m.start()]
        if text.lower() in _LIST_NOISE:
            text = None
    if _RE_LF_INCL.search(s):
        status, found_status = "all", True
    if not found_status and due is None and pri is None and tag is None and text is None:
        m = _RE_LF_ALL.search(rest)
        if m:
            status = "all"
            found_status = True
    flt = TaskFilter(
        status=status,  # type: ignore[arg-type]
        due=due,  # type: ignore[arg-type]
        priority=pri,
        tag=tag,
        text=text or None,
    )
    found = found_status or due is not None or pri is not None or tag is not None or bool(text)
    return flt, rest, found


_RE_WORD_TASKS = re.compile(
    # (?<![\w-]), not \b: inside "a-b-c-…" every hyphen is a \b, and each start would run
    # to the end of the hyphenated word again.
    r"(?<![\w-])(?P<w>[^\W\d_][\w-]*)\s+(?:tasks|todos|to-?dos|items|stuff|things|chores|errands)\b",
    _F,
)


def _leftovers(rest: str) -> list[str]:
    return [w for w in (x.lower() for x in _RE_WORDS.findall(rest)) if w not in _LIST_NOISE]


# "what's on my shopping list": a named list is the tag its items were added with.
_RE_NAMED_LIST = re.compile(
    r"\b(?:my|the|our|your)\s+(?:(?!(?:to|do|todo|to-do|task|tasks|whole|entire|full|"
    r"current|main)\b)[\w'&-]+\s+){1,2}?lists?\b",
    _F,
)


def try_list(s: str) -> Understanding | None:
    """A request to see tasks, with its filter; None if the message is something else."""
    m = _RE_NAMED_LIST.search(s)
    tag = list_tag(m.group(0)) if m else None
    if m is None or tag is None:
        return _try_list(s)
    got = _try_list(s[: m.start()] + "my list" + s[m.end() :])
    if got is None or got.filter is None or got.filter.tag is not None:
        return got
    f = got.filter
    return Understanding(
        intent=Intent.LIST,
        filter=TaskFilter(status=f.status, due=f.due, priority=f.priority, tag=tag, text=f.text),
    )


def _try_list(s: str) -> Understanding | None:
    m = RE_LIST_LEAD.match(s)
    if m:
        body = m["rest"]
        flt, rest, found = _list_filter(body)
        if m["search"]:
            if flt.text is None:
                words = _leftovers(rest)
                text = _RE_TEXT_TRIM.sub("", rest.strip(" :-")).strip(" ?.!\"':-") if words else ""
                if text and text.lower() not in _LIST_NOISE:
                    flt = TaskFilter(
                        status=flt.status,
                        due=flt.due,
                        priority=flt.priority,
                        tag=flt.tag,
                        text=_strip_noise_edges(text),
                    )
            if flt.text or found:
                return Understanding(intent=Intent.LIST, filter=flt)
            return None
        noun = RE_TASK_NOUN.search(body) is not None
        left = _leftovers(rest)
        if len(left) == 1 and flt.tag is None and flt.text is None:
            tm = _RE_WORD_TASKS.search(rest)
            if tm and tm["w"].lower() == left[0]:
                # "show work tasks": a lone qualifier before the noun names a tag
                flt = TaskFilter(status=flt.status, due=flt.due, priority=flt.priority, tag=left[0])
                left = []
        if m["show"]:
            if m["show"].lower() == "get" and not noun:
                return None  # "get a flu shot the day after tomorrow": a to-do
            if noun or found or not left:
                return Understanding(intent=Intent.LIST, filter=flt)
            return None
        if noun or (found and not left):
            return Understanding(intent=Intent.LIST, filter=flt)
        return None
    # No verb: "my tasks", "overdue?", "urgent tasks", "tasks tagged work".
    if _told_deed(s) or _RE_NEGATED_START.match(s):
        return None  # "finally called the dentist, cleaning is next week": news
    flt, rest, found = _list_filter(s)
    noun = RE_TASK_NOUN.search(s) is not None
    left = _leftovers(rest)
    found_other = found and (flt.text is None or flt != TaskFilter(text=flt.text))
    if (noun or found_other) and not left:
        return Understanding(intent=Intent.LIST, filter=flt)
    if noun and flt.text and not any(map(lx.looks_past, left)) and not _RE_TO_SOMEONE.match(
            flt.text):  # "the notary called me back and everything is fine": a call, no search
        return Understanding(intent=Intent.LIST, filter=flt)  # not "cv updated with the X stuff"
    return None


_RE_TO_SOMEONE = re.compile(r"(?:me|us|him|her|them)\b", _F)
_RE_NEGATED_START = re.compile(r"^(?:not|no|never|don'?t|didn'?t|won'?t)\b", _F)


def _told_deed(s: str) -> bool:
    """The message starts with a deed told in the past, done to something ("finally called
    the dentist"; "completed tasks" is a list)."""
    words = _RE_WORDS.findall(s.lower())[:6]
    for i, word in enumerate(words[:4]):
        if word in lx.FALLBACK_LEAD:
            continue
        return lx.looks_past(word) and words[i + 1:i + 2] in (
            ["the"], ["my"], ["a"], ["an"], ["our"])
    return False


_RE_NOISE_EDGE = re.compile(r"^(?:(?:for|about|the|my|a|an)\s+)+|(?:\s+(?:tasks?|items?))+$", _F)


def _strip_noise_edges(t: str) -> str:
    return _RE_NOISE_EDGE.sub("", t).strip()
