"""Adding: a matched frame's slots → task drafts, or a question when nothing is left to add.

The frame (agents/nlu/frames.py) hands over the task slot, and maybe a date phrase said
between the carrier and the task (`{when}`), a named list (`{list}`, which becomes a tag)
and a reminder adjective ("a daily reminder"). Here the slot is cleaned of inner carriers
("that i need to …", "we're out of …"), split into items (commas, "and" after a comma), and
each item's entities are read; what is left is the title, as typed.

A slot that is empty or only a placeholder ("something", "it", "a task") gives a CLARIFY
understanding: the question to ask and the draft understood so far (its due, tags…), which
the thread keeps so that the next message can fill in the title.
"""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from agents.nlu import dates
from agents.nlu import lexicon as lx
from agents.nlu.entities import Ents, cut, extract, find_priority, find_tags, list_tag
from agents.nlu.frames import Frame
from agents.nlu.refs import RE_QUOTED, strip_tail
from agents.types import Intent, PendingQuestion, TaskDraft, Understanding

__all__ = [
    "CONFLICT_PENALTY",
    "MAX_DRAFTS",
    "clarify",
    "clean_slot",
    "drafts_of",
    "is_placeholder",
    "task_frame",
    "when_text",
]

_F = re.IGNORECASE
# Tasks one message adds (issue 13). The understander reads at most one more, so that the
# pipeline's turn budget can add the first 50 and say so; the rest is never parsed.
MAX_DRAFTS = 50

# ---------------------------------------------------------------- the {when} slot

# Words a date phrase said between carrier and task may hold besides the phrase itself.
_WHEN_FILLER = lx.frozenwords(
    "later on at for me us by the and sometime in this again also please around some point "
    "soon eventually a time , starting from every each"
)
_RE_WORDS = re.compile(r"[\w'-]+|[^\w\s]")
_VAGUE_WHEN = lx.frozenwords("later sometime soon eventually point")


def when_text(text: str, now_local: datetime) -> str | None:
    """The date/time/priority phrases of a `{when}` span, or None if it holds anything else.

    "tonight at 8 pm" → "tonight at 8 pm"; "later" → ""; "on the way home" → None.
    """
    toks = dates.scan(text, now_local)
    spans = [(t.start, t.end) for t in toks]
    _, pspans = find_priority(text)
    _, tspans = find_tags(text)
    rest = cut(text, spans + pspans + tspans)
    words = [w.lower() for w in _RE_WORDS.findall(rest)]
    if any(w not in _WHEN_FILLER for w in words):
        return None
    if not (spans or pspans or tspans) and not any(w in _VAGUE_WHEN for w in words):
        return None  # "in" alone is no date: "remind me in 2 hours…" is split elsewhere
    return " ".join(text[a:b] for a, b in sorted(spans + pspans + tspans))


# ---------------------------------------------------------------- the task slot

