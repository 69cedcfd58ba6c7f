"""The normalizer: one chat message → the text the frames read.

Steps, each linear in the input: Unicode quotes and dashes to ASCII, control characters and
line breaks (one pasted item per line becomes "; "), whitespace collapsed, phone typing
("its done", "im done", "to do list"), a check mark at either end read as "done",
politeness at both ends ("could you please …", "… thanks"), a one-letter typo in the first
word ("compelte"), and **spoken numbers and times written as digits** where they name a
time or a date ("at seven thirty pm" → "at 7:30 pm", "quarter to nine" → "8:45",
"in twenty minutes" → "in 20 minutes", "march fifth" → "march 5th", "on christmas eve" →
"on dec 24"). Numbers anywhere else stay as typed ("add two pounds of beef").
The user's casing is kept: titles are taken from this text.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from agents.nlu import lexicon as lx

__all__ = [
    "check_mark_as_done",
    "clean",
    "fix_first_word",
    "has_check_mark",
    "spoken_numbers",
    "strip_polite",
]

_F = re.IGNORECASE

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
_RE_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
_RE_CTRL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\ufeff]")
_RE_WS = re.compile(r"\s+")
_RE_TO_DO = re.compile(
    r"\bto[\s-]do(?=\s+lists?\b)|\b(?P<det>a|an|my|the|new|your|our|one) to[\s-]do(?P<s>'?s?)\b|"
    r"^to[\s-]do(?=\s*[:-])", _F  # "to do: clean the gutters"
)
# Hesitations said while dictating ("add a task uh call the tire shop"): never a word of a
# task. Only whole words, and never the first (a reply "um no" is still read as said).
# Spoken contractions and "me" for "my" before a list ("chuck it on me list").
_SLANG = {"whit's": "what's", "whit": "what", "tae": "to", "mi": "i", "lemme": "let me",

          "gimme": "give me", "me": "my", "wat": "what",
          "wot": "what", "wut": "what", "fi": "to"}  # "mi just come off the phone": Jamaican "i"
_ME_LIST = (" me list", " me todo", " me jobs", " me reminders")
_HESITATIONS = (" uh", " um", " erm", " hmm", " like,", "to like ", " like ,", "at like ",
                "around like ")
_RE_SLANG = re.compile(
    r"\b(?:lemme|gimme|tae)\b|^(?:wat|wot|wut|whit's|whit)(?![\w'])|^mi(?= )|"

    r"(?<=\bon )me(?= (?:list|lists|todo|todos|jobs|reminders)\b)|"
    r"(?<=\bto )me(?= (?:list|lists|todo|todos|jobs|reminders)\b)|"
    r"(?<=\bme )fi(?= [a-z])", re.IGNORECASE)  # "remind me fi send money": patois "to"
_RE_HESITATION = re.compile(r"(?<=\s)(?:uh+|um+|uhm+|erm+|hmm+)(?:\s*,|\.{2,}|\u2026)?\s+(?=\S)|"
                            r"\b(?<=add )like\s*,\s*(?=\S)|"  # "add like, buy a kettle"
                            r"(?<=\bto )like\s+(?=[a-z]{3,})|"  # "i need to like return"
                            r"(?:(?<=\bat )|(?<=\baround ))like\s+(?=\S)|"  # "at like 4:30"
                            r"(?:(?<=hmm )|(?<=um )|(?<=uh )|(?<=erm ))like\s*,\s*(?=\S)", _F)
_RE_LEAD_CONTRACTION = re.compile(r"^(it|that|this|there|what)s\b", _F)
_RE_LEAD_I_CONTRACTION = re.compile(r"^(i)(m|ve|ll|d)\b", _F)  # "im done", "ive finished"
_RE_DONT = re.compile(r"\b(don|doesn|didn|can|won|isn|aren|wasn|shouldn)t\b", _F)
_RE_COLON_WORD = re.compile(r"(?<=[A-Za-z]):(?=[A-Za-z])")
# Emoji between words end a clause, like a comma ("buy ant traps 🐜🐜 theyre everywhere");
# check marks are news of their own (see has_check_mark) and stay.
_EMOJI = "\U0001f000-\U0001faff\u2600-\u2610\u2612-\u2704\u2706-\u2712\u2715-\u27bf\ufe0f"
_RE_MID_EMOJI = re.compile(rf"(?<=[\w'\")])\s*[{_EMOJI}]+\s*(?=\w)")
_RE_MID_LAUGH = re.compile(r"(?<=\w)\s+(?:lol|lmao|haha+)\s+(?=(?:i|i'm|im|we|it|it's|its|they|he|"
                           r"she|my)\b)", re.IGNORECASE)



# Slips one word at a time: a weekday mistyped ("saturdy"), "jus"; "to by new shoes" is "to
# buy" (never before a time: "to by friday").
_WORD_SLIPS = {**lx.WEEKDAY_TYPOS, "jus": "just", "rmnd": "remind", "rmd": "remind",
               "rmind": "remind", "remnd": "remind", "shud": "should", "shld": "should",
               "prolly": "probably", "fixd": "fixed", "cros": "cross", "crossd": "crossed"}
_RE_WORD_SLIP = re.compile(r"\b(?:" + "|".join(sorted(_WORD_SLIPS, key=len, reverse=True))
                           + r")\b", re.IGNORECASE)
_RE_TO_BY = re.compile(r"(?<=\bto )by(?= (?:new|a|an|some|more|my|our|his|her)\b)",
                       re.IGNORECASE)


_RE_PROB = re.compile(r"\b(should|would|will|i'll|ill|shud|wud)\s+prob\b", re.IGNORECASE)


# A word stretched for feeling ("bookedddd", "yesss", "pleaseee"): a run of three or more
# at its end is one letter (two for letters that end words doubled: "alll" → "all").
# Only a word of ordinary length: a run of 600 x's is data, not a feeling.
_RE_STRETCHED = re.compile(r"\b([a-z]{1,20}?)([a-z])\2{2,7}\b", re.IGNORECASE)


def _unstretch(m: re.Match[str]) -> str:
    ch = m.group(2)
    return m.group(1) + (ch * 2 if ch.lower() in "lfoz" else ch)


# Words dropped or cut short: "get rid o that" (of), "cross it of" (off), "i need remember
# to" (need to remember), "thanks, dear, …" (a name for the listener between commas).
_RE_X_OUT = re.compile(r"\bx(?= (?:out|off)\b)", re.IGNORECASE)
_RE_O_CLOCK = re.compile(r"\bo\s+clock\b", re.IGNORECASE)
_RE_TWELVE_NOON = re.compile(r"\btwelve\s+(noon|midnight|midday)\b", re.IGNORECASE)
_RE_RID_O = re.compile(r"\brid o\b", re.IGNORECASE)
_RE_OF_OFF = re.compile(r"(?:(?<=\bit )|(?<=\bem )|(?<=\bone )|(?<=\bthat )|(?<=\bthis )|"
                        r"(?<=\bthem ))of$", re.IGNORECASE)
_RE_NEED_REMEMBER = re.compile(r"\b(need|have)(?= remember\b)", re.IGNORECASE)
_VOCATIVES = ("dear", "love", "hun", "pet", "darling", "babe", "mate", "sweet", "hon")
_RE_MID_VOCATIVE = re.compile(
    r",\s*(?:dear|love|hun|pet|darling|babe|mate|sweetie|sweetheart|hon)\s*(?=,)", re.IGNORECASE)


def _slips(s: str, low: str) -> str:
    if any(w.strip(".,!?;:") in _WORD_SLIPS for w in low.split()):
        s = _RE_WORD_SLIP.sub(lambda m: _WORD_SLIPS[m.group(0).lower()], s)
    if low.startswith("x o") or " x o" in low:
        s = _RE_X_OUT.sub("cross", s)  # "x out the glasses one"
    if "o clock" in low:
        s = _RE_O_CLOCK.sub("o'clock", s)  # dictated "four o clock"
    if "twelve " in low:
        s = _RE_TWELVE_NOON.sub(r"\1", s)  # "at twelve noon"
    if "rid o " in low:
        s = _RE_RID_O.sub("rid of", s)
    if low.endswith(" of"):
        s = _RE_OF_OFF.sub("off", s)
    if " remember" in low:
        s = _RE_NEED_REMEMBER.sub(r"\1 to", s)
    if low.count(",") >= 2 and any(v in low for v in _VOCATIVES):
        s = _RE_MID_VOCATIVE.sub("", s)
    if "to by " in low:
        s = _RE_TO_BY.sub("buy", s)
    if _RE_STRETCHED.search(low):
        s = _RE_STRETCHED.sub(_unstretch, s)
    if " prob " in low:
        s = _RE_PROB.sub(r"\1 probably", s)  # "i shud prob call" ("no prob" is no problem)
    return s


def clean(text: str) -> str:
    """Characters and whitespace normalised; the whole message is kept (no length cut)."""
    s = text.translate(_QUOTES)
    if "\n" in s or "\r" in s or "\u2028" in s or "\u2029" in s:
        # One item per line in pasted lists. Split, not "\s*\n\s*": that pattern retries a
        # long run of spaces from every one of its characters.
        s = "; ".join(p.strip() for p in _RE_NEWLINES.split(s) if p.strip())
    if not s.isprintable():
        s = _RE_CTRL.sub(" ", s)
    if not s.isascii():
        s = _RE_MID_EMOJI.sub(", ", s)
    laughs = s.lower()
    if "lol " in laughs or "haha" in laughs or "lmao " in laughs:
        s = _RE_MID_LAUGH.sub(", ", s)  # "eat lunch lol i keep forgetting": a clause ends
    s = " ".join(s.split())
    low = s.lower()
    if "to do" in low or "to-do" in low:
        s = _RE_TO_DO.sub(
            lambda m: (m["det"] + " " if m["det"] else "") + "todo" + ("s" if m["s"] else ""), s
        )
    if s[:1] in "iItTwW":
        s = _RE_LEAD_CONTRACTION.sub(r"\1's", s, count=1)
        s = _RE_LEAD_I_CONTRACTION.sub(r"\1'\2", s, count=1)
    if "nt" in low:
        s = _RE_DONT.sub(r"\1't", s)  # "dont" → "don't" (phone keyboards drop apostrophes)
    if ":" in s:
        s = _RE_COLON_WORD.sub(": ", s)  # "todo:fix the tap"
    if any(h in low for h in _HESITATIONS):
        s = _RE_HESITATION.sub("", s)
    if "mme" in low or low[:1] == "w" or low[:3] == "mi " or " tae " in low or (
            " me fi " in low) or any(n in low for n in _ME_LIST):
        s = _RE_SLANG.sub(lambda m: _SLANG[m.group(0).lower()], s)
    if "in" in low:
        s = _RE_G_DROPPED.sub(_g_back, s)  # "this mornin", "swimmin lessons"
    if " ah," in low or " lah," in low or " leh," in low or " lor," in low:
        s = _RE_PARTICLE.sub("", s)  # "can add one task ah, renew my passport"
    if low.startswith("mi ") and (" di " in low or " dis " in low):
        s = _RE_PATOIS.sub(lambda m: "the" if m.group(0).lower() == "di" else "this", s)
        s = _RE_PATOIS_DID.sub(lambda m: _PATOIS_PAST[m[1].lower()], s, count=1)
    if " n " in s or "thru" in low:
        s = _RE_N_AND.sub(lambda m: "and" if m.group(0).lower() == "n" else "through", s)
    s = _slips(s, low)
    return s


def _ing(base: str) -> str:
    if base.endswith("ie"):
        return base[:-2] + "ying"
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")) and len(base) > 2:
        return base[:-1] + "ing"
    if (len(base) >= 3 and base[-1] in "bdgmnprt" and base[-2] in "aeiou"
            and base[-3] not in "aeiou"):  # fmt: skip
        return base + base[-1] + "ing"  # "swim" → "swimming"
    return base + "ing"


# Words said with their g dropped ("mornin", "swimmin'", "gettin"): the -ing forms of the
# verbs the lexicon knows, and a few nouns.
_G_DROPPED = {form[:-1]: form for form in (
    *(_ing(base) for base in {*lx.PAST_TO_BASE.values(), *lx.MORE_PAST.values(), *lx.words(
        "swim shop walk cook clean work go do come get run sit put set wash")}
      if base.isalpha()),
    "morning", "evening", "nothing", "something", "anything", "everything")}
_RE_G_DROPPED = re.compile(r"\b([a-z]{2,}in)'?(?![\w'])", _F)
_RE_PARTICLE = re.compile(r"\s+(?:ah|lah|leh|lor)(?=,)", re.IGNORECASE)
_RE_PATOIS = re.compile(r"\bdi(?= \w)|\bdis(?= (?:morning|evening|afternoon|week|time)\b)",
                        re.IGNORECASE)  # "mi get di oxtail dis morning"
# "mi get di oxtail dis morning": the deed is told (patois has no past form)
_PATOIS_PAST = {"get": "got", "buy": "bought", "pay": "paid", "send": "sent", "fix": "fixed",
                "call": "called", "collect": "collected", "finish": "finished", "do": "did"}
_RE_PATOIS_DID = re.compile(r"(?<=^i )(" + "|".join(_PATOIS_PAST) + r")\b", re.IGNORECASE)
_RE_N_AND = re.compile(r"(?<=\w )n(?= \w)|\bthru\b", _F)


def _g_back(m: re.Match[str]) -> str:
    word = m.group(1)
    full = _G_DROPPED.get(word.lower())
    return m.group(0) if full is None else full


# ---------------------------------------------------------------- check marks

_CHECKS = "\u2705\u2714\u2611\u2713"
_RE_CHECK_EDGE = re.compile(
    r"^[\u2705\u2714\u2611\u2713]\ufe0f?\s*|\s*[\u2705\u2714\u2611\u2713]\ufe0f?$"
)
_RE_HAS_DONE = re.compile(r"\b(?:done|finished|completed|complete|check|checked)\b", _F)


def has_check_mark(s: str) -> bool:
    return any(c in s for c in _CHECKS)


def check_mark_as_done(s: str, *, is_add: bool) -> str:
    """ "call mom ✅" → "call mom done"; a lone check mark is left as it is."""
    m = _RE_CHECK_EDGE.search(s)
    if not m or m.end() - m.start() == len(s) or is_add:
        return s
    rest = (s[: m.start()] + " " + s[m.end() :]).strip()
    if _RE_HAS_DONE.search(rest):
        return rest  # "groceries done ✅"
    return ("done " + rest) if m.start() == 0 else (rest + " done")


# ---------------------------------------------------------------- politeness

_RE_LEAD = re.compile(
    r"^(?:please|pls|plz|pleas|kindly|abeg|biko|(?:could|can|would|will|cud|cn)\s+(?:you|u|ya|ye)"
    r"(?:\s+(?:please|possibly|kindly|mind|be\s+(?:able|willing)\s+to|be\s+so\s+kind\s+as\s+to))?(?:\s+(?:just|maybe|also|quickly))?|"
    r"(?:would|do)\s+(?:you|u|ya)\s+mind|"
    r"(?:i\s+)?(?:just\s+)?(?:wanted|want)\s+to\s+let\s+(?:you|u)\s+know(?:\s+that)?|"
    r"i\s+(?:was\s+)?wonder(?:ing)?\s+(?:if\s+)?(?:(?:you|u)\s+(?:could|can|would)|"
    r"(?:could|can|would)\s+(?:you|u))|"
    r"sorry\s+to\s+(?:bother|trouble|disturb)\s+(?:you|u)(?:\s+but)?|"
    r"(?:just\s+)?(?:letting\s+(?:you|u)\s+know|so\s+(?:you|u)\s+know)(?:\s+that)?|"
    r"mind\s+and(?=\s+(?:remind|get|pick|put|call|phone|ring|book|buy|pay|take|bring)\b)|"
    r"(?:good\s+)?(?:morning|afternoon|evening)\s+(?:all|everyone|folks|team)|"
    r"(?:ey|ay|eh)\s+up|eyup|tolong|(?:can|could|shall)\s+we(?=\s+(?:cross|check|tick|delete|remove|mark|"
    r"take|scratch|drop|strike|add|put)\b)|"
    r"honestly|seriously|basically|anyway|anyways|"
    r"(?:i|we)\s+can(?=\s+(?:cross|check|tick|delete|remove|mark|take|scratch|drop|strike)\b)|"
    # a voice assistant's wake word: "hey siri", "ok google", "alexa,"
    r"siri|google|alexa|cortana|bixby|"
    r"do\s+me\s+a\s+favou?r(?:\s+and)?|"
    r"(?:i'?d|i\s+would)\s+like\s+you\s+to|i\s+(?:want|need)\s+you\s+to|go\s+ahead\s+and|"
    r"just|quickly|quick\s+(?:one|question|q)(?=\s*[-:,])|quick|ok(?:ay)?|k|alright|all\s+right|so|(?:hey|hi|hello)\s+there|hey|hi|hello|hiya|heya|howdy|"
    r"ay+|ayo|yo|ya|yah|eh+|wei|can(?=\s+(?:add|remind|put|help\s+me\s+add)\b)|um+|uh+|er+m?|ugh+|argh+|meh|omg|mate|bro|bruv|dude|hun|hunny|hon|babe|"
    r"(?:shoot|crap|damn|dang|darn)(?=\s+i\b)|"
    r"(?:i'?d|i\s+would)\s+love\s+(?:it\s+)?if\s+(?:you|u)\s+(?:could|can|would)|"
    # "lemme add X": the add is the command
    r"let\s+me(?=\s+(?:just\s+|quickly\s+)?(?:add|put|jot|stick|pop|chuck|note|write|throw|"
    r"make\s+a|set\s+a|create)\b)|"
    r"oh|also|and|then|now|actually|oops|whoops|well|hmm+|right|sure|yes|yeah|yep|"
    r"sorry(?=\s*,)|"
    r"(?:todo\s+)?bot|assistant|app(?=[\s,]+(?:please|pls|plz|can|could|add|remind|take|put|"
    r"delete|remove|show|mark)\b)|let'?s|lets|ah|wait|btw|by\s+the\s+way|oi|dictating|voice\s+note|one\s+more\s+thing(?!\s+(?:for|to|on)\b)|"
    r"hey\s+there|hi\s+there|good\s+(?:morning|afternoon|evening)|thanks|thank\s+you|"
    r"great|cool|perfect|awesome|nice|you\s+can|you\s+could|u\s+can|finally|"
    # "never mind about X", "nvm the X": a removal, not a filler before a new command
    r"(?:never\s*mind|nvm)(?!\s+(?:about|abt|the|my|our|on)\b)|already|scratch\s+that|on\s+second\s+thought|maybe|like|"
    # "tell me what's due" asks; "tell me later to X" is a reminder: keep that one.
    r"tell\s+me(?=\s+(?:what|which|how|when|where|who|if|whether|my|the|about|all|everything)\b))"
    r"\b[\s,!.:;-]*",
    _F,
)
_RE_TRAIL = re.compile(
    r"(?:[\s,]+(?:please|pls|plz|thanks|thank\s+(?:you|u)|thx|ty|for\s+me|right\s+now|"
    r"if\s+(?:you\s+)?(?:can|could|possible)|thanks\s+a\s+lot|cheers|kthx|asap\s+please|"
    r"lol|lmao|haha+|hehe+|(?:thanks|thank\s+(?:you|u))\s+(?:so|very)\s+much|"
    r"thanks\s+a\s+(?:bunch|ton|million)|much\s+appreciated|appreciate\s+it|"
    r"(?:please\s+)?and\s+(?:thanks|thank\s+(?:you|u))|"
    r"um+|uh+|hm+|er+m?|lah|leh|lor|innit|inshallah|insha'?allah|mashallah|god\s+willing|"
    r"please\s+god|bro|bruv|fam|would\s+(?:ya|you|u|ye)|will\s+(?:ya|you|u)|ta|abeg|eh|"
    r"(?:thanks|cheers|ta)\s+(?:boss|chief|mate|love|pet|hun|dear|man)|"
    r"(?<=\bme )(?:love|pet|hun|babe|darling|mate|boss)|"
    # a name for the listener said last, not after a possessive: "… for today mate"
    r"(?<!\bmy )(?<!\bour )(?<!\bthe )(?<!\ba )(?<!\byour )(?<!\bhis )(?<!\bher )"
    r"(?<!\btheir )(?<!\bold )(?<!\bsoul )(?:mate|love|luv|dear|bwoy|bruh)|"
    r"(?<!\bsee )(?<!\blove )(?<!\bmiss )(?<!\bthank )(?<!\bgot )ya|"
    r"salamat(?:\s+po)?|(?:real|right)\s+quick|quickly|"
    r"when\s+(?:you|u)\s+(?:can|get\s+a\s+(?:chance|sec|minute))|if\s+(?:you|u)\s+don'?t\s+mind|"
    # "…, no date needed": no date is asked for
    # "sent the cv off this morning wish me luck"; Filipino "po"; "… God bless"
    r"wish\s+me\s+luck|po|god\s+bless(?:\s+(?:you|u))?|"
    r"(?:it'?s|its)\s+(?:[\w']+\s+){0,2}day|"  # "…on the 18th its moving day"
    r"(?:please|pls|plz|ta|cheers)\s+(?:mate|love|pet|hun|babe|boss|bro|fam|darling|dear)|"
    r"full\s+stop|period|"  # dictated punctuation
    r"(?<!with\s)(?<!tasks\s)(?<!ones\s)(?<!items\s)(?<!things\s)(?<!todos\s)(?<!have\s)"
    r"(?<!has\s)(?<!got\s)"
    r"no\s+(?:due\s+)?(?:date|deadline)(?:\s+(?:needed|necessary|required|for\s+it))?))+$",
    _F,
)
_TRAIL_WINDOW = 120  # trailing politeness is looked for at the end only: linear on any input
_TRAIL_CHARS = frozenset(" \t!.?,;:~*\ufe0f\u2026")


def _is_trail_char(ch: str) -> bool:
    return ch in _TRAIL_CHARS or "\U0001f000" <= ch <= "\U0001faff" or "\u2600" <= ch <= "\u27bf"


def _strip_trailing_marks(s: str) -> str:
    """Trailing punctuation and emoji, in one backward pass (a regex retried per position
    would be quadratic on a long run of them)."""
    end = len(s)
    while end and _is_trail_char(s[end - 1]):
        end -= 1
    return s[:end]


# The last word of every trailing politeness phrase: the pattern runs only after one of them.
_TRAIL_LAST = lx.frozenwords(
    "please pls plz thanks you u thx ty me now can could possible lot cheers kthx lol lmao "
    "haha hahaha hahahaha hehe much bunch ton million appreciated it um umm uh uhh hmm hmmm er "
    "erm lah leh lor innit inshallah inshaallah insha'allah mashallah willing god bro bruv fam "
    "ya ye ta chance sec minute mind dont abeg boss chief mate love pet hun dear man eh "
    "date deadline needed necessary required luck darling stop period po day bless bwoy bruh "
    "salamat quick quickly luv"
)
# The first word of every leading politeness phrase (and the filler sounds um/uh/er/hmm).
_LEAD_FIRST = lx.frozenwords(
    "please pls plz pleas kindly abeg biko could can would will cud cn do i'd i go just quickly "
    "quick ok "
    "okay k alright all so hey hi hello hiya heya howdy ay ayy ayyy ayo yo ugh ughh argh meh "
    "omg oh "
    "mate bro bruv dude hun hunny hon babe let ya yah eh ehh ehhh wei shoot crap damn dang darn "
    "also and then now "
    "actually oops whoops well right sorry "
    "sure yes yeah yep todo bot assistant app let's lets ah wait btw by one good thanks thank "
    "great "
    "cool perfect awesome nice nvm you u finally already never nevermind scratch on maybe like "
    "tell siri google alexa cortana bixby honestly seriously basically anyway anyways i we "
    "oi dictating voice mind morning afternoon evening wanted want letting ey eyup tolong"
)


_RE_KISSES = re.compile(r"(?:\S+ ){4}\S+( x{1,4})$")  # "…to the list x": a kiss, not an item


def _strip_trail(s: str) -> str:
    s = _strip_trailing_marks(s)
    if s.endswith(" x") or s.endswith("xx"):
        m = _RE_KISSES.search(s[-60:])
        if m:
            s = _strip_trailing_marks(s[: len(s) - len(m[1])])
    if s[s.rfind(" ") + 1 :].lower() not in _TRAIL_LAST:
        return s
    if len(s) <= _TRAIL_WINDOW:
        return _RE_TRAIL.sub("", s, count=1)
    head, tail = s[:-_TRAIL_WINDOW], s[-_TRAIL_WINDOW:]
    return head + _RE_TRAIL.sub("", tail, count=1)


# "would you mind crossing off the stamps one": the command after "mind" is said in -ing
_MIND_VERBS = {_ing(v): v for v in lx.words(
    "add put remind cross tick check mark delete remove take scratch set make show list clear "
    "move change rename get drop cancel erase bin strike note jot write pop stick")}


def _after_mind(t: str) -> str:
    first, _, rest = t.partition(" ")
    base = _MIND_VERBS.get(first.lower())
    return f"{base} {rest}".rstrip() if base else t


def strip_polite(s: str) -> str:
    """Drop politeness and filler at both ends ("could you please …", "… thanks!")."""
    for _ in range(6):
        first = s.split(" ", 1)[0].lower().rstrip(",!.:;-")
        lead = first in _LEAD_FIRST or first.startswith(("um", "uh", "er", "hmm"))
        t = _RE_LEAD.sub("", s, count=1) if lead else s
        if lead and t != s and s[: len(s) - len(t)].rstrip(" ,").lower().endswith("mind"):
            t = _after_mind(t)
        t = _strip_trailing_marks(_strip_trail(t)).strip()
        if t == s:
            break
        s = t
    return s


# ---------------------------------------------------------------- first-word typos

_VERBS = (
    "add", "create", "show", "list", "display", "complete", "finish", "delete", "remove",
    "cancel", "rename", "change", "move", "postpone", "reschedule", "mark", "check",
    "uncheck", "reopen", "untag", "undo", "clear", "search", "update", "schedule", "remind",
    "edit", "prioritize", "tag", "view", "find", "erase", "finished", "completed",
)  # fmt: skip
_VERB_SET = frozenset(_VERBS)
# Real words one edit away from a verb: never "correct" these.
_NOT_TYPOS = frozenset(
    lx.words(
        "more love mode made lost last lust snow slow shoe shop shot dove gone none bone tone "
        "chuck "
        "cone note nice mask park bark dark mare chance charge fine kind mind wind lead lift "
        "vest view vies shows slows lists check cheek chick leave mark make made mate sort "
        "sore move wove cove hove rove added dad ads aid odd and all ill tan tab tap tax rag "
        "edit edict exit clean clear cleat chef chew reach ramove remote derive delve dance "
        "fancy finch tinsel cancel canal camel muse most mist list lost fist gist feast find "
        "fund fond wand bind hind mind rind update upload search starch schedule remind "
        "remand rewind view vie what whats which when where who why how tell give show call "
        "buy pick book pay email text send read write make take bring clean wash cook fix get "
        "go walk feed water plan finish done mark set push this that these those there then "
        "they them have need must should remind remember dont don't reopen uncheck please "
        "thanks help today tomorrow tonight next every also just okay sure yeah nope"
    )
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


_RE_FIRST_WORD = re.compile(r"[A-Za-z]+\b")


def fix_first_word(s: str) -> str:
    """One typo in the first word of a command ("compelte X" → "complete X")."""
    m = _RE_FIRST_WORD.match(s)
    if not m:
        return s
    w = m.group(0).lower()
    if len(w) < 4 or len(w) > 12 or w in _VERB_SET or w in _NOT_TYPOS or w in lx.PAST_TO_BASE:
        return s  # "changed the sheets", "scheduled the haircut": news, not a typo
    if (w.endswith("s") and w[:-1] in _VERB_SET) or _RE_SUBJECT_NEXT.match(s, m.end()):
        return s  # "schedules are printed": a noun, the subject of what follows
    for v in _VERBS:
        if abs(len(v) - len(w)) <= 1 and (v[0] == w[0] or v[1] == w[1]) and _osa(w, v) == 1:
            return v + s[m.end() :]
    return s


_PAST_BASES = {base: past for past, base in sorted(lx.PAST_TO_BASE.items(), reverse=True)
               if " " not in base and " " not in past}
_PAST_LONG = tuple(sorted(p for p in lx.PAST_TO_BASE if len(p) >= 5 and " " not in p))
_PAST_LEAD = lx.frozenwords("i we just finally already")
_SUBJECT_NEXT = lx.frozenwords("don has have is was are were 's")
_NOT_PAST_TYPOS = lx.frozenwords("seed need feed weed heed deed bend lend send mend tend fend "
                                 "band bond brand grand stand wind kind mind find bind hand")
_RE_LEAD_WORDS = re.compile(r"((?:(?:i|we|just|finally|already)\s+){0,3})([a-z]+)\b", re.IGNORECASE)


def fix_past_typo(s: str) -> str:
    """One typo in a past verb that opens news ("cleand out the fridge" → "cleaned out the
    fridge", "bougth cofee beans" → "bought …"): the deed is then read as one."""
    m = _RE_LEAD_WORDS.match(s)
    if m is None:
        return s
    w = m.group(2).lower()
    if len(w) < 4 or len(w) > 12 or w in lx.PAST_TO_BASE or w in _PAST_BASES or (
            w in _NOT_TYPOS or w in _NOT_PAST_TYPOS or w.endswith("ed")):
        return s
    after = s[m.end(2):].split(None, 1)[:1]
    if after and (lx.looks_past(after[0].lower()) or after[0].lower() in _SUBJECT_NEXT):
        return s  # "herd tested for TB", "tunde don pay": a subject, then its verb
    fixed = _past_fix(w)
    if fixed is None:
        return s
    return s[: m.start(2)] + fixed + s[m.end(2):]


@lru_cache(maxsize=4096)
def _past_fix(w: str) -> str | None:
    if w.endswith("d") and w[:-1] in _PAST_BASES:
        return _PAST_BASES[w[:-1]]  # "renewd", "calld", "orderd"
    if w.endswith("d") and len(w) > 4 and w[:-1] in lx.MATCH_LEMMAS:
        return w[:-1] + "ed"
    if w.endswith(("er", "or", "s")):
        return None  # "groomer" is no "groomed"
    letters = Counter(w)
    return next((p for p in _PAST_LONG if p[0] == w[0] and abs(len(p) - len(w)) <= 1
                 and (letters - Counter(p)).total() <= 1 and _osa(w, p) == 1),
                None)  # "bougth", "submited"


_RE_SUBJECT_NEXT = re.compile(r"\s+(?:are|is|were|was|have|has)\b", re.IGNORECASE)
_CARRIER_WINDOW = 6  # carrier nouns stand among the first words ("set a daily remider to")
_CARRIER_SET = frozenset(lx.CARRIER_NOUNS)
# Words a carrier noun follows: "set a remider", "add new tsk", "on my lsit".
_CARRIER_BEFORE = lx.frozenwords("a an the my our new daily weekly another quick to-do do grocery")


@lru_cache(maxsize=4096)
def _carrier_typo(w: str) -> str | None:
    """The carrier noun `w` (lowercase) is one typo away from, if any."""
    if not (3 <= len(w) <= 10) or not w.isalpha() or w in _CARRIER_SET:
        return None
    if w in lx.CARRIER_NOT_TYPOS or w in _NOT_TYPOS or w in _VERB_SET:
        return None
    for noun in lx.CARRIER_NOUNS:
        if (noun[0] == w[0] and abs(len(noun) - len(w)) <= 1
                and len(set(noun) ^ set(w)) <= 2 and _osa(w, noun) == 1):  # fmt: skip
            return noun
    return None


def fix_carrier_words(s: str) -> str:
    """One typo in a carrier noun among the first words ("set a remider to X" → "set a
    reminder to X", "add a tsk to X")."""
    words = s.split(" ", _CARRIER_WINDOW)
    changed = False
    for i in range(1, min(len(words), _CARRIER_WINDOW)):
        if words[i - 1].lower() not in _CARRIER_BEFORE:
            continue
        w = words[i]
        if not w.islower():
            continue  # a capital is a name ("a call with Lisa")
        noun = _carrier_typo(w)
        if noun is not None:
            words[i] = noun
            changed = True
    return " ".join(words) if changed else s


# ---------------------------------------------------------------- spoken numbers


def _alt(items: object) -> str:
    return "(?:" + "|".join(sorted(map(str, items), key=len, reverse=True)) + ")"  # type: ignore[call-overload]


_UNITS = {k: v for k, v in lx.CARDINALS.items() if 1 <= v <= 9}
_TEENS = {k: v for k, v in lx.CARDINALS.items() if 10 <= v <= 19}
_HOURS = {k: v for k, v in lx.CARDINALS.items() if 1 <= v <= 12}
_U = _alt(_UNITS)
_T = _alt(lx.TENS)
# 1..59 in words: "five", "fifteen", "forty five", "forty-five".
_CARD = rf"(?:{_T}(?:[ -]{_U})?|{_alt(_TEENS)}|{_U})"
_MINUTE = rf"(?:(?:oh|o)[ -]?{_U}|{_T}(?:[ -]{_U})?|{_alt(_TEENS)})"
_HOUR_W = _alt(_HOURS)
_HOUR = rf"(?:{_HOUR_W}|1[0-2]|0?[1-9])"
_AMPM = r"(?:a\.m\.?|p\.m\.?|am|pm)"
_WD = _alt(n for names in lx.WEEKDAY_NAMES for n in names)
_MON = _alt(lx.MONTHS)
_ORD_WORDS = dict(lx.ORDINALS)
for _tens_word, _tens in (("twenty", 20), ("thirty", 30)):
    for _unit_word, _unit in lx.ORDINALS.items():
        if 1 <= _unit <= 9 and _tens + _unit <= 31:
            _ORD_WORDS[f"{_tens_word} {_unit_word}"] = _tens + _unit
            _ORD_WORDS[f"{_tens_word}-{_unit_word}"] = _tens + _unit
_ORD = _alt(_ORD_WORDS)
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
# What may follow a time said after "at": the end, punctuation, or a date/time word.
_TIME_FOLLOW = (
    r"(?=$|[,.;!?)]| (?:am|pm|a\.m|p\.m|o'?clock|on|tomorrow|today|tonight|this|next|every|"
    r"each|in|to|and|for|then|sharp|please|till|until|[#@]|p[1-4]|" + _WD + "|" + _MON + r")\b)"
)

_RE_PAST_TO = re.compile(
    rf"\b(?P<pre>(?:at|by|around|@|from|until|till) )?(?:a )?(?P<m>half|quarter|{_CARD}|"
    rf"\d{{1,2}})"
    rf"(?: minutes?)? (?P<rel>past|after|to|till|til|before|of) (?P<h>{_HOUR})\b"
    rf"(?! (?:minutes?|hours?|days?|weeks?|people|things|items|tasks)\b)",
    _F,
)
_RE_CLOCK_SUFFIX = re.compile(
    rf"\b(?P<h>{_HOUR_W}|1[0-2]|0?[1-9])(?:(?: |:)(?P<mi>{_MINUTE}|[0-5]\d))? ?"
    rf"(?P<suf>{_AMPM}(?![a-z])|o'?clock|in the (?:morning|afternoon|evening)|at night)",
    _F,
)
_RE_AT_CLOCK = re.compile(
    rf"\b(?P<pre>at|by|around|until|till|from|before|@) (?P<h>{_HOUR_W})"
    rf"(?: (?P<mi>{_MINUTE}))?{_TIME_FOLLOW}",
    _F,
)
# After a day, "at <hour>" is a time whatever follows ("tomorrow at nine ring the bank");
# "first thing" said with it is the morning.
_RE_DAY_AT = re.compile(
    rf"\b(?P<day>tomorrow|today|tonight|{_WD})(?P<mid> first thing| morning| evening| afternoon)?"
    rf" at (?P<h>{_HOUR_W}|1[0-2]|0?[1-9])(?: (?P<mi>{_MINUTE}))?\b(?![:.]\d)",
    _F,
)
# British "half five" is 5:30 ("at half five this evening").
_RE_HALF_HOUR = re.compile(
    rf"(?:\b(?P<pre>at|by|around|from|till|until|before|for|me|us) |^)half "
    rf"(?P<h>{_HOUR_W}|1[0-2]|[1-9])\b"
    r"(?! (?:past|after|an?|hours?)\b)",
    _F,
)
_RE_DURATION = re.compile(
    rf"\b(?P<pre>in|within|after|every|each|for the next) (?P<n>{_CARD}) (?P<u>{_UNIT})\b"
    rf"|\b(?P<n2>{_CARD}) (?P<u2>{_UNIT}) (?P<post>from now|from today|later)\b",
    _F,
)
_RE_AND_A_HALF = re.compile(
    rf"\b(?P<n>a|an|one|{_CARD}|\d{{1,2}}) (?P<u>hours?|days?|weeks?|months?|years?) and a half\b",
    _F,
)
_RE_MONTH_ORD = re.compile(
    rf"\b(?P<mon>{_MON})\.? (?:the )?(?P<o>{_ORD})\b|\b(?P<o2>{_ORD}) of (?P<mon2>{_MON})\b", _F
)
_RE_ORD_MONTH = re.compile(
    rf"\b(?P<o>{_ORD}) (?P<rest>(?:day )?of (?:every|each|the|this|next) month)\b", _F
)
_RE_ON_THE_ORD = re.compile(
    rf"\b(?P<pre>(?:on|by|before|until|till|for) the) (?P<o>{_ORD})"
    r"(?=$|[,.;!?)]| (?:at|@|in|and|every|of|for|to|by|from|p[1-4])\b| ?[#@])",
    _F,
)
_RE_HOLIDAY = re.compile(
    r"(?:\b(?P<pre>on|by|for|until|till|til|(?<=remind )me|(?<=remind )us) |^)"
    rf"(?P<h>{_alt(lx.HOLIDAYS)})\b"
    # at the start only before a command: "new year's day remind me to call granny"
    r"(?(pre)|(?=\s*,?\s*(?:remind|add|put|set|please|can\s+you|i\s+need|i\s+have)\b))",
    _F)
# Words that may start a spoken number, time or date (substrings: a cheap first test).
_NUM_HINT = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "teen",
    "twenty",
    "thirty",
    "forty",
    "fourty",
    "fifty",
    "half",
    "quarter",
    "am",
    "pm",
    "a.m",
    "p.m",
    "clock",
    "morning",
    "afternoon",
    "evening",
    "night",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "twelfth",
    "twentieth",
    "thirtieth",
    "christmas",
    "xmas",
    "new year",
    "valentine",
    "halloween",
)
# The hints that are whole words, tested as a set; the rest as substrings.
_NUM_HINT_WORDS = frozenset(n for n in _NUM_HINT if " " not in n and "." not in n and n != "teen")
_NUM_HINT_PARTS = ("teen", "a.m", "p.m", "new year", "clock")
_PUNCT_TO_SPACE = str.maketrans({c: " " for c in ",.;:!?()'\"-"})


