"""Date, time and recurrence phrases for the understand stage.

Pure functions over a text and the turn's clock: `scan` finds phrase spans ("tomorrow at
5pm", "every monday", "dec 5"), `resolve` turns the chosen spans into an ISO due string
and an RRULE. No I/O and no clock reads; the rules for ambiguous forms are in docs/NLU.md.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from agents.nlu import lexicon as lx

__all__ = ["Token", "When", "looks_like_when", "parse_when", "resolve", "scan"]


class Token(NamedTuple):
    """One recognised phrase: its span and what it contributes."""

    start: int
    end: int
    day: date | None = None
    clock: time | None = None
    rule: str | None = None
    exact: datetime | None = None
    weak: bool = False  # a bare part of day ("morning") only counts next to a date
    wd: int | None = None  # weekday of a bare weekday phrase, to refine WEEKLY rules
    vague: bool = False  # a part of day ("tonight", "evening"): an explicit time wins
    bare: bool = False  # an hour without am/pm ("at 8"): "tonight at 8" makes it PM


class When(NamedTuple):
    """Result of `parse_when`: resolved due/recurrence and the spans used."""

    due: str | None
    recurrence: str | None
    spans: tuple[tuple[int, int], ...]


_FLAGS = re.IGNORECASE

_WD_NAMES = lx.WEEKDAY_NAMES
_WD_INDEX: dict[str, int] = {}
for _i, _names in enumerate(_WD_NAMES):
    for _n in _names:
        _WD_INDEX[_n] = _i
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Short forms that are also ordinary words ("sun", "sat", "wed") need a modifier.
_WD_AMBIGUOUS = frozenset({"mon", "tue", "wed", "weds", "thu", "sat", "sun"})
_WD_ALT = "|".join(sorted(_WD_INDEX, key=len, reverse=True))

_MONTHS = lx.MONTHS
_MON_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))

_NUMBER_WORDS = lx.COUNT_WORDS
_NUM_ALT = (
    r"\d{1,3}|a\s+couple(?:\s+of)?|couple(?:\s+of)?|a\s+few|few|an?|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|eleven|twelve"
)

# Words that may introduce a date phrase and are removed with it ("due on friday"). They are
# matched backwards from a phrase found by the cheaper core patterns below: an optional
# leading group would make every pattern try all of them at every position.
_PRE_WORDS = (
    r"(?:\b(?:due(?:\s+(?:on|by|at|in))?|on|by|before|b4|for|from|starting(?:\s+on)?|"
    r"beginning|until|till|til|scheduled\s+(?:for|on)|no\s+later\s+than|this\s+coming|"
    r"sometime|later)\s+)+"
)
_RE_PRE_TAIL = re.compile(_PRE_WORDS + "$", re.IGNORECASE)
# A verb whose object is followed by "on" ("put the oven on", "leave the porch light on")
_RE_PARTICLE_ON = re.compile(
    r"\b(?:put|turn|switch|leave|keep|pop|stick|throw|plug)\s+(?:[\w']+\s+){0,3}"
    r"(?!(?:out|up|off|away|back|down|in)\s)[\w']+\s+$", re.IGNORECASE)
_TAIL = r"(?![\w/]|:\d)"

_PARTS = {"morning": time(9), "afternoon": time(15), "arvo": time(15), "evening": time(19),
          "night": time(20)}
# A meal or an outing said with a bare hour tells its half of the day ("dinner at nandos at
# half seven", "breakfast with gran at 11").
_RE_EVENING_THING = re.compile(
    r"\b(?:dinner|supper|drinks|date\s+night|pub|party|gig|concert|movie|cinema|takeaway)\b",
    _FLAGS)
_RE_MORNING_THING = re.compile(r"\b(?:breakfast|brekkie|brunch)\b", _FLAGS)


def day_half_hint(text: str) -> time | None:
    """The part of day a meal or an outing in `text` implies, if any."""
    if _RE_EVENING_THING.search(text):
        return _PARTS["evening"]
    if _RE_MORNING_THING.search(text):
        return _PARTS["morning"]
    return None

_RE_RELDAY = re.compile(
    r"(?=[t2doec])"  # first characters: lets the engine skip ahead ("the morra": Scots)
    r"\b(?P<rd>today|tonight|tonite|tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|"
    r"tmrow|2morrow|2moro|(?:the\s+)?day\s+after\s+tomorrow|overmorrow|the\s+morra|"
    r"the\s+morn(?!ing)|"
    r"(?:the\s+)?end\s+of\s+(?:the\s+)?day|eod|cob|close\s+of\s+business)" + _TAIL,
    _FLAGS,
)
_RE_TIME_AHEAD = re.compile(
    r"\s+(?:at\s+|@\s*)?(?:\d{1,2}(?::\d\d)?\s*(?:am|pm)|\d{1,2}:\d\d|noon)\b|"
    r"\s+(?:morning|afternoon|arvo|evening|night)\b",
    _FLAGS,
)
_RE_WEEKDAY = re.compile(
    r"(?=[tncfmws])"
    r"\b(?:(?P<mod>this\s+coming|this|ne?xt|coming|the\s+following|following)\s+)?"
    r"(?P<wd>" + _WD_ALT + r")\.?" + _TAIL + r"(?:\s+(?P<wk>ne?xt\s+week|this\s+week|"
    r"after\s+next|of\s+ne?xt\s+week|of\s+this\s+week))?",
    _FLAGS,
)
_RE_OFFSET = re.compile(
    r"(?=[iwa0-9otfsencd])"
    r"\b(?:in|within|after)\s+(?:(?P<n>" + _NUM_ALT + r")\s+)?(?P<unit>minutes?|mins?|"
    r"hours?|hrs?|days?|weeks?|wks?|months?|years?|fortnight)\b(?:\s+time)?"
    r"|\b(?P<n2>" + _NUM_ALT + r")\s+(?P<unit2>minutes?|mins?|hours?|hrs?|days?|weeks?|"
    r"months?|years?)\s+from\s+(?:now|today)\b"
    r"|\b(?:in|within)\s+(?P<half>half\s+an?\s+hour|a\s+half[\s-]+hour|half[\s-]+hour)\b",
    _FLAGS,
)
_RE_PERIOD = re.compile(
    r"(?=[ntolebsw])"
    r"\b(?P<p>ne?xt\s+week(?:end)?|ne?xt\s+month|ne?xt\s+year|this\s+week(?:end)?|"
    r"(?:the|this|over\s+the)\s+weekend|later\s+this\s+week|early\s+next\s+week|"
    r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:week|month|year)|"
    r"(?:the\s+)?end\s+of\s+ne?xt\s+(?:week|month)|eow|eom|"
    r"(?:the\s+)?last\s+day\s+of\s+(?:the\s+|this\s+)?month|"
    r"(?:the\s+)?(?:beginning|start)\s+of\s+(?:the\s+)?next\s+(?:week|month))" + _TAIL,
    _FLAGS,
)
_RE_MONTHDAY = re.compile(
    r"(?=[jfmasond0-9t])"
    r"\b(?:(?P<mon>" + _MON_ALT + r")\.?\s+(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r"|(?:the\s+)?(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>" + _MON_ALT + r")\.?)"
    r"(?![\w:%])(?:,?\s+(?P<y>\d{4})\b)?",
    _FLAGS,
)
_RE_NUMDATE = re.compile(
    r"(?=[0-9])"
    r"\b(?:(?P<iy>\d{4})([-/])(?P<im>\d{1,2})\2(?P<id>\d{1,2})"
    r"|(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?)(?![\w/:.-])"
    r"(?!\s+(?:of|cups?|tsp|tbsp|teaspoons?|tablespoons?|inch(?:es)?|miles?|lbs?|kg|oz|pounds?)\b)",
    _FLAGS,
)
_RE_MONTHDAY_ONLY = re.compile(
    r"(?=[tmwfs0-9])"
    # "the 7th", "monday the 7th" (the weekday only confirms it), "the 7th of next month",
    # "renew it on 10th" (no "the" after on/by/before/until)
    r"(?:\b(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?,?\s+)?"
    r"the\s+|(?<=\bon\s)|(?<=\bby\s)|(?<=\bbefore\s)|(?<=\buntil\s))(?P<d>\d{1,2})(?:st|nd|rd|th)"
    r"(?:\s+of\s+(?P<next>(?:the\s+)?ne?xt\s+month)\b|(?:\s+of\s+(?:the|this)\s+month)?"
    r"(?=\s*$|\s*[,.;!?)]|\s+(?:at|@|by|in|on|and|p[1-4]|#|every|for|\d)\b|\s*[#@]))",
    _FLAGS,
)
_RE_TIME_AMPM = re.compile(
    r"(?=[abf@0-9])"
    r"(?:\b(?:at|by|around|before|from|@)\s*|@\s*)?\b(?P<h>\d{1,2})(?:[:.](?P<mi>[0-5]\d))?"
    r"(?:\s*(?P<ap>a\.m\.?|p\.m\.?|am|pm)|(?P<ap2>a|p))(?![a-z0-9])",
    _FLAGS,
)
_RE_TIME_24 = re.compile(
    r"(?=[abf@0-9])"
    r"(?:\b(?:at|by|around|before|from)\s+|@\s*)?\b(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)"
    r"(?![\d:])(?:\s*h\b|\s*hrs\b)?"
    r"|(?:\b(?:at|by|around|before|from)\s+|@\s*)(?P<h2>[01]?\d|2[0-3])\.(?P<mi2>[0-5]\d)(?![\d.])"
    r"|(?:\b(?:at|by|around|before|from)\s+|@\s*)(?P<h3>[01]\d|2[0-3])(?P<mi3>[0-5]\d)"
    r"(?:\s*(?:h|hrs|hours))?\b",
    _FLAGS,
)
_RE_TIME_BARE = re.compile(
    r"(?=[ab@0-9])"
    r"(?:\b(?:at|around|by)\s+|@\s*)(?P<h>\d{1,2})(?:\s*o'?clock)?(?![\w/:.%])"
    r"(?!\s*(?:st|nd|rd|th|days?|weeks?|months?|years?|hours?|minutes?|mins?|people|"
    r"persons?|items?|pieces?|times|percent|of)\b)"
    # a house number: "put the board up at 12 Birch Avenue"
    r"(?!\s+[A-Za-z]+\s+(?:avenue|ave|road|rd|street|st|lane|ln|close|drive|dr|way|court|"
    r"crescent|terrace|grove|gardens|place|row|square|walk)\b)"
    r"|\b(?P<h2>\d{1,2})\s*o'?clock\b",
    _FLAGS,
)
_RE_TIME_NAMED = re.compile(
    r"(?=[abnmld])"
    r"(?P<pre>\b(?:at|by|around|before)\s+)?\b(?P<nm>noon|midday|midnight|lunch(?:time)?|"
    r"dinner(?:time)?|breakfast)\b",
    _FLAGS,
)
_RE_PART = re.compile(
    r"(?=[titelmanf])"
    r"\b(?:(?P<pmod>this|in\s+the|tomorrow|tmrw|tonight|today)\s+)?(?:(?:early|late)\s+)?"
    r"(?P<part>morning|afternoon|arvo|evening|night|first\s+thing(?:\s+in\s+the\s+morning)?)\b",
    _FLAGS,
)
_WDP = r"(?:" + _WD_ALT + r")"
_RE_REC_WD = re.compile(
    r"(?=[eormtwfs])"
    r"(?P<pre>\b(?:every|each|on|repeat(?:s|ing)?\s+on)\s+)?(?:(?P<other>other|second|2nd|alternate)\s+)?"
    r"(?P<wds>"
    + _WDP
    + r"(?:(?:\s*(?:,|and|&|\+|/|or)\s*(?:and\s+)?|\s+)"
    + _WDP
    + r")*)"
    + _TAIL
    + r"(?:\s+(?:and\s+)?(?P<part>morning|afternoon|evening|night)s?\b)?",
    _FLAGS,
)
_RE_REC_UNIT = re.compile(
    r"(?=[e])"
    r"\b(?:every|each)\s+(?:(?P<other>other|second|alternate)\s+|(?P<n>" + _NUM_ALT + r")\s+)?"
    r"(?P<unit>single\s+day|day|days|weekday|weekdays|workday|workdays|business\s+days?|"
    r"weekend|weekends|week|weeks|month|months|year|years|hour|hours|morning|mornings|"
    r"afternoon|afternoons|evening|evenings|night|nights)\b"
    r"(?:\s+on\s+the\s+(?:(?P<md>\d{1,2})(?:st|nd|rd|th)?|(?P<mdw>first|last))\b)?",
    _FLAGS,
)
_RE_REC_ADV = re.compile(
    r"(?=[dewbfmqyahno])"
    r"(?:\bon\s+)?\b(?P<adv>daily|everyday|weekly|biweekly|bi-weekly|fortnightly|monthly|quarterly|"
    r"yearly|annually|hourly|nightly|weeknights|weekdays|workdays|weekends|"
    r"once\s+an?\s+(?:day|week|month|year|fortnight))\b(?:\s+on\s+the\s+(?P<md>\d{1,2})"
    r"(?:st|nd|rd|th)?\b)?"
    r"(?=\s*$|\s*[,.;!?)]|\s+(?:at|on|from|starting|until|in|by|and|every|due|p[1-4]|"
    r"\d|" + _WDP + r")\b|\s*[#@])",
    _FLAGS,
)
_ORDINAL_DAY = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "fifteenth": 15, "twentieth": 20, "last": -1,
}  # fmt: skip
_ORD_WORDS = "|".join(_ORDINAL_DAY)
_RE_REC_MONTHDAY = re.compile(
    # "first of every month remind me…": "the" may be left out
    r"(?=[otefsnl0-9])(?:(?:\bon\s+)?\bthe\s+|\b)(?:(?P<md>\d{1,2})(?:st|nd|rd|th)?|(?P<mdw>"
    + _ORD_WORDS + r"))\s+"
    r"(?:day\s+)?of\s+(?:every|each)\s+month\b"
    r"|\bevery\s+(?P<md2>\d{1,2})(?:st|nd|rd|th)(?:\s+of\s+(?:the|every)\s+month)?\b"
    r"(?!\s+" + _WDP + _TAIL + r")",
    _FLAGS,
)

_NTH = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
}
_NTH_ALT = "first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last"
_WD_FULL = (
    r"(?:mondays?|tuesdays?|tues|wednesdays?|weds?|thursdays?|thurs?|fridays?|fri|saturdays?|"
    r"sat|sundays?|sun|mon|tue)"
)
# "the first monday of next month", "the last friday in december": one date.
_RE_NTH_WD = re.compile(
    r"(?=[tf1-5l])"
    r"\b(?:the\s+)?(?P<nth>" + _NTH_ALT + r")\s+(?P<wd>" + _WD_FULL + r")\s+(?:of|in)\s+"
    r"(?P<which>(?:the\s+|this\s+)?month|ne?xt\s+month|" + _MON_ALT + r")\b",
    _FLAGS,
)
# "every 3rd friday of the month", "on the first monday of every month": a monthly rule.
_RE_REC_NTH_WD = re.compile(
    r"(?=[eo])"
    r"\b(?:every|each|on\s+the|on\s+every|on\s+each)\s+(?P<nth>" + _NTH_ALT + r")\s+"
    r"(?P<wd>" + _WD_FULL + r")\s+(?:of|in)\s+(?:the|each|every|a)\s+month\b"
    r"|\b(?:the\s+)?(?P<nth2>" + _NTH_ALT + r")\s+(?P<wd2>" + _WD_FULL + r")\s+(?:of|in)\s+"
    r"(?:every|each)\s+month\b"
    r"|\bmonthly\s+on\s+the\s+(?P<nth3>" + _NTH_ALT + r")\s+(?P<wd3>" + _WD_FULL + r")\b",
    _FLAGS,
)


def _wd_of(name: str) -> int:
    n = name.lower()
    if n not in _WD_INDEX and n.endswith("s"):
        n = n[:-1]
    return _WD_INDEX[n]


def _nth_weekday(year: int, month: int, wd: int, nth: int) -> date | None:
    if nth > 0:
        first = date(year, month, 1)
        d = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
        return d if d.month == month else None
    last = date(year, month, _month_len(year, month))
    return last - timedelta(days=(last.weekday() - wd) % 7)


def _tok_nth_wd(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    nth = _NTH[m["nth"].lower()]
    wd = _wd_of(m["wd"])
    which = " ".join(m["which"].lower().split()).replace("nxt", "next")
    if which.endswith("next month"):
        first = _add_months(today.replace(day=1), 1)
        d = _nth_weekday(first.year, first.month, wd, nth)
    elif which.endswith("month"):
        d = _nth_weekday(today.year, today.month, wd, nth)
        if d is not None and d < today:
            first = _add_months(today.replace(day=1), 1)
            d = _nth_weekday(first.year, first.month, wd, nth)
    else:
        month = _MONTHS[which]
        year = today.year
        d = _nth_weekday(year, month, wd, nth)
        if d is not None and d < today:
            d = _nth_weekday(year + 1, month, wd, nth)
    return Token(m.start(), m.end(), day=d) if d else None


def _tok_rec_nth_wd(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    nth = _NTH[(m["nth"] or m["nth2"] or m["nth3"]).lower()]
    wd = _wd_of(m["wd"] or m["wd2"] or m["wd3"])
    return Token(m.start(), m.end(), rule=f"FREQ=MONTHLY;BYDAY={_RRULE_DAYS[wd]};BYSETPOS={nth}")


# The same gate as substrings: a test per needle is much cheaper than a regex search with
# dozens of alternatives over a long message.
_HINT_NEEDLES = (
    "tod",
    "ton",
    "tom",
    "tmr",
    "2mor",
    "morrow",
    "day",
    "eod",
    "cob",
    "week",
    "month",
    "year",
    "night",
    "noon",
    "morning",
    "afternoon",
    "arvo",
    "evening",
    "midnight",
    "lunch",
    "dinner",
    "breakfast",
    *_MONTHS,
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "every",
    "each",
    "daily",
    "ly",
    "eow",
    "eom",
    "clock",
    "weekend",
    "fortnight",
    "hour",
    "min",
    "first thing",
    "close of",
)


_RE_DIGIT = re.compile(r"\d")


def looks_like_when(text: str) -> bool:
    """Return True if `text` may contain a date, time or recurrence phrase."""
    if _RE_DIGIT.search(text):
        return True
    low = text.lower()
    return any(n in low for n in _HINT_NEEDLES)


def _num(word: str | None) -> int:
    if not word:
        return 1
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word, 1)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    day = min(d.day, _month_len(year, month))
    return date(year, month, day)


def _month_len(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def _next_weekday(today: date, wd: int, *, include_today: bool) -> date:
    delta = (wd - today.weekday()) % 7
    if delta == 0 and not include_today:
        delta = 7
    return today + timedelta(days=delta)


def _future_date(today: date, month: int, day: int, year: int | None) -> date | None:
    """A month/day without a year means its next occurrence on or after today."""
    try:
        if year is not None:
            if year < 100:
                year += 2000
            return date(year, month, day)
    except ValueError:
        return None
    for y in range(today.year, today.year + 5):  # Feb 29 waits for a leap year
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if d >= today:
            return d
    return None


def _h_bare(h: int) -> int:
    # A bare "at 5" / "5:30" means the waking-hours reading: 1-7 are PM, 8-11 AM.
    return h + 12 if 1 <= h <= 6 else h


def _tok_relday(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    rd = " ".join(m["rd"].lower().split())
    if rd == "today":
        return Token(m.start(), m.end(), day=today)
    if rd in ("tonight", "tonite"):
        return Token(m.start(), m.end(), day=today, clock=time(20), vague=True)
    if (
        rd in ("eod", "cob", "close of business")
        or rd.endswith("end of day")
        or rd.endswith("of the day")
    ):
        # A time of day only: "eod friday" is Friday 17:00, "eod" alone the next 17:00.
        return Token(m.start(), m.end(), clock=time(17), vague=True)
    if "after" in rd or rd == "overmorrow":
        return Token(m.start(), m.end(), day=today + timedelta(days=2))
    return Token(m.start(), m.end(), day=today + timedelta(days=1))


# An ambiguous short weekday ("sat", "wed", "sun") also counts after "to" ("move X to sat"),
# or at the very end of the text after an ordinary word ("mow lawn sat"), but not after an
# article or a pronoun ("sit in the sun", "where we sat").
_RE_WD_THE = re.compile(r"\bthe\s+$", _FLAGS)
# "ring mam about sunday dinner": the meal or event named by its day, not a date
_RE_WD_ABOUT = re.compile(r"\b(?:about|re|regarding|for\s+our|for\s+my|our|my)\s+$", _FLAGS)
_RE_WD_NOUN = re.compile(
    r"\s+(?:dinner|lunch|roast|brunch|service|mass|school|club|league|paper|papers|market|"
    r"shift|football|footy|game|match|rota|class|classes|meeting|run|ride|walk|swim)\b", _FLAGS)
_RE_WD_TO = re.compile(r"\b(?:to|til|till|until)\s+$", _FLAGS)
_RE_WD_END = re.compile(r"\s*[.!?]*\s*(?:(?:[#@][\w-]+|p[1-4])\s*)*$", _FLAGS)
_RE_WD_WORD_BEFORE = re.compile(
    r"(?<![#@\w])(?!(?:a|an|my|your|his|her|our|their|this|that|i|we|you|he|she|they|it|who|"
    r"just|had|have|has|was|were|is|in|on|the|of)\s)[^\W\d_][\w'-]*\s+$",
    _FLAGS,
)


def _tok_weekday(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    name = m["wd"].lower()
    wd = _WD_INDEX[name]
    mod = (m["mod"] or "").lower().replace("nxt", "next")
    wk = (m["wk"] or "").lower().replace("nxt", "next")
    before = m.string[max(0, m.start() - 40) : m.start()]
    if (
        not (mod or pre)
        and _RE_WD_THE.search(before)
        and not _RE_TIME_AHEAD.match(m.string, m.end())
    ):
        return None  # "the sunday league", "the friday meeting": a noun, not a date
    if not (mod or wk) and _RE_WD_ABOUT.search(before) and _RE_WD_NOUN.match(m.string, m.end()):
        return None  # "ring mam about sunday dinner", "our saturday run"
    if (
        name in _WD_AMBIGUOUS
        and not (mod or pre or _RE_TIME_AHEAD.match(m.string, m.end()))
        and not _RE_WD_TO.search(before)
        and not (_RE_WD_END.match(m.string, m.end()) and _RE_WD_WORD_BEFORE.search(before))
    ):
        return None
    if name.endswith("s") and name not in ("tues", "thurs", "weds") and not mod:
        return None  # plural weekdays are recurrences
    monday = today - timedelta(days=today.weekday())
    if wk.endswith("next week") or (mod == "next" and not wk):
        d = monday + timedelta(days=7 + wd)
    elif "after next" in wk:
        d = monday + timedelta(days=14 + wd)
    elif mod == "this" or wk.endswith("this week"):
        d = monday + timedelta(days=wd)
        if d < today:
            d += timedelta(days=7)
    else:
        d = _next_weekday(today, wd, include_today=False)
    return Token(m.start(), m.end(), day=d, wd=None if (mod or wk) else wd)


def _tok_offset(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    if m["half"]:  # "in half an hour"
        base = now.replace(second=0, microsecond=0).astimezone(UTC)
        return Token(
            m.start(), m.end(), exact=(base + timedelta(minutes=30)).astimezone(now.tzinfo)
        )
    unit = (m["unit"] or m["unit2"]).lower()
    n = _num(m["n"] or m["n2"])
    if n > 999:
        return None
    if unit.startswith(("min", "hour", "hr")):
        secs = n * (60 if unit.startswith("min") else 3600)
        # Elapsed time, not wall time: add in UTC so a DST change in between is respected.
        base = now.replace(second=0, microsecond=0).astimezone(UTC)
        exact = (base + timedelta(seconds=secs)).astimezone(now.tzinfo)
        return Token(m.start(), m.end(), exact=exact)
    if unit.startswith("day"):
        d = today + timedelta(days=n)
    elif unit.startswith(("week", "wk")):
        d = today + timedelta(weeks=n)
    elif unit == "fortnight":
        d = today + timedelta(weeks=2 * n)
    elif unit.startswith("month"):
        d = _add_months(today, n)
    else:
        d = _add_months(today, 12 * n)
    return Token(m.start(), m.end(), day=d)


def _tok_period(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    p = " ".join(m["p"].lower().split()).replace("nxt", "next")
    monday = today - timedelta(days=today.weekday())
    if p in ("next week", "early next week") or (
        p.startswith(("beginning", "start")) and (p.endswith("week"))
    ):
        d = monday + timedelta(days=7)
    elif p.endswith("next month") and not p.startswith("end"):
        d = _add_months(today.replace(day=1), 1)
    elif p == "next year":
        d = date(today.year + 1, 1, 1)
    elif p == "next weekend":
        d = monday + timedelta(days=12)
    elif p.endswith("weekend"):
        d = _next_weekday(today, 5, include_today=True)
    elif (
        p in ("this week", "later this week", "eow")
        or p.endswith("of the week")
        or (p.endswith("of week") or p.endswith("of this week"))
    ):
        d = monday + timedelta(days=4)
        if d < today:
            d = today
    elif p.endswith("next week"):
        d = monday + timedelta(days=11)
    elif p.endswith("next month"):
        first = _add_months(today.replace(day=1), 1)
        d = first.replace(day=_month_len(first.year, first.month))
    elif p.endswith("month") or p == "eom":  # also "last day of the month"
        d = today.replace(day=_month_len(today.year, today.month))
    elif p.endswith("year"):
        d = date(today.year, 12, 31)
    else:
        return None
    return Token(m.start(), m.end(), day=d)


def _tok_monthday(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    mon = (m["mon"] or m["mon2"]).lower().rstrip(".")
    day = int(m["d"] or m["d2"])
    if mon == "may" and not pre and m["mon"] and not m["y"]:
        # "may 5" could be the modal verb; accept it only as a clear date phrase.
        before = m.string[: m.start()].rstrip().lower()
        if before.endswith(("i", "we", "you", "it", "he", "she", "they")):
            return None
    y = int(m["y"]) if m["y"] else None
    d = _future_date(today, _MONTHS[mon], day, y)
    return Token(m.start(), m.end(), day=d) if d else None


def _tok_numdate(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    if m["iy"]:
        try:
            d: date | None = date(int(m["iy"]), int(m["im"]), int(m["id"]))
        except ValueError:
            return None
    else:
        mo, dy = int(m["m"]), int(m["d"])
        if mo > 12 >= dy:
            mo, dy = dy, mo  # "31/12" can only be day/month
        d = _future_date(today, mo, dy, int(m["y"]) if m["y"] else None)
    return Token(m.start(), m.end(), day=d) if d else None


def _tok_monthday_only(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    d = _add_months(today.replace(day=1), 1) if m["next"] else today
    for _ in range(13):  # the next month that has this day
        if day <= _month_len(d.year, d.month):
            cand = date(d.year, d.month, day)
            if cand >= today:
                return Token(m.start(), m.end(), day=cand)
        d = _add_months(d.replace(day=1), 1)
    return None


def _tok_ampm(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    h = int(m["h"])
    mi = int(m["mi"] or 0)
    ap = (m["ap"] or m["ap2"] or "").lower()
    if not 1 <= h <= 12:
        return None
    if ap.startswith("p") and h != 12:
        h += 12
    elif ap.startswith("a") and h == 12:
        h = 0
    return Token(m.start(), m.end(), clock=time(h, mi))


def _tok_24(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    if m["h3"]:  # "at 0900": four-digit 24-hour time
        return Token(m.start(), m.end(), clock=time(int(m["h3"]), int(m["mi3"])))
    digits = m["h"] or m["h2"]
    h, mi = int(digits), int(m["mi"] or m["mi2"])
    if len(digits) == 2 and digits[0] == "0":  # "07:00": written as a 24-hour clock
        return Token(m.start(), m.end(), clock=time(h, mi))
    return Token(m.start(), m.end(), clock=time(_h_bare(h), mi), bare=h < 12)


def _tok_bare(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    h = int(m["h"] or m["h2"])
    if h > 23:
        return None
    return Token(m.start(), m.end(), clock=time(_h_bare(h)), bare=h < 12)


def _tok_named(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    nm = m["nm"].lower()
    if nm in ("noon", "midday"):
        return Token(m.start(), m.end(), clock=time(12))
    if nm == "midnight":
        return Token(m.start(), m.end(), clock=time(23, 59))
    if not m["pre"]:
        return None  # "buy lunch" is a title, "at lunch" is a time
    # a meal is about a time: a clock said with it wins ("around lunch, like 12:30")
    if nm.startswith("lunch"):
        return Token(m.start(), m.end(), clock=time(12), vague=True)
    if nm.startswith("dinner"):
        return Token(m.start(), m.end(), clock=time(19), vague=True)
    return Token(m.start(), m.end(), clock=time(8), vague=True)


def _tok_part(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    part = m["part"].lower()
    if part.startswith("first"):
        return Token(m.start(), m.end(), clock=time(9))  # "first thing tomorrow"
    clock = _PARTS[part]
    pmod = " ".join((m["pmod"] or "").lower().split())
    if pmod in ("this", "today", "tonight"):
        return Token(m.start(), m.end(), day=today, clock=clock, vague=True)
    if pmod in ("tomorrow", "tmrw"):
        return Token(m.start(), m.end(), day=today + timedelta(days=1), clock=clock, vague=True)
    if pmod == "in the":
        return Token(m.start(), m.end(), clock=clock, vague=True)
    return Token(m.start(), m.end(), clock=clock, weak=True, vague=True)


def _tok_rec_wd(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    names = re.findall(_WDP, m["wds"], _FLAGS)
    lead = (m["pre"] or "").lower().strip()
    plural = any(
        n.lower().endswith("s") and n.lower() not in ("tues", "thurs", "weds") for n in names
    )
    if not (lead.startswith(("every", "each", "repeat")) or plural):
        return None
    days = sorted({_WD_INDEX[n.lower()] for n in names})
    rule = "FREQ=WEEKLY;" + ("INTERVAL=2;" if m["other"] else "")
    rule += "BYDAY=" + ",".join(_RRULE_DAYS[d] for d in days)
    clock = _PARTS[m["part"].lower()] if m["part"] else None
    return Token(m.start(), m.end(), rule=rule, clock=clock)


_UNIT_FREQ = {
    "day": "DAILY",
    "week": "WEEKLY",
    "month": "MONTHLY",
    "year": "YEARLY",
    "hour": "HOURLY",
}
_WEEKDAYS_RULE = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def _tok_rec_unit(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    unit = " ".join(m["unit"].lower().split())
    n = 2 if m["other"] else _num(m["n"])
    interval = f";INTERVAL={n}" if n > 1 else ""
    clock = None
    if unit.startswith(("weekday", "workday", "business")):
        rule = _WEEKDAYS_RULE
    elif unit.startswith("weekend"):
        rule = "FREQ=WEEKLY" + interval + ";BYDAY=SA,SU"
    elif unit.rstrip("s") in _PARTS:
        rule = "FREQ=DAILY" + interval
        clock = _PARTS[unit.rstrip("s")]
    else:
        base = unit.split()[-1].rstrip("s")
        rule = "FREQ=" + _UNIT_FREQ[base] + interval
    if m["md"] or m["mdw"]:
        md = (1 if m["mdw"].lower() == "first" else -1) if m["mdw"] else int(m["md"])
        if not rule.startswith("FREQ=MONTHLY") or not (1 <= md <= 31 or md == -1):
            return None
        rule += f";BYMONTHDAY={md}"
    return Token(m.start(), m.end(), rule=rule, clock=clock)


_ADV_RULE = {
    "daily": "FREQ=DAILY", "everyday": "FREQ=DAILY", "weekly": "FREQ=WEEKLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2", "bi-weekly": "FREQ=WEEKLY;INTERVAL=2",
    "fortnightly": "FREQ=WEEKLY;INTERVAL=2", "monthly": "FREQ=MONTHLY",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3", "yearly": "FREQ=YEARLY",
    "annually": "FREQ=YEARLY", "hourly": "FREQ=HOURLY", "nightly": "FREQ=DAILY",
    "weeknights": _WEEKDAYS_RULE, "weekdays": _WEEKDAYS_RULE, "workdays": _WEEKDAYS_RULE,
    "weekends": "FREQ=WEEKLY;BYDAY=SA,SU", "once a day": "FREQ=DAILY",
    "once a week": "FREQ=WEEKLY", "once a month": "FREQ=MONTHLY", "once a year": "FREQ=YEARLY",
    "once a fortnight": "FREQ=WEEKLY;INTERVAL=2",
}  # fmt: skip


def _tok_rec_adv(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    adv = " ".join(m["adv"].lower().replace(" an ", " a ").split())
    rule = _ADV_RULE[adv]
    clock = time(20) if adv in ("nightly", "weeknights") else None
    if m["md"]:
        if rule != "FREQ=MONTHLY" or not 1 <= int(m["md"]) <= 31:
            return None
        rule += f";BYMONTHDAY={int(m['md'])}"
    return Token(m.start(), m.end(), rule=rule, clock=clock)


def _tok_rec_md(m: re.Match[str], today: date, now: datetime, pre: bool) -> Token | None:
    md = _ORDINAL_DAY[m["mdw"].lower()] if m["mdw"] else int(m["md"] or m["md2"])
    if md == -1:
        return Token(m.start(), m.end(), rule="FREQ=MONTHLY;BYMONTHDAY=-1")
    if not 1 <= md <= 31:
        return None
    return Token(m.start(), m.end(), rule=f"FREQ=MONTHLY;BYMONTHDAY={md}")


_DIGITS = "0123456789"
_WD_NEEDLES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_REC_NEEDLES = (
    "weekdays",
    "workdays",
    "weekends",
    "every",
    "each",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "annually",
    "hourly",
    "nightly",
    "fortnightly",
    "quarterly",
    "weeknights",
    "once a",
    "days ",
    "days,",
    "repeat",
)
# (pattern, token maker, takes leading "due/on/by" words, cheap substrings one of which the
# lowercased text must contain for the pattern to be worth running; "" means a digit).
_SCANNERS = (
    (_RE_REC_NTH_WD, _tok_rec_nth_wd, False, ("month",)),
    (_RE_NTH_WD, _tok_nth_wd, True, ("month", *_MONTHS)),
    (_RE_REC_MONTHDAY, _tok_rec_md, False, ("month", "every")),
    (_RE_REC_UNIT, _tok_rec_unit, False, ("every", "each")),
    (_RE_REC_WD, _tok_rec_wd, False, ("days", *_REC_NEEDLES)),
    (_RE_REC_ADV, _tok_rec_adv, False, _REC_NEEDLES),
    (_RE_PART, _tok_part, True, ("morning", "afternoon", "arvo", "evening", "night",
                                 "first thing")),
    (
        _RE_RELDAY,
        _tok_relday,
        True,
        ("tod", "ton", "tom", "tmr", "2mor", "morrow", "eod", "cob", "end of", "close of",
         "the morra", "the morn"),
    ),
    (
        _RE_PERIOD,
        _tok_period,
        True,
        ("week", "month", "year", "eow", "eom", "end of", "start of", "beginning"),
    ),
    (_RE_WEEKDAY, _tok_weekday, True, _WD_NEEDLES),
    (_RE_OFFSET, _tok_offset, True, ("in ", "within", "after", "from now", "from today")),
    (_RE_MONTHDAY, _tok_monthday, True, ("",)),
    (_RE_NUMDATE, _tok_numdate, True, ("/", "-")),
    (_RE_MONTHDAY_ONLY, _tok_monthday_only, True, ("the", "")),
    (_RE_TIME_AMPM, _tok_ampm, False, ("a", "p")),
    (_RE_TIME_24, _tok_24, False, (":", ".", "at ", "@")),
    (_RE_TIME_BARE, _tok_bare, False, ("at", "@", "around", "by", "clock")),
    (
        _RE_TIME_NAMED,
        _tok_named,
        False,
        ("noon", "midday", "midnight", "lunch", "dinner", "breakfast"),
    ),
)
_ALL_NEEDLES = frozenset(n for *_, needles in _SCANNERS for n in needles if n)
_PARTICLE_TOKENS = frozenset({_tok_relday, _tok_part})
_NEEDS_DIGIT = frozenset(
    {_tok_monthday, _tok_numdate, _tok_monthday_only, _tok_ampm, _tok_24, _tok_bare}
)


def scan(text: str, now_local: datetime) -> list[Token]:
    """Find non-overlapping date/time/recurrence phrases in `text`, left to right.

    `now_local` is the turn's clock already converted to the user's time zone. Several rules
    read the same span, so recent results are cached (the function is pure).
    """
    return list(_scan_cached(text, now_local))


@lru_cache(maxsize=256)
def _scan_cached(text: str, now_local: datetime) -> tuple[Token, ...]:
    return tuple(_scan(text, now_local))


def _scan(text: str, now_local: datetime) -> list[Token]:
    """The uncached `scan`."""
    low = text.lower()
    has_digit = _RE_DIGIT.search(text) is not None
    # Which scanner needles occur, tested once for all scanners (they share many).
    present = {n for n in _ALL_NEEDLES if n in low}
    if has_digit:
        present.add("")
    elif not present:
        return []
    today = now_local.date()
    found: list[Token] = []
    for rx, make, takes_pre, needles in _SCANNERS:
        if make in _NEEDS_DIGIT and not has_digit:
            continue
        if present.isdisjoint(needles):
            continue
        for m in rx.finditer(text):
            start = m.start()
            pm = _RE_PRE_TAIL.search(text, max(0, start - 40), start) if takes_pre else None
            if pm is not None and make in _PARTICLE_TOKENS and pm.group(0).strip().lower() == "on" \
                    and _RE_PARTICLE_ON.search(text, max(0, pm.start() - 40), pm.start()):
                pm = None  # "put the oven on tomorrow": the verb's "on", not the date's
            tok = make(m, today, now_local, pm is not None)
            if tok is None or tok.end <= tok.start:
                continue
            if pm is not None:
                tok = tok._replace(start=pm.start())
            found.append(tok)
    if not found:
        return found
    # Leftmost wins, then the longest; ties keep scanner order (recurrences first).
    found.sort(key=lambda t: (t.start, t.start - t.end))
    chosen: list[Token] = []
    last_end = -1
    for tok in found:
        if tok.start >= last_end:
            chosen.append(tok)
            last_end = tok.end
    if any(t.weak for t in chosen):
        chosen = [t for i, t in enumerate(chosen) if not t.weak or _anchored(text, chosen, i)]
    return _drop_partial(text, chosen)


# A phrase read only in part ("the first monday of the quarter", "in a week and a quarter")
# must not leave half of itself in the title: its pieces are all dropped and the whole phrase
# stays in the title (the understander lowers its confidence when a title holds date words).
_RE_DANGLING_BEFORE = re.compile(
    r"\b(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+$", _FLAGS
)
_RE_DANGLING_AFTER = re.compile(r"\s+(?:of\b|and\s+a\s+(?:half|quarter)\b)", _FLAGS)
_RE_CONNECTOR_GAP = re.compile(r"(?:\s+|\b(?:of|the|in|and|a|half|quarter|on)\b)*", _FLAGS)


def _drop_partial(text: str, toks: list[Token]) -> list[Token]:
    bad = [
        (t.wd is not None or t.exact is not None or (t.day is not None and t.clock is None))
        and (
            _RE_DANGLING_BEFORE.search(text, max(0, t.start - 12), t.start) is not None
            or _RE_DANGLING_AFTER.match(text, t.end) is not None
        )
        for t in toks
    ]
    if not any(bad):
        return toks
    for _ in range(2):  # spread to pieces joined by "of"/"the"/"and" (both directions)
        for i in range(1, len(toks)):
            gap = _RE_CONNECTOR_GAP.fullmatch(text, toks[i - 1].end, toks[i].start)
            if gap is not None and (bad[i - 1] or bad[i]):
                bad[i - 1] = bad[i] = True
    return [t for t, b in zip(toks, bad, strict=True) if not b]


def _anchored(text: str, toks: list[Token], i: int) -> bool:
    # "friday morning": a bare part of day needs a date or recurrence right before it.
    if i == 0:
        return False
    prev = toks[i - 1]
    return (prev.day is not None or prev.rule is not None) and not text[
        prev.end : toks[i].start
    ].strip()


def _at(d: date, t: time, tz: ZoneInfo) -> datetime:
    # Round-trip through UTC so a wall time inside a DST gap moves forward, not back.
    return (
        datetime(d.year, d.month, d.day, t.hour, t.minute, tzinfo=tz).astimezone(UTC).astimezone(tz)
    )


@lru_cache(maxsize=128)
def _rrule(rule: str, start: datetime) -> rrule | None:
    """A parsed RRULE (parsing costs more than stepping it; rules repeat across messages)."""
    try:
        parsed = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError):
        return None
    return parsed if isinstance(parsed, rrule) else None


def first_occurrence(rule: str, now_local: datetime, clock: time | None) -> str:
    """First occurrence of `rule` on/after today (or after now when a time is given).

    Computed with `dateutil.rrule`, the one RRULE engine the app uses (act.py schedules the
    next occurrence of a completed recurring task with it too).
    """
    tz = now_local.tzinfo
    today = now_local.date()
    if rule.startswith("FREQ=HOURLY") and clock is None:
        nxt = now_local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return nxt.isoformat()
    start = datetime(today.year, today.month, today.day)
    days = _rrule(rule, start)
    if days is None:
        return today.isoformat()
    if clock is None:
        first = days.after(start, inc=True)
        return (first.date() if first else today).isoformat()
    day = days.after(start, inc=True)
    for _ in range(3):  # today's occurrence may already be past (or fall in a DST gap)
        if day is None:
            break
        at = _at(day.date(), clock, tz)  # type: ignore[arg-type]
        if at > now_local:
            return at.isoformat()
        day = days.after(day)
    return today.isoformat()


def resolve(tokens: list[Token], now_local: datetime, *, hint: time | None = None
            ) -> tuple[str | None, str | None]:  # fmt: skip
    """Combine phrase tokens into (due, rrule); the first date and first time win. `hint`:
    the part of day the rest of the message implies (`day_half_hint`), for a bare hour."""
    day: date | None = None
    clock: time | None = None
    rule: str | None = None
    exact: datetime | None = None
    rule_clock: time | None = None
    vague_clock: time | None = None
    clock_bare = False
    weekday: int | None = None
    for t in tokens:
        if t.rule is not None:
            if rule is None:
                rule = t.rule
                rule_clock = t.clock
            elif "BYDAY=" in t.rule and rule.startswith("FREQ=WEEKLY") and "BYDAY" not in rule:
                rule += ";" + t.rule.split(";")[-1]  # "weekly on fridays"
            continue
        if t.exact is not None and exact is None and day is None:
            exact = t.exact
        if t.day is not None and day is None:
            day = t.day
            weekday = t.wd
        if t.clock is not None:
            if t.vague:
                vague_clock = t.clock if vague_clock is None else vague_clock
            elif clock is None:
                clock, clock_bare = t.clock, t.bare
    if (
        rule is not None
        and weekday is not None
        and rule.startswith("FREQ=WEEKLY")
        and "BYDAY" not in rule
    ):
        rule = f"{rule};BYDAY={_RRULE_DAYS[weekday]}"  # "every 2 weeks on monday"
    if (
        rule is not None
        and rule.startswith("FREQ=MONTHLY")
        and "BYMONTH" not in rule
        and "BYDAY" not in rule
        and day
    ):
        rule = f"{rule};BYMONTHDAY={day.day}"  # "on the 10th every month"
    # the part of day said with the time, or with the recurrence ("every morning at 7")
    hint = vague_clock if vague_clock is not None else rule_clock if rule_clock else hint
    if clock is None:
        clock = vague_clock
    elif clock_bare and hint is not None and hint.hour < 12 and clock.hour > 12:
        clock = clock.replace(hour=clock.hour - 12)  # "tomorrow morning at 7:15"
    elif clock_bare and hint is not None and hint.hour >= 15 and clock.hour < 12:
        clock = clock.replace(hour=clock.hour + 12)  # "tonight at 11", "every night at 10:30"
    tz = now_local.tzinfo
    if exact is not None and day is None:
        return exact.isoformat(), rule
    if clock is None:
        clock = rule_clock
    if day is not None:
        if clock is not None:
            return _at(day, clock, tz).isoformat(), rule  # type: ignore[arg-type]
        return day.isoformat(), rule
    if rule is not None:
        return first_occurrence(rule, now_local, clock), rule
    if clock is not None:
        # A time alone means its next occurrence: today if still ahead, else tomorrow.
        dt = _at(now_local.date(), clock, tz)  # type: ignore[arg-type]
        if dt <= now_local:
            dt = _at(now_local.date() + timedelta(days=1), clock, tz)  # type: ignore[arg-type]
        return dt.isoformat(), rule
    return None, rule


def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    """The turn's clock in the user's zone (a naive `now` is taken as already local)."""
    if now.tzinfo is None:
        return now.replace(tzinfo=tz)
    return now.astimezone(tz)


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """Scan `text` and resolve its date/time/recurrence phrases in one step."""
    now_local = local_now(now, tz)
    toks = scan(text, now_local)
    due, rule = resolve(toks, now_local, hint=day_half_hint(text))
    return When(due, rule, tuple((t.start, t.end) for t in toks))
