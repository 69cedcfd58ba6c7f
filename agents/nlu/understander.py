"""The understander: normalize, try the rules in their documented order, gate on confidence.

`understand(text, *, now, tz, memory)` satisfies `agents.types.Understander`: pure (no I/O,
no clock reads), deterministic, never raises (a rule bug degrades to UNKNOWN), linear in the
input. The order of `RULES` is the order docs/NLU.md documents; each rule returns an
Understanding (which ends the search) or None (try the next one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from agents.nlu import dates, fallback
from agents.nlu import lexicon as lx
from agents.nlu.adding import (
    CONFLICT_PENALTY,
    MAX_DRAFTS,
    clarify,
    clean_slot,
    clean_title,
    drafts_of,
    is_placeholder,
    task_frame,
    when_text,
)
from agents.nlu.entities import Ents, extract, list_tag
from agents.nlu.frames import (
    ADD_FRAMES,
    COMPOUND_FRAMES,
    QUERY_FRAMES,
    REDIRECT_FRAMES,
    REMINDER_FRAMES,
    SUMMARY_FRAMES,
    match,
)
from agents.nlu.listing import try_list
from agents.nlu.normalize import (
    check_mark_as_done,
    clean,
    fix_carrier_words,
    fix_first_word,
    fix_past_typo,
    has_check_mark,
    spoken_numbers,
    strip_polite,
)
from agents.nlu.refs import MAX_REFS, parse_refs, strip_tail
from agents.nlu.small import RE_NEGATED, bulk
from agents.nlu.small import small_talk as small_talk_intent
from agents.nlu.status import (
    RE_DONE_ALONE,
    RE_TITLE_TRIM,
    about_it,
    clause_ref,
    statement_ref,
    strip_reason,
    try_news,
    try_status,
)
from agents.nlu.updating import RE_WH_START, try_update, try_update_state
from agents.types import (
    Intent,
    MemoryView,
    Mention,
    PendingQuestion,
    TaskDraft,
    TaskRef,
    Understanding,
)

__all__ = ["CONFIDENCE_THRESHOLD", "RULES", "understand"]

# Below this, a reading that would change tasks is not acted on: an add asks what to add
# (keeping what was understood), anything else is UNKNOWN (nothing changes).
CONFIDENCE_THRESHOLD = 0.5
# A title still holding clock words ("call mom at 7 ish") was probably misread.
TITLE_CLOCK_PENALTY = 0.2
# Over MAX_DRAFTS / MAX_REFS: the first ones (and one more) are kept, at most this confident.
TRUNCATED_CONFIDENCE = 0.8
_MAX_DEPTH = 2  # redirects nest at most this deep ("tomorrow i want to add …")
_SMALL_TALK_MAX = 160  # greetings, thanks, help and undo are short; longer is something else

_CHANGES = frozenset({Intent.ADD, Intent.COMPLETE, Intent.REOPEN, Intent.DELETE, Intent.UPDATE})
_F = re.IGNORECASE
# A carrier said after the task: "dentist at 13:00 tomorrow, remind me".
_RE_REMIND_TAIL = re.compile(
    r"(?:(?:,|\.{2,}|\u2026)\s*|\s+(?=(?:don'?t|do\s+not)\s+let\s+me\s+forget\b))"
    r"(?:(?:please|pls|can\s+you|could\s+you)\s+)?"
    # "…2pm dont let me forget": the carrier said last, even without a comma
    r"(?:(?:don'?t|do\s+not)\s+let\s+me\s+forget(?:\s+(?:it|that|this))?|"
    # "…, remind me at 9pm": a when said with the carrier is the task's
    r"(?:remind\s+me(?P<when>\s+(?:at|on|by|tomorrow|tonight|today|this|every|next|in|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b[^,.!?]{0,30})?|"
    r"remind\s+me\s+(?:of|about)"
    r"\s+(?:it|that)|add\s+(?:it|that|this)(?P<when2>\s+(?:for|on|at|by)\b[^,.!?]{0,30})?|"
    r"make\s+(?:it|that)\s+a\s+(?:task|reminder)|"
    # "…, can you set that up", "…, don't let me sleep through it"
    r"set\s+(?:it|that|this)\s+up|(?:don'?t|do\s+not)\s+let\s+me\s+(?:miss|sleep\s+through)\s+"
    r"(?:it|that|this)|"
    r"set\s+a\s+reminder|(?:put|note|write|jot)\s+(?:it|that|this)\s+down"
    r"(?P<when3>\s+(?:for|on|at|by)\b[^,.!?]{0,30})?))"
    r"(?:\s+(?:please|pls|thanks|thx))?\s*[.!?]*$",
    _F,
)


def _unknown(rule: str, confidence: float = 1.0) -> Understanding:
    return Understanding(intent=Intent.UNKNOWN, rule=rule, confidence=confidence)


Rule = Callable[[str, datetime, int], "Understanding | None"]


# ---------------------------------------------------------------- rules


# What a voice assistant does that a to-do list does not: never a task, never an update.
_RE_ASSISTANT = re.compile(
    r"^(?:set|cancel|turn\s+off|snooze|stop|start|reset|delete|change|move)\s+(?:an?|my|the|all\s+my)\s+"
    r"(?:\w+\s+)?(?:alarms?|timers?|stopwatch)\b"
    r"|^(?:set|start)\s+(?:an?\s+)?(?:alarm|timer)\b"
    r"|^turn\s+(?:\w+\s+){0,3}?(?:on|off|up|down)\b"
    r"|^(?:wake\s+me(?:\s+up)?|play|pause|resume|skip|dim|brighten|"
    r"lock|unlock|preheat|navigate|directions\s+to|volume|mute|unmute)\b"
    # "resume is updated": a noun; "skip the reminder to X": a to-do
    r"(?!'s|\s+(?:is|are|was|were|has|had|got|looks?)\b|\s+(?:the|my|that|this)\s+(?:reminder|"
    r"task|todo|to-do)\b)",
    _F,
)


_ASSISTANT_FIRST = lx.frozenwords(
    "set cancel turn snooze stop start reset delete change move wake play pause resume skip dim "
    "brighten lock unlock preheat navigate directions volume mute unmute"
)


def _rule_assistant(s: str, now_local: datetime, depth: int) -> Understanding | None:
    if s.split(" ", 1)[0].lower() not in _ASSISTANT_FIRST:
        return None
    return _unknown("not_a_todo", 0.9) if _RE_ASSISTANT.match(s) else None


def _rule_bulk(s: str, now_local: datetime, depth: int) -> Understanding | None:
    got = bulk(s)
    return _named(got, "bulk") if got else None


def _rule_redirect(s: str, now_local: datetime, depth: int) -> Understanding | None:
    if depth >= _MAX_DEPTH:
        return None
    for frame, m in match(REDIRECT_FRAMES, s):
        rest = m["rest"]
        if frame.name == "redirect.when_first":
            when = when_text(m["when"], now_local)
            if not when:
                continue
            rest = f"{rest} {m['when']}"  # the phrase said first, moved to the end
        if frame.name == "redirect.cond_first":
            dated = " ".join(m["cond"][t.start:t.end] for t in dates.scan(m["cond"], now_local))
            rest = f"{rest} {dated}" if dated else rest
        got = classify(rest, now_local, depth + 1)
        if got.intent is Intent.UNKNOWN:
            continue
        if frame.name == "redirect.cond_first" and got.intent is not Intent.ADD:
            continue  # "after the rain stops i'll ring mum": only an add is read past it
        if frame.name == "redirect.when_first" and got.intent is Intent.ADD and any(
                d.due is None and d.recurrence is None for d in got.drafts):
            # "in 5 days remind me to cancel the trial before it charges me": the phrase moved
            # to the end went with the remark cut there; the drafts keep it
            said = extract(m["when"], now_local)
            got = _replace(got, drafts=tuple(
                d if d.due or d.recurrence else msgspec.structs.replace(
                    d, due=said.due, recurrence=said.recurrence) for d in got.drafts))
        if frame.name == "redirect.so_command" and (
            got.intent is Intent.CLARIFY or any(r.pronoun for r in got.refs)
            or got.rule.startswith("small_talk")
        ):
            # "i paid the bill so delete it": "it" is the bill (compound frames); "mom
            # picked up the kids so scratch that": "that" is the pickup, not the last change
            continue
        if frame.name == "redirect.so_command" and got.intent in (Intent.DELETE, Intent.COMPLETE):
            got = _replace(got, refs=tuple(_in_context(r, m["reason"]) for r in got.refs))
        if frame.name == "redirect.on_list" and got.intent is Intent.ADD:
            named = list_tag(m["list"])
            if named:
                got = _with_tag(got, named)
        return _named(got, f"{frame.name}>{got.rule}")
    return None


_INFO_VERBS = lx.frozenwords("know hear learn understand find")


def _rule_summary(s: str, now_local: datetime, depth: int) -> Understanding | None:
    for frame, _m in match(SUMMARY_FRAMES, s):
        return Understanding(intent=Intent.SUMMARY, confidence=frame.confidence, rule=frame.name)
    return None


def _rule_query(s: str, now_local: datetime, depth: int) -> Understanding | None:
    for frame, m in match(QUERY_FRAMES, s):
        rest = m["rest"]
        verb_text = m.group(0)[: m.start("rest")].split()
        got = try_list(f"{verb_text[-1]} {rest}") or try_list(rest) or try_list(f"show {rest}")
        if frame.name == "query.remind_what":
            got = try_list(m.group(0)[m.start("rest") - len(verb_text[-1]) - 1 :].strip()) or got
        if got is not None:
            return _named(got, frame.name)
        if frame.name == "query.remind_what" or verb_text[-1].lower() in _INFO_VERBS:
            return _unknown("query.not_a_task", 0.9)  # "i'd like to know your name"
    return None


# Compound frames end with a pronoun ("… so delete it"): a cheap look at the end first, so
# that a long message without one is not scanned by three frames for nothing.
_PRONOUN_WORDS = lx.frozenwords(
    "it that this them em 'em those these both one task item thing done complete completed "
    "finished "
    "off out dusted care sorted handled"
)


_RE_STILL_TO_DO = re.compile(
    r"\b(?:still|yet)\s+(?:need|needs|have|has|got|gotta|gonna|to)\b|"
    r"\bstill\s+(?:going|got\s+to)\b", _F)
_RE_CANT_GET = re.compile(
    r"\b(?:can'?t|cannot|couldn'?t|won'?t|don'?t|didn'?t|still|never)\s+(?:\w+\s+)?"
    r"(?:get|put|add|have)\s+(?:it|that|this|them|em|'em)\b", _F)


def _rule_compound(s: str, now_local: datetime, depth: int) -> Understanding | None:
    if _PRONOUN_WORDS.isdisjoint(
        s[-80:].lower().replace(",", " ").replace("!", " ").replace(".", " ").split()[-6:]
    ):
        return None
    for frame, m in match(COMPOUND_FRAMES, s):
        if frame.kind == "task":
            if _RE_CANT_GET.search(s):
                continue  # "been at it for an hour n still cant get it": no command
            got = task_frame(frame, m, now_local)
            if got is not None and got.intent is Intent.ADD:
                return _only_wished(got)  # "i'd really like to X, can you add that"
            continue
        ref = None if about_it(m["ref"]) else statement_ref(m["ref"], bare_past=True)
        # Any other statement ("my husband fixed the leaky faucet", "passports already in
        # my bag"): the whole clause is the reference, and the resolver's word match finds
        # the one task it is about (or asks, or finds none: nothing changes).
        refs = parse_refs(ref) if ref else clause_ref(m["ref"])
        if not refs:
            continue
        intent = Intent.DELETE if frame.kind == "delete" else Intent.COMPLETE
        if refs:
            return Understanding(
                intent=intent, refs=refs, confidence=frame.confidence, rule=frame.name
            )
    return None


# A remark after the list: "add bread to the grocery list we ran out", "put sunscreen on the
# packing list, it's going to be hot" (the item ends where the list is named).
_RE_LIST_REMARK = re.compile(
    r"(?<=\slist)(?:\s+(?:pls|please|plz|eh|ta|pet|mate|love|abeg|would\s+ye|would\s+ya))?"
    r"(?:\s*[,;.!-]+\s*|\s+)(?:(?:i|we|it|they|you|kids|the\s+kids)"
    r"(?:'[a-z]{1,2})?|its|im|were|dont|don't|since|because|cause|cuz|coz|so|there'?s|theres|my|"
    # which one: "add nappies to the shopping list, the size 4 ones"
    r"our|before\s+i|so\s+i|in\s+case|the\s+\d+\s*\w*(?:\s+\w+)?\s+ones?|"
    r"(?<=[,;.!-] )(?:the(?!\s+\d)|preferably|ideally|not|only|just|"
    r"the\s+\d+\w*\s+ones?))\b.*$",
    _F,
)


# A question with its mark lost: "did the parcel arrive", "did my refund go through".
_RE_DID_QUESTION = re.compile(
    r"^did\s+(?:the|my|our|your|a|an|his|her|their)\s+(?:[\w'-]+\s+){1,3}?(?:go|get|come|"
    r"arrive|happen|work|show|land|clear|ship|post|send|pass|make|finish|end|start|open)\b",
    _F,
)
_RE_SOMEDAY = re.compile(r"\b(?:sometime|someday|some\s+day|one\s+of\s+these\s+days)\b", _F)
# A plan said with doubt is talk, not a request ("maybe i'll wash the car this weekend"),
# unlike a polite command ("maybe add milk").
_RE_HEDGE = re.compile(r"^(?:maybe|probably|perhaps|possibly)\b", _F)
# Doubt anywhere in a wish or a bare note ("i'll call mom later tonight probably", "thinking
# about going hiking this weekend if it's nice"), or a mood ("feeling kinda down tonight").
_RE_HEDGE_ANY = re.compile(
    r"\b(?:probably|maybe|perhaps|if\s+it'?s\s+nice|if\s+the\s+weather|if\s+i\s+(?:have|get)"
    r"\s+time|might|apparently|can\s+(?:you|u)\s+believe|pray\s+for\s+me|wish\s+me\s+luck|"
    r"i\s+guess|tbh|feel\s+like|hope|i'?ll\s+try|i\s+will\s+try|bless\s+(?:her|him|them|'em)|when\s+it'?s\s+(?:dry|nice|"
    r"warmer|sunny|quieter))\b|^(?:thinking\s+(?:about|of)|i'?m\s+thinking|feeling|i\s+feel|"
    r"i'?m\s+feeling)\b",
    _F)


def _frames_rule(table_name: str) -> Rule:
    def rule(s: str, now_local: datetime, depth: int) -> Understanding | None:
        table = REMINDER_FRAMES if table_name == "reminder" else ADD_FRAMES
        if table_name == "add" and " list" in s.lower():
            s = strip_tail(_RE_LIST_REMARK, s, window=160).strip(" ,;-") or s
        for frame, m in match(table, s):
            if frame.kind == "task" and _RE_NO_MORE.match(m["task"]):
                return None  # "remind me no more about the scrubs": a cancel, never an add
            if frame.name.startswith("add.desire") and _RE_MUSING.match(m["task"]):
                return None  # "i'll be late tomorrow", "i should probably sleep more"
            if frame.name == "add.forget_thing" and _RE_TOLD.match(m["task"]):
                return None  # "don't forget i'm away next week": told, not a to-do
            if frame.name.startswith("add.desire") and depth < _MAX_DEPTH:
                inner = _desire_redirect(m["task"], now_local, depth)
                if inner is not None:
                    return inner
                if _RE_GOING_PLACE.match(m.group(0)):
                    return None  # "i'm going to the gym tomorrow": a plan, not a task
            got = task_frame(frame, m, now_local)
            if got is not None:
                return got
        return None

    return rule


_RE_CMD_START = re.compile(
    r"^(?:add|create|show|list|display|see|view|rename|change|move|postpone|reschedule|mark|"
    r"uncheck|reopen|tag|untag|undo|clear|search|find|update|know\s+what|check\s+my|"
    r"look\s+at|delete|remove|complete|finish\s+(?:the\s+)?(?:task|todo|item)|cancel\s+(?:the\s+)?"
    r"(?:task|todo|item|reminder)|start\s+(?:over|fresh|a\s+(?:new\s+)?(?:list|todo))|"
    r"make\s+(?:a|an|the|my)\s+(?:new\s+)?(?:list|todo|task|reminder|note)|set\s+(?:a|an|up)\s+"
    r"|put\s+(?:something|it|this|that|\w+\s+on\s+(?:my|the)\s+)|get\s+rid\s+of|"
    r"check\s+off|cross\s+(?:off|out)|hear|jot\b|write\s+\w+\s+down|note\s+down|write\s+down|know\s+(?:my|the|what|how|which|if)|remember\s+\w+\s+for\s+me|"
    r"remember\s+something)\b",
    _F,
)
_RE_NEXT_TIME = re.compile(
    r"^(?:the\s+)?(?:next\s+time|whenever|when)\s+(?:i'?m|i\s+am|we'?re|we\s+are|i\s+go|"
    r"we\s+go|i\s+get|i'?m\s+at)\b[^,]{0,40}?(?:,\s*|\s+)"
    r"(?=(?:i|we)\s+(?:need|have|should|must|gotta|want|wanna)\b)", _F)
# A feeling or a look told ("exams start in three weeks and i'm terrified", "mum seems a
# bit brighter today"): talk, whatever date it carries.
_RE_FEELING = re.compile(
    r"(?:\b(?:i'?m|i\s+am|i\s+feel|feeling)\s+|^)(?:so\s+|really\s+|a\s+bit\s+|quite\s+|"
    r"kinda\s+|bit\s+)?"
    r"(?:terrified|scared|nervous|excited|worried|stressed|anxious|tired|exhausted|sad|happy|"
    r"thrilled|gutted|relieved|shattered|knackered|proud|upset|dreading)\b", _F)
_RE_LINKED = re.compile(r"^[\w'-]+(?:\s+[\w'-]+)?\s+(?:seems|seem|seemed|looks|looked|feels|"
                        r"felt|sounds|sounded)\b", _F)
_RE_COMMAND_LAST = re.compile(r"^(?:please\s+)?(?:add|put|pop|stick|chuck|remind\s+me|note|jot)\s+"
                              r"(?!(?:it|that|this)\b)", _F)
# "midterm is over, i think i did ok?? so remove the studying thing": a removal said last,
# naming its task, after news no rule read
_RE_DROP_LAST = re.compile(
    r"^(?:(?:and\s+)?so\s+)?(?:(?:you|u)\s+(?:can|may|could)\s+|please\s+|pls\s+|just\s+)?"
    r"(?:delete|remove|get\s+rid\s+of|take|scratch|cross|tick|bin|drop|erase|cancel|scrap|"
    r"ditch|strike)\s+(?!(?:it|that|this|them|em|that\s+one|this\s+one)(?:\s+off)?\s*$)", _F)
_LAST_CUTS = ",.?!;"
_TERSE_NEWS = ("status.news_terse", "status.news_bare")  # news read from a clause or two
_RE_ASKED = re.compile(r"^(?:(?:can|could|would|will)\s+(?:you|u|ya|ye)|please|pls|plz|"
                       r"remind\s+me)\b", _F)
_RE_NO_MORE = re.compile(r"^(?:no\s+(?:more|longer)|not|never)\b", _F)
# A plan told that makes a task moot: "gonna wear my sister's blazer so no shopping needed"
_RE_MOOT = re.compile(r"\bso\s+(?:no\s+\w+(?:\s+\w+)?\s+(?:needed|necessary)|no\s+need\b|"
                      r"(?:i|we)\s+(?:don'?t|do\s+not|won'?t)\s+need\b)", _F)
_RE_MUSING = re.compile(
    r"^(?:be|probably|maybe|perhaps|possibly|really\s+be|get\s+some\s+rest)\b", _F
)
# "don't forget i'm away next week": something told, not a thing to remember to do
_TOLD_SUBJECT = r"(?:i|i'm|im|we|we're|we've|he|she|they|you|it's|its|there's|that)\b"
_RE_TOLD = re.compile("^" + _TOLD_SUBJECT, _F)
_RE_FORGET_TOLD = re.compile(
    r"^\s*(?:don'?t\s+forget|remember)[\s:,]+(?:that\s+)?" + _TOLD_SUBJECT, _F)
_RE_WISH_LEAD = re.compile(
    r"^(?:i|we)\s+(?:want|wanna|would\s+(?:like|love)|'d\s+(?:like|love)|need|should|must|"
    r"gotta|ought)(?:\s+to)?\s+(?=\S)|^(?:(?:i|we)\s+)?(?:have\s+to|should|need\s+to|"
    r"gotta|must)\s+(?=\S)|^(?:i'd|id|we'd)\s+(?:like|love)\s+to\s+(?=\S)|"
    r"^(?:it\s+)?(?:would|'d|would\s+really)\s+be\s+(?:good|nice|great|smart)\s+to\s+(?=\S)|"
    r"^(?:i|we)\s+(?:always\s+|keep\s+|often\s+)?forget(?:ting)?\s+to\s+(?=\S)|"
    # a habit told, then "set that up": "every friday i do the bins"
    r"^(?:i|we)\s+(?:usually\s+|always\s+)?(?=(?:do|take|put|pay|call|ring|walk|feed|water|"
    r"clean|wash|check|visit|send|collect|pick)\s)", _F)
_RE_GET_AROUND = re.compile(r"^(?:finally\s+)?(?:get\s+(?:a)?round\s+to\s+)?(?=\S)", _F)
_RE_DOUBT_WORDS = re.compile(r"\b(?:probably|maybe|perhaps|possibly|honestly|really)\s+", _F)
_RE_LEAD_SYMBOLS = re.compile(r"^[^\w\s'\"(#@!?.,:;-]{1,8}\s+")  # a leading emoji, then a space
_RE_GOING_PLACE = re.compile(
    r"^(?:i|we)(?:'m|'re|\s+am|\s+are)\s+going\s+to\s+(?:the|a|an|my|his|her|their|our|bed|work|"
    r"school|church|class|sleep|town|london|paris)\b",
    _F,
)


def _desire_redirect(task: str, now_local: datetime, depth: int) -> Understanding | None:
    """ "i want to see my tasks" / "i need to delete milk": the wrapped command, not a task."""
    if not _RE_CMD_START.match(task):
        return None
    got = classify(task, now_local, depth + 1)
    return None if got.intent is Intent.UNKNOWN else _named(got, f"redirect.desire>{got.rule}")


def _rule_update(s: str, now_local: datetime, depth: int) -> Understanding | None:
    got = try_update(s, now_local)
    return _named(got, "update") if got else None


# No complete/reopen/delete form starts with these words: skip those patterns for them.
_NOT_STATUS_FIRST = lx.frozenwords("add create new remind schedule jot insert todo note")


def _rule_status(s: str, now_local: datetime, depth: int) -> Understanding | None:
    if s.split(" ", 1)[0].lower() in _NOT_STATUS_FIRST:
        return None
    got = try_status(strip_reason(s), now_local)
    if got is None and ("," in s or ";" in s or " list" in s):  # where a remark can start
        cut = strip_reason(s, any_start=True)
        got = try_status(cut, now_local, after_remark=True) if cut != s else None
    return _named(got, "status") if got else None


def _rule_list(s: str, now_local: datetime, depth: int) -> Understanding | None:
    if _RE_I_DID.match(s) or fallback.told(s):
        # "i called the plumber this morning", "got back to priya about the influencer
        # stuff": news (not "tasks called X")
        return None
    got = try_list(s)
    return _named(got, "list") if got else None


def _rule_update_state(s: str, now_local: datetime, depth: int) -> Understanding | None:
    got = try_update_state(s, now_local)
    return _named(got, "update.state") if got else None


def _rule_news(s: str, now_local: datetime, depth: int) -> Understanding | None:
    return try_news(strip_reason(s))  # "i mailed the package, i went at lunch": one task


_RE_CHATTER = re.compile(
    r"^(?:(?:nothing|not)\s+much\b|just\s+an?\s+(?:quiet|lazy|chill|normal|slow)\b|"
    r"(?:the\s+|my\s+|our\s+)?[\w-]+(?:'s|\s+(?:is|are|was|were))\s+(?:really\s+|so\s+|very\s+|"
    r"quite\s+|super\s+|pretty\s+|"
    r"a\s+bit\s+)?(?:busy|quiet|dead|mad|crazy|packed|heaving|full|lovely|awful|freezing|"
    r"boiling|slow|chaos|chaotic)\b|"
    r"(?:(?:bit\s+of\s+)?an?\s+|such\s+an?\s+|what\s+an?\s+)?(?:long|busy|rough|tough|crazy|"
    r"hard|good|great|lovely|quiet|slow)\s+(?:day|week|"
    r"night|shift|morning|afternoon)\b|the\s+weather\b|i'?m|i\s+am|i\s+was|i\s+feel|i\s+felt|i\s+think|i\s+guess|i\s+hope|i\s+love|i\s+hate|"
    r"i\s+like|it'?s|it\s+is|it\s+was|that'?s|this\s+is|you|you'?re|he|she|they|we'?re|"
    r"(?:i|we)\s+(?:really\s+|just\s+)?(?:don'?t|do\s+not)\s+(?:feel|want|wanna|like)|"
    r"(?:i|we)(?:'ll|\s+will)\s+be|"
    r"what|how|why|when|where|who|see\s+you|thanks|thank|ugh+|lol|haha\w*|omg|meh|wow|yay|"
    r"oh|ah|hmm+|argh|sigh|yikes|damn|dang|happy|merry|wah|walao|aiyo+|aiya+|alamak|eish|"
    r"haiya|jeez|blimey|crikey)\b"
    # a day described: "today so hot", "tonight so cold"
    r"|^(?:today|tonight|this\s+morning|yesterday)\s+(?:so|very|super|really|damn|too)\s+\w+"
    # Things an assistant does that are not to-dos: alarms, timers, devices, media.
    r"|^(?:set|cancel|turn\s+off|snooze|stop)\s+(?:an?|my|the)\s+(?:alarm|timer)s?\b"
    r"|^(?:wake\s+me|turn\s+(?:on|off|up|down)|play|pause|skip|dim|lock|unlock|open\s+the|"
    r"start\s+the|preheat|call\s+me\s+an?\s+uber)\b"
    r"|\b(?:am\s+i\s+right|right\?)$",
    _F,
)
# News told with "i": a past verb right after the subject ("i called the plumber this morning").
_RE_I_DID = re.compile(
    r"^(?:i|we)(?:\s+(?:just|already|finally|also|actually))*\s+(?:" + "|".join(
        sorted((re.escape(k) for k in lx.PAST_TO_BASE if " " not in k and k not in
                lx.PAST_NEEDS_OBJECT and k not in ("got", "gotten", "had", "did", "heard")),
               key=len, reverse=True)) + r")\s",
    _F,
)
_RE_COPULA_START = re.compile(
    r"^(?:is|are|was|were|will\s+be|'s|can'?t|cannot|won'?t|isn'?t|aren'?t|doesn'?t|"
    r"wasn'?t|couldn'?t|never)\b", _F)  # "friday can't come soon enough": a remark
_RE_COPULA_END = re.compile(r"(?:\s(?:is|are|was|were|will\s+be)|'s)$", _F)
_RE_HAVE_A = re.compile(
    r"^(?:i(?:'ve|\s+have)(?:\s+got)?|i\s+got|we(?:'ve|\s+have)(?:\s+got)?|there(?:'s|\s+is))"
    r"\s+(?:an?|my|the|our)\s+(?=\w)",
    _F,
)
# A finished sentence about the world, not a to-do: a subject and a finite verb.
_RE_STATEMENT = re.compile(
    r"\b(?:is|are|was|were|am|had|went|did|felt|seemed|looked|starts|begins|ends|happens|"
    r"came|saw|heard|turns|turned|looks|sounds|said|says|told|didn't|doesn't|won't|hasn't|"
    r"wants|loves|hates|likes|been|smells|smelt|smelled|stinks|reeks|tastes|feels|seems|"
    r"haven't|isn't|aren't|wasn't|"
    r"goes|comes|arrives|leaves|opens|closes|gets|got)\b"
    r"|'s\s+(?:\w+ing|\w+ed|closed|shut|open|over|on|off|blown|broken|gone|done|thrown|torn|"
    r"fallen|frozen|stolen|eaten|grown|shown|worn|taken|given|written|flown|been|gotten|lost|"
    r"stuck|burst|hung|dug)\b"  # "my sister's moving to perth…"
    r"|^(?:i|we|you|he|she|they|my|our|his|her|their|the)\s+(?:\w+\s+){0,2}?(?:have|has|will|"
    r"would|could|might|may|can)\b",
    _F,
)
_RE_WORD = re.compile(r"[\w'-]+")
_PAST_WORDS = "|".join(sorted((re.escape(k) for k in lx.PAST_TO_BASE if " " not in k),
                              key=len, reverse=True))  # fmt: skip
# Someone else did something: "my neighbor washed his car today" is news, not a task
# ("my car serviced friday", with nothing after the verb, is still a note to add).
_RE_NARRATIVE = re.compile(
    r"^(?:my|our|his|her|their|the|a|an|we|i|they|he|she)\s+(?:[\w'-]+\s+){0,2}?(?:"
    + _PAST_WORDS + r")\s+\S"
    # "supplier dropped off napkins today": one word, then a verb that is only past
    r"|^(?:we|i|they|he|she)\s+(?:[\w'-]+\s+)?[a-z]{2,}ed\s+\S"  # "we watched a movie…"
    r"|^(?:[\w'-]+\s+){1,2}(?!needed\b|required\b)[a-z]{3,}(?<!e)ed\s+\S"  # "jake scored…"
    # "professor byrne gave the worst lecture today": one or two words, then a past verb
    r"|^(?!(?:get|have|need|go|make)\b)(?:[\w'-]+\s+){1,2}?(?:" + "|".join(sorted(
        (re.escape(k) for k, v in lx.PAST_TO_BASE.items() if k != v and " " not in k),
        key=len, reverse=True)) + r")\s+\S",
    _F,
)
# A verdict said last, with no verb: "di weather nice today bwoy", "traffic mad this morning"
_RE_VERDICT_LAST = re.compile(
    r"(?<=\w)\s+(?:nice|lovely|gorgeous|beautiful|awful|terrible|horrible|amazing|brilliant|grim|"
    r"miserable|rubbish|mad|crazy|wild|freezing|boiling|sunny|rainy|windy|chilly|roasting|"
    r"baltic|dead|quiet|packed|heaving|insane|unreal|savage|class|sweet|cool|hot|cold)"
    r"(?:\s+(?:af|innit|mate|man|bwoy|lol|eh|though|tho))?$", _F)
_DEED_BASES = frozenset(lx.PAST_TO_BASE.values())


def _verdict(rest: str) -> bool:
    """A thing and a verdict on it, no deed ("traffic mad", not "pick up something sweet")."""
    first = rest.split(" ", 1)[0].lower()
    return first not in _DEED_BASES and _RE_VERDICT_LAST.search(rest) is not None


# Terse news with a mark after the deed: "taxes filed!! never again", "gutters cleaned, phew".
_RE_TERSE_NEWS = re.compile(r"^(?:[\w'-]+\s+){1,2}?(?:" + _PAST_WORDS + r")\s*[!,.]", _F)
_RE_PAST_START = re.compile(
    # "holy moly just booked my flight home for xmas", "spent the whole sunday at nan's"
    r"^\s*(?:(?:holy\s+[a-z]+|omg|wow|woo+|yay|phew|well|ugh|guess\s+what|so|ok|okay|finally|"
    r"just|already|i|we)[\s,!.]+){0,3}(?:[a-z]{4,}(?<!e)ed|forgot|missed|spent|went|bought|"
    r"sent|paid|made|took|gave|sold|brought|caught|taught|wrote|drove|ran|saw|met|found|told|"
    r"kept|built|won|flew|had)\b", _F)
# "i'll call mom later tonight", "gonna pay the bill when i get paid": a plan told, not a
# request (unlike "i'll call mom tonight", read as a note to self)
_RE_PLAN_TOLD = re.compile(
    r"^\s*(?:i'?ll|i\s+will|gonna|i'?m\s+gonna|i'?m\s+going\s+to)\b.*\b(?:later|after\s+\w+|"
    r"when\s+i|once\s+i)\b|"
    # "gonna go for a run", "off to the shops": going now, not a to-do
    r"^\s*(?:i'?m\s+)?(?:gonna|going\s+to|about\s+to|off\s+to)\s+(?:go|head|pop)\b", _F)
_RE_ASKS_OTHERS = re.compile(r"^\s*(?:anyone|anybody|does\s+anyone|is\s+it\s+just\s+me|"
                             r"who\s+else)\b", _F)
# "cricket's on tonight", "emma's home sick today": a statement
_RE_IS_ON = re.compile(r"'s\s+(?:on|off|home|away|sick|out\s+of\s+town)\b", _F)
# "new keys cut for flat 1", "new tyres fitted": news of a thing done, never an add
_RE_NEW_DONE = re.compile(r"^new\s+(?:[\w'-]+\s+){1,2}?(?:" + _PAST_WORDS
                          + r"|[a-z]{3,}(?<!e)ed)\b", _F)
_BARE_MAX_CHARS = 300
# No command at all, only a date or tag to go on ("dentist friday 3pm"): the least sure add.
BARE_ADD_CONFIDENCE = 0.7  # a long message with a date in it is talk, not one task


def _rule_done_news(s: str, now_local: datetime, depth: int) -> Understanding | None:
    """A statement that starts with a past deed is news, never a dated add."""
    got = fallback.read(s) if depth == 0 else None
    return got if got is not None and got.rule == "fallback.news" else None


_NEGATED_DEED = lx.frozenwords("didn't didnt haven't havent hasn't hasnt couldn't couldnt "
                               "never")


# Words a to-do never says: a negation inside it or a deed told as finally done.
_RE_BARE_REMARK = re.compile(
    r"\b(?:can'?t|cannot|couldn'?t|won'?t|wouldn'?t|isn'?t|aren'?t|wasn'?t|weren'?t|"
    r"doesn'?t|haven'?t|hasn'?t|finally|again|still|if|nah)\b"
    # an exclamation: "praise the lord, what a service this morning"
    r"|\bpraise\s+(?:the\s+lord|god|jesus)\b|(?:^|,\s*)what\s+an?\s+[a-z]"
    # someone asked, the user answered: "ah seng ask when i want to pay, i say end of month"
    r"|\b(?:ask|asks|asked)\s+(?:when|if|whether|what|how)\b|\bi\s+(?:say|said)\b"
    r"|^no\s+(?!later\b)", _F)  # "no power again this morning": trouble, not a to-do


def _negated_deed(s: str) -> bool:
    words = s.lower().split(None, 3)[:3]
    if words and words[0] in ("i", "we"):
        words = words[1:]
    return bool(words) and (words[0] in _NEGATED_DEED
                            or words[:2] in (["did", "not"], ["have", "not"]))


def _rule_bare_add(s: str, now_local: datetime, depth: int) -> Understanding | None:
    """No command, but a date, time, priority, tag or recurrence: "dentist friday 3pm"."""
    if RE_WH_START.match(s) or "?" in s or len(s) > _BARE_MAX_CHARS:
        return None
    if _RE_CHATTER.search(s):
        return None
    if _negated_deed(s):
        return None  # "didn't get to the oil change today": news of a miss, not a to-do
    if _RE_BARE_REMARK.search(s):
        return None  # "half the volunteers cant make saturday now", "acme finally paid me"
    if _RE_FORGET_TOLD.match(s):
        return None  # "don't forget i'm away next week"
    if _RE_PAST_START.match(s):
        return None  # "skipped the gym again today oops": told, not a to-do
    if _RE_ASKS_OTHERS.match(s):
        return None  # "anyone else hate mondays or just me": a question without its mark
    e = extract(s, now_local)
    if not e.any or _RE_COPULA_START.match(e.rest) or _RE_COPULA_END.search(e.rest):
        return None  # "Tomorrow is my birthday", "my flight is tomorrow": statements
    have = _RE_HAVE_A.match(s)
    rest = extract(s[have.end() :], now_local).rest if have else e.rest
    if _RE_STATEMENT.search(rest) or _RE_NARRATIVE.match(rest) or _RE_TERSE_NEWS.match(s) \
            or _RE_IS_ON.search(s) or _verdict(rest):  # fmt: skip
        return None  # "the meeting went well this morning", "my kids have soccer on sundays"
    if have and not any(w in lx.EVENT_NOUNS for w in _RE_WORD.findall(s[have.end() :].lower())):
        return None  # "i have a headache today" is news; "i have a dentist appointment" a to-do
    drafts, _, conflict = drafts_of(_RE_HAVE_A.sub("", s, count=1), now_local)
    if not drafts:
        return None
    if len(drafts) > 1 and not all(d.due or d.recurrence for d in drafts):
        # "loadshedding stage 4 tonight, so that's fun": remarks strung together, not a
        # list of dated to-dos ("dentist friday 3pm, gym saturday 9am")
        return None
    if len(drafts) == 1 and is_placeholder(drafts[0].title):
        d = drafts[0]  # "something for tomorrow": ask what, keeping tomorrow
        return clarify("clarify.bare_placeholder", remind=False,
                       ents=Ents("", d.due, d.priority, d.tags, d.recurrence))
    confidence = BARE_ADD_CONFIDENCE - (CONFLICT_PENALTY if conflict else 0.0)
    return Understanding(intent=Intent.ADD, drafts=drafts[: MAX_DRAFTS + 1],
                         confidence=confidence, rule="add.bare_entities")  # fmt: skip


# A quoted title with a carrier around it: "put 'call bob' on my todo", "my list needs 'fix
# bike' on it", "put 'clean garage' for saturday". The quotes say where the title ends;
# what is left around it may only name the list or give a date, priority, tag or recurrence.
_RE_QUOTED_ADD = re.compile(
    r"^(?:(?:can|could|would|will)\s+(?:you|u|ya)\s+)?(?:please\s+)?(?:put|add|stick|pop|throw|"
    r"chuck|toss|bung|slap|shove|pencil(?:\s+in)?|"
    r"write(?:\s+down)?|jot(?:\s+down)?|include|enter|note(?:\s+down)?)\s+"
    r"(?P<q>[\"'])(?P<t>[^\"']{1,200})(?P=q)(?P<rest>[^\"']{0,200})$"
    r"|^(?P<list>(?:my|the|our)\s+(?:[\w-]+\s+){0,2}?(?:list|todos?|to-?dos?|to-?do\s+list|"
    r"todo\s+list|tasks|reminders))\s+(?:needs|should\s+have|could\s+use|is\s+missing)\s+"
    r"(?P<q2>[\"'])(?P<t2>[^\"']{1,200})(?P=q2)(?P<rest2>[^\"']{0,200})$",
    _F,
)
_RE_QUOTED_WHERE = re.compile(
    r"^(?:on|to|in|onto|into)\s+(?:it|there|(?:my|the|our)\s+(?:[\w-]+\s+){0,2}?(?:list|todos?|"
    r"to-?dos?|to-?do\s+list|todo\s+list|tasks|reminders|agenda|calendar))\b|"
    r"^(?:as\s+a\s+(?:task|todo|reminder))\b|"
    r"^(?:on|in|down)(?=(?:\s+(?:for\s+me|please|pls|there))*$)",  # "pop 'X' on for me"
    _F,
)


def _rule_quoted(s: str, now_local: datetime, depth: int) -> Understanding | None:
    m = _RE_QUOTED_ADD.match(s)
    if not m:
        return None
    title = (m["t"] or m["t2"] or "").strip()
    rest = (m["rest"] if m["t"] else m["rest2"]) or ""
    rest = rest.strip(" ,;:-")
    where = _RE_QUOTED_WHERE.match(rest)
    phrase = m["list"] or (where.group(0).split(" ", 1)[-1] if where else "")
    named = list_tag(phrase) if phrase.lower() not in ("it", "there") else None
    rest = rest[where.end() :].strip(" ,;:-") if where else rest
    e = extract(rest, now_local) if rest else None
    if e is not None and RE_TITLE_TRIM.sub("", e.rest).strip(" ,;:-.!"):
        return None  # more words than a list or a date: not only a quoted title
    if not title or is_placeholder(title):
        return None
    tags = e.tags if e else ()
    if named and named not in tags:
        tags = (*tags, named)
    draft = TaskDraft(
        title=title, due=e.due if e else None, priority=e.priority if e else None,
        tags=tags, recurrence=e.recurrence if e else None,
    )  # fmt: skip
    return Understanding(intent=Intent.ADD, drafts=(draft,), confidence=0.95,
                         rule="add.quoted")  # fmt: skip


# The order is meaning; docs/NLU.md explains each step.
RULES: tuple[tuple[str, Rule], ...] = (
    ("assistant", _rule_assistant),  # alarms, timers, lights, music: not to-dos
    ("bulk", _rule_bulk),  # "delete all done tasks" before a single delete
    ("quoted", _rule_quoted),  # "put 'call bob' on my todo": the quotes bound the title
    ("redirect", _rule_redirect),  # "tomorrow remind me to X", "on my list remove X"
    ("summary", _rule_summary),  # "how am i doing?": counts, changes nothing
    ("query", _rule_query),  # "i want to hear my reminders": a LIST, never a task
    ("compound", _rule_compound),  # "i paid the bill so delete it", "X, can you add that"
    ("reminder", _frames_rule("reminder")),  # carriers that only mean "add"
    ("update", _rule_update),  # "remove the date from X" before "remove X"
    ("status", _rule_status),  # complete / reopen / delete ("finish X" is not an add)
    ("add", _frames_rule("add")),  # lists, verbs, needs
    ("list", _rule_list),  # "what's due today" before "X is due today"
    ("update_state", _rule_update_state),  # "X is due monday"
    ("news", _rule_news),  # "i picked up the cake", "the oven is clean"
    ("done_news", _rule_done_news),  # "crossed the books off, returned them today"
    ("bare_add", _rule_bare_add),  # the most speculative reading, last
)


def classify(s: str, now_local: datetime, depth: int = 0, *, small_talk: bool = True
             ) -> Understanding:  # fmt: skip
    """The first rule's reading of a cleaned, polite-stripped message (or UNKNOWN)."""
    if small_talk and len(s) <= _SMALL_TALK_MAX:
        talk = small_talk_intent(s)
        if talk is not None:
            return Understanding(intent=talk, rule=f"small_talk.{talk.value}")
    if RE_NEGATED.match(s):
        # "don't bother with the car wash": a removal the fallback reads, else talk
        got = fallback.read(s) if depth == 0 else None
        return got or _unknown("negated")  # "don't mark it done": a negated command is never done
    s = spoken_numbers(fix_carrier_words(fix_past_typo(fix_first_word(s))))
    tail = _RE_REMIND_TAIL.search(s) if depth < _MAX_DEPTH and (
        "," in s or ".." in s or "\u2026" in s or "forget" in s) else None
    if tail and tail.start() > 0:
        # "dentist at 13:00 tomorrow, remind me": the carrier said last
        # the request after it settles any doubt said before ("i should probably X, can
        # you put that down")
        head = _RE_DOUBT_WORDS.sub(" ", s[: tail.start()]).strip()
        said_when = _RE_WHEN_POLITE.sub(
            "", tail["when"] or tail["when2"] or tail["when3"] or "")
        if said_when:
            head = f"{head} {said_when.strip()}"
        got = classify(head, now_local, depth + 1, small_talk=False)
        said = tail.group(0).lower()
        if ((got.intent is Intent.UNKNOWN and got.rule == "no_rule") or (
                "remind" in said and got.intent is Intent.UPDATE)) and "?" not in head and (
                not RE_WH_START.match(head)):
            # "call mum, remind me", "i keep forgetting to X... remind me": the head is the task
            wished = _RE_WISH_LEAD.sub("", head, count=1) or head
            again = classify(f"remind me to {wished}", now_local, depth + 1, small_talk=False)
            if again.intent is Intent.ADD:
                got = again
        if got.intent is Intent.ADD and got.rule.startswith("add.bare"):
            # "i want to start flossing every night, add that please": what is wished
            got = _only_wished(got)
        if got.intent is Intent.CLARIFY or (got.intent is Intent.ADD and (
                got.rule.startswith("add.bare") or "remind" in said or " down" in said
                or "forget" in said or " up" in said or "let me" in said)):
            return _replace(got, rule=f"remind_tail>{got.rule}",
                            confidence=max(got.confidence, 0.85))  # fmt: skip
    for _name, rule in RULES:
        got = rule(s, now_local, depth)
        if got is not None:
            return got
    # No rule read it: a statement that a task is done, matched only to one clear task
    return (fallback.read(s) if depth == 0 else None) or _unknown("no_rule")


