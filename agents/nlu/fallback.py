"""The task-aware fallback (issue 12): a statement no rule read that says a task is done.

"the trash is out", "finally got my hair cut, looks great", "oil change can come off the
list", "never mind the birthday cake": the message is a STATEMENT with a completion signal
(a past verb first, a state after a noun, a few removal phrases). The reading is a
low-confidence COMPLETE (DELETE for cancel / never mind / don't bother / no need) whose
reference is the clause; `agents.resolve` acts on it only when ONE open task's words are
covered (`resolve.strict_match`), else nothing changes. Negation, wishes, plans, complaints
and questions (`lexicon.FALLBACK_DENY`) are never read. One bounded pass over the words.
"""

from __future__ import annotations

import re

from agents.nlu import lexicon as lx
from agents.types import Intent, TaskRef, Understanding

MAX_WORDS = 30
CONFIDENCE = 0.6
_RE_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Where the told deed ends and a remark starts ("…, looks great", "… so relieved").
_CUTS = (",", ";", ".", "!", " so ", " turns out", " lol", " haha", " lmao", " - ",
         " because ", " cause ", " cuz ", " and it ", " which ", " :")
_STATES = tuple(tuple(p.split()) for p in sorted(lx.FALLBACK_STATES, key=len, reverse=True))
_GENERIC = frozenset(lx.FALLBACK_GENERIC_STATES)
_TAIL = lx.TAIL_STARTS | lx.frozenwords(
    "again now finally morning afternoon evening night week weekend monday tuesday wednesday "
    "thursday friday saturday sunday")
_COPULA = lx.frozenwords("is are 's 're has have been got get gets be")
_NOT_ED = lx.frozenwords("need needed bed red shed used tired bored wed fed-up")
_PRONOUNS = lx.frozenwords("i you he she it they we that this there what who which these those "
                           "it's that's there's here's everything nothing something")


def clause(text: str) -> str:
    """The told deed: the message up to the first remark."""
    s = f" {text.lower()} "
    end = len(s)
    for cut in _CUTS:
        at = s.find(cut, 1)
        if 0 < at < end:
            end = at
    return s[:end]


def _is_past(word: str) -> bool:
    if word in lx.PAST_TO_BASE:
        return word not in lx.PAST_NEEDS_OBJECT or word in ("put", "set", "cut")
    return len(word) >= 5 and word.endswith("ed") and word not in _NOT_ED


def _starts(ws: list[str], i: int, phrases: tuple[tuple[str, ...], ...]) -> int:
    """The length of the first phrase that starts at ws[i], or 0."""
    for p in phrases:
        if tuple(ws[i:i + len(p)]) == p:
            return len(p)
    return 0


def _only_tail(ws: list[str]) -> bool:
    return not ws or ws[0] in _TAIL


def _words(s: str) -> list[str]:
    out: list[str] = []
    for w in _RE_WORD.findall(s)[:MAX_WORDS]:
        if w.endswith("'s") and len(w) > 2:  # "the dog's fed": a copula or a possessive
            out += [w[:-2], "'s"]
        elif out and (out[-1], w) in lx.FALLBACK_PHRASAL:
            out[-1] = lx.FALLBACK_PHRASAL[(out[-1], w)]  # "went back" → "returned"
        else:
            out.append(w)
    return out


def _reading(intent: Intent, ref: list[str], rule: str) -> Understanding | None:
    ref = [w for w in ref if w not in ("anymore", "any", "more")]
    if not ref or all(w in lx.MATCH_FILLER or w == "'s" for w in ref):
        return None
    title = " ".join(ref).replace(" 's", "'s")
    return Understanding(intent=intent, refs=(TaskRef(title=title),), confidence=CONFIDENCE,
                         rule=f"fallback.{rule}")  # fmt: skip


