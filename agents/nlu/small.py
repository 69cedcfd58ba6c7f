"""Whole-message intents: greetings, thanks, help, undo, farewells, and the bulk commands
("clear completed", "delete everything"). Each pattern must match the whole message."""

from __future__ import annotations

import re

from agents.nlu import lexicon as lx
from agents.types import Intent, Understanding

__all__ = ["RE_NEGATED", "SMALL_TALK", "bulk", "small_talk"]

_F = re.IGNORECASE

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

RE_NEGATED = re.compile(
    r"^(?:don'?t|dont|do\s+not|never|no\s+need\s+to(?!.*\bany\s*more\b))\b"
    r"(?!\s*mind\b|\s+(?:let\s+me\s+)?forget|\s+repeat|\s+need|\s+have\s+to|\s+want)",
    _F,
)
_RE_FAREWELL = re.compile(
    r"^(?:bye|bye\s+bye|goodbye|good\s*night|gn|cya|see\s+(?:you|ya)(?:\s+\w+)?|later|"
    r"talk\s+(?:to\s+you\s+)?later|ttyl|have\s+a\s+good\s+(?:one|day|night|evening))"
    r"(?:[\s!.,]+\w+)?[\s!.]*$",
    _F,
)
SMALL_TALK = (
    (_RE_GREETING, Intent.GREETING),
    (_RE_THANKS, Intent.THANKS),
    (_RE_HELP, Intent.HELP),
    (_RE_UNDO, Intent.UNDO),
    (_RE_FAREWELL, Intent.UNKNOWN),  # no farewell intent; "see you tomorrow" is not a list
)

_RE_BULK = re.compile(
    r"^(?:clear(?:\s+out)?|delete|del|remove|purge|archive|clean(?:\s+up|\s+out)?|tidy(?:\s+up)?|"
    r"get\s+rid\s+of|wipe(?:\s+out)?|hide|erase|trash|nuke|drop|cancel|empty|dump|"
    r"throw\s+(?:out|away)|reset|scrap|ditch)\b(?P<rest>.*)$",
    _F,
)
_BULK_NOISE = lx.frozenwords(
    "that that's thats which are is were already been i i've ive have marked as "
    "all of my the our every single each tasks task todos todo to-dos to-do items item list "
    "lists entire whole thing things stuff ones one out on from in off up everything "
    "everythin evrything my tasklist todolist do to board away"
)
_BULK_DONE = lx.frozenwords(
    "completed complete done finished checked ticked crossed old closed archived finised compelted"
)
_BULK_ALL = lx.frozenwords("all everything everythin evrything entire whole every list lists")
_RE_START_OVER = re.compile(
    r"^(?:start\s+(?:over|fresh|from\s+scratch)|wipe\s+(?:it\s+)?(?:all|clean)|"
    r"clean\s+slate|reset(?:\s+everything)?|wipe\s+the\s+slate(?:\s+clean)?)$",
    _F,
)
_RE_CLEAN_UP = re.compile(
    r"^(?:clean\s*up|tidy\s+up|clear|clean(?:\s+up)?\s+(?:my|the)\s+(?:list|tasks))$", _F
)
_RE_WORDS = re.compile(r"[\w'-]+")


def bulk(s: str) -> Understanding | None:
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


# The words each whole-message pattern can start with: the pattern runs only after one of them
# (or after an emoji or a sign). Keeps five long alternations off every ordinary command.
_SMALL_FIRST = {
    Intent.GREETING: lx.frozenwords(
        "hi hii hiii hey heyy heya heyyy hello helo hellooo hiya howdy yo sup hola hallo "
        "greetings good morning evening what's whats wassup wazzup whassup how how's hows nice"
    ),
    Intent.THANKS: lx.frozenwords(
        "ok okay great perfect awesome cool nice good wonderful excellent brilliant super amazing "
        "fantastic lovely got sweet thanks thank thx thnx thanx tks ty tysm tyvm cheers ta merci "
        "much appreciate appreciated many that's thats you're youre"
    ),
    Intent.HELP: lx.frozenwords(
        "help hlp halp hulp assist support commands usage menu instructions options manual what "
        "how show list who i'm im i can could getting"
    ),
    Intent.UNDO: lx.frozenwords("undo un-do revert ctrl roll rollback go scratch take reverse put"),
    Intent.UNKNOWN: lx.frozenwords("bye goodbye good goodnight gn cya see later talk ttyl have"),
}


_RE_REPEATS = re.compile(r"(.)\1+")


def _squeeze(word: str) -> str:
    """ "heyyy" and "hey", "hellooo" and "hello" alike: runs of a letter count once."""
    return _RE_REPEATS.sub(r"\1", word)


_SMALL_FIRST_SQUEEZED = {
    intent: frozenset(_squeeze(w) for w in words) for intent, words in _SMALL_FIRST.items()
}


def small_talk(s: str) -> Intent | None:
    """The whole-message intent (greeting, thanks, help, undo, farewell) or None."""
    first = s.split(" ", 1)[0].lower().rstrip(",!.?:;-")
    sign = not first[:1].isalnum()
    squeezed = _squeeze(first)
    for rx, intent in SMALL_TALK:
        if (sign or squeezed in _SMALL_FIRST_SQUEEZED[intent]) and rx.match(s):
            return intent
    return None