def _card(word: str) -> int | None:
    """A cardinal said in words ("forty five", "oh five", "twelve") or digits."""
    w = word.lower().replace("-", " ")
    if w.isdigit():
        return int(w)
    parts = w.split()
    if parts and parts[0] in ("oh", "o"):
        parts = parts[1:]
    total = 0
    for p in parts:
        if p in lx.TENS:
            total += lx.TENS[p]
        elif p in lx.CARDINALS:
            total += lx.CARDINALS[p]
        else:
            return None
    return total


def _hour(word: str) -> int | None:
    h = _card(word)
    return h if h is not None and 1 <= h <= 12 else None


def _past_to(m: re.Match[str]) -> str:
    h = _hour(m["h"])
    mw = m["m"].lower()
    named = mw in ("quarter", "half")
    minutes = 15 if mw == "quarter" else 30 if mw == "half" else _card(mw)
    rel = m["rel"].lower()
    if h is None or minutes is None or not 0 < minutes < 60:
        return m.group(0)
    if not named and not m["pre"] and rel != "past":
        return m.group(0)  # "2 to 4" is a range; "at ten to nine" is a time
    if rel not in ("past", "after"):
        if mw == "half":
            return m.group(0)
        h, minutes = (h - 1) or 12, 60 - minutes
    return f"{m['pre'] or ''}{h}:{minutes:02d}"


