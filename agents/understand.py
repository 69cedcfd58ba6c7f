"""The understand stage: one chat message → an `Understanding` (intent + entities).

Deterministic rules over precompiled regexes; no I/O, no clock reads. The phrasings and the
rules for ambiguous forms are documented in docs/NLU.md. Conventions the resolve stage
relies on:

- `TaskRef.position` is 1-based in the last list shown; negative counts from the end
  ("the last one" → -1, "second to last" → -2). Ranges ("1-3") become one ref per position.
- Several refs come from commas, or from "and" when every part is a position/pronoun or a
  single word ("complete 1 and 3", "delete milk and eggs"); otherwise "and" stays inside
  the title ("complete call mom and dad" → one ref).
- Titles keep the user's casing, with verbs, articles and parsed phrases removed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agents.nlu import dates
from agents.types import Intent, TaskChanges, TaskDraft, TaskRef, Understanding
from store.tasks import Priority, TaskFilter

__all__ = ["understand"]

_F = re.IGNORECASE
_UNKNOWN = Understanding(intent=Intent.UNKNOWN)
_MAX_CHARS = 1000  # longer messages are cut; nobody types a 1000-character task title

# ---------------------------------------------------------------- cleaning

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2013": "-",
        "\u2014": "-",
        "\u2192": "->",
    }
)
_RE_NEWLINES = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
_RE_CTRL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\ufeff]")
_RE_WS = re.compile(r"\s+")
_RE_LEAD = re.compile(
    r"^(?:please|pls|plz|pleas|kindly|(?:could|can|would|will|cud|cn)\s+(?:you|u|ya)"
    r"(?:\s+please)?(?:\s+just)?|would\s+you\s+mind|do\s+me\s+a\s+favou?r(?:\s+and)?|"
    r"(?:i'?d|i\s+would)\s+like\s+you\s+to|i\s+(?:want|need)\s+you\s+to|go\s+ahead\s+and|"
    r"just|quickly|quick|ok(?:ay)?|k|alright|all\s+right|so|hey|hi|hello|yo|um+|uh+|er+m?|"
    r"oh|also|and|then|now|actually|oops|whoops|well|hmm+|right|sure|yes|yeah|yep|"
    r"(?:todo\s+)?bot|assistant|let'?s|lets|ah|wait|btw|by\s+the\s+way|one\s+more\s+thing|"
    r"hey\s+there|hi\s+there|good\s+(?:morning|afternoon|evening)|thanks|thank\s+you|"
    r"great|cool|perfect|awesome|nice|nvm|tell\s+me|you\s+can|you\s+could|u\s+can|finally|"
    r"already|never\s*mind|scratch\s+that|on\s+second\s+thought)"
    r"\b[\s,!.:;-]*",
    _F,
)
_RE_TRAIL = re.compile(
    r"(?:[\s,]+(?:please|pls|plz|thanks|thank\s+(?:you|u)|thx|ty|for\s+me|right\s+now|"
    r"if\s+(?:you\s+)?(?:can|could|possible)|thanks\s+a\s+lot|cheers|kthx|asap\s+please))+"
    r"(?:[\s!.?,;:~*]|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F])*$"
    r"|(?:[\s!.?,;:~*]|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F])+$",
    _F,
)


# Phone keyboards drop apostrophes: "its due friday", "thats done" start with "it's"/"that's".
_RE_TO_DO_LIST = re.compile(r"\bto\s+do\s+list\b", _F)
_RE_LEAD_CONTRACTION = re.compile(r"^(it|that|this|there|what)s\b", _F)
_RE_LEAD_I_CONTRACTION = re.compile(r"^(i)(m|ve)\b", _F)  # "im done", "ive finished"
# A check mark at either end of a command means "done" ("call mom ✅", "✅ pay rent").
_RE_CHECK_EDGE = re.compile(
    r"^[\u2705\u2714\u2611\u2713]\ufe0f?\s*|\s*[\u2705\u2714\u2611\u2713]\ufe0f?$"
)


def _clean(text: str) -> str:
    s = text[:_MAX_CHARS].translate(_QUOTES)
    s = _RE_NEWLINES.sub("; ", s)  # one item per line in pasted lists
    s = _RE_CTRL.sub(" ", s)
    s = _RE_WS.sub(" ", s).strip()
    if " do list" in s.lower():
        s = _RE_TO_DO_LIST.sub("todo list", s)  # "my to do list" = "my todo list"
    if s[:1] in "iItTwW":
        s = _RE_LEAD_CONTRACTION.sub(r"\1's", s, count=1)
        s = _RE_LEAD_I_CONTRACTION.sub(r"\1'\2", s, count=1)
    return s


def _check_mark_as_done(s: str) -> str:
    """ "call mom ✅" → "call mom done"; a lone check mark is left to _RE_DONE_ALONE."""
    m = _RE_CHECK_EDGE.search(s)
    if not m or m.end() - m.start() == len(s) or _RE_ADD.match(s):
        return s
    rest = (s[: m.start()] + " " + s[m.end() :]).strip()
    if _RE_HAS_DONE.search(rest):
        return rest  # "groceries done ✅"
    return ("done " + rest) if m.start() == 0 else (rest + " done")


_RE_HAS_DONE = re.compile(r"\b(?:done|finished|completed|complete)\b", _F)


def _strip_polite(s: str) -> str:
    for _ in range(6):
        t = _RE_LEAD.sub("", s, count=1)
        t = _RE_TRAIL.sub("", t, count=1).strip()
        if t == s:
            break
        s = t
    return s


# ---------------------------------------------------------------- small intents

_RE_GREETING = re.compile(
    r"^(?:[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]\s*)*(?:(?:hi+|he+y+a?|hel+o+|hiya|howdy|yo|sup|hola|hallo|greetings|hey\s+hey|helo|hello+|"
    r"good\s+(?:morning|afternoon|evening|day)|morning|evening|what'?s\s+up|wh?assup|wazzup|"
    r"how\s+are\s+(?:you|u)(?:\s+doing)?(?:\s+today)?|how'?s\s+it\s+going|how\s+are\s+things|"
    r"nice\s+to\s+meet\s+you|\U0001F44B)"
    r"(?:[\s,!.]+(?:there|bot|assistant|friend|everyone|all|again|buddy|mate|pal|you|"
    r"todo\s+bot|how\s+are\s+(?:you|u)|\U0001F44B))*)"
    r"(?:[\s!.?,\U0001F600-\U0001F64F]|[:;]-?[)(DPp3])*$",
    _F,
)
_RE_THANKS = re.compile(
    r"^(?:[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]\s*)*(?:(?:ok(?:ay)?|great|perfect|awesome|cool|nice|good|wonderful|excellent|brilliant|"
    r"super|amazing|fantastic|lovely|got\s+it|sweet)[\s,!.]+)?"
    r"(?:thanks|thank\s+(?:you|u|ya)|thx|thnx|thanx|tks|ty|tysm|tyvm|cheers|ta|merci|"
    r"much\s+appreciated|appreciate\s+(?:it|that)|many\s+thanks|thanks\s+a\s+(?:lot|bunch|ton)|"
    r"thank\s+you\s+so\s+much|that'?s\s+(?:great|perfect|helpful)|you'?re\s+(?:the\s+best|"
    r"awesome|a\s+star)|\U0001F64F|\U0001F44D)"
    r"(?:[\s,!.]+(?:so\s+much|very\s+much|a\s+lot|a\s+bunch|again|buddy|mate|bot|"
    r"for\s+(?:the|your)\s+help|for\s+that|for\s+helping|man|dude|that'?s\s+(?:all|it)|"
    r"\U0001F64F|\U0001F44D))*(?:[\s!.?,\U0001F600-\U0001F64F]|[:;]-?[)(DPp3])*$",
    _F,
)
_RE_HELP = re.compile(
    r"^(?:help(?:\s+me)?(?:\s+please)?|\?+|h[ea]lp|halp|assist|support|commands|usage|menu|"
    r"instructions|options|manual|what\s+(?:can|do|else\s+can)\s+(?:you|u|this\s+(?:bot|app|thing))\s+(?:do|understand)"
    r"(?:\s+for\s+me)?|what\s+(?:can|should|do)\s+i\s+(?:say|do|ask|type|write)"
    r"(?:\s+(?:here|you|to\s+you))?|"
    r"how\s+(?:does|do)\s+(?:this|it|you)(?:\s+(?:thing|bot|app))?\s+work|how\s+(?:do|can|should)\s+i\s+"
    r"(?:use|work)\s+(?:this|you|it)(?:\s+\w+)?|how\s+(?:do|can)\s+i\s+.{1,60}|"
    r"what\s+are\s+(?:the|your|my)\s+(?:commands|options)|show\s+(?:me\s+)?(?:the\s+)?"
    r"(?:commands|help|options)|list\s+(?:the\s+)?commands|who\s+are\s+you|what\s+are\s+you|"
    r"what\s+is\s+this|i'?m\s+(?:lost|confused|stuck)|i\s+need\s+help|"
    r"(?:can|could)\s+you\s+help(?:\s+me)?|(?:what|how)\s+(?:can|could)\s+you\s+help(?:\s+me)?(?:\s+with)?|what\s+do\s+you\s+understand|getting\s+started|"
    r"how\s+to\s+use(?:\s+this)?)$",
    _F,
)
_RE_UNDO = re.compile(
    r"^(?:un-?do|revert|undo\s+undo|ctrl\s*\+?\s*z|roll\s*back|rollback|go\s+back|"
    r"scratch\s+that(?=[\s!.]*$)|"
    r"take\s+(?:that|it)\s+back|reverse\s+(?:that|it)|put\s+it\s+back(?:\s+the\s+way\s+it\s+was)?)"
    r"(?:\s+(?:that|it|this|please|the\s+last\s+(?:one|change|action|thing|step|command)|"
    r"last(?:\s+(?:one|change|action|step))?|(?:my|that)\s+last\s+(?:change|action|command|message|thing|step)|"
    r"what\s+(?:you|i)\s+just\s+did|the\s+previous\s+(?:change|action)|change|action|"
    r"again|everything\s+i\s+just\s+did|the\s+(?:delete|deletion|edit|rename|move|update|"
    r"change|last\s+\w+|previous\s+\w+)|that\s+last\s+one|last\s+one))?$",
    _F,
)

# ---------------------------------------------------------------- typo tolerance

_VERBS = (
    "add", "create", "show", "list", "display", "complete", "finish", "delete", "remove",
    "cancel", "rename", "change", "move", "postpone", "reschedule", "mark", "check",
    "uncheck", "reopen", "untag", "undo", "clear", "search", "update", "schedule", "remind",
    "edit", "prioritize", "tag", "view", "find", "erase", "finished", "completed",
)  # fmt: skip
_VERB_SET = frozenset(_VERBS)


def _words(text: str) -> frozenset[str]:
    """A word set written as one string (easier to read than a long literal)."""
    return frozenset(text.split())


# Real words one edit away from a verb: never "correct" these.
_NOT_TYPOS = _words(
    "more love mode made lost last lust snow slow shoe shop shot dove gone none bone tone "
    "cone note nice mask park bark dark mare chance charge fine kind mind wind lead lift "
    "vest view vies shows slows lists check cheek chick leave mark make made mate sort sore "
    "move wove cove hove rove added dad ads aid odd and all ill tan tab tap tax rag edit "
    "edict exit clean clear cleat clean chef chew reach ramove remote derive delve dance "
    "fancy finch tinsel cancel canal camel muse most mist list lost fist gist feast find "
    "fund fond wand bind hind mind rind update upload search starch schedule search remind "
    "remand rewind view vie"
)


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein + adjacent transpositions)."""
    la, lb = len(a), len(b)
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        prev2, prev = prev, cur
    return prev[lb]