# Carriers inside the slot: "remind me that i have to X", "add that we're out of X".
_RE_SLOT_LEAD = re.compile(
    r"^(?:(?:that|to|2|about|abt|of|:|-)\s+)?"
    # "i have a job interview on tuesday, put that in": the event
    r"(?:(?:i|we)\s+(?:have|'ve\s+got|got)\s+(?:a|an)\s+(?=\w)|"
    r"(?:i|we)(?:\s+(?:really|also|still|just|definitely))?\s+(?:need|have|want|got|gotta|must|"
    r"should|ought|will\s+need|'?ll\s+need|plan|hope)(?:\s+to)?(?:\s+(?:remember|not\s+forget)"
    r"\s+to)?(?:\s+(?:really|probably|definitely|maybe|honestly|seriously|finally|actually))?\s+"
    r"|(?:i|we)(?:'ve|\s+have)\s+got\s+to\s+|(?:i'm|i\s+am|we're|we\s+are)\s+(?:going|supposed)\s+to\s+"
    r"|(?:i'll|we'll|i\s+will|we\s+will)\s+|(?:i|we)\s+gotta\s+(?:remember\s+to\s+)?"
    r"|(?:tell|remind)\s+me\s+(?:to|that)\s+|(?:remember|not\s+to\s+forget)\s+to\s+"
    r"|(?:i'm|i\s+am|we're|we\s+are|i've|we've)\s+(?:almost\s+|nearly\s+|all\s+|completely\s+|"
    r"totally\s+|running\s+)?(?:out\s+of|low\s+on|run\s+out\s+of|running\s+out\s+of|"
    r"running\s+low\s+on)\s+"
    r"|(?:out\s+of|low\s+on)\s+"
    # "need nappies size 4, can you add it": the thing needed
    r"|(?:(?:i|we)\s+)?(?:need|needs)\s+(?!to\b|2\b)(?=\w)"
    # "need to renew my license, add it", "i keep forgetting to water the plants, add it"
    r"|(?:need|have|must|should)\s+to\s+(?:remember\s+to\s+)?|gotta\s+(?:remember\s+to\s+)?"
    r"|(?:(?:i|we)\s+)?(?:keep|kept|always|often)\s+forgetting\s+(?:to\s+|about\s+)?"
    # "dont let me forget to X, add it", "i wish i'd stop forgetting to X", "i need someone to
    # remind me to X"
    r"|(?:don'?t|do\s+not)\s+let\s+me\s+forget\s+(?:to\s+|about\s+)?"
    r"|i\s+wish\s+i'?d\s+stop\s+forgetting\s+(?:to\s+|about\s+)?"
    r"|i\s+wish\s+i\s+could\s+remember\s+(?:to\s+|about\s+)?"
    r"|(?:i\s+need\s+)?someone\s+to\s+remind\s+me\s+(?:to\s+|about\s+)?"
    r"|(?:(?:i|we)\s+)?(?:always\s+|often\s+|keep\s+|totally\s+)?forg[eo]t\s+(?:to|about)\s+"
    r"|(?:to|that)\s+)",
    _F,
)
_RE_SLOT_TRAIL = re.compile(
    r"(?:\s+(?:for\s+me|please|pls|too|as\s+well|also|as\s+a\s+(?:task|todo|reminder)|"
    r"on\s+(?:it|there)|real\s+quick|quickly|thanks|thank\s+you|ok|okay))+$"
    # the reason said after the task: "call my sister, it's her birthday"
    r"|,?\s+(?:because|since|cause|'cause|coz|cuz)\s+.+$"
    # a condition on the thing itself: "renew my insurance before it lapses"
    r"|,?\s+(?:before|so|in\s+case|or|otherwise|unless|until|when)\s+(?:it|they|it's|its|"
    r"they're|theyre)\s+[a-z].*$"
    r"|,?\s+(?:it's|its|it\s+is|that's|thats)\s+(?:her|his|my|our|their|the(?!\s+\d)|a|an)\s+.+$"

    # the carrier said after the task: "… can u remind me", "…, add it pls", "… put that in"
    r"|,?\s+(?:(?:so\s+)?(?:can|could|would|will)\s+(?:u|you|ya)\s+(?:please\s+|pls\s+)?|"
    r"pls\s+|please\s+)?(?:remind\s+me|(?:put|add|stick|pop|chuck|note|jot|save|whack)\s+"
    r"(?:that|it|this)(?:\s+(?:in|on|down|there|on\s+there|to\s+the\s+list|on\s+the\s+list|"
    r"on\s+my\s+list|to\s+my\s+list))?|add(?=\s+(?:pls|please|plz)$))"
    r"(?:\s+(?:pls|please|plz|thanks|for\s+me))?$",
    _F,
)


_RE_OUT_AGAIN = re.compile(
    r"(?:\s+(?:again|already|now|completely|totally|at\s+home|at\s+work|in\s+the\s+house))+$", _F)


def clean_slot(text: str) -> str:
    """The task slot without inner carriers ("that i need to X" → "X")."""
    t = text.strip(" ,;:-")
    for _ in range(3):
        lead = _RE_SLOT_LEAD.match(t)
        u = t[lead.end():].strip(" ,;:-") if lead else t
        if lead and lead.group(0).rstrip().endswith((" of", " on")):
            u = _RE_OUT_AGAIN.sub("", u)  # "we're out of eggs again": the eggs
        u = strip_tail(_RE_SLOT_TRAIL, u).strip(" ,;:-")
        if u == t:
            break
        t = u
    return t


# ---------------------------------------------------------------- items and titles