def _clock_suffix(m: re.Match[str]) -> str:
    h = _hour(m["h"])
    mi = _card(m["mi"]) if m["mi"] else 0
    if h is None or mi is None or not 0 <= mi < 60:
        return m.group(0)
    if not m["mi"] and m["h"].isdigit() and not m["suf"].lower().startswith(("in", "at")):
        return m.group(0)  # "5pm" is already digits
    suf = m["suf"].lower()
    if suf.startswith("in the morning"):
        suf = "am"
    elif suf.startswith(("in the", "at night")):
        suf = "pm"
    clock = f"{h}:{mi:02d}" if m["mi"] else str(h)
    return f"{clock} {suf}"


def _at_clock(m: re.Match[str]) -> str:
    h = _hour(m["h"])
    mi = _card(m["mi"]) if m["mi"] else 0
    if h is None or mi is None or not 0 <= mi < 60:
        return m.group(0)
    return f"{m['pre']} {h}:{mi:02d}" if m["mi"] else f"{m['pre']} {h}"


def _day_at(m: re.Match[str]) -> str:
    h = _hour(m["h"])
    mi = _card(m["mi"]) if m["mi"] else 0
    if h is None or mi is None or not 0 <= mi < 60:
        return m.group(0)
    mid = " morning" if (m["mid"] or "").strip().lower() == "first thing" else (m["mid"] or "")
    return f"{m['day']}{mid} at {h}:{mi:02d}"