_RE_FIRST_WORD = re.compile(r"^([A-Za-z]+)\b")


def _fix_first_word(s: str) -> str:
    m = _RE_FIRST_WORD.match(s)
    if not m:
        return s
    w = m.group(1).lower()
    if len(w) < 4 or w in _VERB_SET or w in _NOT_TYPOS or w in _KNOWN_WORDS:
        return s
    best = None
    for v in _VERBS:
        if abs(len(v) - len(w)) <= 1 and (v[0] == w[0] or v[1] == w[1]) and _osa(w, v) == 1:
            best = v
            break
    return best + s[m.end() :] if best else s


_KNOWN_WORDS = _words(
    "what whats which when where who why how tell give show list call buy pick book pay "
    "email text send read write make take bring clean wash cook fix get go walk feed water "
    "plan finish done mark set push this that these those there then they them have need "
    "must should remind remember dont don't reopen uncheck please thanks help today "
    "tomorrow tonight next every also just okay sure yeah nope"
)

# ---------------------------------------------------------------- entities

_PRI_WORD: dict[str, Priority] = {
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
_LVL = r"top|highest|high|medium|med|normal|mid|moderate|low|lowest|urgent|max|maximum|min|minimum"
_RE_PRI = re.compile(
    r"(?=[watophmnluic(!])"
    r"(?:\b(?:with|at|as|to|a|an|of)\s+(?:an?\s+)?(?=(?:p|pri|prio|priority)\s*[:=]?\s*[1-4]\b|"
    r"(?:" + _LVL + r")[\s-]+(?:priority|prio|pri|importance)\b|priority\b))?"
    r"(?:\b(?:p|pri|prio|priority|prio\.)\s*[:=]?\s*(?P<n>[1-4])(?:s\b|\b)"
    r"|\b(?P<lvl>" + _LVL + r")[\s-]+(?:priority|prio|pri|importance)\b"
    r"|\b(?:priority|prio|pri)\s*(?:[:=]|\s+is|\s+of|\s+to|\s+as)?\s*(?P<lvl2>" + _LVL + r")\b"
    r"|\((?P<paren>urgent|important|asap)\)"
    r"|\b(?P<word>not\s+urgent|not\s+important|no\s+rush|top\s+priority|more\s+important|"
    r"less\s+important|less\s+urgent|more\s+urgent|higher\s+priority|lower\s+priority|urgent(?:ly)?|asap|"
    r"a\.s\.a\.p|important|critical)(?![\w.])"
    r"|(?<!\w)!!!?(?=\s|$))",
    _F,
)
_RE_PRI_BARE = re.compile(r"\b(?P<lvl>high|low|medium|normal|top|urgent|important|critical)\b", _F)
_RE_TAG = re.compile(
    r"(?=[#@tlw])"
    r"(?<![\w@#.+/-])[#@](?P<t>[^\W\d_][\w-]*)"
    r"|\b(?:tagged|labell?ed|with\s+(?:the\s+)?(?:tags?|labels?)|tags?:|labels?:)\s+"
    r"(?:as\s+|with\s+)?[#@]?(?P<t2>[^\W\d_][\w-]*)",
    _F,
)


def _pri_value(m: re.Match[str]) -> Priority:
    if m["n"]:
        return _PRI_WORD[m["n"]]
    key = m["lvl"] or m["lvl2"] or m["paren"] or m["word"]
    if key is None:
        return "urgent"  # "!!!"
    return _PRI_WORD.get(" ".join(key.lower().split()), "high")


def _find_priority(s: str) -> tuple[Priority | None, list[tuple[int, int]]]:
    pri: Priority | None = None
    spans: list[tuple[int, int]] = []
    for m in _RE_PRI.finditer(s):
        if pri is None:
            pri = _pri_value(m)
        spans.append(m.span())
    return pri, spans


def _find_tags(s: str) -> tuple[tuple[str, ...], list[tuple[int, int]]]:
    if "#" not in s and "@" not in s and "tag" not in s.lower() and "label" not in s.lower():
        return (), []
    tags: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _RE_TAG.finditer(s):
        t = (m["t"] or m["t2"]).lower().strip("-_")
        if t and t not in tags:
            tags.append(t)
        spans.append(m.span())
    return tuple(tags), spans


class _Ents:
    """Entities found in a span of text (title left over + parsed values)."""

    __slots__ = ("due", "priority", "recurrence", "rest", "tags")

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

    @property
    def any(self) -> bool:
        return bool(self.due or self.priority or self.tags or self.recurrence)


def _cut_keep_len(s: str, spans: list[tuple[int, int]]) -> str:
    for a, b in spans:
        s = s[:a] + " " * (b - a) + s[b:]
    return s


def _cut(s: str, spans: list[tuple[int, int]]) -> str:
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


def _outside_quotes(s: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Quoted text is a literal title: "add 'Prepare slides for Monday'" has no due date.
    if '"' not in s and "'" not in s:
        return spans
    quoted = [m.span() for m in _RE_QUOTED_SPAN.finditer(s)]
    return [sp for sp in spans if not any(a < sp[1] and sp[0] < b for a, b in quoted)]


def _entities(s: str, now_local: datetime, *, bare_priority: bool = False) -> _Ents:
    toks = dates.scan(s, now_local)
    if toks and ('"' in s or "'" in s):
        keep = set(_outside_quotes(s, [(t.start, t.end) for t in toks]))
        toks = [t for t in toks if (t.start, t.end) in keep]
    due, rule = dates.resolve(toks, now_local) if toks else (None, None)
    spans = [(t.start, t.end) for t in toks]
    pri, pspans = _find_priority(s)
    if pri is None and bare_priority:
        m = _RE_PRI_BARE.search(s)
        if m:
            pri, pspans = _PRI_WORD[m["lvl"].lower()], [m.span()]
    tags, tspans = _find_tags(s)
    if tspans and ('"' in s or "'" in s):
        kept = _outside_quotes(s, tspans)
        if len(kept) != len(tspans):
            tags, tspans = _find_tags(_cut_keep_len(s, [sp for sp in tspans if sp not in kept]))
    if pspans and ('"' in s or "'" in s):
        pspans = _outside_quotes(s, pspans)
        if not pspans:
            pri = None
    # A phrase already taken as a date must not also count as a priority/tag.
    pspans = [p for p in pspans if not any(a <= p[0] < b for a, b in spans)]
    rest = _cut(s, spans + pspans + tspans)
    return _Ents(rest, due, pri, tags, rule)


# ---------------------------------------------------------------- references

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "top": 1, "last": -1, "bottom": -1, "final": -1,
    "penultimate": -2, "thrid": 3, "frist": 1, "fisrt": 1, "secnod": 2, "forth": 4,
    "latest": -1, "newest": -1, "most recent": -1,
}  # fmt: skip
_RE_PRONOUN = re.compile(
    r"^(?:it|that|this|them|those|these|both|that\s+one|this\s+one|that\s+task|this\s+task|"
    r"the\s+task|that\s+item|this\s+item|the\s+item|(?:the\s+)?(?:one|task|item|todo|thing)\s+"
    r"(?:that\s+)?(?:i|you)\s+(?:just\s+|last\s+)?(?:added|created|mentioned|made|showed|put\s+in)|"
    r"the\s+(?:last|latest|newest|most\s+recent)\s+(?:one|task|item)\s+(?:i|you)\s+(?:just\s+)?"
    r"(?:added|created|made)|what\s+(?:i|you)\s+just\s+added|the\s+same\s+(?:one|task)|the\s+previous\s+one|"
    r"that\s+last\s+one|the\s+one\s+above|same\s+one|the\s+latter|the\s+former|"
    r"the\s+one|it\s+too|that\s+too|(?:both|all)\s+of\s+them)$",
    _F,
)
_RE_POS = re.compile(
    r"^(?:the\s+)?(?:(?:tasks?|items?|todos?|to-?dos?|numbers?|nos?\.?|num|#|n°)\s*)*"
    r"(?P<n>\d{1,3})(?:st|nd|rd|th|\.)?(?:\s+(?:ones?|tasks?|items?|todos?|to-?dos?|entry))?"
    r"(?:\s+(?:on|in|from|of)\s+(?:the|my|that)\s+list)?$",
    _F,
)
_RE_ORD = re.compile(
    r"^(?:the\s+)?(?:very\s+)?(?:(?:task|item|todo)\s+)?(?:number\s+|no\.?\s*|#)?(?P<o>first|second|third|fourth|fifth|sixth|seventh|"
    r"eighth|ninth|tenth|eleventh|twelfth|last|top|bottom|final|penultimate|one|two|three|"
    r"thrid|frist|fisrt|secnod|forth|latest|newest|most\s+recent|"
    r"four|five|six|seven|eight|nine|ten|(?P<k>second|2nd|third|3rd)[\s-]+(?:to[\s-]+|from[\s-]+"
    r"(?:the[\s-]+)?)?last|next[\s-]+to[\s-]+last|one\s+before\s+(?:the\s+)?last)"
    r"(?:\s+(?:ones?|tasks?|items?|todos?|to-?dos?|entry|entries|things?))?(?:\s+(?:on|in|of|from)\s+(?:the|my|that)"
    r"\s+list)?$",
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
_RE_REF_SPLIT = re.compile(r"\s*(?:,|;|\s&\s|\s(?:and|plus|as\s+well\s+as)\s|\+)\s*", _F)
_RE_REF_COMMA = re.compile(r"\s*[,;]\s*(?:(?:and|&)\s+)?", _F)
_RE_REF_LEAD = re.compile(
    r"^(?:(?:the|a|an|my|our|that|this|your)\s+)?(?:(?:task|todo|to-?do|item|reminder|entry)"
    r"(?:\s+(?:called|named|titled|about|for|that\s+says|saying|to|with)\b|\s*:)?\s+)?"
    r"(?:(?:one|thing)\s+(?:called|named|titled|about|for|with)\s+)?"
    r"(?:called|named|titled)?\s*",
    _F,
)
_RE_REF_TRAIL = re.compile(
    r"(?:\s+(?:task|todo|to-?do|item|reminder|one|thing|entry))?(?:\s+(?:from|on|off|in|of)\s+"
    r"(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|to-?dos?))?(?:\s+(?:please|already|"
    r"now|too|again|as\s+well|any\s*more|anymore|for\s+good|then))*$",
    _F,
)
_RE_QUOTED = re.compile(r"^[\"'`](.+)[\"'`]$")


def _one_ref(part: str) -> TaskRef | None:
    p = part.strip(" ,.;:!?")
    if not p:
        return None
    if _RE_PRONOUN.match(p):
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
        return TaskRef(position=_ORDINALS[o])
    q = _RE_QUOTED.match(p)
    if q:
        return TaskRef(title=q.group(1).strip())
    t = _RE_REF_LEAD.sub("", _RE_REF_LEAD.sub("", p, count=1), count=1)
    t = _RE_REF_TRAIL.sub("", t, count=1).strip(" ,.;:!?\"'")
    if not t:
        return None
    q = _RE_QUOTED.match(t)
    return TaskRef(title=q.group(1).strip() if q else t)


def _refs(text: str) -> tuple[TaskRef, ...]:
    """Split a reference phrase into TaskRefs (see the module docstring for the rules)."""
    s = text.strip(" ,.;:!?")
    if not s:
        return ()
    m = _RE_RANGE.match(s)
    if m:
        a, b = int(m["a"]), int(m["b"])
        if 0 < a <= b and b - a < 50:
            return tuple(TaskRef(position=i) for i in range(a, b + 1))
    if _RE_NUM_LIST.match(s):
        nums = [int(n) for n in _RE_DIGITS.findall(s)]
        if all(n > 0 for n in nums):
            return tuple(TaskRef(position=n) for n in nums)
    m = _RE_FIRST_N.match(s)
    if m:
        n = _NUM_WORDS.get(m["n"].lower(), 0) if not m["n"].isdigit() else int(m["n"])
        if 1 < n <= 20:
            last = m["which"].lower() in ("last", "bottom")
            return tuple(TaskRef(position=i - n - 1 if last else i) for i in range(1, n + 1))
    q = _RE_QUOTED.match(s)
    if q and '"' not in q.group(1):
        return (TaskRef(title=q.group(1).strip()),)
    parts = [p for p in _RE_REF_SPLIT.split(s) if p.strip()]
    if len(parts) > 1:
        refs = [_one_ref(p) for p in parts]
        simple = all(r is not None and r.title is None for r in refs)
        words = all(r is not None and r.title is not None and " " not in r.title for r in refs)
        if simple or words:
            return tuple(r for r in refs if r is not None)
        commas = [p for p in _RE_REF_COMMA.split(s) if p.strip()]
        if len(commas) > 1:
            refs2 = [_one_ref(p) for p in commas]
            return tuple(r for r in refs2 if r is not None)
    r = _one_ref(s)
    return (r,) if r else ()


# ---------------------------------------------------------------- bulk intents

_RE_BULK = re.compile(
    r"^(?:clear(?:\s+out)?|delete|del|remove|purge|archive|clean(?:\s+up|\s+out)?|tidy(?:\s+up)?|"
    r"get\s+rid\s+of|wipe(?:\s+out)?|hide|erase|trash|nuke|drop|cancel|empty|dump|"
    r"throw\s+(?:out|away)|reset|scrap|ditch)\b(?P<rest>.*)$",
    _F,
)
_BULK_NOISE = _words(
    "that that's thats which are is were already been i i've ive have marked as "
    "all of my the our every single each tasks task todos todo to-dos to-do items item list "
    "lists entire whole thing things stuff ones one out on from in off up everything "
    "everythin evrything my tasklist todolist do to board away"
)
_BULK_DONE = _words(
    "completed complete done finished checked ticked crossed old closed archived finised compelted"
)
_BULK_ALL = _words("all everything everythin evrything entire whole every list lists")
_RE_START_OVER = re.compile(
    r"^(?:start\s+(?:over|fresh|from\s+scratch)|wipe\s+(?:it\s+)?(?:all|clean)|"
    r"clean\s+slate|reset(?:\s+everything)?|wipe\s+the\s+slate(?:\s+clean)?)$",
    _F,
)
_RE_CLEAN_UP = re.compile(
    r"^(?:clean\s*up|tidy\s+up|clear|clean(?:\s+up)?\s+(?:my|the)\s+(?:list|tasks))$", _F
)
_RE_WORDS = re.compile(r"[\w'-]+")


def _bulk(s: str) -> Understanding | None:
    if _RE_START_OVER.match(s):
        return Understanding(intent=Intent.DELETE_ALL)
    if _RE_CLEAN_UP.match(s):
        return Understanding(intent=Intent.CLEAR_COMPLETED)
    m = _RE_BULK.match(s)
    if not m:
        return None
    words = [w.lower() for w in _RE_WORDS.findall(m["rest"])]
    if not words:
        return None
    if not all(w in _BULK_NOISE or w in _BULK_DONE for w in words):
        return None
    if any(w in _BULK_DONE for w in words):
        return Understanding(intent=Intent.CLEAR_COMPLETED)
    if any(w in _BULK_ALL for w in words) or words in (["my", "tasks"], ["tasks"]):
        return Understanding(intent=Intent.DELETE_ALL)
    return None


# ---------------------------------------------------------------- update

_FIELD_DUE = r"due[\s-]+dates?|dates?|deadlines?|due|times?|schedule|reminders?|due\s+time"
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
    r"(?P<what2>" + _FIELD_DUE + "|" + _FIELD_PRI + "|" + _FIELD_REC + r")$",
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
_TAGLIST = r"[#@]?[^\W\d_][\w-]*(?:\s*(?:,|and|&)\s*[#@]?[^\W\d_][\w-]*)*"
_RE_TAG_REMOVE = re.compile(
    r"^(?:remove|delete|drop|clear|take\s+(?:off|away)|strip|get\s+rid\s+of)\s+"
    r"(?:the\s+)?(?P<kw>(?:tags?|labels?)\s+)?(?P<tags>"
    + _TAGLIST
    + r")(?P<kw2>\s+(?:tags?|labels?))?"
    r"\s+(?:from|off(?:\s+of)?|on)\s+(?P<ref>.+)$"
    r"|^(?:untag|unlabel)\s+(?P<ref2>.+?)\s+(?:from|with|as|for|:)\s+(?:the\s+)?(?:tags?\s+)?"
    r"(?P<tags2>" + _TAGLIST + r")(?:\s+tags?)?$"
    r"|^(?:untag|unlabel)\s+(?P<ref3>.+?)\s+[#@]?(?P<tags3>[^\W\d_][\w-]*)$",
    _F,
)
_RE_TAG_ADD = re.compile(
    r"^(?:tag|label)\s+(?P<ref>.+?)\s+(?:with|as|under|to|=|:|in)\s+(?:the\s+)?(?:tags?\s+|labels?\s+)?"
    r"(?P<tags>" + _TAGLIST + r")$"
    r"|^(?:tag|label)\s+(?P<ref2>.+?)\s+(?P<tags2>[#@][^\W\d_][\w-]*(?:\s*(?:,|and|&)?\s*[#@]"
    r"[^\W\d_][\w-]*)*)$"
    r"|^(?:add|put|apply|attach|give|set)\s+(?:the\s+|a\s+)?(?:tags?|labels?)\s+(?P<tags3>"
    + _TAGLIST
    + r")\s+(?:to|on|onto|for)\s+(?P<ref3>.+)$"
    r"|^(?:add|put|apply|attach)\s+(?P<tags4>[#@][^\W\d_][\w-]*(?:\s*(?:,|and|&)?\s*[#@]"
    r"[^\W\d_][\w-]*)*)(?:\s+(?:tags?|labels?))?\s+(?:to|on|onto)\s+(?P<ref4>.+)$"
    r"|^(?:add|put|apply|attach)\s+(?:the\s+|a\s+)?(?P<tags5>[^\W\d_][\w-]*)\s+(?:tags?|labels?)"
    r"\s+(?:to|on|onto)\s+(?P<ref5>.+)$"
    r"|^(?:tag|label)\s+(?P<ref6>.+?)\s+(?P<tags6>[^\W\d_][\w-]*)$",
    _F,
)
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
_UPD_FILLER = _words(
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
    pri, pspans = _find_priority(rest)
    pspans = [p for p in pspans if not any(a <= p[0] < b for a, b in spans)]
    if pri is None:
        for m in _RE_PRI_BARE.finditer(rest):
            if m.start() > 0 and not any(a <= m.start() < b for a, b in spans):
                pri, pspans = _PRI_WORD[m["lvl"].lower()], [m.span()]
    tags, tspans = _find_tags(rest)
    allspans = sorted(spans + pspans + tspans)
    if not allspans:
        return None
    start = allspans[0][0]
    ref_text = _RE_REF_TAIL_FILLER.sub("", " " + rest[:start].rstrip()).strip(" ,")
    if need_start and ref_text:
        return None
    tail = _cut(rest[start:], [(a - start, b - start) for a, b in allspans])
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
    if any(r.title and _RE_ALL_REF.match(r.title) for r in refs):
        return _UNKNOWN  # "move everything to tomorrow": no bulk updates
    return Understanding(intent=Intent.UPDATE, refs=refs, changes=changes)


def _tags_of(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for t in re.split(r"\s*(?:,|\band\b|&)\s*|\s+", text):
        t = t.strip("#@ ").lower()
        if t and t not in ("tag", "tags", "label", "labels", "the") and t not in out:
            out.append(t)
    return tuple(out)


def _try_update(s: str, now_local: datetime) -> Understanding | None:
    m = _RE_CLEAR_FIELD.match(s)
    if m:
        what = (m["what"] or m["what2"] or m["what3"]).lower()
        ref = m["ref"] or m["ref2"] or m["ref3"]
        if re.match(_FIELD_PRI, what, _F):
            ch = TaskChanges(clear_priority=True)
        elif re.match(_FIELD_REC, what, _F):
            ch = TaskChanges(clear_recurrence=True)
        else:
            ch = TaskChanges(clear_due=True)
        return _update(_refs(ref), ch)
    m = _RE_CLEAR_STATE.match(s)
    if m:
        return _update(
            _refs(m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or m["ref5"]),
            TaskChanges(clear_due=True),
        )
    m = _RE_STOP_REPEAT.match(s)
    if m:
        return _update(
            _refs(m["ref"] or m["ref2"] or m["ref3"] or m["ref4"]),
            TaskChanges(clear_recurrence=True),
        )
    m = _RE_TAG_REMOVE.match(s)
    if m:
        tags_txt = m["tags"] or m["tags2"] or m["tags3"]
        ref = m["ref"] or m["ref2"] or m["ref3"]
        if m["ref2"] and ref.startswith(("#", "@")) and not tags_txt.startswith(("#", "@")):
            ref, tags_txt = tags_txt, ref  # "untag #work from report"
        explicit = (
            m["ref2"]
            or m["ref3"]
            or m["kw"]
            or m["kw2"]
            or all(
                t.startswith(("#", "@")) for t in re.split(r"\s*(?:,|\band\b|&)\s*", tags_txt) if t
            )
        )
        if explicit:
            return _update(_refs(ref), TaskChanges(remove_tags=_tags_of(tags_txt)))
    m = _RE_TAG_ADD.match(s)
    if m:
        g = m.groupdict()
        for i in ("", "2", "3", "4", "5", "6"):
            if g.get("tags" + i):
                return _update(_refs(g["ref" + i]), TaskChanges(add_tags=_tags_of(g["tags" + i])))
    m = _RE_FIELD_SET.match(s)
    if m:
        field = (
            m["field"] or m["field2"] or m["field3"] or m["field4"] or m["field5"] or m["field6"]
        ).lower()
        ref = m["ref"] or m["ref2"] or m["ref3"] or m["ref5"] or m["ref6"] or "it"
        val = m["val"] or m["val2"] or m["val3"] or m["val4"] or m["val5"] or m["val6"]
        got = _changes_from_tail(val, now_local, need_start=True)
        if got is None and re.match(_FIELD_PRI, field, _F):
            pm = _RE_PRI_BARE.fullmatch(val.strip())
            if pm:
                got = ("", TaskChanges(priority=_PRI_WORD[pm["lvl"].lower()]))
        if got is not None:
            return _update(_refs(ref), got[1])
    m = _RE_RENAME.match(s)
    if m:
        ref = m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or "it"
        new = (m["new"] or m["new2"] or m["new3"] or m["new4"] or m["new5"]).strip(" \"'")
        new = _RE_NEW_TITLE_LEAD.sub("", new).strip(" \"'")
        if new:
            return _update(_refs(ref), TaskChanges(title=new))
    m = _RE_MAKE_RECURRING.match(s)
    if m:
        rule = _ADV_RULES.get(m["adv"].lower())
        if rule:
            return _update(_refs(m["ref"]), TaskChanges(recurrence=rule))
    m = _RE_NOT_URGENT.match(s)
    if m:
        return _update(_refs(m["ref"]), TaskChanges(priority="low"))
    m = _RE_RAISE_LOWER.match(s)
    if m:
        low = m["verb"].lower() in ("lower", "decrease", "reduce", "drop", "downgrade")
        return _update(_refs(m["ref"]), TaskChanges(priority="low" if low else "high"))
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
                _NUM_WORDS.get((m["n"] or "a").lower(), 1)
                if not (m["n"] or "").isdigit()
                else int(m["n"])
            )
            days = n * (7 if (m["unit"] or "day").lower().startswith("week") else 1)
            ch = TaskChanges(due=(now_local.date() + timedelta(days=days)).isoformat())
        return _update(_refs(m["ref"]), ch)
    m = _RE_UPD_VERB.match(s)
    if m:
        got = _changes_from_tail(m["rest"], now_local)
        if got is not None and not re.match(r"(?:an?|some|new)\s", got[0], _F):
            # "move to friday" / "mark as urgent": no target named means the last one
            return _update(_refs(got[0] or "it"), got[1])
    m = _RE_CHANGE_TO.match(s)
    if m:
        got = _changes_from_tail(m["new"], now_local, need_start=True)
        if got is not None:
            return _update(_refs(m["ref"]), got[1])
        new = _RE_NEW_TITLE_LEAD.sub("", m["new"].strip(" \"'")).strip(" \"'")
        if new:
            return _update(_refs(m["ref"]), TaskChanges(title=new))
    return None


def _try_update_state(s: str, now_local: datetime) -> Understanding | None:
    m = _RE_REPEATS.match(s)
    if m and not _RE_WH_START.match(s) and not _RE_LIST_LEAD.match(s):
        got = _changes_from_tail(m["val"], now_local, need_start=True)
        if got is not None and got[1].recurrence:
            return _update(_refs(m["ref"]), got[1])
    m = _RE_UPD_STATE.match(s)
    if m and not _RE_WH_START.match(s) and not _RE_LIST_LEAD.match(s):
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
            return _update(_refs(m["ref"]), got[1])
    return None


# ---------------------------------------------------------------- complete / reopen / delete

_DONE = (
    r"(?:done|complete|completed|finished|finito|checked(?:\s+off)?|ticked(?:\s+off)?|"
    r"crossed\s+off|taken\s+care\s+of|sorted(?:\s+out)?|handled|dealt\s+with|accomplished|"
    r"ready|over\s+with|out\s+of\s+the\s+way|compelte|complted|finshed|dnoe|don)"
)
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
    r"today|now|just\s+now|finally|off\s+(?:my|the)\s+list))*$",
    _F,
)
_RE_DONE_STATE = re.compile(
    r"^(?P<ref>.+?)(?:'s|\s+(?:is|are|was|were|has\s+been|have\s+been|got|is\s+now|now|"
    r"is\s+all|are\s+all))?\s+(?:all\s+|now\s+|finally\s+|already\s+|totally\s+|fully\s+)?"
    + _DONE
    + r"(?:\s+(?:now|already|today|finally|at\s+last))?$",
    _F,
)
_RE_DONE_ALONE = re.compile(
    r"^(?:done|finished|completed|complete|did\s+it|all\s+done|got\s+it\s+done|"
    r"task\s+(?:done|complete|completed|finished)|mark\s+(?:it\s+)?(?:as\s+)?(?:done|complete"
    r"|completed)|(?:it'?s|that'?s|this\s+is)\s+(?:all\s+)?(?:done|finished|complete|completed)|"
    r"\u2705|\u2714\ufe0f?|\u2611\ufe0f?|finished\s+it|completed\s+it|done\s+deal)$",
    _F,
)
_RE_DELETE = re.compile(
    r"^(?:delete|del|remove|rm|cancel|drop|erase|trash|bin|scrap|scratch|discard|ditch|nuke|"
    r"kill|get\s+rid\s+of|forget(?:\s+about)?|throw\s+(?:out|away)|take\s+(?:off|out)|"
    r"cross\s+out|purge|eliminate|dump|axe|clear|cancell?)\s*[:\-]?\s+(?P<ref>.+?)"
    r"(?:\s+(?:from|off(?:\s+of)?|on|in)\s+(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|"
    r"to-?dos?|to-?do\s*list|todo\s*list|task\s*list))?(?:\s+(?:completely|entirely|"
    r"permanently|for\s+good|altogether))?$"
    r"|^(?P<ref2>.+?)(?:'s|\s+(?:is|was|has\s+been|got|are|were|have\s+been))\s+(?:been\s+)?"
    r"(?:cancell?ed|canceled|called\s+off|no\s+longer\s+(?:needed|necessary|relevant)|"
    r"not\s+needed(?:\s+any\s*more)?|scrapped|obsolete|irrelevant)(?:\s+now)?$"
    r"|^(?:i\s+)?(?:don'?t|do\s+not|no\s+longer)\s+(?:need|have|want)\s+(?:to\s+(?:do\s+)?)?"
    r"(?P<ref3>.+?)\s+any\s*more$"
    r"|^(?:i\s+)?no\s+longer\s+need\s+to\s+(?P<ref4>.+)$"
    r"|^take\s+(?P<ref5>.+?)\s+off(?:\s+of)?\s+(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|"
    r"todo\s+list|task\s+list)$",
    _F,
)
_RE_POSSESSIVE_S = re.compile(r"^'?s\b", _F)  # "friday's meeting" minus "friday"
_RE_TAKE_OUT = re.compile(r"^take\s+(?:off|out)\b", _F)
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
_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_RE_SUBJECT_END = re.compile(r"\b(?:i|we|you)(?:'ve|\s+have|'d|\s+had)?$", _F)
_RE_ALL_POSITIONS = re.compile(r"^[\s#\d,&-]*(?:and[\s#\d,&-]*)*$", _F)


_RE_NOT_REF = re.compile(
    r"^(?:i'?m|i\s+am|i|we|we'?re|we\s+are|you|you'?re|i'?ve|we'?ve|me|us)$"
    r"|^(?:for|with|at|on|in|from|about)\b",
    _F,
)


def _refs_intent(intent: Intent, ref_text: str | None) -> Understanding | None:
    if ref_text and _RE_NOT_REF.match(ref_text.strip()):
        return _UNKNOWN  # "I'm done", "done for today": talk about the user, not a task
    refs = _refs(ref_text) if ref_text else (TaskRef(pronoun=True),)
    if not refs:
        return None
    return Understanding(intent=intent, refs=refs)


_RE_ALL_REF = re.compile(
    r"^(?:all|everything|every\s+(?:single\s+)?(?:task|one|item|thing)|each\s+(?:task|one)|"
    r"all\s+(?:of\s+)?(?:my|the|these|those)?\s*(?:tasks?|todos?|items?|ones?|them)\b.*|"
    r"the\s+(?:whole|entire)\s+list|my\s+(?:whole|entire)\s+list)$",
    _F,
)


def _try_status(s: str, now_local: datetime) -> Understanding | None:
    m = _RE_STATUS_ALL.match(s)
    if m and _RE_ALL_REF.match(m["ref"]):
        return _UNKNOWN  # no bulk complete/reopen/filtered delete: never guess at many tasks
    m = _RE_MARK.match(s)
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
    m = _RE_REOPEN.match(s)
    if m:
        if m["alone"]:
            return Understanding(intent=Intent.REOPEN, refs=(TaskRef(pronoun=True),))
        ref = m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or m["ref5"]
        if ref and not _RE_WH_START.match(ref):
            return _refs_intent(Intent.REOPEN, ref)
    if _RE_DONE_ALONE.match(s):
        return Understanding(intent=Intent.COMPLETE, refs=(TaskRef(pronoun=True),))
    m = _RE_COMPLETE.match(s)
    if m and not _RE_CHECK_LIST.match(s) and not _RE_LIST_NOUN_ONLY.match(m["ref"]):
        if (
            _entities(m["ref"], now_local).any
            and not _RE_ALL_POSITIONS.match(m["ref"])
            and not all(r.title is None for r in _refs(m["ref"]))
        ):
            return None  # "finish tax return p1" is a new task, not a completion
        return _refs_intent(Intent.COMPLETE, m["ref"])
    m = _RE_DONE_STATE.match(s)
    if (
        m
        and not _RE_WH_START.match(s)
        and not _RE_LIST_NOUN_ONLY.match(m["ref"])
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
        refs = _refs(m["ref"])
        if not (_RE_FROM_MY_LIST.search(s) or all(r.title is None for r in refs)):
            return None  # "take out the trash": a chore; "take #2 off my list" is a delete
    if m and m["ref"] and _entities(m["ref"], now_local).recurrence:
        return None  # a recurrence describes a new task, never one to delete
    if m:
        ref = m["ref"] or m["ref2"] or m["ref3"] or m["ref4"] or m["ref5"]
        if (ref and not re.match(r"^(?:it|that|about\s+it)$", ref, _F)) or (
            ref and not s.lower().startswith("forget")
        ):
            if m["ref"] and not _RE_QUOTED.match(ref.strip()):
                e = _entities(ref, now_local)
                if e.due and not (e.priority or e.tags or e.recurrence):
                    # titles are stored without their date phrase, so match without it
                    bare = _RE_TITLE_TRIM.sub("", e.rest).strip()
                    if bare and not _RE_PRONOUN.match(bare) and not _RE_POSSESSIVE_S.match(bare):
                        ref = bare
            return _refs_intent(Intent.DELETE, ref)
    return None


# ---------------------------------------------------------------- list

_RE_WH_START = re.compile(
    r"^(?:what|what'?s|whats|which|when|where|who|why|how|is|are|do|does|did|can|could|"
    r"would|will|should|have|has|any)\b",
    _F,
)
_RE_LIST_LEAD = re.compile(
    r"^(?P<lead>(?P<search>search(?:\s+(?:for|my\s+tasks\s+for|tasks\s+for))?|find(?:\s+me)?|"
    r"look\s+(?:for|up)|lookup|filter(?:\s+(?:by|for))?|grep)"
    r"|(?P<show>show|list|display|view|see|get|give\s+me|tell\s+me|read(?:\s+out)?|"
    r"print|pull\s+up|bring\s+up|open|check|lemme\s+see|let\s+me\s+see|review|go\s+through)"
    r"|(?P<ask>what|what'?s|whats|what\s+is|what\s+are|which|how\s+many|how\s+much|"
    r"do\s+i\s+have|have\s+i\s+got|did\s+i|any|anything|are\s+there|is\s+there|where(?:'s)?|"
    r"when|whens|when'?s|am\s+i))\b\s*(?P<rest>.*)$",
    _F,
)
_RE_TASK_NOUN = re.compile(
    r"\b(?:tasks?|todos?|to-?dos?|items?|lists?|agenda|plate|schedule|reminders?|things|stuff|"
    r"chores|errands|to\s+do|everything|anything|backlog|inbox|tsks|taks|tasls|workload|"
    r"due|left|remaining|pending|next|up\s+next|coming\s+up|on\s+deck|planned|"
    r"(?:should|do|can|could|must)\s+i\s+(?:do|work\s+on|focus\s+on|tackle|start\s+with))\b",
    _F,
)
_RE_LIST_NOUN_ONLY = re.compile(
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
_LIST_NOISE = _words(
    "and or but only both just i've ive i'd "
    "show me my the all list tasks task todos todo to-dos to-do items item things stuff "
    "what what's whats is are do does i have got on in for please any anything there which "
    "that display view see get give tell let lets can you could would up pull bring check "
    "open due need to should of a an current entire whole everything agenda plate schedule "
    "how many much it still so far yet now right next first upcoming coming left remaining "
    "pending outstanding lined planned there's theres thing gonna going be need needs lemme "
    "out read print your our us we am just again list's lists chores errands reminders "
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
    pri, pspans = _find_priority(s)
    spans += pspans
    # Later filters look only at what the due/priority phrases left ("tasks for today").
    s = _cut(s, spans)
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
    rest = _cut(s, spans)
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
    r"\b(?P<w>[^\W\d_][\w-]*)\s+(?:tasks|todos|to-?dos|items|stuff|things|chores|errands)\b", _F
)


def _leftovers(rest: str) -> list[str]:
    return [w for w in (x.lower() for x in _RE_WORDS.findall(rest)) if w not in _LIST_NOISE]


def _try_list(s: str) -> Understanding | None:
    m = _RE_LIST_LEAD.match(s)
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
        noun = _RE_TASK_NOUN.search(body) is not None
        left = _leftovers(rest)
        if len(left) == 1 and flt.tag is None and flt.text is None:
            tm = _RE_WORD_TASKS.search(rest)
            if tm and tm["w"].lower() == left[0]:
                # "show work tasks": a lone qualifier before the noun names a tag
                flt = TaskFilter(status=flt.status, due=flt.due, priority=flt.priority, tag=left[0])
                left = []
        if m["show"]:
            if noun or found or not left:
                return Understanding(intent=Intent.LIST, filter=flt)
            return None
        if noun or (found and not left):
            return Understanding(intent=Intent.LIST, filter=flt)
        return None
    # No verb: "my tasks", "overdue?", "urgent tasks", "tasks tagged work".
    flt, rest, found = _list_filter(s)
    noun = _RE_TASK_NOUN.search(s) is not None
    left = _leftovers(rest)
    found_other = found and (flt.text is None or flt != TaskFilter(text=flt.text))
    if (noun or found_other) and not left:
        return Understanding(intent=Intent.LIST, filter=flt)
    if noun and flt.text:
        return Understanding(intent=Intent.LIST, filter=flt)
    return None


_RE_NOISE_EDGE = re.compile(r"^(?:(?:for|about|the|my|a|an)\s+)+|(?:\s+(?:tasks?|items?))+$", _F)


def _strip_noise_edges(t: str) -> str:
    return _RE_NOISE_EDGE.sub("", t).strip()


# ---------------------------------------------------------------- add

_RE_ADD = re.compile(
    r"^(?:note\s+to\s+self\s*:?|reminder\s*:|(?:todo|to-?do|task|new\s+task|new\s+todo)\s*[:\-]"
    r"|(?P<verb>add|ad|create|insert|enter|jot(?:\s+down)?|write(?:\s+down)?|note(?:\s+down)?|"
    r"put(?:\s+down)?|schedule|new|make)"
    r"(?:\s+(?:a|an|the|another|one\s+more|new|more|some|these|this|following|few|couple\s+of|"
    r"quick|few\s+more|(?:\d{1,2}|two|three|four|five|six)(?=\s+(?:more\s+|new\s+)?(?:tasks?|todos?|"
    r"to-?dos?|items?|reminders?|things?|entries|entry|chores?|errands?|notes?)\b)))*(?P<noun>\s+(?:tasks?|todos?|to-?dos?|items?|reminders?|entries|entry)|"
    r"\s+(?:things?|notes?|chores?|errands?|ones?)(?=\s*:))?"
    r"(?:\s*(?:for\s+me\s+to|to|for|called|named|titled|saying|that\s+says|about|:|-|=)(?=\s|$))?"
    r"|remind\s+me(?:\s+(?:to|about|abt|that|of))?"
    r"|(?:set|make|create)\s+(?:me\s+)?(?:a|an)\s+reminder(?:\s+(?:to|for|about|abt|that))?"
    r"|(?P<desire>i\s+(?:need|have|got)\s+2|i\s*(?:really\s+|still\s+|also\s+|just\s+)?(?:need|have|got|ought|want|plan|"
    r"intend|would\s+like|'d\s+like|'ll\s+need|will\s+need|'m\s+going|am\s+going|"
    r"'m\s+planning|am\s+planning|'ve\s+got|have\s+got|gotta|wanna|must\s+remember|"
    r"should\s+remember|need\s+to\s+remember|hope)\s+to|i\s*(?:really\s+)?(?:must|should|gotta|"
    r"gonna|'ll|will|wanna|'m\s+gonna|am\s+gonna|have\s+got\s+to|got\s+to)|(?:need|have|got|"
    r"ought|want|going)\s+to|gotta|must|wanna|need\s+2|gonna|we\s+(?:need|have|should|must)"
    r"(?:\s+to)?|remember\s+to)"
    r"|(?:don'?t|do\s+not|dont)\s+(?:let\s+me\s+)?forget(?:\s+(?:to|about|that))?"
    r"|new\s+(?:task|todo|to-?do|item|reminder)s?)"
    r"(?:\s*[:\-]\s*|\s+|$)",
    _F,
)
_RE_ADD_LEAD_NOISE = re.compile(
    r"^(?:(?:to|on|onto|in|into)\s+(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|"
    r"to-?dos?|to-?do\s+list|todo\s+list|task\s+list)\s*[:\-]?\s*|[:\-=]\s*|"
    r"(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|to-?do\s+list|todo\s+list)\s*:\s*|"
    r"(?:to\s*)?do\s*:\s*|(?:remember|not\s+forget)\s+to\s+)",
    _F,
)
_RE_ADD_TRAIL_NOISE = re.compile(
    r"(?:\s+(?:as|for)\s+(?:a\s+)?(?:new\s+)?(?:task|todo|to-?do|reminder)|\s+(?:too|as\s+well|also))+$",
    _F,
)
_RE_ON_MY_LIST = re.compile(
    r"\s+(?:to|on|onto|in|into)\s+(?:my|the|our)\s+(?:[\w-]+\s+)?(?:list|tasks|todos?|to-?dos?|"
    r"to-?do\s+list|todo\s+list|task\s+list|reminders|agenda|calendar|schedule)\b",
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
_RE_TITLE_TRIM = re.compile(
    r"^(?:to|and|&|then|also|that|about|-|:|,)\s+|\s+(?:and|&|to|on|at|by|for|due|from|with)$"
    r"|^[\s,.;:!?\-]+|[\s,;:\-]+$|\(\s*\)",
    _F,
)


def _clean_title(t: str) -> str:
    t = " ".join(t.split())
    for _ in range(4):
        u = _RE_TITLE_TRIM.sub("", t).strip()
        if u == t:
            break
        t = u
    q = _RE_QUOTED.match(t)
    if q:
        t = q.group(1).strip()
    return t


def _split_items(body: str) -> list[str]:
    if "," not in body and ";" not in body:
        return [body]
    items = [p for p in _RE_ITEM_SPLIT.split(body) if p and p.strip()]
    if len(items) >= 2:
        parts = _RE_LAST_AND.split(items[-1])
        if len(parts) == 2 and all(p.strip() for p in parts):
            items[-1:] = parts
    return [_RE_ITEM_LEAD.sub("", i).strip() for i in items]


def _drafts(body: str, now_local: datetime) -> tuple[TaskDraft, ...]:
    items = _split_items(body)
    ents = [_entities(i, now_local) for i in items]
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
    for e in ents:
        title = _clean_title(e.rest)
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
            continue
        drafts.append(
            TaskDraft(
                title=title, due=e.due, priority=e.priority, tags=e.tags, recurrence=e.recurrence
            )
        )
    return tuple(drafts)


_NOUN_VERBS = frozenset({"make", "put"})


def _try_add(s: str, now_local: datetime, depth: int) -> Understanding | None:
    m = _RE_ADD.match(s)
    if (not m or m.end() == 0) and depth == 0:
        lead = _RE_WHEN_FIRST.match(s)
        if lead and lead.end() < len(s):
            toks = dates.scan(lead.group(0), now_local)
            if toks and toks[0].start == 0:
                end = max(t.end for t in toks)
                rest = s[end:].lstrip(" ,:-")
                cmd = _RE_ADD.match(rest)
                if cmd and cmd.end() > 0 and not cmd["desire"]:
                    # "at 6pm remind me to cook dinner" = "remind me to cook dinner at 6pm"
                    return _try_add(rest + " " + s[:end].strip(" ,"), now_local, depth + 1)
    if not m or m.end() == 0:
        return None
    verb = (m["verb"] or "").lower()
    body = s[m.end() :].strip()
    on_list = _RE_ON_MY_LIST.search(" " + body)
    if verb in _NOUN_VERBS and not m["noun"] and not on_list:
        return None  # "make X urgent" is an update; "put X on my list" is an add
    if (
        m["desire"]
        and depth == 0
        and (
            _RE_CMD_START.match(body) or (_RE_WANT.search(m["desire"]) and _RE_WANT_CMD.match(body))
        )
    ):
        # "I want to see my tasks" is the command, not a task called "see my tasks"
        return _classify(body, now_local, depth + 1)
    if m["desire"] and _RE_GOING_PLACE.match(m["desire"]) and _RE_PLACE_START.match(body):
        return None  # "I'm going to the gym tomorrow": a plan to go somewhere, not a task
    body = _RE_ADD_LEAD_NOISE.sub("", body, count=1)
    if on_list:
        body = _RE_ON_MY_LIST.sub("", " " + body)
    body = _RE_ADD_TRAIL_NOISE.sub("", body, count=1).strip()
    if not body:
        return None
    drafts = _drafts(body, now_local)
    if not drafts:
        return None
    return Understanding(intent=Intent.ADD, drafts=drafts)


_RE_WANT = re.compile(r"want|like|wanna", _F)
_RE_GOING_PLACE = re.compile(r".*\bgoing\s+to$", _F)
_RE_PLACE_START = re.compile(
    r"(?:the|a|an|my|his|her|their|our|bed|work|school|church|class|sleep|town|london|paris)\b", _F
)
# A message that opens with a date/time phrase ("at 6pm remind me to …", "tomorrow add …").
_RE_WHEN_FIRST = re.compile(
    r"^(?:(?:at|by|on|in|every|this|next|tomorrow|today|tonight|tmrw|\d)[^,:]{0,30}?)"
    r"(?=[,:]?\s+(?:remind|add|create|put|new|note|todo|schedule)\b)",
    _F,
)
# After "I want to" / "I'd like to" (not "I need to": "I need to cancel the gym" is a task).
_RE_WANT_CMD = re.compile(
    r"^(?:delete|remove|complete|finish|cancel|start\s+(?:over|fresh)|clear|undo|uncheck|"
    r"mark|check\s+off|get\s+rid\s+of)\b",
    _F,
)
_RE_CMD_START = re.compile(
    r"^(?:add|create|show|list|display|see|view|rename|change|move|postpone|reschedule|mark|"
    r"uncheck|reopen|tag|untag|undo|clear|search|find|update|know\s+what|check\s+my|"
    r"look\s+at)\b",
    _F,
)


_RE_CHATTER = re.compile(
    r"^(?:i'?m|i\s+am|i\s+was|i\s+feel|i\s+felt|i\s+think|i\s+guess|i\s+hope|i\s+love|i\s+hate|"
    r"i\s+like|it'?s|it\s+is|it\s+was|that'?s|this\s+is|you|you'?re|he|she|they|we'?re|"
    r"what|how|why|when|where|who|see\s+you|thanks|thank)\b",
    _F,
)
_RE_COPULA_START = re.compile(r"^(?:is|are|was|were|will\s+be|'s)\b", _F)
_RE_COPULA_END = re.compile(r"(?:\s(?:is|are|was|were|will\s+be)|'s)$", _F)


def _try_bare_add(s: str, now_local: datetime) -> Understanding | None:
    if _RE_WH_START.match(s) or s.endswith("?") or len(s) > 300 or _RE_CHATTER.match(s):
        return None
    e = _entities(s, now_local)
    if not e.any or _RE_COPULA_START.match(e.rest) or _RE_COPULA_END.search(e.rest):
        return None  # "Tomorrow is my birthday", "my flight is tomorrow": statements
    drafts = _drafts(_RE_HAVE_A.sub("", s, count=1), now_local)
    if not drafts:
        return None
    return Understanding(intent=Intent.ADD, drafts=drafts)


_RE_HAVE_A = re.compile(
    r"^(?:i(?:'ve|\s+have)(?:\s+got)?|i\s+got|we(?:'ve|\s+have)(?:\s+got)?|there(?:'s|\s+is))"
    r"\s+(?:an?|my|the|our)\s+(?=\w)",
    _F,
)


# ---------------------------------------------------------------- entry point


def _classify(s: str, now_local: datetime, depth: int = 0) -> Understanding:
    for rx, intent in _SMALL:
        if rx.match(s):
            return Understanding(intent=intent)
    if _RE_NEGATED.match(s):
        return _UNKNOWN  # "don't mark it done": a negated command is never carried out
    s = _fix_first_word(s)
    # Order matters: bulk forms before single deletes ("delete all done tasks"), field edits
    # before deletes ("remove the date from X"), status before add ("finish X"), explicit
    # add before list ("new task: email Sarah about the budget"), list before "X is due …"
    # ("what's due today"), and the entity-only add last, as the most speculative reading.
    got = (
        _bulk(s)
        or (_try_add(s, now_local, depth) if _RE_SET_REMINDER.match(s) else None)
        or _try_update(s, now_local)
        or _try_status(s, now_local)
        or _try_add(s, now_local, depth)
        or _try_list(s)
        or _try_update_state(s, now_local)
        or _try_bare_add(s, now_local)
    )
    return got or _UNKNOWN


# "set a reminder for X" creates a task (not an update of a task called "a reminder").
_RE_SET_REMINDER = re.compile(r"^(?:set|make|create)\s+(?:me\s+)?an?\s+reminder\b", _F)
_RE_NEGATED = re.compile(
    r"^(?:don'?t|dont|do\s+not|never|no\s+need\s+to)\b"
    r"(?!\s+(?:let\s+me\s+)?forget|\s+repeat|\s+need|\s+have\s+to|\s+want)",
    _F,
)
_RE_FAREWELL = re.compile(
    r"^(?:bye|bye\s+bye|goodbye|good\s*night|gn|cya|see\s+(?:you|ya)(?:\s+\w+)?|later|"
    r"talk\s+(?:to\s+you\s+)?later|ttyl|have\s+a\s+good\s+(?:one|day|night|evening))"
    r"(?:[\s!.,]+\w+)?[\s!.]*$",
    _F,
)
_SMALL = (
    (_RE_GREETING, Intent.GREETING),
    (_RE_THANKS, Intent.THANKS),
    (_RE_HELP, Intent.HELP),
    (_RE_UNDO, Intent.UNDO),
    (_RE_FAREWELL, Intent.UNKNOWN),  # no farewell intent; "see you tomorrow" is not a list
)


def understand(text: str, *, now: datetime, tz: ZoneInfo, memory: object = None) -> Understanding:
    """Parse one chat message into an intent and its entities; never raises.

    `now` is the turn's aware clock and `tz` the user's zone: relative dates resolve in it.
    """
    try:
        s = _clean(text if isinstance(text, str) else "")
        if not s:
            return _UNKNOWN
        for rx, intent in _SMALL:
            if rx.match(s):
                return Understanding(intent=intent)
        if "\u2705" in s or "\u2714" in s or "\u2611" in s or "\u2713" in s:
            s = _check_mark_as_done(s)
        s0, s = s, _strip_polite(s)
        if not s:
            if _RE_DONE_ALONE.match(s0):  # "✅" alone
                return Understanding(intent=Intent.COMPLETE, refs=(TaskRef(pronoun=True),))
            return _UNKNOWN
        return _classify(s, dates.local_now(now, tz))
    except Exception:
        # A rule bug must degrade to "unknown" (nothing changes), never break the turn.
        return _UNKNOWN