# ---------------------------------------------------------------- helpers


def _only_wished(got: Understanding) -> Understanding:
    """An add whose titles say the wish too ("i'd really like to get around to cleaning out
    the gutters"): the titles without it."""
    def wished(title: str) -> str:
        bare = _RE_WISH_LEAD.sub("", _RE_DOUBT_WORDS.sub("", title), count=1)
        return _RE_GET_AROUND.sub("", bare, count=1).strip() or title
    return _replace(got, drafts=tuple(msgspec.structs.replace(d, title=wished(d.title))
                                      for d in got.drafts))


def _named(got: Understanding, rule: str) -> Understanding:
    if got.rule:
        return got
    return _replace(got, rule=rule)


def _replace(u: Understanding, **changes: Any) -> Understanding:
    return msgspec.structs.replace(u, **changes)


_CONTEXT_PRONOUNS = lx.frozenwords("him her them it there he she they")


def _in_context(ref: TaskRef, reason: str) -> TaskRef:
    """ "the landlord fixed the heater so delete calling him": "him" is in the reason, so
    the reason's words join the reference (the resolver's word match reads them)."""
    words = ref.title.lower().split() if ref.title else []
    if words and not _CONTEXT_PRONOUNS.isdisjoint(words):
        return TaskRef(title=f"{ref.title} {reason}")
    if len(words) == 1 and len(words[0]) > 5 and words[0].endswith("ing"):
        # "the exam is over so delete the studying one": "studying" is "study for the exam"
        return TaskRef(title=f"{ref.title} {reason}")
    return ref