def _half_hour(m: re.Match[str]) -> str:
    h = _hour(m["h"])
    if h is None:
        return m.group(0)
    pre = m["pre"]
    if pre is None:
        return f"at {h}:30"  # "half six tonight remind me to X"
    if pre.lower() in ("me", "us"):
        return f"{pre} at {h}:30"  # "remind me half six": the "at" left unsaid
    return f"{pre} {h}:30"


def _duration(m: re.Match[str]) -> str:
    n = _card(m["n"] or m["n2"])
    if n is None:
        return m.group(0)
    if m["pre"]:
        return f"{m['pre']} {n} {m['u']}"
    return f"{n} {m['u2']} {m['post']}"


def _and_a_half(m: re.Match[str]) -> str:
    n = lx.COUNT_WORDS.get(m["n"].lower()) or _card(m["n"])
    if n is None:
        return m.group(0)
    unit = m["u"].lower().rstrip("s")
    if unit == "hour":
        return f"{n * 60 + 30} minutes"
    if unit == "day":
        return f"{n * 24 + 12} hours"
    if unit == "week":
        return f"{n * 7 + 3} days"
    if unit == "month":
        return f"{n * 4 + 2} weeks"
    return f"{n * 12 + 6} months"


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _month_ord(m: re.Match[str]) -> str:
    if m["mon"]:
        n = _ORD_WORDS[m["o"].lower()]
        return f"{m['mon']} {_ordinal_suffix(n)}"
    n = _ORD_WORDS[m["o2"].lower()]
    return f"{_ordinal_suffix(n)} of {m['mon2']}"


