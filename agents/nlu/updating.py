"""Updates: rename, reschedule, clear a field, priority, tags, recurrence.

`try_update` reads an explicit edit command ("rename X to Y", "move X to friday", "tag X
with work", "remove the date from X"); `try_update_state` a statement about a task ("X is
due monday", "X repeats weekly"). `refs` name the task, `changes` what to change.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import msgspec

from agents.nlu import dates
from agents.nlu import lexicon as lx
from agents.nlu.entities import (
    PRI_WORD,
    RE_PRI_BARE,
    cut,
    find_priority,
    find_tags,
    inside,
    outside,
)
from agents.nlu.listing import RE_LIST_LEAD
from agents.nlu.refs import parse_refs, strip_tail
from agents.types import Intent, TaskChanges, TaskRef, Understanding

__all__ = ["RE_ALL_REF", "try_update", "try_update_state"]

_F = re.IGNORECASE
_UNKNOWN = Understanding(intent=Intent.UNKNOWN, rule="update.bulk_refused")
_RE_WORDS = re.compile(r"[\w'-]+")
# Question and list openings: "what is due friday" is a question, not "X is due friday".
RE_WH_START = re.compile(
    r"^(?:what|what'?s|whats|which|when|where|who|why|how|is|are|do|does|did|can|could|"
    r"would|will|should|have|has|any)\b",
    _F,
)

RE_ALL_REF = re.compile(
    r"^(?:all|everything|every\s+(?:single\s+)?(?:task|one|item|thing)|each\s+(?:task|one)|"
    r"all\s+(?:of\s+)?(?:my|the|these|those)?\s*(?:tasks?|todos?|items?|ones?|them)\b.*|"
    r"the\s+(?:whole|entire)\s+list|my\s+(?:whole|entire)\s+list)$",
    _F,
)


_FIELD_DUE = r"due[\s-]+dates?|dates?|deadlines?|due|times?|schedule|reminders?|due\s+time"
# After the task ("delete the haircut reminder") "reminder" names the task, not its date.
_FIELD_DUE_WORDS = r"due[\s-]+dates?|dates?|deadlines?|due|times?|schedule|due\s+time"
_FIELD_PRI = r"priority|priorities|prio|importance|(?:urgent\s+|priority\s+)?flag|star"
_FIELD_REC = r"recurrence|repeat|repetition|recurring|repeating|schedule\s+rule|frequency"
_RE_CLEAR_FIELD = re.compile(
    r"^(?:remove|clear|delete|drop|unset|erase|take\s+(?:off|away|out)|get\s+rid\s+of|strip|"
    r"reset|cancel|turn\s+off|stop|lose|ditch|no\s+more)\s+(?:the\s+|any\s+)?"
    r"(?P<what>" + _FIELD_DUE + "|" + _FIELD_PRI + "|" + _FIELD_REC + r")"
    r"\s+(?:from|of|on|for|off(?:\s+of)?|in)\s+(?P<ref>.+)$"
    r"|^(?:take|get)\s+(?:the\s+|any\s+)?(?P<what3>"
    + _FIELD_DUE
    + "|"
    + _FIELD_PRI
    + "|"
    + _FIELD_REC
    + r")\s+off(?:\s+of)?\s+(?P<ref3>.+)$"
    r"|^(?:remove|clear|delete|drop|unset|erase|reset|stop)\s+(?P<ref2>.+?)(?:'s|\s+from)?\s+"
    r"(?P<what2>" + _FIELD_DUE_WORDS + "|" + _FIELD_PRI + "|" + _FIELD_REC + r")$",
    _F,
)
_RE_CLEAR_STATE = re.compile(
    r"^(?:(?:un-?schedule|undate|un-?date)\s+(?P<ref>.+)"
    r"|(?P<ref2>.+?)\s+(?:has|should\s+have|needs|gets|doesn'?t\s+(?:have|need)|does\s+not\s+"
    r"(?:have|need))\s+(?:no|a|any)\s+(?:due\s+)?(?:dates?|deadlines?)(?:\s+any\s*more)?"
    r"|make\s+(?P<ref3>.+?)\s+(?:undated|unscheduled|have\s+no\s+(?:due\s+)?date)"
    r"|(?P<ref4>.+?)\s+(?:is\s+no\s+longer\s+due|no\s+longer\s+has\s+a\s+(?:due\s+)?date)"
    r"|no\s+(?:more\s+)?(?:due\s+)?(?:date|deadline)\s+(?:for|on)\s+(?P<ref5>.+))$",
    _F,
)
_RE_STOP_REPEAT = re.compile(
    r"^(?:stop\s+(?:repeating|recurring)|(?:don'?t|do\s+not)\s+repeat|no\s+longer\s+repeat|"
    r"un-?repeat)\s+(?P<ref>.+)$"
    r"|^stop\s+(?P<ref4>.+?)\s+from\s+(?:repeating|recurring)$"
    r"|^(?:make|set)\s+(?P<ref2>.+?)\s+(?:not\s+(?:repeat|recur)(?:ing)?|non-?recurring|"
    r"one[\s-]+(?:time|off)|a\s+one[\s-]+(?:time|off)(?:\s+task)?|stop\s+repeating)$"
    r"|^(?P<ref3>.+?)\s+(?:should(?:n'?t|\s+not)|does(?:n'?t|\s+not)|(?:do|will)n'?t|"
    r"(?:will|do)\s+not|no\s+longer)\s+(?:need\s+to\s+)?(?:repeat|recur)(?:s)?(?:\s+any\s*more)?$",
    _F,
)
# A list of tags: the separators are mandatory and distinct ("a, b and c"), so a list is read
# in one way only (the old "\s*(?:,|and|&)\s*" let "xandxand…" split exponentially).
_TAG_WORD = r"[#@]?[^\W\d_][\w-]*"
_TAGLIST = _TAG_WORD + r"(?:(?:\s*[,&]\s*(?:and\s+)?|\s+and\s+)" + _TAG_WORD + r")*"
_SIGIL_TAGS = r"[#@][^\W\d_][\w-]*(?:(?:\s*[,&]\s*(?:and\s+)?|\s+and\s+|\s+)[#@][^\W\d_][\w-]*)*"
_RE_TAG_REMOVE = re.compile(
    r"^(?:remove|delete|drop|clear|take\s+(?:off|away)|strip|get\s+rid\s+of)\s+"
    r"(?:the\s+)?(?P<kw>(?:tags?|labels?)\s+)?(?P<tags>"
    + _TAGLIST
    + r")(?P<kw2>\s+(?:tags?|labels?))?"
    r"\s+(?:from|off(?:\s+of)?|on)\s+(?P<ref>.+)$",
    _F,
)
_RE_TAG_ADD = re.compile(
    r"^(?:add|put|apply|attach|give|set)\s+(?:the\s+|a\s+)?(?:tags?|labels?)\s+(?P<tags3>"
    + _TAGLIST
    + r")\s+(?:to|on|onto|for)\s+(?P<ref3>.+)$"
    r"|^(?:add|put|apply|attach)\s+(?P<tags4>" + _SIGIL_TAGS + r")(?:\s+(?:tags?|labels?))?"
    r"\s+(?:to|on|onto)\s+(?P<ref4>.+)$"
    r"|^(?:add|put|apply|attach)\s+(?:the\s+|a\s+)?(?P<tags5>[^\W\d_][\w-]*)\s+(?:tags?|labels?)"
    r"\s+(?:to|on|onto)\s+(?P<ref5>.+)$",
    _F,
)
# "tag X with a, b" / "untag X from a": the task comes first and the tags end the message.
# The split is found by walking the words from the end (linear), not by a lazy group
# followed by a tag list, which retries the list from every word when it fails.
_RE_TAG_VERB = re.compile(r"^(?P<verb>tag|label|untag|unlabel)\s+(?P<rest>.+)$", _F)
_TAG_DELIMS_ADD = frozenset(("with", "as", "under", "to", "=", ":", "in"))
_TAG_DELIMS_REMOVE = frozenset(("from", "with", "as", "for", ":"))
_RE_TAGLIST_FULL = re.compile(
    r"(?:the\s+)?(?:(?:tags?|labels?)\s+)?(?P<tags>" + _TAGLIST + r")(?:\s+tags?)?", _F
)
_RE_SIGIL_WORD = re.compile(r"[#@][^\W\d_][\w-]*,?")
_RE_PLAIN_WORD = re.compile(r"[#@]?[^\W\d_][\w-]*")
_MAX_SPLITS = 3


def _split_tag_command(s: str) -> tuple[str, str, str] | None:
    """(verb, ref text, tags text) of "tag X with a, b" / "tag X #a #b" / "untag X from a"."""
    m = _RE_TAG_VERB.match(s)
    if not m:
        return None
    verb = m["verb"].lower()
    words = m["rest"].split(" ")
    if len(words) < 2:
        return None
    delims = _TAG_DELIMS_REMOVE if verb.startswith("un") else _TAG_DELIMS_ADD
    tried = 0
    for i in range(len(words) - 2, 0, -1):  # the last delimiter whose tail is a tag list
        if words[i].lower() in delims:
            tail = " ".join(words[i + 1 :])
            t = _RE_TAGLIST_FULL.fullmatch(tail)
            if t:
                return verb, " ".join(words[:i]), t["tags"]
            tried += 1
            if tried >= _MAX_SPLITS:
                break
    if not verb.startswith("un"):
        i = len(words)
        while i > 1:
            w = words[i - 1]
            if _RE_SIGIL_WORD.fullmatch(w) or (
                w.lower() in ("and", "&") and i > 2 and _RE_SIGIL_WORD.fullmatch(words[i - 2])
            ):
                i -= 1
            else:
                break
        if i < len(words) and words[i].startswith(("#", "@")):
            return verb, " ".join(words[:i]), " ".join(words[i:]).rstrip(",")
    last = words[-1]
    if _RE_PLAIN_WORD.fullmatch(last):
        return verb, " ".join(words[:-1]), last
    return None


_RE_RENAME = re.compile(
    r"^(?:re-?name|re-?title|retitle)(?P<ref5>\s+it|\s+that|\s+this(?:\s+one)?)?\s+(?:to|as)\s+"
    r"(?P<new5>.+)$|^(?:re-?name|re-?title|retitle|call)\s+(?P<ref>.+?)\s+(?:to|as|into|->|=>|:)\s+(?P<new>.+)$"
    r"|^(?:change|update|edit|modify|set|switch|fix|correct)\s+(?:the\s+)?(?:title|name|text|"
    r"wording|description|label)\s+(?:of|for|on)\s+(?P<ref2>.+?)\s+(?:to|as|into|->|=>|:)\s+"
    r"(?P<new2>.+)$"
    r"|^(?:change|update|edit|modify|set|switch|fix|correct)\s+(?P<ref3>.+?)(?:'s)?\s+(?:title|name|"
    r"text|wording)\s+(?:to|as|into|->|=>|:)\s+(?P<new3>.+)$"
    r"|^(?:re-?name|retitle)\s+(?P<ref4>.+?)\s+(?P<new4>\"[^\"]+\")$",
    _F,
)
_RE_NEW_TITLE_LEAD = re.compile(r"^(?:say|be|:)\s+", _F)
_RE_CHANGE_TO = re.compile(
    r"^(?:change|update|edit|modify|switch|replace|fix|correct|alter|amend|turn)\s+"
    r"(?P<ref>.+?)\s+(?:to|into|with|->|=>)\s+(?P<new>.+)$",
    _F,
)
_RE_FIELD_SET = re.compile(
    r"^(?:change|update|edit|modify|set|switch|move|push|make|put|give)\s+(?:the\s+)?"
    r"(?P<field>" + _FIELD_DUE + "|" + _FIELD_PRI + "|" + _FIELD_REC + r")\s+(?:of|for|on)\s+"
    r"(?P<ref>.+?)\s+(?:to|as|=|:|at)\s+(?P<val>.+)$"
    r"|^(?:change|update|edit|modify|set|switch|move|push|make)\s+(?P<ref2>(?!(?:the|its)\s+(?:due|date|deadline|time|priority|prio)\b).+?)(?:'s?)?\s+"
    r"(?P<field2>" + _FIELD_DUE + "|" + _FIELD_PRI + "|" + _FIELD_REC + r")\s+(?:to|as|=|:|at)\s+"
    r"(?P<val2>.+)$"
    r"|^(?:change|update|edit|modify|set|switch|move|push)\s+(?:the\s+|its\s+)?(?P<field4>"
    + _FIELD_DUE
    + "|"
    + _FIELD_PRI
    + "|"
    + _FIELD_REC
    + r")\s+(?:to|as|=|:|for)\s+(?P<val4>.+)$"
    r"|^(?:the\s+)?(?P<field3>due\s+date|deadline|date|priority)\s+(?:for|of|on)\s+(?P<ref3>.+?)"
    r"\s*(?::|\s+is|\s+should\s+be|\s+to|\s+=)\s+(?P<val3>.+)$"
    r"|^(?:set|give|add|put)\s+(?:a|the)\s+(?P<field5>due\s+date|deadline|date)\s+(?:of|to|for|on)\s+"
    r"(?P<val5>.+?)\s+(?:for|on|to)\s+(?P<ref5>.+)$"
    r"|^(?:give|set)\s+(?P<ref6>.+?)\s+(?:a|the)\s+(?P<field6>due\s+date|deadline|date)\s+"
    r"(?:of\s+|for\s+|on\s+)?(?P<val6>.+)$",
    _F,
)
_RE_UPD_VERB = re.compile(
    r"^(?P<verb>move|postpone|reschedule|re-?schedule|push(?:\s+back)?|delay|defer|snooze|"
    r"bump|shift|put\s+off|make|set(?!\s+up\b)|mark|change|update|flag|repeat|turn|edit|modify|"
    r"prioriti[sz]e|deprioriti[sz]e|de-prioriti[sz]e|raise|lower|due|star|label|plan|give)\s+"
    r"(?P<rest>.+)$",
    _F,
)
_RE_MAKE_RECURRING = re.compile(
    r"^(?:make|set|turn)\s+(?P<ref>.+?)\s+(?:into\s+)?(?:an?\s+)?(?P<adv>daily|weekly|monthly|yearly|"
    r"annual|hourly|nightly)\s+(?:task|thing|habit|routine|one|event|reminder|item)$",
    _F,
)
_ADV_RULES = {
    "daily": "FREQ=DAILY",
    "nightly": "FREQ=DAILY",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "yearly": "FREQ=YEARLY",
    "annual": "FREQ=YEARLY",
    "hourly": "FREQ=HOURLY",
}
_RE_NOT_URGENT = re.compile(
    r"^(?P<ref>.+?)(?:\s+(?:is|are)\s*n'?t|\s+(?:is|are)\s+(?:not|no\s+longer)|'s\s+not|"
    r"'s\s+no\s+longer)\s+(?:that\s+|so\s+|very\s+)?(?:urgent|important|a\s+priority|"
    r"high\s+priority)(?:\s+any\s*more|\s+anymore)?$",
    _F,
)
_RE_RAISE_LOWER = re.compile(
    r"^(?P<verb>lower|decrease|reduce|drop|downgrade|raise|increase|bump\s+up|up|boost|upgrade)"
    r"\s+(?:the\s+)?(?:priority|importance|prio)\s+(?:of|on|for)\s+(?P<ref>.+)$",
    _F,
)
_RE_UPD_STATE = re.compile(
    r"^(?P<ref>.+?)(?:'s|\s+(?:is|are|should\s+be|needs\s+to\s+be|has\s+to\s+be|must\s+be|"
    r"will\s+be|is\s+now|now|gets|becomes|should|must))\s+(?P<val>.+)$",
    _F,
)
_RE_REPEATS = re.compile(
    r"^(?P<ref>.+?)\s+(?:should\s+|needs\s+to\s+|has\s+to\s+|must\s+|will\s+)?"
    r"(?:repeats?|recurs?|happens?|occurs?)\s+(?P<val>.+)$",
    _F,
)
_RE_SIMPLE_VERB_ONLY = re.compile(
    r"^(?P<verb>postpone|snooze|defer|delay|push(?:\s+back)?|put\s+off|prioriti[sz]e|move|shift|"
    r"deprioriti[sz]e|de-prioriti[sz]e|star|flag|unstar|unflag|bump)\s+(?P<ref>.+?)"
    r"(?:\s+(?:back|out|off|forward|up))?(?:\s+(?:by\s+)?(?P<n>an?|one|two|three|four|five|\d{1,2})"
    r"\s+(?P<unit>days?|weeks?))?"
    r"(?:\s+(?:a\s+(?:bit|little)|for\s+(?:now|later|a\s+bit)|till\s+later|until\s+later|"
    r"as\s+important|for\s+a\s+while))?$",
    _F,
)
_UPD_FILLER = lx.frozenwords(
    "to as for until till til on by and be a an the due priority prio repeat repeating "
    "recurring recur repeats it its now instead with at level task set make also so is "
    "should then into into , & be, move moved to: it's please again back out of into get "
    "gets reschedule scheduled schedule"
)
_RE_REF_TAIL_FILLER = re.compile(
    r"(?:\s+(?:to|as|for|until|till|til|on|by|be|due|is|should|repeat|repeating|to\s+repeat|"
    r"recur|recurring|recurs|repeats|to\s+recur|"
    r"to\s+be|a|an|the|and|now|recurring|priority|with|at|into|so\s+it|so\s+that\s+it|"
    r"so\s+it'?s|,|back|out|over|forward|up|done|finished|completed|ready))+$|'s$",
    _F,
)


def _changes_from_tail(
    rest: str, now_local: datetime, *, need_start: bool = False
) -> tuple[str, TaskChanges] | None:
    """Split "X <entity phrases>" into the ref text X and the changes the phrases make."""
    toks = dates.scan(rest, now_local)
    spans = [(t.start, t.end) for t in toks]
    pri, pspans = find_priority(rest)
    pspans = outside(pspans, spans)
    if pri is None:
        starts = [a for a, _ in spans]
        for m in RE_PRI_BARE.finditer(rest):
            if m.start() > 0 and not inside(m.start(), spans, starts):
                pri, pspans = PRI_WORD[m["lvl"].lower()], [m.span()]
    tags, tspans = find_tags(rest)
    allspans = sorted(spans + pspans + tspans)
    if not allspans:
        return None
    start = allspans[0][0]
    ref_text = strip_tail(_RE_REF_TAIL_FILLER, " " + rest[:start].rstrip()).strip(" ,")
    if need_start and ref_text:
        return None
    tail = cut(rest[start:], [(a - start, b - start) for a, b in allspans])
    words = [w.lower() for w in _RE_WORDS.findall(tail)]
    if any(w not in _UPD_FILLER for w in words):
        return None
    due: str | None = None
    rule: str | None = None
    if len(toks) > 1 and rest[toks[0].start :].lower().startswith("from "):
        toks = toks[1:]  # "move X from today to friday": the target is the later date
    if toks:
        due, rule = dates.resolve(toks, now_local)
        if all(t.rule is not None and t.clock is None for t in toks):
            due = None  # "make X repeat weekly" changes the rule, not the due date
    changes = TaskChanges(due=due, priority=pri, add_tags=tags, recurrence=rule)
    return ref_text, changes


def _update(refs: tuple[TaskRef, ...], changes: TaskChanges) -> Understanding | None:
    if not refs:
        return None
    if any(r.title and RE_ALL_REF.match(r.title) for r in refs):
        return _UNKNOWN  # "move everything to tomorrow": no bulk updates
    return Understanding(intent=Intent.UPDATE, refs=refs, changes=changes)


def _tags_of(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for t in re.split(r"\s*(?:,|\band\b|&)\s*|\s+", text):
        t = t.strip("#@ ").lower()
        if t and t not in ("tag", "tags", "label", "labels", "the") and t not in out:
            out.append(t)
    return tuple(out)


_FIELD_NEEDLES = ("date", "deadline", "due", "time", "schedule", "reminder", "prio", "pri",
                  "importan", "flag", "star", "recurr", "repeat", "frequency")  # fmt: skip
_UNDATE_NEEDLES = ("schedule", "date", "deadline", "due")
_REPEAT_NEEDLES = ("repeat", "recur", "one time", "one-time", "one off", "one-off")
_URGENT_NEEDLES = ("urgent", "important", "priority")


_NEEDLE_RX: dict[tuple[str, ...], re.Pattern[str]] = {}


def _has(s: str, needles: tuple[str, ...]) -> bool:
    """Whether `s` holds one of the substrings (one compiled alternation per needle list)."""
    rx = _NEEDLE_RX.get(needles)
    if rx is None:
        rx = _NEEDLE_RX[needles] = re.compile("|".join(map(re.escape, needles)), re.IGNORECASE)
    return rx.search(s) is not None


def try_update(s: str, now_local: datetime) -> Understanding | None:
    fields = _has(s, _FIELD_NEEDLES)
    m = _RE_CLEAR_FIELD.match(s) if fields else None
    if m:
        what = (m["what"] or m["what2"] or m["what3"]).lower()
        ref = m["ref"] or m["ref2"] or m["ref3"]
        if re.match(_FIELD_PRI, what, _F):
            ch = TaskChanges(clear_priority=True)
        elif re.match(_FIELD_REC, what, _F):
            ch = TaskChanges(clear_recurrence=True)
        else:
            ch = TaskChanges(clear_due=True)
        return _update(parse_refs(ref), ch)
    m = _RE_CLEAR_STATE.match(s) if _has(s, _UNDATE_NEEDLES) else None
    if m:
        return _update(
            parse_refs(m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or m["ref5"]),
            TaskChanges(clear_due=True),
        )
    m = _RE_STOP_REPEAT.match(s) if _has(s, _REPEAT_NEEDLES) else None
    if m:
        return _update(
            parse_refs(m["ref"] or m["ref2"] or m["ref3"] or m["ref4"]),
            TaskChanges(clear_recurrence=True),
        )
    split = _split_tag_command(s)
    if split is not None:
        verb, ref, tags_txt = split
        if verb.startswith("un"):
            if ref.startswith(("#", "@")) and not tags_txt.startswith(("#", "@")):
                ref, tags_txt = tags_txt, ref  # "untag #work from report"
            return _update(parse_refs(ref), TaskChanges(remove_tags=_tags_of(tags_txt)))
        return _update(parse_refs(ref), TaskChanges(add_tags=_tags_of(tags_txt)))
    m = _RE_TAG_REMOVE.match(s)
    if m:
        tags_txt = m["tags"]
        explicit = (
            m["kw"]
            or m["kw2"]
            or all(
                t.startswith(("#", "@")) for t in re.split(r"\s*(?:,|\band\b|&)\s*", tags_txt) if t
            )
        )
        if explicit:
            return _update(parse_refs(m["ref"]), TaskChanges(remove_tags=_tags_of(tags_txt)))
    m = _RE_TAG_ADD.match(s)
    if m:
        g = m.groupdict()
        for i in ("3", "4", "5"):
            if g.get("tags" + i):
                return _update(
                    parse_refs(g["ref" + i]), TaskChanges(add_tags=_tags_of(g["tags" + i]))
                )
    m = _RE_FIELD_SET.match(s) if fields else None
    if m:
        field = (
            m["field"] or m["field2"] or m["field3"] or m["field4"] or m["field5"] or m["field6"]
        ).lower()
        ref = m["ref"] or m["ref2"] or m["ref3"] or m["ref5"] or m["ref6"] or "it"
        val = m["val"] or m["val2"] or m["val3"] or m["val4"] or m["val5"] or m["val6"]
        got = _changes_from_tail(val, now_local, need_start=True)
        if got is None and re.match(_FIELD_PRI, field, _F):
            pm = RE_PRI_BARE.fullmatch(val.strip())
            if pm:
                got = ("", TaskChanges(priority=PRI_WORD[pm["lvl"].lower()]))
        if got is not None:
            return _update(parse_refs(ref), got[1])
    m = _RE_RENAME.match(s)
    if m:
        ref = m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or "it"
        new = (m["new"] or m["new2"] or m["new3"] or m["new4"] or m["new5"]).strip(" \"'")
        new = _RE_NEW_TITLE_LEAD.sub("", new).strip(" \"'")
        if new:
            return _update(parse_refs(ref), TaskChanges(title=new))
    m = _RE_MAKE_RECURRING.match(s)
    if m:
        rule = _ADV_RULES.get(m["adv"].lower())
        if rule:
            return _update(parse_refs(m["ref"]), TaskChanges(recurrence=rule))
    m = _RE_NOT_URGENT.match(s) if _has(s, _URGENT_NEEDLES) else None
    if m:
        return _update(parse_refs(m["ref"]), TaskChanges(priority="low"))
    m = _RE_RAISE_LOWER.match(s)
    if m:
        low = m["verb"].lower() in ("lower", "decrease", "reduce", "drop", "downgrade")
        return _update(parse_refs(m["ref"]), TaskChanges(priority="low" if low else "high"))
    m = _RE_SIMPLE_VERB_ONLY.match(s)
    if m and not _changes_from_tail(m["ref"], now_local):
        verb = m["verb"].lower()
        if verb.startswith(("deprior", "de-prior", "unstar", "unflag")):
            ch = TaskChanges(priority="low")
        elif verb.startswith(("prior", "star", "flag")):
            ch = TaskChanges(priority="high")
        elif verb in ("bump", "move", "shift") and not m["unit"]:
            return None
        else:
            # Postponing without a date means "to tomorrow"; "by N days" counts from today
            # (the current due date is unknown here). Both documented in docs/NLU.md.
            n = (
                lx.SMALL_COUNTS.get((m["n"] or "a").lower(), 1)
                if not (m["n"] or "").isdigit()
                else int(m["n"])
            )
            days = n * (7 if (m["unit"] or "day").lower().startswith("week") else 1)
            ch = TaskChanges(due=(now_local.date() + timedelta(days=days)).isoformat())
        return _update(parse_refs(m["ref"]), ch)
    m = _RE_UPD_VERB.match(s)
    if m:
        got = _changes_from_tail(m["rest"], now_local)
        if got is not None and not re.match(r"(?:an?|some|new)\s", got[0], _F):
            # "move to friday" / "mark as urgent": no target named means the last one
            return _update(parse_refs(got[0] or "it"), got[1])
    m = _RE_CHANGE_TO.match(s)
    if m:
        got = _changes_from_tail(m["new"], now_local, need_start=True)
        if got is not None:
            return _update(parse_refs(m["ref"]), got[1])
        new = _RE_NEW_TITLE_LEAD.sub("", m["new"].strip(" \"'")).strip(" \"'")
        if new:
            return _update(parse_refs(m["ref"]), TaskChanges(title=new))
    return None


def try_update_state(s: str, now_local: datetime) -> Understanding | None:
    m = _RE_REPEATS.match(s)
    if m and not RE_WH_START.match(s) and not RE_LIST_LEAD.match(s):
        got = _changes_from_tail(m["val"], now_local, need_start=True)
        if got is not None and got[1].recurrence:
            return _update(parse_refs(m["ref"]), got[1])
    m = _RE_UPD_STATE.match(s)
    if m and not RE_WH_START.match(s) and not RE_LIST_LEAD.match(s):
        val = m["val"]
        got = _changes_from_tail(val, now_local, need_start=True)
        if got is not None and (
            got[1].priority
            or got[1].recurrence
            or re.search(
                r"\b(?:done|ready|finished|completed)\s+(?:by|on|before)\b|\bnow\b|^actually\b|\bdue\b|\bscheduled\b|\bmoved\b|\bpushed\b|\bpostponed\b|\bchanged\b",
                val,
                _F,
            )
        ):
            got_update = _update(parse_refs(m["ref"]), got[1])
            if got_update is not None and got_update.intent is Intent.UPDATE and (
                    _RE_BOOKED.match(val)):
                # "annual physical is scheduled for june 2": the date, and, when the task
                # is to book it, the booking done (the resolver decides: agents.resolve)
                return msgspec.structs.replace(got_update, rule="update.state:booked")
            return got_update
    return None


# A state that is also a booking made: "is scheduled / booked / set up for <date>".
_RE_BOOKED = re.compile(r"^(?:all\s+|now\s+|finally\s+)?(?:scheduled|booked|set\s+up|arranged|"
                        r"confirmed|on\s+the\s+calendar)\b", _F)