def _with_tag(u: Understanding, tag: str) -> Understanding:
    drafts = tuple(
        TaskDraft(title=d.title, due=d.due, priority=d.priority,
                  tags=d.tags if tag in d.tags else (*d.tags, tag), recurrence=d.recurrence)
        for d in u.drafts
    )  # fmt: skip
    return _replace(u, drafts=drafts)


_RE_TITLE_CLOCK = re.compile(
    r"\b\d{1,2}(?::\d\d)?\s?(?:am|pm)\b|\bo'?clock\b|\b(?:at|by)\s+\d{1,2}\b", _F
)


def _gate(u: Understanding) -> Understanding:
    """Caps and confidence: cut to the caps, lower confidence for doubtful titles, and ask
    (or do nothing) below CONFIDENCE_THRESHOLD."""
    confidence = u.confidence
    # One past the cap is kept: the pipeline's turn budget (agents.act.Limits) then adds the
    # first 50 and says so, or refuses a message naming more than 50 tasks.
    if len(u.drafts) > MAX_DRAFTS:
        u = _replace(u, drafts=u.drafts[: MAX_DRAFTS + 1])
        confidence = min(confidence, TRUNCATED_CONFIDENCE)
    if len(u.refs) > MAX_REFS:
        u = _replace(u, refs=u.refs[: MAX_REFS + 1])
        confidence = min(confidence, TRUNCATED_CONFIDENCE)
    if any(_RE_TITLE_CLOCK.search(d.title) for d in u.drafts):
        confidence -= TITLE_CLOCK_PENALTY
    confidence = round(max(0.0, min(1.0, confidence)), 2)
    if confidence != u.confidence:
        u = _replace(u, confidence=confidence)
    if u.intent not in _CHANGES or confidence >= CONFIDENCE_THRESHOLD:
        return u
    if u.intent is Intent.ADD and len(u.drafts) == 1:
        d = u.drafts[0]
        return _replace(
            clarify("clarify.low_confidence", remind=False,
                    ents=Ents("", d.due, d.priority, d.tags, d.recurrence)),
            confidence=confidence,
        )  # fmt: skip
    return _unknown("low_confidence", confidence)