_RE_ADD_LEAD_NOISE = re.compile(
    r"^(?:(?:to|on|onto|in|into)\s+(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|"
    r"to-?dos?|to-?do\s+list|todo\s+list|task\s+list)\s*[:\-]?\s*|[:\-=]\s*|"
    r"(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|to-?do\s+list|todo\s+list)\s*:\s*|"
    r"(?:to\s*)?do\s*:\s*|(?:remember|not\s+forget)\s+to\s+|note\s+to\s+self\s*[:,-]?\s*|"
    r"(?:(?:to|on|onto)\s+)?(?:(?:my|the|our)\s+)?(?:shopping|grocery|groceries|work|home|"
    r"school|errands|chores|tasks?)\s*:\s*)",
    _F,
)
_RE_ADD_TRAIL_NOISE = re.compile(
    r"(?:\s+(?:as|for)\s+(?:a\s+)?(?:new\s+)?(?:task|todo|to-?do|reminder)|"
    r"\s+(?:too|as\s+well|also))+$",
    _F,
)
_DATE_START = (
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\d{1,2}:\d{2}|(?:at|by|on|due|every|before|from)\s|"
    r"tomorrow|today|tonight|next\s|this\s|in\s+\d|(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|"
    r"sat(?:ur)?|sun)day|noon|p[1-4]\b|[#@]|urgent|asap|(?:high|low|medium)\s+priority"
)
_RE_ITEM_SPLIT = re.compile(
    r"\s*(?:;|,(?!\s*(?:\d{4}\b|" + _DATE_START + r"))(?:\s*(?:and|&|plus|also|then)\b)?)\s*",
    _F,
)
_RE_LAST_AND = re.compile(r"\s+(?:and|&|plus)\s+", _F)
_RE_ITEM_LEAD = re.compile(
    r"^(?:[-*\u2022]+\s*|\d{1,2}[.)]\s+|(?:also|then|and|plus)\s+|to\s+(?=\w))+", _F
)
RE_TITLE_TRIM = re.compile(
    r"^(?:to|and|&|then|also|that|about|-|:|,)\s+"
    r"|\s+(?:and|&|to|on|by|for|due|from|with|or|then|and\s+then)$|(?<!look)(?<!looked)\s+at$"
    # a remark on when, or a time's "sharp": "while she's away", "at 10 am sharp"
    r"|\s+(?:while|whilst)\s+(?:she|he|they|we|i|you)(?:'s|'re|'m|\s+(?:is|are|am|was|were))?"
    r"\s+(?:away|gone|out|on\s+holiday|on\s+vacation|abroad)$|\s+sharp$"
    r"|\s+the\s+(?:night|day|morning|evening)\s+before$"
    # the carrier said last, after the date was read: "sign the form [tomorrow] remind me"
    r"|\s+(?:(?:can|could|would|will)\s+(?:u|you)\s+)?remind\s+(?:me|us)$|(?:^|\s+)(?:pls|please|plz)$"
    # a laugh or the carrier left at the end: "drink water on layovers lol", "… add"
    r"|\s+(?:lol|haha+|lmao)$|\s+add(?:\s+(?:it|that|this))?$|\s+(?:can|could|would)\s+(?:u|you)$"
    # when in the day: "pick up dry cleaning friday after work"
    r"|\s+after\s+(?:work|school|my\s+shift|the\s+gym|class|college|uni|church|mass|"
    r"practice|training|lunch|dinner|breakfast|the\s+school\s+run)$"
    # a list named without "list": "add car wash shampoo to shopping"
    r"|\s+(?:to|on|onto)\s+(?:my\s+|the\s+)?(?:shopping|groceries|grocery)$"
    # where it gets done, said after the date was read: "get gas on the way to work"
    r"|\s+on\s+(?:the|my|your|our)\s+way\s+(?:home|back|in|out|to\s+\S+)$"
    # the day named, then its date (read already): "… on payday which is [the 28th]"
    r"|\s+(?:on|at|by|for)\s+(?:[\w'-]+\s+){0,2}[\w'-]+,?\s+(?:which|that)\s*(?:is|'s|will\s+be)$"
    # a remark on the task said last: "finish the module [tomorrow] its overdue oops"
    r"|\s+(?:it'?s|it\s+is)\s+(?:overdue|late|urgent|important|already\s+late|been\s+ages|"
    r"so\s+overdue|really\s+overdue|way\s+overdue|disgusting|filthy|gross|minging|manky|rank|"
    r"a\s+mess|a\s+state|(?:[\w']+\s+){0,2}day)(?:\s+(?:oops|lol|ugh|haha|again|now|tbh))?$"
    # the old one's trouble, said after: "buy a new kettle, this one's leaking"
    r"|,\s*(?:this|the\s+old|my\s+old|our\s+old)\s+one'?s\s+[\w' ]{1,30}$"
    r"|^[\s,.;:!?\-]+|[\s,;:\-]+$|(?<=\w{3})\.+$|\(\s*\)",
    _F,
)
# Words that only say "some time" ("remind me later"): not a title.
_RE_VAGUE_TIME = re.compile(
    r"(?:^|\s)(?:later(?:\s+on)?|sometime|some\s+time|soon|at\s+some\s+point|eventually)$", _F
)
# "buy suncream before the beach trip", "renew my passport before summer": the deadline's
# event is no part of the title (a date said after "before" was read as the due already).
_RE_BEFORE_TAIL = re.compile(r"(?<=\w)\s+before\s+(?:[\w'-]+\s+){0,5}[\w'-]+$", _F)
_RE_OCCASION_TAIL = re.compile(
    r"(?<=\w)\s+on\s+(?:his|her|their|my|our|your|the)\s+(?:birthday|bday|b-day|anniversary|"
    r"big\s+day|wedding\s+day|name\s+day)$", _F)