def _ord_month(m: re.Match[str]) -> str:
    return f"{_ordinal_suffix(_ORD_WORDS[m['o'].lower()])} {m['rest']}"


def _on_the_ord(m: re.Match[str]) -> str:
    return f"{m['pre']} {_ordinal_suffix(_ORD_WORDS[m['o'].lower()])}"


def _holiday(m: re.Match[str]) -> str:
    day = lx.HOLIDAYS[" ".join(m["h"].lower().split())]
    return f"{m['pre']} {day}" if m["pre"] else day


_ORDINAL_NEEDLES = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                    "eighth", "ninth", "tenth", "eleventh", "twelfth", "teenth", "twentieth",
                    "thirtieth")  # fmt: skip
_UNIT_NEEDLES = ("min", "hour", "hr", "day", "week", "month", "year")
# Each pass runs only if the lowercased text holds one of its words: a substring test costs
# far less than a regex search over a long message that has nothing to convert.
_PASSES = (
    (_RE_HOLIDAY, _holiday, ("christmas", "xmas", "new year", "valentine", "halloween")),
    (_RE_AND_A_HALF, _and_a_half, ("and a half",)),
    (
        _RE_PAST_TO,
        _past_to,
        ("half", "quarter", "past", "after", "to ", "till", "til ", "before", "of "),
    ),
    (_RE_HALF_HOUR, _half_hour, ("half ",)),
    (_RE_CLOCK_SUFFIX, _clock_suffix, ("am", "pm", "a.m", "p.m", "clock", "in the ", "at night")),
    (_RE_DAY_AT, _day_at, ("tomorrow at", "today at", "tonight at", "day at", "first thing at",
                           "morning at", "evening at", "afternoon at")),
    (_RE_AT_CLOCK, _at_clock, ("at ", "by ", "around", "until", "till", "from", "before", "@")),
    (_RE_DURATION, _duration, _UNIT_NEEDLES),
    (_RE_MONTH_ORD, _month_ord, _ORDINAL_NEEDLES),
    (_RE_ORD_MONTH, _ord_month, _ORDINAL_NEEDLES),
    (_RE_ON_THE_ORD, _on_the_ord, _ORDINAL_NEEDLES),
)


