"""Complete, reopen and delete: "done with X", "mark X as done", "uncheck X", "delete X".

`try_status` returns the understanding with its refs, UNKNOWN for a form it refuses on
purpose ("complete all tasks": no bulk completion; "I'm done": talk about the user), or
None when the message is not a status change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from agents.nlu import lexicon as lx
from agents.nlu.adding import gerund_to_base
from agents.nlu.entities import extract
from agents.nlu.listing import RE_LIST_NOUN_ONLY
from agents.nlu.refs import RE_PRONOUN, RE_QUOTED, parse_refs, strip_tail
from agents.nlu.updating import RE_ALL_REF, RE_WH_START
from agents.types import Intent, TaskRef, Understanding

__all__ = [
    "RE_DONE_ALONE",
    "RE_TITLE_TRIM",
    "about_it",
    "clause_ref",
    "statement_ref",
    "strip_reason",
    "try_news",
    "try_status",
]

# Dates inside news only need to be found (and cut), not resolved against the real clock.
_NO_CLOCK = datetime(2000, 1, 3, 12, 0, tzinfo=UTC)

_F = re.IGNORECASE
_UNKNOWN = Understanding(intent=Intent.UNKNOWN)
RE_TITLE_TRIM = re.compile(
    r"^(?:to|and|&|then|also|that|about|-|:|,)\s+|\s+(?:and|&|to|on|at|by|for|due|from|with)$"
    r"|^[\s,.;:!?\-]+|[\s,;:\-]+$|\(\s*\)",
    _F,
)

_DONE = (
    r"(?:done|complete|completed|finished|finito|checked(?:\s+off)?|ticked(?:\s+off)?|"
    r"crossed\s+off|taken\s+care\s+of|sorted(?:\s+out)?|handled|dealt\s+with|accomplished|"
    r"ready|over\s+with|out\s+of\s+the\s+way|compelte|complted|finshed|dnoe|don|"
    r"done\s+and\s+dusted|over\s+and\s+done(?:\s+with)?|all\s+set)"
)
_RE_ON_MY = re.compile(r"\s(?:on|onto|to|in)\s+(?:my|the|our)$", re.IGNORECASE)
_RE_MARK = re.compile(
    r"^(?:mark(?:ed)?|set|flag|put|move|switch|change|make|turn)(?:\s+(?P<ref>.+?))?\s+(?:as\s+|to\s+|"
    r"back\s+to\s+|into\s+)?(?P<st>(?P<neg>not\s+(?:yet\s+)?|un-?|in)?"
    r"(?:done|complete|completed|finished|checked|ticked|compelte)|uncompleted|undone|"
    r"open|pending|to-?do|active|not\s+yet\s+done|unfinished|incomplete|outstanding|"
    r"(?P<pos>closed|resolved|checked\s+off|ticked\s+off))(?:\s+again|\s+now|\s+please)?$",
    _F,
)
_RE_REOPEN = re.compile(
    r"^(?:re-?open|un-?check|un-?tick|un-?mark|un-?complete|un-?finish|un-?cross|un-?done|"
    r"un-?do\s+(?:the\s+)?(?:completion\s+(?:of|on|for)|complete\s+(?:on|for)|done\s+(?:on|for)|"
    r"check(?:mark)?\s+(?:on|for)|completing|finishing)|restore|revive|bring\s+back|"
    r"re-?activate|resurrect|incomplete|re-?add|un-?archive|put\s+back)\s+(?P<ref>.+?)"
    r"(?:\s+(?:again|back|as\s+open|to\s+open|to\s+(?:my|the)\s+list|on\s+(?:my|the)\s+list|"
    r"to\s+(?:my\s+)?(?:open\s+)?tasks))?$"
    r"|^(?P<ref5>.+?)(?:'s|\s+(?:is|are|was|were))\s+(?:still\s+|actually\s+)?(?:incomplete|"
    r"unfinished|undone|not\s+finished|still\s+open|still\s+pending)$"
    r"|^(?:put|bring|move)\s+(?P<ref4>.+?)\s+back(?:\s+(?:on|to|in)(?:to)?\s+(?:my|the)\s+"
    r"(?:list|tasks|todos?|open\s+tasks))?$"
    r"|^(?P<ref2>.+?)(?:\s+(?:is|are|was|were)\s*n'?t|\s+(?:is|are|was|were)\s+not|'s\s+not|"
    r"\s+not|\s+isnt|\s+aint)\s+(?:really\s+|actually\s+|quite\s+|yet\s+|fully\s+)?"
    + _DONE
    + r"(?:\s+yet|\s+after\s+all|\s+actually|\s+any\s*more)?$"
    r"|^i\s+(?:didn'?t|did\s+not|haven'?t|have\s+not|never|still\s+(?:need|have)\s+to)\s+"
    r"(?:actually\s+|really\s+)?(?:finish(?:ed)?|complete(?:d)?|do(?:ne)?)?\s*(?P<ref3>.+?)"
    r"(?:\s+yet|\s+after\s+all)?$"
    r"|^(?P<alone>(?:(?:it|that|this)(?:'s|\s+is|\s+was)\s+)?not\s+(?:actually\s+|really\s+)?"
    r"(?:done|finished|complete|completed)(?:\s+yet)?|not\s+yet|oops,?\s+not\s+done)$",
    _F,
)
_RE_COMPLETE = re.compile(
    r"^(?:(?:(?:i'?m|i\s+am|we'?re|we\s+are)\s+)?(?:all\s+|totally\s+|completely\s+)?"
    r"(?:done|finished|through|completed)\s+with|got\s+(?:it\s+)?done\s+with|"
    r"mark(?:ed)?\s+(?:as\s+)?(?:done|complete|completed|finished)(?=\s*:)|"
    r"complete|completed|finish(?:\s+up|\s+off)?|finished|close|closed|check(?:\s+off)?|"
    r"tick(?:\s+off)?|cross(?:\s+off|\s+out)?|strike(?:\s+(?:off|out|through))?|"
    r"mark(?:ed)?(?:\s+off)?|"
    r"done(?:\s+with)?|knock(?:ed)?\s+out|resolve|resolved|wrap(?:ped)?\s+up|"
    r"(?:i|we)(?:\s+have|'?ve|\s+ve)?\s+(?:just\s+|already\s+|finally\s+)?(?:finished|"
    r"completed|done|did|checked\s+off|ticked\s+off|crossed\s+off|wrapped\s+up|got\s+done))"
    r"\s*[:\-]?\s+(?P<ref>.+?)(?:\s+(?:off|as\s+done|as\s+complete(?:d)?|as\s+finished|done|already|"
    r"today|now|just\s+now|finally|off\s+(?:my|the)\s+list)){0,3}$",
    _F,
)
_RE_DONE_STATE = re.compile(
    r"^(?P<ref>.+?)(?:'s|\s+(?:is|are|was|were|has\s+been|have\s+been|got|is\s+now|now|"
    r"is\s+all|are\s+all))?\s+(?:all\s+|now\s+|finally\s+|already\s+|totally\s+|fully\s+)?"
    + _DONE
    + r"(?:\s+(?:now|already|today|finally|at\s+last))?$",
    _F,
)
RE_DONE_ALONE = re.compile(
    r"^(?:done|finished|completed|complete|did\s+it|all\s+done|got\s+it\s+done|"
    r"task\s+(?:done|complete|completed|finished)|mark\s+(?:it\s+)?(?:as\s+)?(?:done|complete"
    r"|completed)|(?:it'?s|that'?s|this\s+is)\s+(?:all\s+)?(?:done|finished|complete|completed)|"
    r"\u2705|\u2714\ufe0f?|\u2611\ufe0f?|finished\s+it|completed\s+it|done\s+deal)$",
    _F,
)
_RE_DELETE = re.compile(
    r"^(?:delete|del|remove|rm|cancel|drop|erase|trash|bin|scrap|scratch|discard|ditch|nuke|"
    r"kill|nix|get\s+rid\s+of|forget(?:\s+about)?|throw\s+(?:out|away)|take\s+(?:off|out)|"
    r"cross\s+out|purge|eliminate|dump|axe|clear|cancell?)\s*[:\-]?\s+"
    r"(?!(?:is|are|was|were|went|got|has|have|had|looks|looked)\b)(?P<ref>.+?)"  # "trash is out"
    r"(?:\s+(?:from|off(?:\s+of)?|on|in)\s+(?:(?:my|the|our)\s+)?(?:[\w-]+\s+){0,2}?(?:list|lists|"
    r"tasks|todos?|to-?dos?|to-?do\s*list|todo\s*list|task\s*list|reminders|groceries|shopping|calendar|agenda|schedule))?"
    r"(?:\s+(?:completely|entirely|"
    r"permanently|for\s+good|altogether))?$"
    r"|^(?P<ref2>.+?)(?:'s|\s+(?:is|was|has\s+been|got|are|were|have\s+been))\s+(?:been\s+)?"
    r"(?:cancell?ed|canceled|called\s+off|no\s+longer\s+(?:needed|necessary|relevant)|"
    r"not\s+needed(?:\s+any\s*more)?|scrapped|obsolete|irrelevant)(?:\s+now)?$"
    r"|^(?:i\s+|we\s+)?(?:don'?t|do\s+not|no\s+longer|won'?t|will\s+not)\s+(?:need|have|want)\s+"
    r"(?:to\s+(?:do\s+)?)?"
    r"(?P<ref3>.+?)\s+any\s*more(?:[\s,;.!-].*)?$"
    r"|^(?:i\s+)?no\s+longer\s+need\s+to\s+(?P<ref4>.+)$"
    r"|^take\s+(?P<ref6>.+?\s+(?:thing|task|item|one|reminder|todo|entry))\s+off$"
    r"|^(?:never\s*mind|nvm)\s+(?:about\s+)?(?P<ref9>.+)$"
    r"|^lose\s+(?P<ref10>.+?\s+(?:thing|task|item|one|reminder|todo|entry))$"
    r"|^take\s+(?P<ref13>(?!out\b|up\b|it\b|that\b|this\b).+?)\s+off$"
    r"|^(?P<ref12>.+?)\s+(?:can|could)\s+(?:go|come\s+off|be\s+(?:deleted|removed|dropped|"
    r"crossed\s+off|taken\s+off|scrapped))(?:\s+now)?$"
    r"|^(?:there'?s\s+)?no\s+(?:more\s+)?need\s+to\s+(?P<ref7>.+?)\s+any\s*more(?:[\s,;.!-].*)?$"
    r"|^(?:there'?s\s+|(?:i|we)\s+(?:have|has)\s+)?no\s+(?:more\s+|longer\s+(?:any\s+)?|further\s+)?"
    r"need\s+for\s+(?P<ref11>.+?)(?:\s+any\s*more)?$"
    r"|^(?P<ref8>.+?)\s+(?:is|are)(?:n'?t|\s+not)\s+(?:needed|necessary|required|happening)"
    r"(?:\s+any\s*more)?$"
    r"|^(?:take|get|knock)\s+(?P<ref5>.+?)\s+off(?:\s+of)?\s+(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|"
    r"todo\s+list|task\s+list)$",
    _F,
)
_RE_TIME_OFF = re.compile(
    r"^(?:(?:the|a|an|some|my|this|next|two|2|few|couple\s+of|rest\s+of\s+the)\s+)*(?:day|days|"
    r"week|weeks|weekend|afternoon|morning|evening|night|time|year|month|shift|edge|pressure|"
    r"heat|mask|makeup|glasses|shoes|coat|jacket|hat|lid|cap|wrapper)$",
    _F,
)
_RE_NOUN_END = re.compile(r"(?:^|\s)(?:a|an|another|new|me|us)$", _F)
_RE_POSSESSIVE_S = re.compile(r"^'?s\b", _F)  # "friday's meeting" minus "friday"
_RE_TAKE_OUT = re.compile(r"^take\s+out\b", _F)  # "take out the trash" is a chore
_RE_FROM_MY_LIST = re.compile(
    r"\s(?:from|off|of|on|in)\s+(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?)\b", _F
)
_RE_CHECK_LIST = re.compile(
    r"^check\s+(?:out|on|up\s+on|in|for|what|if|whether|your|all|everything|my\s+(?:tasks|list|"
    r"todos?|to-?dos|agenda|schedule|plate)|the\s+list)\b",
    _F,
)


_RE_FIELD_FROM = re.compile(
    r"^(?:the\s+|all\s+|any\s+|its\s+)?(?:\w+\s+)?(?:tags?|labels?|dates?|due\s+dates?|deadlines?|"
    r"priority|flags?|stars?|reminders?|recurrence|repeat|time)\s+(?:from|of|on|off|for)\b",
    _F,
)
_RE_STATUS_ALL = re.compile(
    r"^(?:complete|finish|mark|check\s+off|tick\s+off|close|delete|remove|cancel|uncheck|"
    r"reopen|un-?complete|erase|trash|drop)\s+(?P<ref>.+?)(?:\s+(?:as\s+)?(?:done|complete|"
    r"completed|finished|not\s+done|incomplete|open))?$",
    _F,
)
_RE_SUBJECT_END = re.compile(r"\b(?:i|we|you)(?:'ve|\s+have|'d|\s+had)?$", _F)
_RE_ALL_POSITIONS = re.compile(r"^[\s#\d,&-]*(?:and[\s#\d,&-]*)*$", _F)


_RE_NOT_REF = re.compile(
    r"^(?:i'?m|i\s+am|i|we|we'?re|we\s+are|you|you'?re|i'?ve|we'?ve|me|us)$"
    r"|^(?:for|with|at|on|in|from|about)\b",
    _F,
)


# "we finished the project so we can relax": the reference ends where the next clause starts.
_RE_NEXT_CLAUSE = re.compile(
    r"\s+(?:so|because|since|cause|as|and\s+now)\s+(?:i|we|you|it|that|now|they|he|she)\b.*$", _F
)


def _refs_intent(intent: Intent, ref_text: str | None) -> Understanding | None:
    if ref_text:
        ref_text = strip_tail(_RE_NEXT_CLAUSE, ref_text, window=160) or ref_text
    if ref_text and _RE_NOT_REF.match(ref_text.strip()):
        return _UNKNOWN  # "I'm done", "done for today": talk about the user, not a task
    refs = parse_refs(ref_text) if ref_text else (TaskRef(pronoun=True),)
    if not refs:
        return None
    return Understanding(intent=intent, refs=refs)


_DONE_NEEDLES = ("done", "complet", "finish", "finito", "check", "tick", "cross", "taken care",
                 "sort", "handled", "dealt", "accomplish", "ready", "over with", "out of the way",
                 "compelte", "complted", "finshed", "dnoe", "don")  # fmt: skip


_REOPEN_NEEDLES = ("open", "check", "tick", "mark", "complet", "finish", "cross", "done", "undo",
                   "restore", "revive", "back", "activ", "resurrect", "add", "archive", "not",
                   "n't", "nt ", "never", "still", "aint", "pending")  # fmt: skip


_NEEDLE_RX: dict[tuple[str, ...], re.Pattern[str]] = {}


def _has(s: str, needles: tuple[str, ...]) -> bool:
    """Whether `s` holds one of the substrings (one compiled alternation per needle list)."""
    rx = _NEEDLE_RX.get(needles)
    if rx is None:
        rx = _NEEDLE_RX[needles] = re.compile("|".join(map(re.escape, needles)), re.IGNORECASE)
    return rx.search(s) is not None


def try_status(s: str, now_local: datetime, *, after_remark: bool = False
               ) -> Understanding | None:  # fmt: skip
    m = _RE_STATUS_ALL.match(s)
    if m and RE_ALL_REF.match(m["ref"]):
        return _UNKNOWN  # no bulk complete/reopen/filtered delete: never guess at many tasks
    m = _RE_MARK.match(s)
    if m and m["st"].lower().replace("-", "") == "todo" and (
            _RE_NOUN_END.search(m["ref"] or "") or _RE_ON_MY.search(m["ref"] or "")):
        # "make me a todo": a new task, not "mark me as to do"; "put X on my todo": a list
        m = None
    if m:
        neg = m["neg"] or (
            not m["pos"]
            and not re.match(
                r"(?:done|complete|completed|finished|"
                r"checked|ticked|compelte)$",
                m["st"],
                _F,
            )
        )
        ref = m["ref"] if m["ref"] and m["ref"].lower() not in ("as", "to", "it as") else None
        if m["ref"] and m["ref"].lower() == "it as":
            ref = "it"
        return _refs_intent(Intent.REOPEN if neg else Intent.COMPLETE, ref)
    m = _RE_REOPEN.match(s) if _has(s, _REOPEN_NEEDLES) else None
    if m:
        if m["alone"]:
            return Understanding(intent=Intent.REOPEN, refs=(TaskRef(pronoun=True),))
        ref = m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or m["ref5"]
        if ref and not RE_WH_START.match(ref):
            return _refs_intent(Intent.REOPEN, ref)
    if RE_DONE_ALONE.match(s):
        return Understanding(intent=Intent.COMPLETE, refs=(TaskRef(pronoun=True),))
    m = _RE_COMPLETE.match(s)
    if m and not _RE_CHECK_LIST.match(s) and not RE_LIST_NOUN_ONLY.match(m["ref"]):
        if (
            extract(m["ref"], now_local).any
            and not _RE_ALL_POSITIONS.match(m["ref"])
            and not all(r.title is None for r in parse_refs(m["ref"]))
        ):
            return None  # "finish tax return p1" is a new task, not a completion
        # "finished reading chapter 4": the task is "read chapter 4"
        return _refs_intent(Intent.COMPLETE, gerund_to_base(m["ref"]))
    m = _RE_DONE_STATE.match(s) if _has(s, _DONE_NEEDLES) else None
    if (
        m
        and not RE_WH_START.match(s)
        and not RE_LIST_NOUN_ONLY.match(m["ref"])
        and not _RE_SUBJECT_END.search(m["ref"])
    ):
        ref = m["ref"]
        if not re.match(
            r"^(?:show|list|display|any|anything|are|is|did|do|have|has|get)\b", ref, _F
        ):
            return _refs_intent(Intent.COMPLETE, ref)
    m = _RE_DELETE.match(s)
    if m and m["ref"] and _RE_FIELD_FROM.match(m["ref"]):
        return _UNKNOWN  # "remove the tag from it": a field, not the task; never delete
    if m and m["ref"] and _RE_TAKE_OUT.match(s):
        refs = parse_refs(m["ref"])
        if not (_RE_FROM_MY_LIST.search(s) or all(r.title is None for r in refs)):
            return None  # "take out the trash": a chore; "take #2 off my list" is a delete
    if m and m["ref13"] and not after_remark:
        # "take the dentist off": a task named by a title only ("take the lid off" names
        # none: the resolver then finds nothing, so nothing changes)
        if _RE_TIME_OFF.match(m["ref13"]):
            return None  # "take the day off": a break, not a task
        got = _refs_intent(Intent.DELETE, m["ref13"])
        if got is None or got.intent is not Intent.DELETE or any(
            r.title is None for r in got.refs
        ):
            return None
        return Understanding(intent=Intent.DELETE, refs=got.refs, confidence=0.7,
                             rule="status.take_off")  # fmt: skip
    if m and m["ref11"] and RE_PRONOUN.match(m["ref11"]):
        return None  # "there's no need for that": a remark, not "delete it"
    if m and m["ref"] and extract(m["ref"], now_local).recurrence:
        return None  # a recurrence describes a new task, never one to delete
    if m:
        ref = (
            m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or m["ref5"] or m["ref6"]
            or m["ref7"] or m["ref8"] or m["ref9"] or m["ref10"] or m["ref11"] or m["ref12"]
            or m["ref13"]
        )  # fmt: skip
        if (ref and not re.match(r"^(?:it|that|about\s+it)$", ref, _F)) or (
            ref and not s.lower().startswith("forget")
        ):
            if m["ref"] and not RE_QUOTED.match(ref.strip()):
                e = extract(ref, now_local)
                if e.due and not (e.priority or e.tags or e.recurrence):
                    # titles are stored without their date phrase, so match without it
                    bare = RE_TITLE_TRIM.sub("", e.rest).strip()
                    if bare and not RE_PRONOUN.match(bare) and not _RE_POSSESSIVE_S.match(bare):
                        ref = bare
            head, comma, remark = ref.partition(",")
            if comma and head.strip() and _RE_REMARK_AFTER.match(remark):
                ref = head  # "no need for diapers, my sister brought a huge box over"
            return _refs_intent(Intent.DELETE, ref)
    return None


# After a comma, a sentence of its own (a reason, news) is a remark, not another item.
_RE_REMARK_AFTER = re.compile(
    r"^\s*(?:my|our|i|i'm|im|i've|we|we're|we've|he|she|they|it's|its|his|her|their|since|"
    r"because|cause|cuz|as|so)\b", _F)


# ---------------------------------------------------------------- news and statements

# A completion told as news: "i picked up the cake", "we got avocados", "i called grandma".
_PAST = "|".join(sorted((re.escape(k) for k in lx.PAST_TO_BASE), key=len, reverse=True))
_RE_INTERJECTION = re.compile(
    r"^(?:(?:so|ok|okay|yay|well|finally|oh|hey|good\s+news|guess\s+what|update|fyi|"
    r"just\s+so\s+you\s+know|btw|heads\s+up|alright|woo+hoo+|yes+|thank\s+god|phew|"
    r"(?:just\s+)?letting\s+you\s+know(?:\s+that)?|quick\s+update|"
    # where the user has been, said before the news: "just got back from the bank, …"
    r"(?:(?:i|we)\s+)?(?:just\s+)?(?:got|came|went|been)\s+(?:back|home|out)(?:\s+from\s+"
    r"[^,.!]{1,40})?(?=[,!.])|(?:this\s+morning|after\s+work|at\s+lunch|earlier|"
    r"yesterday|today|on\s+my\s+way\s+home))[,!.:]?\s+)+",
    _F,
)
_RE_NEWS = re.compile(
    r"^(?:(?P<subj>i|we)(?:'ve|\s+have|'d|\s+had)?"
    r"(?:\s+(?:just|already|finally|also|actually|totally|now|went\s+ahead\s+and|managed\s+to))*\s+"
    r"|(?:(?:just|already|finally)\s+)+)?"
    r"(?P<verb>" + _PAST + r")(?P<part>\s+(?:up|off|out|back|in|down|over|away|through|on))?"
    r"(?P<obj>\s+.+)?$",
    _F,
)
_PURCHASE = frozenset({"bought", "got", "gotten", "grabbed", "purchased", "ordered", "picked"})
_FINISH = frozenset({"finished", "completed", "done", "did", "wrapped", "accomplished"})
_RE_OBJ_TRAIL = re.compile(
    r"(?:\s+(?:today|yesterday|already|finally|just\s+now|this\s+morning|earlier|last\s+night|"
    r"too|as\s+well|at\s+last|now|yay+|woo+hoo+|lol|haha|finally|at\s+home|in\s+the\s+end|"
    # when and where it happened: "on my way home", "over the weekend", "after work"
    r"on\s+(?:my|the|our)\s+way(?:\s+(?:back|home|in|out|to|from|over|there|here|work|school|"
    r"the|my|office|store|gym))*|over\s+the\s+weekend|after\s+(?:work|school|lunch|dinner|"
    r"class|breakfast)|at\s+lunch(?:time)?|during\s+(?:lunch|my\s+break|the\s+break)|"
    r"this\s+(?:afternoon|evening|week|weekend)|last\s+(?:week|weekend|night)|"
    r"(?:myself|ourselves|himself|herself|themselves)))+$",
    _F,
)
_RE_DET_LEAD = re.compile(r"^(?:(?:the|a|an|my|our|some|his|her|their|all\s+the|all)\s+)+", _F)
_RE_POSS_LEAD = re.compile(r"^(?:my|our)\s+", _F)
# "the gutters are clean now", "the car registration is renewed"
_PARTICIPLES = "|".join(
    sorted(
        {
            *(re.escape(k) for k in lx.PAST_TO_BASE if k.endswith(("ed", "en", "t", "d"))),
            "clean",
            "sorted",
            "ready",
            "taken care of",
            "handled",
            "over",
            "squared away",
            "happened",
            "took place",
            "done and dusted",
            "over and done with",
            "all set",
            "out of the way",
        },
        key=len,
        reverse=True,
    )
)
_RE_STATE = re.compile(
    r"^(?P<obj>.{1,80}?)(?:\s+(?:finally|already|just|also))?"
    r"(?:'s\s+been|'ve\s+been|'s|'re|\s+(?:is|are|was|were|has\s+been|"
    r"have\s+been|got|is\s+all|"
    r"are\s+all))\s+(?:all\s+|now\s+|finally\s+|already\s+|totally\s+|fully\s+)?"
    r"(?P<adj>" + _PARTICIPLES + r")(?:\s+(?:up|off|out|in|away|back|over))?"
    # "the permission slip is signed and handed in"
    r"(?:\s+and\s+(?:" + _PARTICIPLES + r")(?:\s+(?:up|off|out|in|away|back|over))?)?"
    r"(?:\s+(?:now|already|finally|today|at\s+last|too))?$",
    _F,
)
# "the passport renewal went through", "the cards went out", "the taxes got done"
_RE_WENT = re.compile(
    r"^(?P<obj>.{1,80}?)\s+(?:(?:went|came)\s+through|went\s+out|got\s+done|"
    r"got\s+sent(?:\s+off|\s+out)?|went\s+off\s+without\s+a\s+hitch)"
    r"(?:\s+(?:now|already|finally|today|at\s+last|too|fine|ok|okay))?$",
    _F,
)


_RE_PAST_STATE = re.compile(r"\s(?:was|were)\s", _F)


def _state(c: str) -> tuple[str, str] | None:
    """(subject, participle) of a state told as news, or None."""
    m = _RE_STATE.match(c)
    if m:
        return m["obj"], m["adj"]
    m = _RE_WENT.match(c)
    return (m["obj"], "") if m else None


_RE_NO_NEED = re.compile(
    r"^(?:i|we)\s+(?:already\s+)?(?:don't|do\s+not|dont|no\s+longer|won't|will\s+not)\s+"
    r"(?:need|have|want)\s+(?:to\s+(?:do\s+)?)?(?P<obj>.+?)(?:\s+(?:anymore|any\s+more|after\s+all))?$"
    r"|^(?:i|we)\s+(?:already\s+)?(?:have|got|'ve\s+got)\s+(?P<obj2>.+?)(?:\s+(?:at\s+home|already|"
    r"now|in\s+the\s+(?:house|fridge|pantry|cupboard)))*$"
    r"|^(?:never\s*mind|nvm|forget)\s+(?:about\s+)?(?P<obj3>.+)$"
    r"|^(?:about|regarding|re)\s+(?P<obj4>.+)$",
    _F,
)
_RE_DID_SOMETHING = re.compile(
    r"^did\s+(?!(?:i|you|we|they|he|she|it|u|anyone|someone|that|this|my|your)\b)", _F
)
_NOT_A_TASK = frozenset({"it", "that", "this", "them", "those", "these", "one", "so", "me", "you"})


def _news_ref(m: re.Match[str]) -> str | None:
    verb = m["verb"].lower()
    obj = (m["obj"] or "").strip()
    obj = strip_tail(_RE_OBJ_TRAIL, obj).strip(" ,.!")
    obj = extract(obj, _NO_CLOCK).rest if obj else obj  # "i went to the bank today"
    if (
        not obj
        or obj.lower() in _NOT_A_TASK
        or (obj.lower().startswith(("to ", "it ", "that ")) and verb in ("got", "gotten"))
    ):
        return None
    part = (m["part"] or "").strip().lower()
    if verb in _FINISH:
        obj = re.sub(r"^with\s+", "", obj, flags=_F)
        # "finished reading ch 4" → "read ch 4"; but "did the ironing" names a thing
        return (gerund_to_base(obj) if not _RE_DET_LEAD.match(obj) else _RE_DET_LEAD.sub("", obj)
                ) or None  # fmt: skip
    if verb in _PURCHASE and (verb != "picked" or part == "up"):
        return _RE_DET_LEAD.sub("", obj) or None
    base = lx.PAST_TO_BASE[verb]
    return " ".join(w for w in (base, part, _RE_POSS_LEAD.sub("", obj)) if w)


def statement_ref(clause: str, *, bare_past: bool) -> str | None:
    """The task a statement is about: "i paid the water bill" → "pay the water bill",
    "the oven is clean" → "oven", "i don't need the dish soap anymore" → "dish soap"."""
    c = _RE_INTERJECTION.sub("", clause.strip(" ,.;!")).strip()
    m = _RE_NO_NEED.match(c)
    if m:
        obj = m["obj"] or m["obj2"] or m["obj3"] or m["obj4"]
        return _RE_DET_LEAD.sub("", obj.strip()) or None
    c = strip_tail(_RE_OBJ_TRAIL, c).strip(" ,.!")
    st = _state(c)
    if st and not RE_WH_START.match(c):
        obj = _RE_DET_LEAD.sub("", st[0].strip())
        # "the anniversary dinner is booked" → "book anniversary dinner": the verb helps
        # the word match tell "book restaurant for anniversary" from "buy anniversary card"
        base = lx.PAST_TO_BASE.get(st[1].lower())
        return (f"{base} {obj}" if base and obj and base not in ("do", "get") else obj) or None
    m = _RE_NEWS.match(c)
    if m and (m["subj"] or bare_past):
        return _news_ref(m)
    return None


# Not a statement the command is about: a command of its own ("add X … forget that one"),
# or words that turn the command around ("i don't wanna | forget it").
_RE_NOT_A_CLAUSE = re.compile(
    r"^(?:add|create|new|remind|put|todo|note|schedule|jot|write|set|make|can|could|would|"
    r"please|pls|don'?t|do\s+not|never)\b"
    r"|\b(?:don'?t|do\s+not|not|never|wanna|want|to|gonna|will|won'?t|can'?t|cannot|should|"
    r"shouldn'?t|must|might|may|could|would|i'?ll|we'?ll|i|we|you|just|really)$",
    _F,
)


# A remark about the task itself, not news naming one: the command's pronoun is the target.
_RE_ABOUT_IT = re.compile(
    r"^(?:that|this|it)(?:'s|\s+(?:was|is|one))\b|\b(?:mistake|typo|by\s+accident|"
    r"accidentally|wrong\s+(?:one|task|list|thing)|"
    r"(?:typed|did|got|wrote|spelled|put)\s+it\s+wrong|changed\s+my\s+mind|my\s+bad|"
    r"not\s+needed)\b",
    _F,
)


def about_it(clause: str) -> bool:
    """A remark about the task the pronoun names ("that was a mistake", "i changed my mind")."""
    return _RE_ABOUT_IT.search(clause) is not None


def clause_ref(clause: str) -> tuple[TaskRef, ...]:
    """A statement no news pattern reads, as one title reference for the resolver's word
    match: "my husband fixed the leaky faucet", "passports already in my bag"."""
    c = _RE_INTERJECTION.sub("", clause.strip(" ,.;:!-")).strip(" ,.;:!-")
    c = strip_tail(_RE_OBJ_TRAIL, c).strip(" ,.;:!-")
    if not c or "?" in c or RE_WH_START.match(c) or c.lower() in _NOT_A_TASK:
        return ()
    if _RE_NOT_A_CLAUSE.search(c):
        return ()
    if RE_DONE_ALONE.match(c) or _RE_ABOUT_IT.search(c):
        return (TaskRef(pronoun=True),)  # "that was a mistake, remove it": "it" is the target
    return (TaskRef(title=c),)


_RE_BUT = re.compile(r"\bbut\b", _F)
# "managed to return the books", "finally got around to calling the bank"
_RE_MANAGED = re.compile(
    r"^(?:(?:i|we)\s+)?(?:(?:finally|just|already|actually)\s+)?(?:managed|got\s+around|"
    r"went\s+ahead)\s+to\s+(?P<rest>.+)$",
    _F,
)
_RE_WHEN_CLAUSE = re.compile(r"\s+(?:before|after|while|when|once|as\s+soon\s+as)\s+.*$", _F)
_RE_THIRD_ALREADY = re.compile(
    r"^(?:my|our)\s+[\w'-]+(?:\s+[\w'-]+)?\s+(?=(?:already|finally|just)\s)", _F
)


def try_news(s: str) -> Understanding | None:
    """A completion told as news ("i picked up the cake") or as a state ("the oven is
    clean"): complete the task it names. Never for questions; the resolver acts only on a
    confident title match, so news about anything else changes nothing."""
    if "?" in s or (RE_WH_START.match(s) and not _RE_DID_SOMETHING.match(s)):
        return None  # a question; but "did the laundry" is news
    c = _RE_INTERJECTION.sub("", s).strip()
    low = f" {c.lower()} "
    if any(w in lx.NEGATION_WORDS for w in low.split()) or any(
            f" {p} " in low for p in lx.NOT_DONE_PHRASES):  # fmt: skip
        return None  # "the landlord never called back", "the concert is sold out"
    if low.startswith((" i've got a", " i have got a", " we've got a", " i've got an")):
        return None  # "i've got a dentist appointment monday": an event ahead, not news
    if _RE_BUT.search(c):
        return None  # "i went to the bank but it was closed": not done after all
    managed = _RE_MANAGED.match(c)
    if managed:
        done = strip_tail(_RE_WHEN_CLAUSE, gerund_to_base(managed["rest"]))
        done = strip_tail(_RE_OBJ_TRAIL, done).strip(" ,.!")
        if done and done.lower() not in _NOT_A_TASK:
            return Understanding(
                intent=Intent.COMPLETE, refs=parse_refs(done), confidence=0.7, rule="status.news"
            )
    # "my daughter already fed the fish": someone else did it, "already" says it was a task
    c = _RE_THIRD_ALREADY.sub("", c, count=1)
    m = _RE_NEWS.match(c)
    if m and m["obj"] and m["verb"].lower() in ("got", "get") and m["obj"].lower().startswith(
            ("off ", "up ", "home", "back ", "in ", "out ")):  # fmt: skip
        return None  # "just got off a 12 hr shift", "got home late": where, not a deed
    if m and not m["subj"] and m["obj"] and m["verb"].lower() not in lx.PAST_NEEDS_OBJECT:
        # "checked the mail", "got the groceries": news without "i", less sure
        ref = _news_ref(m)
        if ref:
            return Understanding(
                intent=Intent.COMPLETE,
                refs=parse_refs(ref),
                confidence=0.65,
                rule="status.news_bare",
            )
        return None
    if m and m["subj"]:
        verb = m["verb"].lower()
        if verb in lx.PAST_NEEDS_OBJECT and not m["obj"]:
            return None
        if m["obj"] and m["obj"].strip().lower().startswith("to ") and verb in ("got", "gotten"):
            return None  # "i got to go"
        ref = _news_ref(m)
        if ref:
            return Understanding(
                intent=Intent.COMPLETE, refs=parse_refs(ref), confidence=0.7, rule="status.news"
            )
        return None
    st = _state(strip_tail(_RE_OBJ_TRAIL, c).strip(" ,.!"))
    if st and _RE_PAST_STATE.search(c):
        st = None  # "the gym was packed this morning": how it was, not a task done
    if st and st[0].split()[0].lower() not in ("i", "we", "you", "it", "this", "that"):
        ref = _RE_DET_LEAD.sub("", st[0].strip())
        if ref:
            return Understanding(
                intent=Intent.COMPLETE, refs=parse_refs(ref), confidence=0.7, rule="status.state"
            )
    ref = terse_ref(c)
    if ref:
        return Understanding(intent=Intent.COMPLETE, refs=(TaskRef(title=ref),), confidence=0.65,
                             rule="status.news_terse")  # fmt: skip
    return None


# A command with its reason after it: "remove sunscreen, i already packed it".
_RE_REASON_TAIL = re.compile(
    r"(?:\s*[,;-])?\s+(?:since|because|cause|'cause|coz|cuz)\s+.+$"
    r"|(?:\s*[,;-])?\s+(?:so\s+)?(?:i|we)(?:'ve|\s+have)?(?:\s+(?:already|just|finally|actually))*"
    r"\s+(?:\w+ed|did|got|bought|paid|made|went|took|sent|ate|drank|found|sold|gave|threw|"
    r"have|had|don't\s+need|do\s+not\s+need|no\s+longer\s+need)\s+(?:it|that|them|this|those|"
    r"one|some|enough|already)(?:\s+(?:already|too|yesterday|today|earlier|now|anymore|at\s+home))*$"
    # a remark after a comma, a clause with its own subject: ", it got canceled", ", we
    # hired someone", ", my sister is handling it", ", i went to the post office"
    r"|\s*[,;]\s+(?:(?:so|and|but|because|since)\s+)?(?:(?:i|we|it|they|he|she)(?:'[a-z]{1,2})?|its|"
    r"im|were|theyre"
    r"|(?:my|our|the|his|her|their)\s+(?:[\w'-]+\s+){0,2}?[\w'-]+"
    r"|(?:[\w'-]+\s+){0,2}?[\w'-]+(?=\s+(?:is|are|was|were|has|have|had|will|got|\w+ed)\s))"
    r"(?:\s+(?:just|already|finally|actually|really|also|all|is|was|are|were|has|have|had))?"
    r"\s+(?:is|are|was|were|got|has|have|had|did|does|will|won'?t|can|can'?t|isn'?t|aren'?t|"
    r"wasn'?t|\w+ed|went|bought|made|took|ate|ran|came|left|found|said|told|sold|gave|paid|"
    r"\w+ing)\b.*$"
    # "…, dog's fine", "…, grandma's baking one": someone's state or deed
    r"|\s*[,;]\s+(?:(?:so|and|but)\s+)?(?:(?:my|our|the|his|her)\s+)?[\w-]+'s\s+(?:fine|ok|okay|"
    r"good|better|done|gone|over|off|here|home|back|closed|cancel+ed|sorted|handled|covered|"
    r"not|no|already|been|got|getting|doing|taking|bringing|making|baking|handling|coming|"
    r"going|buying|picking|paying|sick|away)\b.*$"
    # "…, it's paid", "…, that's sorted", "…, they're in the car"
    r"|\s*[,;]\s+(?:(?:so|and|but)\s+)?(?:it|that|they|he|she|we|i)'(?:s|re|m)\s+\w.*$"
    # a bare past verb on something: ", found some in the pantry", ", already sent it"
    r"|\s*[,;]\s+(?:and\s+)?(?:(?:already|just|finally)\s+)?(?:\w+ed|found|got|bought|sent|"
    r"made|took|did|gave|sold|paid|went)\s+(?:(?:my|our|an?|the)\s+(?:\w+\s+)?)?"
    r"(?:it|them|some|one|ones|that|this|those|enough)\b.*$"
    # a remark after the list: "take X off the list the exam got cancelled"
    r"|(?<=\slist)[,;.!]*\s+(?:the|my|our|i|we|it|they|he|she)\s+.+$",
    _F,
)
_RE_STATUS_VERB = re.compile(
    r"^(?:delete|remove|cancel|drop|erase|trash|scratch|cross|check|tick|mark|take|get\s+rid|"
    r"complete|finish|strike|clear|you\s+can|can\s+you|please|forget|never\s*mind|nvm|scrap|"
    r"ditch|lose|bin|nix|kill|dump|axe|(?:i|we)\s+(?:just\s+|already\s+|finally\s+)?\w+ed|"
    r"(?:i|we)\s+(?:don'?t|do\s+not|won'?t|will\s+not|no\s+longer)\s+need|"
    r"(?:(?:i|we)\s+)?no\s+(?:more\s+|longer\s+)?need)\b",
    _F,
)


def strip_reason(s: str, *, any_start: bool = False) -> str:
    """A status command without the reason said after it (`any_start`: whatever the message
    starts with, for a second reading: "the water bill one can go, autopay handled it")."""
    if not any_start and not _RE_STATUS_VERB.match(s):
        return s
    return strip_tail(_RE_REASON_TAIL, s, window=160).strip(" ,;-") or s


# ---------------------------------------------------------------- terse news, noun first

# "water bill paid", "the tent is booked for june", "essay's written and submitted",
# "slideshow ready for tomorrow", "bread - got it", "milk check": a noun phrase, maybe a
# copula, a participle or done word, then only a tail (when, why, a remark), which is cut.
# Read by walking the words once (bounded: at most _TERSE_MAX_WORDS are looked at).
_TERSE_MAX_WORDS = 30
_TERSE_MAX_NOUN = 6
_TERSE_COPULA = lx.frozenwords("is are 's 're now")
_TERSE_COPULA2 = (("has", "been"), ("have", "been"), ("is", "all"), ("are", "all"),
                  ("is", "now"), ("are", "now"), ("all", "been"))  # fmt: skip
_TERSE_ADVERB = lx.frozenwords("all now finally already totally fully just officially")
_TERSE_PARTICLE = lx.frozenwords("up off out in away back over down through")
_TERSE_NOT_NOUN = lx.frozenwords(
    "i we you he she they it this that there here what which who when where why how is are "
    "was were do does did can could would will should have has had me us them him her "
    "everything everyone nothing something anything someone am not no im ive id were youre "
    "theyre thats its hes shes theres whats lets"
)
# Simple past forms that are no participle ("went", "took"): never "<noun> took".
_SIMPLE_PAST = lx.frozenwords(
    "went ran took gave did ate drank wore threw swam rode drove spoke rang wrote got withdrew"
)
_TERSE_PARTICIPLES = frozenset(
    k for k in lx.PAST_TO_BASE
    if " " not in k and k not in _SIMPLE_PAST and k not in ("left", "done")
)  # noun first, "cut"/"set"/"put away" are participles ("hair cut", "table set")
_DONE_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {}
for _p in sorted((tuple(p.split()) for p in lx.DONE_WORDS), key=len, reverse=True):
    _DONE_PHRASES[_p[0]] = (*_DONE_PHRASES.get(_p[0], ()), _p)
_TERSE_ENDS = _TERSE_PARTICIPLES | frozenset(_DONE_PHRASES)
_RE_TERSE_TOKEN = re.compile(r"^[\w'-]+$")
# A participle and particle that say how someone feels or how a thing is, not a task done.
_TERSE_IDIOMS = frozenset(
    tuple(p.split()) for p in lx.phrases(
        "fed up|messed up|screwed up|mixed up|held up|tied up|worn out|stressed out|freaked out|"
        "burned out|burnt out|tired out|zoned out|left out|shut down|broken down|let down"
    )
)
# Done words that are also plain states: with "for …" after them, only a date makes news.
_TERSE_WEAK = lx.frozenwords("ready over all good")  # "all set", "good to go"


def _done_at(words: list[str], i: int) -> tuple[int, str] | None:
    """(index after it, base verb or "") when a participle or done phrase starts at i."""
    for phrase in _DONE_PHRASES.get(words[i] if i < len(words) else "", ()):
        if tuple(words[i : i + len(phrase)]) == phrase:
            return i + len(phrase), "set up" if phrase == ("set", "up") else ""
    if i < len(words) and words[i] in _TERSE_PARTICIPLES:
        return i + 1, lx.PAST_TO_BASE[words[i]]
    return None


def terse_ref(s: str) -> str | None:
    """The task a noun-first piece of news names ("water bill paid" → "pay water bill",
    "slideshow ready for tomorrow" → "slideshow"), or None."""
    raw = s.split()
    if len(raw) < 2 or len(raw) > _TERSE_MAX_WORDS:
        return None
    if _TERSE_ENDS.isdisjoint(w.lower().strip(".,!;:") for w in raw[1 : _TERSE_MAX_NOUN + 4]):
        return None  # no participle or done word where one could stand: cheap way out
    words: list[str] = []
    breaks: set[int] = set()  # a word followed by punctuation (", lol"): a tail may start after
    for token in raw:
        w = token.lower().strip(".,!;:")
        if w in ("-", "\u2013", ""):
            breaks.add(len(words))
            continue
        if w.endswith(("'s", "'re")) and len(w) > 3:
            words.append(w[: w.rindex("'")])
            words.append(w[w.rindex("'") :])
        else:
            words.append(w)
        if token[-1] in ",.!;:":
            breaks.add(len(words))
    if not words or words[0] in lx.QUESTION_WORDS or words[0].split("'")[0] in _TERSE_NOT_NOUN:
        return None  # "i'm done for today": talk about the user
    for end in range(1, min(_TERSE_MAX_NOUN, len(words) - 1) + 1):
        noun = words[:end]
        if not _RE_TERSE_TOKEN.match(noun[-1]) or noun[-1] in _TERSE_NOT_NOUN:
            return None
        if noun[-1] in lx.PAST_TO_BASE and end > 1:
            return None  # "my son finished his dinner": a deed with its own object
        i = end
        if i < len(words) and words[i] in _TERSE_COPULA:
            i += 1
        elif tuple(words[i : i + 2]) in _TERSE_COPULA2:
            i += 2
        while i < len(words) and words[i] in _TERSE_ADVERB:
            i += 1
        done = _done_at(words, i)
        if done is None:
            if end in breaks:
                return None  # "bread, milk": the noun phrase does not go on past a comma
            continue
        start = i
        i, base = done
        if words[start] in _TERSE_WEAK and i < len(words) and words[i] == "for" and (
            extract(" ".join(words[i:]), _NO_CLOCK).due is None
        ):
            return None  # "the kids are ready for bed": a state; "ready for monday" is news
        if i < len(words) and words[i] in _TERSE_PARTICLE and i not in breaks:
            if (words[i - 1], words[i]) in _TERSE_IDIOMS:
                return None  # "the kids are fed up": a mood, not a chore done
            if base:
                base = f"{base} {words[i]}"  # "files backed up" → "back up files"
            i += 1
        if i + 1 < len(words) and words[i] in ("and", "&") and _done_at(words, i + 1):
            i = _done_at(words, i + 1)[0]  # type: ignore[index]
            if i < len(words) and words[i] in _TERSE_PARTICLE:
                i += 1
        if i < len(words) and i not in breaks and words[i] not in lx.TAIL_STARTS and (
            _RE_TERSE_TOKEN.match(words[i])
        ):
            return None  # more words that are not a tail: a sentence, not news
        obj = _RE_DET_LEAD.sub("", " ".join(noun).replace(" '", "'")).strip()
        if not obj or obj in _NOT_A_TASK or obj in _TERSE_NOT_NOUN or obj == "all":
            return None
        return f"{base} {obj}" if base and base.split()[0] not in ("do", "get") else obj
    return None