_RE_GERUND_LEAD = re.compile(r"^(?P<w>[a-z]+)ing\b", _F)


_RE_TAIL_POLITE = re.compile(r"(?:\s+(?:please|pls|plz|bab|babe|hun|love|mate|pet|thanks))+$", _F)
_RE_TAIL_PLACE = re.compile(r"(?:on|down|in)(?:\s+(?:for\s+me|please|pls|somewhere|there))*", _F)
_RE_NOT_AN_ITEM = re.compile(
    r"^(?:what|what's|whats|which|is|are|anything|everything|how|why|where|who|do|did|does)\b|"
    r"\b(?:is|are|was|were|isn't|aren't|not|already|still|show|read|see|view|tell|list|display|"
    r"check|me|whats|what|everything|anything|ready|put|pit|add|go)\b|'s\b|[,.;:!?]", re.IGNORECASE)
_PARTICLES = (" out", " away", " back", " together", " off")
_PUT_ON = lx.frozenwords("put turn switch pop stick throw leave keep plug")
_PUT_ON_DONE = lx.frozenwords("put turned switched plugged")


def clean_title(t: str) -> str:
    """Trim connectors and punctuation left at the edges of a title; unquote it."""
    t = " ".join(t.split())
    said = t.lower().split()
    # "put the rice on", "get the snow tyres put on": the verb's "on", not a date's
    put_on = t.lower().endswith(" on") and (said[0] in _PUT_ON or (
        len(said) > 2 and said[-2] in _PUT_ON_DONE))
    for _ in range(4):
        u = RE_TITLE_TRIM.sub("", t).strip()
        if u == t:
            break
        t = u
    if put_on and not t.lower().endswith(" on") and " " in t:
        t += " on"  # "put the rice on", "turn the heating on": the verb's, not a date's
    q = RE_QUOTED.match(t)
    if q:
        t = q.group(1).strip()
    return t


def _split_items(body: str) -> list[str]:
    if "," not in body and ";" not in body:
        return [body]
    items = [p for p in _RE_ITEM_SPLIT.split(body, maxsplit=2 * MAX_DRAFTS + 2) if p and p.strip()]
    if len(items) >= 2:
        parts = _RE_LAST_AND.split(items[-1])
        if len(parts) == 2 and all(p.strip() for p in parts):
            items[-1:] = parts
    return [_RE_ITEM_LEAD.sub("", i).strip() for i in items]


_REMARK_SUBJECTS = lx.frozenwords(
    "i i'm im we we're were it it's its they they're theyre he he's she she's mine ours "
    "they've theyve we've weve i've ive it'll they'll kids i'll ill we'll feeling "
    "there's theres that's thats this")
_COPULAS = lx.frozenwords("is are was were isn't aren't wasn't has have had keeps seems looks")
_DETERMINERS = lx.frozenwords("the my our his her their")


# Words of an item after the first that only points back at it or says when ("…, remind me
# saturday", "…, need it done by the 2nd", "…, stick that on there", "…, whenever, no rush"):
# with its date phrases read, nothing of a task is left.
_POINTER_WORDS = lx.frozenwords(
    "remind me us it that this em them to in on onto there the list my a an reminder stick "
    "put pop chuck add set note jot can could would will u you ya pls please plz need needs "
    "it's its is due that's thats whenever no rush for like around about ok okay thanks "
    "cheers x done doing by get got have gotta want wanna should must do before"
)


def _is_pointer(title: str) -> bool:
    words = _RE_WORDS.findall(title.lower())
    return bool(words) and all(w in _POINTER_WORDS or not w[0].isalnum() for w in words)


def _is_remark(item: str) -> bool:
    """An item after the first that is a clause of its own ("…, mine broke", "…, we're
    out", "…, the dog is limping"): a reason given, not another task."""
    words = item.lower().split(None, 6)[:6]
    if not words:
        return False
    if words[0] in _REMARK_SUBJECTS:
        return True
    return words[0] in _DETERMINERS and any(w in _COPULAS for w in words[2:5])