# ---------------------------------------------------------------- the pending question

_DISMISS = frozenset(lx.DISMISS_PHRASES)
# A check mark after an add command is part of the title ("add buy flowers ✅"), not "done".
_RE_ADD_START = re.compile(r"^(?:add|new|create|todo|remind|put|note)\b", _F)
_ACKS = lx.frozenwords("ok okay k sure yes yeah yep yup hmm hm cool fine alright great nice what")
_RE_ANSWER_EDGES = re.compile(r"^[\s\"'.,!:;-]+|[\s\"'.,!;-]+$")


def _dismissal(text: str) -> bool:
    t = " ".join(_RE_ANSWER_EDGES.sub("", text.lower()).split())
    return t in _DISMISS


def _answer(got: Understanding, s: str, pending: PendingQuestion, now_local: datetime
            ) -> Understanding:  # fmt: skip
    """The next message after a question: fill the pending draft's title with it."""
    draft = pending.draft or TaskDraft(title="")
    if got.intent is Intent.ADD and len(got.drafts) == 1:
        d = got.drafts[0]
        merged = TaskDraft(
            title=d.title,
            due=d.due or draft.due,
            priority=d.priority or draft.priority,
            tags=tuple(dict.fromkeys((*d.tags, *draft.tags))),
            recurrence=d.recurrence or draft.recurrence,
        )
        return _replace(got, drafts=(merged,), rule=f"pending.answer>{got.rule}")
    if got.intent is Intent.CLARIFY and got.pending is not None and got.pending.draft is not None:
        new = got.pending.draft
        merged = TaskDraft(
            title="",
            due=new.due or draft.due,
            priority=new.priority or draft.priority,
            tags=tuple(dict.fromkeys((*new.tags, *draft.tags))),
            recurrence=new.recurrence or draft.recurrence,
        )
        return _replace(got, pending=PendingQuestion(intent=pending.intent, slot="title",
                                                     draft=merged))  # fmt: skip
    if got.intent is not Intent.UNKNOWN or got.rule.startswith(("small_talk", "negated", "query")):
        return got  # another command: understood as itself (the thread drops the question)
    if "?" in s or RE_WH_START.match(s) or s.lower() in _ACKS or len(s.split()) > 30:
        return got
    e = extract(s, now_local)
    title = clean_title(clean_slot(e.rest))
    if not title or is_placeholder(title):
        return got
    return Understanding(
        intent=Intent.ADD,
        drafts=(
            TaskDraft(
                title=title,
                due=e.due or draft.due,
                priority=e.priority or draft.priority,
                tags=tuple(dict.fromkeys((*e.tags, *draft.tags))),
                recurrence=e.recurrence or draft.recurrence,
            ),
        ),
        confidence=0.9,
        rule="pending.answer",
    )