def _removal(ws: list[str]) -> Understanding | None:
    """never mind / don't bother with / i don't need (to) / i cancelled / X can come off."""
    i = 0
    while i < len(ws) and i < 3 and ws[i] in ("i", "we", "oh", "ok", "okay", "actually", "so",
                                              "we're", "i'm", "were", "im", "are", "am"):
        i += 1
    head = ws[i:i + 3]
    rest: list[str] | None = None
    if head[:2] == ["never", "mind"]:
        rest = ws[i + 2:]
        if rest[:1] == ["about"]:
            rest = rest[1:]
    elif head[:1] in (["nevermind"], ["nvm"]):
        rest = ws[i + 1:]
    elif head[:2] in (["don't", "bother"], ["dont", "bother"]) and head[2:3] in (
            ["with"], ["about"], ["doing"]):  # fmt: skip
        rest = ws[i + 3:]
    elif head[:2] in (["don't", "need"], ["dont", "need"]) and i > 0:
        rest = ws[i + 2:]
        if rest[:1] == ["to"]:
            rest = rest[1:]
    elif head[:1] in (["cancelled"], ["canceled"]) and i > 0:
        rest = ws[i + 1:]
    elif head[:2] == ["forget", "about"] or head[:3] in (["don't", "worry", "about"],
                                                           ["dont", "worry", "about"]):
        rest = ws[i + 2 + (head[1] == "worry"):]
    elif "anymore" in ws and i > 0 and head[:2] in (["not", "doing"], ["aren't", "doing"],
                                                    ["not", "do"]):  # fmt: skip
        rest = ws[i + 2:]  # "we're not doing the bake sale anymore"
        if rest[:2] == ["to", "do"]:
            rest = rest[2:]
    if rest is not None:
        if any(w in lx.FALLBACK_DENY for w in rest):
            return None
        return _reading(Intent.DELETE, rest, "delete")
    # "oil change can come off (the list)", "the boxes can go"
    for j in range(1, min(len(ws), 8)):
        if ws[j] == "can" and ws[j + 1:j + 3] in (["come", "off"], ["go"], ["be", "crossed"]):
            subject = ws[:j]
            if subject[0] in _PRONOUNS or any(w in lx.FALLBACK_DENY for w in subject):
                return None
            return _reading(Intent.COMPLETE, subject, "come_off")
    return None


def read(text: str) -> Understanding | None:
    """The fallback reading of a message no rule read, or None (talk: nothing changes)."""
    if "?" in text:
        return None
    ws = _words(clause(text))
    if not ws or _asks(ws):
        return None
    got = _removal(ws)
    if got is not None or ws[0] in ("never", "nevermind", "nvm", "don't", "dont", "forget",
                                    "we're", "i'm"):
        return got
    if any(w in lx.FALLBACK_DENY for w in ws):
        return None
    i = 0
    while i < len(ws) and i < 4 and ws[i] in lx.FALLBACK_LEAD:
        i += 1
    if i < len(ws) and _is_past(ws[i]) and (i > 0 or ws[i] not in ("set", "put", "cut")):
        # "shredded the old bank statements", "i wrote the thank you cards"
        if i + 1 >= len(ws) or ws[i + 1] in ("it", "them", "that", "this", "me", "myself"):
            return None
        return _reading(Intent.COMPLETE, ws[i:], "news")
    return _state(ws)


_AUX = lx.frozenwords("did do does have has had is are was were can could should will would am")
_SUBJECTS = lx.frozenwords("i you we he she they it my your our his her their")
_WH = lx.frozenwords("what who whom whose when where why how which whether")


def _asks(ws: list[str]) -> bool:
    """A question with its mark lost ("did i pay the rent", "is the rent paid", "what did i
    finish"): never a deed, whatever it names. "did the dishes" (no subject after the verb)
    stays news."""
    if ws[0] in _WH or (ws[0] in _AUX and len(ws) > 1 and ws[1] in _SUBJECTS):
        return True
    return ws[0] in _AUX and ws[0] not in ("did", "do", "had")  # "is the rent paid"


def _state(ws: list[str]) -> Understanding | None:
    """`<noun phrase> [is/are/'s/got/has been] <state or participle> <tail>`."""
    if ws[0] in _PRONOUNS:
        return None
    for j in range(1, min(len(ws), 9)):
        k = j
        while k < len(ws) and k < j + 2 and ws[k] in _COPULA:
            k += 1
        if k >= len(ws):
            return None
        np = ws[:j]
        if np[-1] in ("my", "the", "a", "an", "our", "of", "in", "to", "for"):
            continue
        if any(w in lx.FALLBACK_PEOPLE for w in np[-1:]) and k == j:
            return None
        participle = ""
        n = 0
        if ws[k] not in lx.FALLBACK_BAD_STATES and _is_past(ws[k]) and ws[k] not in _GENERIC:
            n, participle = 1, ws[k]
        n = n or _starts(ws, k, _STATES)
        if not n:
            if k > j and ws[j] != "'s":
                return None  # a copula with something else after it: a description
            continue
        tail = ws[k + n:]
        state = " ".join(ws[k:k + n])
        if not participle and tail[:1] == ["for"] and state not in _GENERIC:
            return None  # "the kids are ready for bed": a state, not a deed
        if not _only_tail(tail) or (k == j and not participle):
            if k > j:
                return None
            continue
        if participle:  # "the cat went to the vet": the tail says where, keep it
            return _reading(Intent.COMPLETE, [participle, *np, *(tail if k == j else ())],
                            "state")  # fmt: skip
        return _reading(Intent.COMPLETE, np, f"state:{state}")
    return None