def drafts_of(
    body: str, now_local: datetime, *, when: str = "", tags: tuple[str, ...] = ()
) -> tuple[tuple[TaskDraft, ...], Ents | None, bool]:
    """Drafts for the items of `body` (at most MAX_DRAFTS + 1, the caller cuts), the
    entities of a body that left no title at all (for the question to keep), and whether an
    item held two different times or days (a guess: the first one wins)."""
    items = _split_items(body)[: MAX_DRAFTS + 1]
    ents = [extract(f"{i} {when}" if when else i, now_local) for i in items]
    # "…, mine broke" is a reason given, not a task; "…, it's 5.30pm on thursday" says when
    keep = [at == 0 or not _is_remark(i) or (e.any and _is_pointer(e.rest))
            for at, (i, e) in enumerate(zip(items, ents, strict=True))]
    ents = [e for e, k in zip(ents, keep, strict=True) if k]
    conflict = any(e.conflict for e in ents)
    # Entities written only after the last item apply to the whole list.
    if len(ents) > 1 and ents[-1].any and not any(e.any for e in ents[:-1]):
        last = ents[-1]
        for e in ents[:-1]:
            e.due, e.priority, e.tags, e.recurrence = (
                last.due,
                last.priority,
                last.tags,
                last.recurrence,
            )
    drafts: list[TaskDraft] = []
    leftover: Ents | None = None
    for at, e in enumerate(ents):
        title = clean_title(_RE_VAGUE_TIME.sub("", e.rest))
        if drafts and _is_pointer(title):
            title = ""  # "…, remind me saturday": the item before, said when
        title = strip_tail(_RE_BEFORE_TAIL, title) if " before " in title else title
        if e.due and " on " in title:
            # "call my nephew on his birthday, the 3rd of june": the day named, then its date
            title = _RE_OCCASION_TAIL.sub("", title, count=1) or title
        all_tags = e.tags + tuple(t for t in tags if t not in e.tags)
        if not title and not drafts and at + 1 < len(ents) and e.any:
            # "remind me at noon tomorrow, lunch with greg": a when said first, as a phrase
            # of its own, is the items' that follow
            for following in ents[at + 1:]:
                following.due = following.due or e.due
                following.priority = following.priority or e.priority
                following.tags = following.tags + tuple(t for t in e.tags
                                                        if t not in following.tags)
                following.recurrence = following.recurrence or e.recurrence
            continue
        if not title:
            if drafts and e.any:  # "meeting friday, 5pm": a bare phrase joins the item before
                prev = drafts[-1]
                drafts[-1] = TaskDraft(
                    title=prev.title,
                    due=prev.due or e.due,
                    priority=prev.priority or e.priority,
                    tags=prev.tags + tuple(t for t in e.tags if t not in prev.tags),
                    recurrence=prev.recurrence or e.recurrence,
                )
            elif leftover is None:
                leftover = Ents("", e.due, e.priority, all_tags, e.recurrence)
            continue
        drafts.append(
            TaskDraft(
                title=title, due=e.due, priority=e.priority, tags=all_tags, recurrence=e.recurrence
            )
        )
    return tuple(drafts), leftover, conflict


# ---------------------------------------------------------------- placeholders and questions

CONFLICT_PENALTY = 0.3  # "gym friday at 6 or at 7": the first time wins, but it is a guess


_PLACEHOLDERS = frozenset(lx.PLACEHOLDERS)
_RE_PLACEHOLDER_VERB = re.compile(
    r"^(?:do|remember|handle|deal\s+with|sort(?:\s+out)?|(?:put|add|pop|stick|jot|write)(?=\s+(?:something|"
    r"smth|sth|a\s+thing)\b))\s+(?=\S)", _F)  # "put something in for the 14th"
_SAID = lx.frozenwords("mentioned said told suggested asked talked recommended")
_RELATIVE = lx.frozenwords("we i you that which he she they")
_RE_PLACEHOLDER_LEAD = re.compile(
    r"^(?:(?:a|an|the|some|my|one|just|quick|little|wee|new|few|couple\s+of|couple|me|us)\s+)+", _F)
# Words said after a placeholder ("something for me please", "it down"), dropped one by one
# from the end (a pattern anchored at the end would retry a long run from each word).
_PLACEHOLDER_TAIL = lx.frozenwords(
    "please later today tomorrow again too about on in down regarding")
_PLACEHOLDER_TAIL_PAIRS = frozenset({("for", "me"), ("real", "quick"), ("as", "well")})


def _placeholder_core(t: str) -> str:
    """`t` without the articles before it and the small words after it."""
    words = _RE_PLACEHOLDER_LEAD.sub("", t).split()
    while words:
        if words[-1] in _PLACEHOLDER_TAIL:
            words.pop()
        elif len(words) > 1 and (words[-2], words[-1]) in _PLACEHOLDER_TAIL_PAIRS:
            del words[-2:]
        else:
            break
    return " ".join(words)