# ---------------------------------------------------------------- entry point


# Someone else calling it off on the user: a plan fell through, no task was cancelled.
_RE_LET_DOWN = re.compile(
    r"\b(?:cancell?ed|bailed|flaked|pulled\s+out)\s+on\s+(?:us|me|him|her|them)\b", _F)
_RE_SKIP_TASK = re.compile(
    r"^skip(?=\s+(?:the|my|that|this)\s+(?:reminder|task|todo|to-do)\s+(?:to|for|about)\b)", _F)
_RE_CLAUSE = re.compile(r"\s*[,;]\s*|\s+so\s+")
_RE_IS_AHEAD = re.compile(r"\s(?:is|are|'s)$", _F)
# A word or two said beside the deed that names nothing: "…, had a £4 fine, annoying. can you
# remove it", "…, so yeah that one's finished"
_RE_REMARK_REF = re.compile(
    r"^(?:(?:so|and|yeah|ok|okay|well|but)\s+)*(?:annoying|annoyingly|typical|brilliant|lovely|"
    r"unbelievable|ridiculous|crazy|mental|madness|daylight\s+robbery|rip\s+off|"
    r"great|fab|finally|cheers|lol|ugh|yay|sadly|whatever|anyway|phew|thank\s+god|that|it|this|"
    r"that\s+one|this\s+one)$", _F)