_RE_ISH = re.compile(r"\b(\d{1,2}(?::\d\d)?(?:\s?[ap]m)?|noon|midday)-?ish\b", _F)


# "a m" / "p m" as voice dictation writes them, after a number said or typed.
_RE_SPOKEN_MERIDIEM = re.compile(
    r"\b(\d{1,2}(?::\d\d)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|(?:twenty|thirty|forty|fifty)[\s-]?(?:one|two|three|"
    r"four|five|six|seven|eight|nine)|o'?clock)\s+([ap])\s+m\b",
    re.IGNORECASE,
)


_RE_LIKE_CLOCK = re.compile(r"\blike\s+(?=(?:at\s+)?\d{1,2}(?::\d\d)?\s*(?:am|pm)\b)",
                            re.IGNORECASE)
# "tomorrow morning 6.30": the time of that part of the day; "at 8 15": dictated 8:15
_RE_PART_CLOCK = re.compile(
    r"\b(morning|evening|afternoon|night|tonight)\s+(\d{1,2}[.:][0-5]\d)\b", re.IGNORECASE)
_RE_AT_H_MM = re.compile(
    r"\bat\s+(\d{1,2})\s+([0-5]\d)\b(?!\s*(?:min|mins|minutes|hours?|days?|weeks?|people|"
    r"times|x|%|percent|quid|bucks|dollars|pounds|euros))", re.IGNORECASE)