def is_placeholder(title: str) -> bool:
    """A title that names no task: "something", "it", "a task", "do something"."""
    t = " ".join(title.lower().replace("...", " ").replace("\u2026", " ").replace("-", " ")
                 .strip(" .,!?;:'\"").split())
    t = _RE_THERES.sub("", t, count=1)  # "there's something i need to do"
    t = _RE_PLACEHOLDER_VERB.sub("", t, count=1)  # "do that thing", "remember something"
    if not t or t in _PLACEHOLDERS:
        return True
    head, but, _ = t.partition(" but ")
    if but and head in _PLACEHOLDERS:
        return True  # "something but idk what yet"
    core = _placeholder_core(t)
    first, _, rest = core.partition(" ")
    if first in _PLACEHOLDERS and rest.startswith(("for ", "with ")) and len(rest.split()) <= 3:
        return True  # "a thing for the kids", "the thing with the lads": whose, but not what
    if first in _PLACEHOLDERS and rest and (rest.split(" ", 1)[0] in _RELATIVE or any(
            w in _SAID for w in rest.split()[:4]) or " on about" in t):  # fmt: skip
        return True  # "the thing we talked about", "that thing jen mentioned"
    if _RE_WHOSE_THING.fullmatch(t) or _RE_WHAT_THING.fullmatch(t):
        return True  # "the wife's thing", "my mum's stuff", "wedding thing": not what
    if all(w in _WHEN_ONLY for w in t.split()):
        return True  # "of it", "the other one too", "for the morning": no thing
    if _RE_VERB_POINTER.fullmatch(t) or _RE_FORGOT_WHAT.search(t):
        return True  # "sort it", "fix that again"; "… nah whatever it was"
    return not core or core in _PLACEHOLDERS or core in lx.TASK_NOUNS


_RE_THERES = re.compile(
    r"^(?:there'?s|there\s+is|there\s+was|i\s+have|i'?ve\s+got)\s+(?=something\b)")
_RE_WHAT_THING = re.compile(
    r"(?:the\s+|that\s+|this\s+)?[a-z]+\s+(?:thing|stuff|business|matter)"
    r"(?:\s+for\s+(?:[a-z']+\s+){0,2}[a-z']+)?")
_RE_WHOSE_THING = re.compile(r"(?:(?:the|my|our)\s+)?[a-z]+'s\s+(?:thing|stuff|thingy|one)")


def _names_a_deed(title: str) -> bool:
    """A title that reads as a deed ("reseal the bath"), not more words about a thing said
    before ("the one from last week", "hold")."""
    words = title.lower().split()
    return len(words) >= 2 and words[0] not in _EMPTY_WORDS and words[0] not in _DETERMINERS


_RE_VERB_POINTER = re.compile(
    r"[a-z]+(?:\s+(?:out|up))?\s+(?:it|that|this|them|those|these)"
    r"(?:\s+(?:out|up|done|again|later|too|as\s+well|anyway|anyways|please|pls))*", re.IGNORECASE)
_RE_FORGOT_WHAT = re.compile(
    r"\b(?:whatever\s+it\s+was|forgot\s+what|forget\s+what|can'?t\s+remember\s+what|"
    r"dunno\s+what|idk\s+what)\b", re.IGNORECASE)
_EMPTY_WORDS = lx.frozenwords(
    "a an the of it its this that these those one ones other others another same too also "
    "again as well thing things stuff more some any "
    # "… of that yeah", "sort it out"
    "yeah yea yep yes ok okay k kk alright please pls plz anyway innit on out up there here "
    "me us")
# "i need a reminder for the morning", "remind me about tonight": when, but not what
_WHEN_ONLY = _EMPTY_WORDS | lx.frozenwords(
    "for in at by this morning afternoon evening night tonight tomorrow today later soon "
    "weekend week")


def clarify(
    rule: str, *, remind: bool, ents: Ents | None = None, tags: tuple[str, ...] = ()
) -> Understanding:
    """Ask what to add, keeping what was understood (due, tags…) as the pending draft."""
    due = ents.due if ents else None
    all_tags = tuple(dict.fromkeys((*(ents.tags if ents else ()), *tags)))
    draft = TaskDraft(
        title="",
        due=due,
        priority=ents.priority if ents else None,
        tags=all_tags,
        recurrence=ents.recurrence if ents else None,
    )
    named = next((t for t in tags), None)
    if remind:
        question = "What should I remind you about?"
    elif named:
        question = f"What should I add to your {named} list?"
    else:
        question = "What should I add?"
    return Understanding(
        intent=Intent.CLARIFY,
        question=question,
        pending=PendingQuestion(intent=Intent.ADD, slot="title", draft=draft),
        confidence=1.0,
        rule=rule,
    )


# ---------------------------------------------------------------- a matched frame → meaning

_REMIND_RULES = ("add.remind", "add.reminder", "add.forget", "clarify.remind",
                 "clarify.reminder", "clarify.forget", "add.note")  # fmt: skip