# What will happen next, said beside the deed: "ordered the hymnals, they'll be here in two weeks"
_RE_WILL_HAPPEN = re.compile(r"^(?:they|it|he|she|you)(?:'ll|\s+will|\s+should)\s+be\b", _F)
_RE_WHEN_POLITE = re.compile(r"\s+(?:please|pls|plz|bab|babe|hun|love|mate|pet|thanks)\b.*$",
                             _F)
# A plan the user tells, with no request ("i'll sort the car insurance at the weekend",
# "going to tesco in a bit"): talk, never a task (a request says remind/add/put).
_RE_FUTURE_TOLD = re.compile(
    r"^(?:i'?ll|ill|i\s+will|we'?ll|we\s+will|i'?m\s+(?:gonna|going\s+to)|im\s+(?:gonna|going\s+to)|"
    r"we'?re\s+(?:gonna|going\s+to)|gonna|going\s+to)\s+(?!.*\b(?:remind|add|put|list|note|"
    r"forget|remember)\b)", _F)
# An exclamation of opinion ("amazing weather in cape town today"): talk.
_RE_OPINION = re.compile(
    r"^(?:amazing|lovely|gorgeous|beautiful|terrible|awful|horrible|brilliant|crazy|"
    r"mad|stunning|miserable|grim)\s", _F)