# "a reminder for 9 tonight": the hour of that day
_RE_FOR_HOUR_DAY = re.compile(
    r"(?<=\bfor )(\d{1,2}(?::\d\d)?)(?= (?:tonight|tomorrow|this (?:morning|evening|afternoon))\b)",
    re.IGNORECASE)
# "friday morning like 7", "tomorrow around 9": a bare hour after a day said is its time
_RE_DAY_ABOUT_HOUR = re.compile(
    r"\b(morning|evening|afternoon|night|tonight|tomorrow|today|(?:mon|tues|wednes|thurs|fri|"
    r"satur|sun)day)\s+(?:at\s+)?(?:like|around|about|abt|round)\s+(\d{1,2}(?::\d\d)?)"
    r"(?=\s*(?:$|[,.!;]))",
    re.IGNORECASE,
)
_RE_DAY_ITSELF = re.compile(r"\b(today|tomorrow|tonight)\s+(?:itself|only)\b", re.IGNORECASE)


def spoken_numbers(s: str) -> str:
    """Times, durations and dates said in words → digits; other numbers stay as typed."""
    if "ish" in s:
        s = _RE_ISH.sub(r"\1", s)  # "at 3ish": about 3 is 3
    if "like " in s:
        s = _RE_LIKE_CLOCK.sub("", s)  # "tomorrow morning like 7am": about 7am is 7am
    if "at " in s:
        s = _RE_AT_H_MM.sub(r"at \1:\2", s)
    if "ing " in s or "night " in s:
        s = _RE_PART_CLOCK.sub(r"\1 at \2", s)
    if "for " in s and ("tonight" in s or "tomorrow" in s or "this " in s):
        s = _RE_FOR_HOUR_DAY.sub(r"at \1", s)
    if "like " in s or "ound " in s or "abt " in s or "about " in s:
        s = _RE_DAY_ABOUT_HOUR.sub(r"\1 at \2", s)
    if "itself" in s or " only" in s:
        s = _RE_DAY_ITSELF.sub(r"\1", s)  # "due tomorrow itself": tomorrow, said firmly
    if " m" in s:
        s = _RE_SPOKEN_MERIDIEM.sub(r"\1 \2m", s)  # dictated "nine thirty a m" → "… am"
    low = s.lower()
    if _NUM_HINT_WORDS.isdisjoint(low.translate(_PUNCT_TO_SPACE).split()) and not any(
        n in low for n in _NUM_HINT_PARTS
    ):
        return s
    for rx, fix, needles in _PASSES:
        low = s.lower()
        if any(n in low for n in needles):
            s = rx.sub(fix, s)
    return s