_KNOWN_VERBS = frozenset(lx.PAST_TO_BASE.values())


def gerund_to_base(t: str) -> str:
    """ "calling the HOA" → "call the HOA" (a task named by its -ing form), for known verbs."""
    m = _RE_GERUND_LEAD.match(t)
    if not m:
        return t
    stem = m["w"].lower()
    for base in (stem, stem[:-1], stem + "e"):
        if base in _KNOWN_VERBS and (base != stem[:-1] or stem[-1] == stem[-2]):
            return base + t[m.end() :]
    # An unknown verb: only the unambiguous shapes ("sanding" → "sand", "mopping" → "mop");
    # "visiting"/"baking" could be "visit"/"bake" or not: left as said.
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "aeioulsz":
        return stem[:-1] + t[m.end() :]
    if (
        len(stem) >= 3
        and stem[-1] not in "aeiouy"
        and (stem[-2] not in "aeiou" or stem[-3] in "aeiou")
    ):
        return stem + t[m.end() :]
    return t


_RE_ABOUT_BEFORE = re.compile(r"\b(?:about|abt|bout|for|of|regarding|re)\s+$", re.IGNORECASE)
_RE_LEAD_ARTICLE = re.compile(r"^(?:the|a|an)\s+(?=\S)", re.IGNORECASE)
_RE_CARRIER_ITEM = re.compile(
    r"(?:(?:a|an|the|new|another|one\s+more)\s+)*(?:item|task|todo|to-do|to\s+do|reminder|"
    r"entry|one)", re.IGNORECASE)
_RE_THING_FOR = re.compile(r"\b(?:thing|things|one|ones|stuff)\s+for\s+$", re.IGNORECASE)


# What follows "a reminder for" that is a time, not the task: "for me tomorrow at 2 to X",
# "for 9 tonight to X", "in 2 days to X" (the frame with a {when} slot reads those).
_RE_NOT_REMINDER_SLOT = re.compile(
    r"(?:me|us)\s|\d|(?:days?|weeks?|hours?|minutes?|mins?|months?)\b|"
    # "for thursday at 11 for the dentist" (not "for friday, dentist check-up")
    r"(?:today|tonight|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day|the\s+\d+(?:st|nd|rd|th)?|"
    r"(?:this|next)\s+[a-z]+|end\s+of)\b[^,;]{0,40}?"
    r"\s(?:to|for|about)\s", re.IGNORECASE)


_RE_THAT_DAY = re.compile(r"(?:day|morning|evening|night|week|weekend)\s+(?:to|2)\s", _F)
# A day said only by pointing at it ("remind me that day to X", "on the day"): no date.
_RE_CONTEXT_DAY = re.compile(
    r"(?:on\s+)?(?:that|the)\s+(?:day|morning|evening|night)(?:\s+before)?|then|"
    r"on\s+the\s+day", _F)