_RE_ITEM_AGAIN = re.compile(
    r"^(add|put|get|stick|pop)\s+[^,.]{1,80}(?:,|\.+|\u2026)\s*(?:no|nah|oh)[,\s]+"
    r"(?:wait|actually|sorry)[,\s]+(?:just\s+|make\s+(?:it|that)\s+)?", _F)
# A command taken back and said again: "add eggs and... no actually just add bread".
_RE_SAID_AGAIN = re.compile(
    r"\b(?:no|nah|nope|oh)[,.\s]+(?:actually|wait|sorry)[,.\s]+(?:just\s+)?"
    r"(?=(?:add|put|remind|set|make\s+(?:it|that))\b)", _F)


def _understand(text: str, now: datetime, tz: ZoneInfo, memory: MemoryView | None) -> Understanding:
    s = clean(text if isinstance(text, str) else "")
    if s and not has_check_mark(s[:2]):
        s = _RE_LEAD_SYMBOLS.sub("", s, count=1) or s  # "🛒 add oat milk"
    if not s:
        return _unknown("empty")
    pending = memory.pending if memory is not None else None
    if pending is not None and _dismissal(s):
        return Understanding(intent=Intent.DISMISS, rule="pending.dismiss")
    if len(s) <= _SMALL_TALK_MAX:
        talk = small_talk_intent(s)
        if talk is not None:
            return Understanding(intent=talk, rule=f"small_talk.{talk.value}")
    if has_check_mark(s):
        s = check_mark_as_done(s, is_add=_RE_ADD_START.match(s) is not None)
    s0, s = s, strip_polite(s)
    if not s:
        if RE_DONE_ALONE.match(s0):  # "✅" alone
            return Understanding(intent=Intent.COMPLETE, refs=(TaskRef(pronoun=True),),
                                 rule="status.check_mark")  # fmt: skip
        return _unknown("only_politeness")
    if "skip" in s:
        s = _RE_SKIP_TASK.sub("delete", s, count=1)  # "skip the reminder to water the plants"
    if " on " in s and _RE_LET_DOWN.search(s) and not _RE_CLAUSE.search(s):
        return _unknown("let_down")  # "the babysitter cancelled on us": news, no cancel
    if "actually" in s or "wait" in s or "sorry" in s:
        fixed = _RE_SAID_AGAIN.search(s)
        if fixed is not None and fixed.end() < len(s):
            s = s[fixed.end():]  # "add eggs and... no actually just add bread": said again
        else:
            # "add eggs, no wait just bread to the list": the item said again
            s = _RE_ITEM_AGAIN.sub(r"\1 ", s, count=1)
    now_local = dates.local_now(now, tz)
    # Small talk was tried on the whole message above; again only if politeness was cut.
    if _RE_DID_QUESTION.match(s):
        return _unknown("question")  # "did the parcel arrive": asking, never news
    if s[:4].lower() in ("next", "the ", "when"):
        s = _RE_NEXT_TIME.sub("", s, count=1) or s  # "next time i'm in town i need to X"
    got = classify(s, now_local, small_talk=s != s0)
    if ((got.intent is Intent.UNKNOWN and got.rule == "no_rule") or got.rule in _TERSE_NEWS) \
            and "," in s:
        # "i wish i was better at flossing, put floss every night on the list", "my sister's
        # coming over…, can you remind me to buy lumpia wrappers": a command after a remark
        said_last = s.rsplit(",", 1)[1].strip()
        last = strip_polite(said_last)
        if _RE_COMMAND_LAST.match(last) and (got.intent is Intent.UNKNOWN or (
                _RE_ASKED.match(said_last))):  # "…, put new rope on it" after news: told
            again = classify(last, now_local, small_talk=False)
            if again.intent is Intent.ADD:
                got = again
    if got.intent is Intent.UNKNOWN and got.rule == "no_rule":
        cut = max(s.rfind(f"{c} ") for c in _LAST_CUTS)
        last = s[cut + 2:].strip() if cut > 0 else ""
        if last and _RE_DROP_LAST.match(last):
            again = classify(strip_polite(last), now_local, small_talk=False)
            if again.intent in (Intent.DELETE, Intent.COMPLETE) and again.refs and not any(
                    ref.pronoun for ref in again.refs):
                got = again
    if got.rule.startswith("add.desire"):
        got = _only_wished(got)  # "i should really get the boiler serviced"
    if got.rule.startswith(("add.desire", "add.bare")) and (
            _RE_HEDGE.match(s0) or _RE_SOMEDAY.search(s0) or _RE_HEDGE_ANY.search(s0)
            or _RE_FUTURE_TOLD.match(s) or _RE_OPINION.match(s)
            or _RE_PLAN_TOLD.match(s0) or (got.rule.startswith("add.bare") and "?" in s0)):
        got = _unknown("hedged")  # a plan said with doubt is talk: "maybe i'll wash the car"
    elif got.rule.startswith(("add.desire", "add.bare")) and (
            _RE_MOOT.search(s0) or fallback.told_by_user(s0) or _RE_FEELING.search(s0)
            or _RE_LINKED.match(s0) or (got.rule.startswith("add.bare") and "!!" in s0)):
        # "first snow today!!", "permit APPROVED!!!": an exclamation is news
        # "gonna wear my sister's blazer so no shopping needed", "mom and i talked for an
        # hour this afternoon": news, not a to-do (its mentions may name the task)
        got = _unknown("no_rule")
    if got.intent in (Intent.COMPLETE, Intent.DELETE) and got.rule.startswith(
            ("status.news", "fallback.")) and fallback.still_ahead(s0):
        got = _unknown("still_ahead")  # "my airtime is finished again": ran out, not done
    if pending is not None:
        got = _answer(got, s, pending, now_local)
    if got.intent in (Intent.COMPLETE, Intent.DELETE) and len(got.refs) > 1:
        # Said beside the thing done, not another task (each dropped while one is left):
        # what the user did to get there ("spent all morning weeding, the garden is done"),
        # what is still to do ("sent the patels their gallery, still need to bill them"),
        # what is ahead ("met the solicitor today, signing is next month": "is" left).
        for aside in (fallback.told, _RE_STILL_TO_DO.search, _RE_IS_AHEAD.search,
                      _RE_WILL_HAPPEN.match, _RE_REMARK_REF.match):
            kept = tuple(r for r in got.refs if not (r.title and aside(r.title)))
            if kept and len(kept) < len(got.refs):
                got = _replace(got, refs=kept)
    return _with_mention(_gate(got), s)


_NEWS = ("status.news", "status.state")  # news is matched by its things, not loosely
# A reference that is a sentence ("dad's parcel is wrapped and") is not a task's name.
_RE_SAID_AS_NEWS = re.compile(r"\b(?:is|are|was|were|been)\b|'s\s+\w+ed\b", _F)
# "we have eggs now": maybe a to-do ("we have soccer at 5"), maybe news that one is done.
_RE_HAVE_NOW = re.compile(r"^(?:we|i)\s+(?:have|'ve\s+got|got)\s+(?!to\b)", _F)


def _with_mention(got: Understanding, s: str) -> Understanding:
    """The reading, with the mention readings of the same message (fallback.mentions) when
    it has some, for the pipeline to try: beside talk no rule read, beside a completion or
    removal (when its own references name no task), beside an add said without a command
    ("new tires are on the car" is news when a task is about tires)."""
    if got.intent is Intent.ADD:
        if not (got.rule.startswith("add.bare") or s[:4].lower() == "new "
                or _RE_HAVE_NOW.match(s)):  # fmt: skip
            return got  # an add command stays one ("add milk, i finished the bread")
    elif got.intent is Intent.UNKNOWN and got.rule not in ("no_rule", "negated"):
        # talk some rule read ("…supposed to rain all week"): only a cancel said outright
        # ("skip the car wash") names a task in it
        cancels = tuple(m for m in fallback.mentions(s) if m.kind == "cancel")
        return _replace(got, mentions=cancels) if cancels else got
    elif got.intent not in (Intent.COMPLETE, Intent.DELETE) and got.intent is not Intent.UNKNOWN:
        return got
    named = tuple(ref.title for ref in got.refs
                  if ref.title and not _RE_SAID_AS_NEWS.search(ref.title))  # fmt: skip
    command = bool(named) and got.rule.startswith(("status", "compound")) and not (
        got.rule.startswith(_NEWS))
    # a command is news only when a reference reads as told ("trash went out last night"
    # is not "trash <went out last night>") or a remark follows it
    told = not command or "," in s or " so " in s or any(map(fallback.told, named))
    loose = fallback.mentions(s) if told else ()
    if not loose and got.rule.startswith(_NEWS) and fallback.by_someone_else(s):
        # another person's deed on their own thing ("my neighbor painted his garage")
        return _unknown("news_of_others")
    if got.intent is Intent.ADD and (any(m.kind == "answer" or m.state == "arrived"
                                         for m in loose) or _RE_NEW_DONE.match(s)):  # fmt: skip
        # "new passport arrived in the mail": news, never a to-do, whatever task it names
        return _replace(_unknown("news"), mentions=loose)
    if command:
        # a command's own words, matched loosely when they name no task as said
        # ("take the plant watering off" / "water plants")
        return _replace(got, mentions=(*loose, Mention(kind="named", refs=named,
                                                          intent=got.intent)))  # fmt: skip
    # news and its verdict ("the cake for maya is sorted, one less thing") whose words name
    # no task as said: told plainly, like talk no rule read
    plainly = fallback.told_done(s) if (got.intent is Intent.UNKNOWN and got.rule == "no_rule") or (
        not loose and got.rule == "compound.done_tail") else None
    if plainly:
        loose = (*loose, Mention(kind="told", refs=(plainly,)))  # the weakest, last
    return _replace(got, mentions=loose) if loose else got


def understand(
    text: str, *, now: datetime, tz: ZoneInfo, memory: MemoryView | None = None
) -> Understanding:
    """One chat message → intent and entities (agents.types.Understander); never raises.

    `now` is the turn's aware clock and `tz` the user's zone: relative dates resolve in it.
    `memory` holds the question the agent asked last, if any: the message may answer it.
    """
    try:
        return _understand(text, now, tz, memory)
    except Exception:
        # A rule bug must degrade to "unknown" (nothing changes), never break the turn.
        return _unknown("error", 0.0)