def task_frame(
    frame: Frame, m: re.Match[str], now_local: datetime, *, extra_tags: tuple[str, ...] = ()
) -> Understanding | None:
    """The understanding a `task` or `vague` frame gives, or None if its slots do not hold.

    None lets the caller try the next frame ("remind me on the way home to X": "on the way
    home" is no date, so the frame with a `{when}` slot does not apply).
    """
    groups = m.groupdict()
    remind = frame.name.startswith(_REMIND_RULES)
    when = ""
    if groups.get("when"):
        got = when_text(groups["when"], now_local)
        if got is None and m.string[max(0, m.start("when") - 3):m.start("when")].lower() == "in ":
            got = when_text(f"in {groups['when']}", now_local)  # "a reminder in 2 days to X"
        if got is None and _RE_CONTEXT_DAY.fullmatch(groups["when"].strip()):
            got = ""  # "remind me that day to X": a day the message only points at
        if got is None:
            return None
        when = got
    if groups.get("cond"):  # "remind me after lunch tomorrow to X": keep its date if any
        cond = groups["cond"]
        when = " ".join(cond[t.start : t.end] for t in dates.scan(cond, now_local))
    adj = (groups.get("adj") or "").lower()
    if adj in ("daily", "weekly", "monthly", "yearly", "nightly", "annual"):
        when = f"{'yearly' if adj == 'annual' else adj} {when}".strip()
    tags = extra_tags
    if groups.get("list"):
        named = list_tag(groups["list"])
        day = when_text(named.replace("'s", "").replace("-", " "), now_local) if named else ""
        if day:
            when = f"{when} {day}".strip()  # "put X on tomorrow's list": a day, not a list
        elif named and named not in tags:
            tags = (*tags, named)
    tail = _RE_TAIL_POLITE.sub("", groups.get("tail") or "")
    if tail and _RE_TAIL_PLACE.fullmatch(tail):
        tail = ""  # "can you put that on for me", "put it down somewhere": no date said
    if tail:
        got = when_text(tail, now_local)
        if got:
            when = f"{when} {got}".strip()
        elif not tail.lower().startswith(("for ", "before ")):
            return None  # "add X to my list at the store": not a list qualifier
    if frame.kind == "vague":
        ents = extract(when, now_local) if when else None
        return clarify(frame.name, remind=remind, ents=ents, tags=tags)
    raw = groups.get("task") or ""
    if frame.name == "add.noun_bare" and re.match(r"(?:\d|#|number\b|no\.)", raw, _F):
        return None  # "add item 3": the noun is part of the title
    if frame.name == "add.label_bare" and (
        re.match(r"(?:\d|#|number\b|no\.|lists?\b|for\b|is\b|are\b)", raw, _F)
    ):
        return None  # "task 3 is done", "todo list", "reminders for today": not a label
    if frame.name == "add.remind" and _RE_THAT_DAY.match(raw) and m.string[
            max(0, m.start("task") - 5):m.start("task")].lower() == "that ":
        return None  # "remind me that day to X": the frame with {when} reads it
    if frame.name == "add.reminder" and _RE_NOT_REMINDER_SLOT.match(raw):
        return None  # "a reminder for me tomorrow at 2 to X": the frame with {when} reads it
    if frame.name in ("add.put_on_when", "add.put_for_when") and raw.lower().endswith(_PARTICLES):
        return None  # "put the bins out on tuesday": the task is putting them out
    if frame.name == "add.list_bare" and (_RE_NOT_AN_ITEM.search(raw) or len(raw.split()) > 6):
        return None  # "milk is on the list", "what's on the shopping list": said, not asked
    if frame.name == "add.note" and raw.lower().endswith(" down"):
        raw = raw[:-5]  # "note X down"
    if frame.name == "add.noun" and _RE_THING_FOR.search(m.string, 0, m.start("task")):
        raw = ""  # "add the thing for mum": for whom, but not what (asks)
    body = clean_slot(raw)
    if m.string[max(0, m.start("task") - 4) : m.start("task")].lower() == "for ":
        body = gerund_to_base(body)  # "add a to do for calling the HOA"
    body = _RE_ADD_LEAD_NOISE.sub("", body, count=1)
    body = strip_tail(_RE_ADD_TRAIL_NOISE, body).strip()
    if frame.name.startswith("add.list") and body.lower().startswith("some "):
        body = body[5:]  # "throw some ketchup on the grocery list"
    drafts, leftover, conflict = (
        drafts_of(body, now_local, when=when, tags=tags) if body else ((), None, False)
    )
    if remind and len(drafts) == 1 and _RE_ABOUT_BEFORE.search(m.string, 0, m.start("task")):
        # "remind me about the boat insurance": the thing, without its article
        title = _RE_LEAD_ARTICLE.sub("", drafts[0].title, count=1)
        drafts = (msgspec.structs.replace(drafts[0], title=title),)
    if len(drafts) > 1 and _RE_CARRIER_ITEM.fullmatch(drafts[0].title):
        drafts = drafts[1:]  # "add an item, get the dog wormed": the item is what follows
    if len(drafts) > 1:
        # "add milk and something else", "add something for me, fix the table leg": the
        # items named ("something but i forgot what, add it anyway" names none; "… to..
        # nah hang on, forgot what it was" takes it back)
        forgot = any(_RE_FORGOT_WHAT.search(d.title) for d in drafts)
        vague_first = is_placeholder(drafts[0].title)
        items = sum(not is_placeholder(d.title) for d in drafts)
        drafts = () if forgot else drafts if vague_first and items >= 2 else tuple(
            d for d in drafts if not is_placeholder(d.title) and not (
                # after "something", only a deed is an item ("the one from last week",
                # "um, hold on" say more of the something)
                vague_first and not _names_a_deed(d.title)))
    if not drafts or all(is_placeholder(d.title) for d in drafts):
        ents = leftover or (extract(when, now_local) if when else None)
        if drafts and ents is None:
            d = drafts[0]
            ents = Ents("", d.due, d.priority, d.tags, d.recurrence)
        return clarify(
            "clarify." + frame.name.split(".", 1)[1], remind=remind, ents=ents, tags=tags
        )
    confidence = frame.confidence - (CONFLICT_PENALTY if conflict else 0.0)
    if len(drafts) > MAX_DRAFTS:
        confidence = min(confidence, 0.8)  # the understander keeps one past the cap
    return Understanding(intent=Intent.ADD, drafts=drafts, confidence=confidence, rule=frame.name)
