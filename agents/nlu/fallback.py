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
from collections.abc import Iterable

from agents.nlu import lexicon as lx
from agents.types import Intent, Mention, TaskRef, Understanding

MAX_WORDS = 30
CONFIDENCE = 0.6
_RE_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Where the told deed ends and a remark starts ("…, looks great", "… so relieved").
_CUTS = (",", ";", ".", "!", " so ", " turns out", " lol", " haha", " lmao", " - ",
         " because ", " cause ", " cuz ", " and it ", " which ", " :")
_STATE_TEXTS = tuple(sorted(lx.FALLBACK_STATES, key=len, reverse=True))
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


Phrases = dict[str, tuple[tuple[str, ...], ...]]


def _phrases(texts: Iterable[str]) -> Phrases:
    """Phrases indexed by their first word, longest first (one dict lookup per word)."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for text in sorted({" ".join(t.split()) for t in texts}, key=len, reverse=True):
        words = tuple(text.split())
        by_first.setdefault(words[0], []).append(words)
    return {first: tuple(found) for first, found in by_first.items()}


_STATES = _phrases(_STATE_TEXTS)


def _starts(ws: list[str], i: int, phrases: Phrases) -> int:
    """The length of the longest phrase that starts at ws[i], or 0."""
    if i >= len(ws):
        return 0
    for p in phrases.get(ws[i], ()):
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
    elif head[:2] in (["don't", "need"], ["dont", "need"]) and (i > 0 or "anymore" in ws):
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


_PAST_TIME = lx.frozenwords("yesterday last earlier already")
_WONT = lx.frozenwords("won't wont")
_LIVE = lx.frozenwords("live open online")  # "broadband's live": 's is "is" before these
_REPORTED = lx.frozenwords("said says told thinks thought reckons reckoned mentioned")
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


# ---------------------------------------------------------------- mentions

# The mention reading: a statement that says a task is done (or no longer needed) by naming
# its things rather than its title ("the faucet doesn't drip anymore, fixed it with a new
# washer", "tuition payment went through", "scratch the oil change, selling the car").
# The resolver acts on it only when one open task's own things are in the message
# (`agents.resolve.mention_match`); a tie asks which one, no match changes nothing.
MENTION_MAX_WORDS = 40
MAX_CLAUSES = 6
_RE_ABBREVIATION = re.compile(r"\b(mrs|mr|ms|dr|st|jr|sr|prof|appt|approx|vs|etc)\.")
_CLAUSE_CUTS = (*_CUTS, " then ", " plus ", " also ", " when i ", " while i ", " but ")


def _cut_pattern(cut: str) -> str:
    """A cut as a regex: its spaces become look-arounds, so they stay with the clauses."""
    core = re.escape(cut.strip())
    if not cut.startswith(" "):
        return re.escape(cut)
    if cut.endswith(" "):
        return rf"(?<= ){core}(?= )"
    return rf"(?<= ){core}\b" if cut[-1].isalpha() else rf"(?<= ){core}"


# One pass over the message: the cuts as alternatives, longest first.
_RE_CLAUSE_CUT = re.compile("|".join(
    _cut_pattern(c) for c in sorted(_CLAUSE_CUTS, key=len, reverse=True)))
_CANCEL = _phrases(lx.MENTION_CANCEL_PHRASES)
_FIXED = _phrases(lx.MENTION_FIXED)
_NOT_DONE = _phrases(lx.NOT_DONE_PHRASES)
# What is still to do, said after what is done: not part of the news
# What is still to do, said after the news: found by its words, then the separators before it
# are walked back (a pattern that starts at the separators would retry a long run of them
# from each of its characters: quadratic on "-\n-\n-\n…").
_RE_STILL_NEED = re.compile(
    r"(?:\b(?:but|and)\s+)?(?:\b(?:i|we)\s+)?\bstill\s+(?:need|needs|have|has|got|gotta)\b")
_STILL_SEPARATORS = frozenset(" \t\n,.;!\u2705\u2714\ufe0f-")


def _still_tail(low: str) -> int:
    """Where the clause of what is still to do begins (its separators included), or -1."""
    m = _RE_STILL_NEED.search(low)
    if m is None:
        return -1
    start = m.start()
    while start > 0 and low[start - 1] in _STILL_SEPARATORS:
        start -= 1
    return start if 0 < start < m.start() else -1
_RE_SAME_THING = re.compile(r"\b(?:mine|yours|ours|his|hers|it|that|one|too|as\s+well)\b\W*$")
_RE_NOT_YET_DONE = re.compile(
    r"^(?:i\s+|we\s+)?(?:tried|attempted)\b|\b(?:i|we)\s+(?:tried|attempted)\b|"
    r"\b(?:still|been|currently)\s+on\s+hold\b|\band\s+counting\b")  # not yet through
_REFER_BACK = lx.frozenwords("that it this them those one these him her")
MAX_MENTIONS = 3
# "just wanted to say", "fyi", "quick update:": said before the news, never part of it.
_RE_LEAD_IN = re.compile(r"^\s*(?:" + "|".join(
    re.escape(p).replace(r"\ ", r"\s+") for p in sorted(lx.MENTION_LEAD_INS, key=len,
                                                         reverse=True)) + r")\b[\s,:.!-]*")
# Verbs after "did <thing>" that make it a question ("did the parcel arrive").
_QUESTION_VERBS = lx.frozenwords(
    "go get come arrive happen work show land clear ship post send pass make finish end")
_OTHERS = (lx.FALLBACK_PEOPLE - {"kids", "kid"}) | lx.MENTION_ROLES
# Who came and fixed it, as people say it: "the british gas guy came and serviced the boiler"
_TRADES = lx.frozenwords("guy man bloke fella lady uncle")
_OWNED = lx.frozenwords("his her their")
_QUALITY = lx.frozenwords("so too very really pretty")  # "the gym was so packed"


def _clauses(text: str) -> list[str]:
    """The message cut at remark boundaries (commas, "so", "lol", …), at most MAX_CLAUSES."""
    s = _RE_ABBREVIATION.sub(r"\1", f" {text.lower()} ")  # "paid mrs. chen": one clause
    parts = _RE_CLAUSE_CUT.split(s, maxsplit=MAX_CLAUSES)
    return [c for c in (part.strip() for part in parts) if c][:MAX_CLAUSES]


def _cue(ws: list[str]) -> tuple[Intent, str, list[str], str] | None:
    """(intent, kind, the words that name the thing, state) of one clause, or None."""
    i = 0
    while i < len(ws) and i < 4 and ws[i] in lx.MENTION_LEAD:
        i += 1
    body = ws[i:]
    if not body:
        return None
    got = _index(body, _GOT)
    if got >= 1 and any(w in _DAMAGE for w in body[got + 1:got + 4]):
        return None  # "my scrubs have got a tear in the knee": trouble, not had
    if 1 <= got <= 4 and body[got - 1] in ("'s", "has") and (
            body[got + 1:got + 2] == ["new"] or (body[got + 1:got + 2] and body[got + 1] in _OWNED
                                                 and body[got + 2:got + 3] == ["new"])):
        body = [*body[:got - 1], "has", *body[got + 1:]]  # "liam's got his new shoes": has
    for j, word in enumerate(body):
        n = _starts(body, j, _CANCEL)
        if n or word in lx.MENTION_CANCEL:
            said_before = body[max(0, j - 2):j]
            if not n and any(w in lx.NEGATION_WORDS or w in _MODAL for w in said_before):
                return None  # "i can't cancel the gym", "i might skip the gym today"
            return Intent.DELETE, "cancel", body[:j] + body[j + max(n, 1):], ""
        if word in lx.MENTION_TICK and "off" in body[j + 1:j + 6]:
            return Intent.COMPLETE, "cancel", [w for w in body if w != "off"][:j] + [
                w for w in body[j + 1:] if w != "off"], ""  # fmt: skip
    wont = _index(body, _WONT)
    if 0 <= wont <= 2 and body[wont + 1:wont + 2] == ["be"] and body[wont + 2:wont + 3] and (
            body[wont + 2].endswith("ing")):
        return Intent.DELETE, "cancel", body[wont + 2:], ""  # "i won't be renewing my passport"
    if 0 <= wont <= 2 and body[wont + 2:wont + 3] and body[wont + 2] in _REFER_BACK | _UNITS:
        return Intent.DELETE, "cancel", body[wont + 1:], ""  # "…so i won't buy one"
    if "no" in body and body[-1] in ("needed", "necessary", "required"):
        return Intent.DELETE, "cancel", body, ""  # "so no job posting needed"
    if body[0] in ("no", "not") and len(body) > 1 and body[1].endswith("ing"):
        return Intent.DELETE, "cancel", body[1:], ""  # "so no dropping them off"
    if body[0] == "no" and body[-2:] in (["for", "us"], ["for", "me"], ["this", "year"]):
        return Intent.DELETE, "cancel", body[1:-2], ""  # "so no turkey for us"
    if any(_starts(body, j, _FIXED) for j in range(len(body))):
        if any(w in ("need", "needs", "doing", "going", "want", "do") for w in body):
            return Intent.DELETE, "cancel", body, ""  # "not going to the gym anymore"
        return Intent.COMPLETE, "fixed", body, ""
    if any(w in _DENY for w in body) or any(_starts(body, j, _NOT_DONE) for j in range(len(body))):
        return None  # "the concert is sold out"
    with_at = _index(body, _WITH)
    if 1 <= with_at <= 6 and body[with_at - 1] in _BE_NOW and any(
            w in _OTHERS for w in body[with_at + 1:with_at + 3]):
        return Intent.COMPLETE, "with", body, ""  # "chapter 3 draft is with my supervisor"
    has = _index(body, _HAS)
    if 1 <= has <= 4 and body[has + 1:has + 2] and body[has + 1] in _OWNED and any(
            _is_past(w) for w in body[has + 2:has + 6]):
        return Intent.COMPLETE, "state", body, ""  # "max has his vet appt booked for thursday"
    if 1 <= has <= 5 and body[0] not in _PRONOUNS and not _participle(body[has + 1:has + 2]):
        # "nina has the proposal", "the accountant has all my tax docs now": handed over;
        # the state is what they have, which the task must name ("the library has a book
        # sale" is not "return library books")
        had = [w for w in body[has + 1:]
               if w not in lx.MATCH_FILLER and w not in _WHEN and w != "back"]
        if had[:1] == ["new"]:  # "ben has a new bike": bought
            return Intent.COMPLETE, "have", body, ""
        return Intent.COMPLETE, "has", body, had[-1] if had else ""
    if body[0] in lx.PAST_NEEDS_OBJECT and body[1:2] and body[1] in _FRESH:
        body = body[1:]  # "put fresh sheets on the bed": what is there now
    if body[0] in _FRESH and any(w in _ON_IN for w in body[2:5]) and not any(
            _is_past(w) or w in lx.MENTION_PAST for w in body[1:5]):  # not "new x arrived in"
        return Intent.COMPLETE, "state", body, "fresh"  # "fresh sheets on the bed"
    ing = next((j for j, w in enumerate(body[2:6], 2) if body[j - 1] in _BE_NOW), 0)
    if ing and _doing(body[ing]) and any(w in _OTHERS for w in body[:ing - 1]) and not (
            _owned_next(body[ing + 1:ing + 3])) and not any(  # "…painting their fence"
            w in lx.MENTION_NOT_DEEDS for w in body[ing + 1:ing + 3]):  # "…getting married"
        # "gran's collecting the kids today": someone else has it in hand ("getting" is
        # fetching: "my sister is getting grandma from the airport", not "…a new car")
        doing = ["fetching" if body[ing] == "getting" else body[ing], *body[ing + 1:]]
        return Intent.COMPLETE, "deed", doing, ""
    have = _index(body, _HAVE_WORDS)
    if 1 <= have <= 4 and body[have + 1:have + 2] and body[have + 1] in _FRESH and (
            body[0] not in _PRONOUNS):
        # "the kids have new shoes": bought; "the smoke alarms have fresh batteries": changed
        return Intent.COMPLETE, "have", body, "fresh" if body[have + 1] == "fresh" else ""
    at = 1 if body[:1] == ["have"] else 2 if body[:2] in (["i", "have"], ["we", "have"]) else 0
    if at and body[at:at + 1] and (body[at] in _DONE_BASES or (
            _is_past(body[at]) or body[at] in ("done", "paid", "sent"))):
        return Intent.COMPLETE, "deed", body[at:], ""  # "i have finish the homework"
    if body[0] == "have" and len(body) > 1 and body[1] != "to":
        return Intent.COMPLETE, "have", body[1:], ""  # "already have enough toilet paper"
    if ws[:2] in _HAVE or body[:2] in _HAVE:
        # "we have eggs now": bought
        return Intent.COMPLETE, "have", body[1:] if ws[:2] in _HAVE else body[2:], ""
    for j, word in enumerate(body[:12]):
        # a call to the user answers theirs when it came first or back ("mom called me
        # yesterday" may be news of anything)
        answer = (word in lx.MENTION_ANSWERED and body[j + 1:j + 2] in (["me"], ["us"]) and (
            word not in _CALLED or any(w in _CALLED_FIRST for w in body[j + 2:j + 4])
        )) or bool(_starts(body, j, _ANSWERS)) or (
            word in lx.MENTION_ANSWERED and word not in _CALLED and all(
                w in _WHEN or w in _BETWEEN for w in body[j + 1:]))  # "the landlord replied"
        arrived = word in lx.MENTION_ARRIVED and "and" not in body[j + 1:] and (
            body[j + 1:j + 2] != ["down"])  # not "came by and fixed", "came down"
        fixed = next((w for w in body[j + 1:j + 6] if w in _RESOLVED), None)
        if word in lx.MENTION_ARRIVED and fixed and any(w in _OTHERS or w in _TRADES
                                                        for w in body[:j]):
            return Intent.COMPLETE, "event", body, fixed  # "the plumber came and fixed it"
        if j and (answer or arrived) and body[0] not in _PRONOUNS:
            # "mom called me first", "prof said yes to the extension": the user's call or
            # request to them is done; "the new charger came today": what was ordered is here
            return Intent.COMPLETE, "answer" if answer else "event", body, (
                "" if answer else "arrived")
        if word in _REPORTED and j and body[0] not in ("i", "we") and body[j + 1:j + 2] and (
                body[j + 1] in _DETERMINERS):
            # "my manager said the new menu is a hit": what they said, no deed ("my sister
            # said she'll watch the dog" is their promise: news for "find dog sitter")
            return None
        if word == "got" and body[j + 1:j + 2] == ["off"] and body[j + 2:j + 4] != ["the", "phone"]:
            return None  # "just got off a 12 hr shift": off work, not a deed
        if word == "got" and _graded(body[j + 1:j + 4]):
            return None  # "i got a B on my history test": a grade, not a deed
        if word in lx.MENTION_NOT_DEEDS:
            return None  # "i checked the price of flights", "the packages arrived"
        past = (_is_past(word) or word in lx.MENTION_PAST or (
            word in lx.PAST_NEEDS_OBJECT and j == 0 and body[1:2] and body[1] in _DETERMINERS)
            or (word in lx.PAST_NEEDS_OBJECT and body[:j] in ([], ["i"], ["we"]) and any(
                w in _PAST_TIME for w in body[j + 1:]))  # "i read ch 7 last night"
        ) and word not in _GENERIC_NOUNS  # fmt: skip
        state = 0
        k = j - 1
        while k > 0 and body[k] in _BETWEEN:  # "the garage is (finally / all) clean"
            k -= 1
        before = body[k] if j else ""
        if word == "been" and body[j + 1:j + 2] == ["to"] and j > 0:
            return Intent.COMPLETE, "state", body, ""  # "biscuit's been to the vet"
        if not past and before in _COPULA:  # "the cards are (all) in the mail"
            state = _starts(body, j, _MENTION_STATES)
            if not state and (before in _BE or before == "been" or (
                    before == "'s" and word in _LIVE)) and word.isalpha() \
                    and word not in lx.MATCH_FILLER and word not in _NOT_EVENT \
                    and not word.endswith("ing") and not _owned_next(body[j + 1:j + 3]):
                # ("the hedge is getting out of control" is still going on)
                # "my bank account is open now": done if that is the task's own verb
                return Intent.COMPLETE, "event", body, word
        elif not past and j > 0 and body[j - 1] not in _DETERMINERS:  # "meal prep done"
            state = _starts(body, j, _BARE_DONE)
            if not state and j <= 3 and not any(w in _PRONOUNS or w.endswith("ing")
                                                for w in body[:j]) and all(
                    w in _WHEN or w in lx.MATCH_FILLER for w in body[j + 1:]):
                state = _starts(body, j, _MENTION_STATES)  # "bathrooms spotless now"
        if not past and not state:
            continue
        subject = [w for w in body[:j] if w not in _COPULA and w not in _ADVERBS]
        if subject[:1] and subject[0] in _PRONOUNS and subject[0] not in ("i", "we"):
            if past and j > 0 and body[j - 1] not in _COPULA:
                return None  # "it rained all night": weather, not a task
            return Intent.COMPLETE, "state", body, ""  # "that's booked": said before
        if len(subject) > 2 and subject[-2:] in (["and", "i"], ["and", "me"]):
            # "mom and i talked for an hour": the user's deed, with whom
            return Intent.COMPLETE, "deed", [*body[j:], "with", *subject[:-2]], ""
        if not subject or subject in (["i"], ["we"]):
            if j + 1 >= len(body) and word not in lx.FALLBACK_GENERIC_VERBS:
                return None  # "i called": nothing named
            return Intent.COMPLETE, "deed", body[j:], ""
        if word == "gave" and body[j + 1:j + 2] in (["me"], ["us"], ["her"], ["him"], ["them"]):
            return Intent.COMPLETE, "have", body[j + 2:], ""  # "her school gave her poster board"
        if body[j + 1:j + 2] in (["me"], ["us"]):
            if word == "refunded":  # "zara refunded me for the jacket": it went back
                return Intent.COMPLETE, "event", body, "refund"
            return None  # "sarah emailed me about lunch": done to the user, not by them
        if word not in ("got", "had") and _owned_by_others(body[j + 1:j + 6]):
            return None  # "my neighbor painted his garage" ("the kids got their shots")
        if word == "bought" and any(w in _BUYERS for w in subject):
            return Intent.COMPLETE, "event", body, "sold"  # "someone bought the bike"
        if subject[-1] in _OTHERS and (before not in _COPULA or before in _HAVE_WORDS):
            # not "the email to bob is sent" ("the lawyer has received the documents" is)
            if word in _RESOLVED:  # "the electrician fixed the outlet": whatever it was for
                return Intent.COMPLETE, "event", body, word
            if word in ("got", "received") and body[j + 1:j + 2] and body[j + 1] in _DETERMINERS:
                # "dad got the pics": he is part of the deed ("my sister got engaged" is not)
                return Intent.COMPLETE, "state", body, ""
            # "my wife picked up the kids": what they did, not who
            return Intent.COMPLETE, "deed", body[j:], ""
        if word in _LINKING and j + 1 < len(body) and body[j + 1] not in _DETERMINERS:
            # "went out" / "went flat": done only when what it became is a done state
            became = body[j + 1]
            if not _starts(body, j + 1, _MENTION_STATES) and became not in _LINK_DONE and not (
                    _is_past(became) and became not in lx.MENTION_NOT_DEEDS):  # fmt: skip
                return None
        said = " ".join(body[j:j + state]) if state else ""
        if any(w in _QUALITY for w in body[j:j + 2]):
            return None
        if past and word in _LIGHT_PAST and any(w in _SOME_THING for w in body[j + 1:j + 5]):
            return None  # "my dog just did the funniest thing": whatever it was
        if past and before not in _COPULA and word not in _LINKING:
            # "the bike chain snapped", "the bank sorted it out": something happened to the
            # thing; the task is done only if that is its deed (the resolver checks)
            return Intent.COMPLETE, "event", body, word
        # the thing is the subject: "the package got picked up by ups from the porch" is
        # not about the porch
        participle = word in _LINKING and j + 1 < len(body) and (
            _is_past(body[j + 1]) or body[j + 1] in _WENT_WELL)  # "got picked", "went well"
        if (state or participle or (past and before in _COPULA)) and subject[0] not in _SELF:
            body = body[:j + max(state, 1) + participle]
            owner = max((i for i, w in enumerate(body[:j - 1]) if w == "'s" and not (
                body[i + 1] in _COPULA or _is_past(body[i + 1]))), default=-1)
            body = body[owner + 1:]  # "mum's knee surgery went well": about the surgery
        return Intent.COMPLETE, "state", body, "" if said in _GENERIC else said
    if "already" in body:
        return Intent.COMPLETE, "state", body, ""  # "rice i buy already yesterday"
    return None


_CONTRAST = lx.frozenwords("but though although however")
# after a contrast, what foiled the deed ("rang the vet but he's out till friday")
_FOILED = lx.frozenwords("missed down too till until closed busy shut away windy raining")
# Off a call with someone: they were called.
_RE_OFF_THE_PHONE = re.compile(
    r"\b(?:come|came|got|get|just\s+off)\s+off\s+(?:the\s+)?(?:phone|call)\s+(?:with|wid|w/?|to)\b"
    r"|\bjust\s+off\s+(?:the\s+)?(?:phone|call)\s+(?:with|wid|w/?|to)\b")
_RE_NO_BOTHER = re.compile(r"\b(?:no\s+(?:dramas|drama|worries|problem|problems|bother|"
                           r"hassle|issues|stress|sweat|fuss)|no\s+probs)\b")
_RE_HOPE = re.compile(r"\b(?:fingers\s+crossed|touch\s+wood|knock\s+on\s+wood)\b")
_RE_GOOD_UNTIL = re.compile(
    r"\b(?:till|until|til|for)\s+(?:next|another)\s+(?:\d+\s+|few\s+|couple\s+(?:of\s+)?)?"
    r"(?:year|yr|month|week|time|winter|summer)s?\b")
_RE_WORKS_AGAIN = re.compile(
    r"\b(?<!blown\s)(running|working|flowing|draining|fine|online|going|rings|ringing|works)"
    r"\s+again\b")
_RE_WORKS_FINE = re.compile(
    r"\b(?:working|works|running|runs)\s+(?:fine|great|perfectly|properly|lekker|ok|okay|"
    r"well|grand|good)\s+now\b")
_RE_RELIEF_TAIL = re.compile(r"[\s,!.]+(?:thank\s+(?:god|goodness|heavens|fuck)|phew)[\s!.]*$")
_RE_WENT_OFF_TO = re.compile(r"\bwent\s+off(?=\s+(?:at|to|in\s+the\s+post|today|this|yesterday|"
                             r"last|first\s+thing)\b)")
# What goes off by sounding or spoiling, not by being sent: "the car alarm went off at 3am"
_RE_GOES_OFF = re.compile(r"\b(?:alarms?|detectors?|sirens?|bells?|fireworks?|milk|power|"
                          r"lights?|electrics?|electricity|gun|bomb)\s+went\s+off\b")
_RE_WENT_SOLD = re.compile(
    r"\bwent\s+(?=(?:on\s+(?:ebay|gumtree|vinted|depop|craigslist|marketplace|facebook)|"
    r"at\s+(?:the\s+)?(?:sale|auction|mart|market)|for\s+(?:[£$€]\s?\d|\d+\s?(?:quid|bucks|"
    r"pounds|dollars|euros|k)\b)))")
# What is still ahead, said after the news ("…, doing it sunday", "will do it tomorrow").
_RE_DOING_IT_LATER = re.compile(
    r"(?<!not )(?<!n't )\b(?:doing|do|tackling|sorting|painting|fitting|starting|will\s+do|"
    r"i'?ll\s+do)\s+"
    r"(?:it|that|them|this)\s+(?:on\s+)?(?:tomorrow|tonight|later|this\s+\w+|next\s+\w+|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|at\s+the\s+weekend|on\s+the\s+weekend)\b")
_FOR_NOW = lx.frozenwords("today tonight yet")
_RE_NOT_BAD = re.compile(r"\bnot\s+(?:too\s+|that\s+|so\s+|half\s+)?bad\b")
_RE_CANT_BELIEVE = re.compile(r"\b(?:i\s+)?(?:can'?t|cannot|couldn'?t)\s+believe\b")
_RE_HIT_SEND = re.compile(r"\b(?:hit|hitting|pressed|clicked)\s+(send|submit)\s+on\b")
_RE_PIDGIN_DONE = re.compile(r"(?<=\bi )don(?= [a-z])|(?<=\bwe )don(?= [a-z])")
# "tunde don pay", "the money don reach": someone else's deed, done
_PIDGIN_PAST = {"pay": "paid", "buy": "bought", "send": "sent", "collect": "collected",
                "reach": "arrived", "finish": "finished", "come": "came", "land": "landed",
                "arrive": "arrived", "settle": "settled", "sign": "signed", "fix": "fixed",
                "submit": "submitted", "book": "booked", "clear": "cleared",
                "deliver": "delivered", "return": "returned", "give": "gave"}
_RE_PIDGIN_THEIRS = re.compile(r"(?<=\w )don (" + "|".join(_PIDGIN_PAST) + r")\b")
# A reason after the news says why, not whether: its doubts are not the news's.
_RE_REASON = re.compile(r"(?:,\s*|\s+)(?:because|cos|coz|cuz|cause|'cause)\s")
_RE_REASON_END = re.compile(r"\s+(?:so|and\s+so|which\s+means)\s|[,;.!]")
# It happened again: the clause before is trouble, not the thing a deed refers back to
# ("sheep got through the fence again last night, spent the morning rounding them up").
_AGAIN = lx.frozenwords("again")
# A plan or a can't said anywhere: the clauses before are not what a later one refers back to
# ("one of the heifers is limpin, gonna watch her another day before i call anybody").
_WHOLE_DENY = lx.frozenwords("gonna will i'll cannot can't cant might should've shouldve")
_STILL = lx.frozenwords("still yet again no nobody nothing later tomorrow")
_BE = lx.frozenwords("is are was were")
_SELF = lx.frozenwords("i i'm im we we're were")  # "i'm all set with the freezer space"
# "the plumber came and fixed it", "the gas guy came and serviced the boiler"
_RESOLVED = lx.frozenwords("fixed repaired solved resolved sorted serviced")
_MODAL = lx.frozenwords("might may will would should could gonna going to i'll we'll")
_ADVERBS = lx.frozenwords("finally already just also actually totally")
_HAS = lx.frozenwords("has")
_WITH = lx.frozenwords("with")
_WHEN = lx.frozenwords("now today tonight yesterday weekend week morning finally already")


def _owned_by_others(words: list[str]) -> bool:
    """What follows a deed is someone else's ("his garage", "the neighbor's lawn")."""
    return any(w in _OWNED and words[i + 1:i + 2] != ["way"]  # "on her way home"
               for i, w in enumerate(words[:3])) or any(
        w in _OTHERS and words[i + 1:i + 2] == ["'s"] for i, w in enumerate(words[:4]))


_POINTERS = lx.frozenwords("that this these those her")  # also determiners: "these tulips"


_RE_FILLER_LIKE = re.compile(
    r"\b(for|took|takes|was|just|literally|about|spent)\s+like\s+"
    r"(?=(?:a|an|the|one|two|three|four|five|ten|fifteen|twenty|thirty|forty|fifty|half|"
    r"couple|few|\d+)\b)"
    # "submitted it like 2 min before midnight", "ran them like 10 times", "at like 2am": about,
    # no liking; "its like sleeping on a cloud": a likeness
    r"|\b([a-z']+)\s+like\s+(?=(?:a|an|\d+)\s+(?:min|mins|minutes?|hours?|hrs?|secs?|seconds?|"
    r"days?|weeks?|times|x)\b|\d{1,2}(?::\d\d)?\s*(?:am|pm)\b)"
    r"|\b(its|it's|it\s+is|was|feels|felt|looks|sounds)\s+like\s+(?=[a-z])")
_RE_HALF_PRICE = re.compile(r"\bhalf\s+(?:price|off|priced)\b")
_RE_KINDA_DONE = re.compile(r"\b(?:kinda|sorta|kind\s+of|sort\s+of)\s+(?=(?:already|just)\b)")
# What a deed got, said by its amount only: "bought a pack", "grabbed a couple".
_PLACE_NEXT = lx.frozenwords("at from in on for today yesterday earlier")
_UNITS = lx.frozenwords("pack packet box bag bottle couple few some bunch load dozen pair "
                        "one two three")


def _refers_back(named: list[str], i: int) -> bool:
    """named[i] points back at something said before ("fixed it myself", "that's booked",
    "that one's done"), rather than being a determiner ("these tulips")."""
    word = named[i]
    if word in _UNITS and i > 0 and (i == len(named) - 1 or named[i + 1] in _PLACE_NEXT) and (
            named[i - 1] in ("a", "an", "the") or word == "some"):
        return True  # "so i bought a pack", "got some at the garage": of the thing said before
    if word not in _REFER_BACK:
        return False
    after = named[i + 1:i + 2]
    return word not in _POINTERS or not after or not after[0].isalpha() or (
        after[0] in lx.MATCH_FILLER)


def _owned_next(words: list[str]) -> bool:
    """The deed's object is the doer's own ("painting their fence", "fixing up his bike"),
    not someone named first ("taking nana to her appointment")."""
    return bool(words) and (words[0] in _OWNED or (
        words[0] in ("up", "out", "off") and words[1:2] != [] and words[1] in _OWNED))


def _participle(words: list[str]) -> bool:
    """The word is a past participle ("has shut down", "has been"), not a thing had."""
    return bool(words) and (words[0] in lx.PAST_TO_BASE or words[0] in lx.MENTION_PAST
                            or words[0] == "been" or _is_past(words[0]))  # fmt: skip


def _index(words: list[str], wanted: frozenset[str]) -> int:
    """Where the first of `wanted` stands in `words`, or -1."""
    return next((i for i, w in enumerate(words) if w in wanted), -1)


_ANSWERS = _phrases(lx.MENTION_ANSWERS)
_CALLED = lx.frozenwords("called rang phoned facetimed")
_CALLED_FIRST = lx.frozenwords("first back already")
_LIGHT_PAST = lx.frozenwords("did made had")
_SOME_THING = lx.frozenwords("thing things something stuff")
_BUYERS = lx.frozenwords("someone somebody buyer guy lady woman man")
_HAVE_WORDS = lx.frozenwords("have has")
_FRESH = lx.frozenwords("fresh new")
_ON_IN = lx.frozenwords("on in")
_BE_NOW = lx.frozenwords("'s is are 're")


_GRADES = lx.frozenwords("a b c d e f a+ a- b+ b- c+ 100 full top")
_MARKS = lx.frozenwords("grade mark marks score points percent distinction merit pass")


def _graded(words: list[str]) -> bool:
    """What was got is a grade ("a B", "an A", "full marks", "a good grade")."""
    if words[:1] in (["a"], ["an"]) and words[1:2] and words[1] in _GRADES and (
            len(words[1]) <= 2):  # fmt: skip
        return True
    return any(w in _MARKS for w in words)


def _doing(word: str) -> bool:
    """A present participle of a task verb ("collecting", "making"), not "going"."""
    return len(word) > 5 and word.endswith("ing") and word not in lx.MENTION_NOT_DOING


# Said for "done" by people who drop the participle ("i have finish the homework").
_DONE_BASES = lx.frozenwords("finish complete submit send pay call book buy collect fix clean")
_HAVE = (["we", "have"], ["i", "have"], ["we've", "got"], ["i've", "got"], ["we", "got"])
# An event or a thing that is over or gone is not a task done ("dinner was over by 9"), and
# without a copula only the plain done words say it ("meal prep done", not "take the day off").
_MENTION_STATES = _phrases(p for p in _STATE_TEXTS if p not in ("over", "gone", "off"))
_BARE_DONE = _phrases(p for p in _STATE_TEXTS if p in _GENERIC and p not in ("over", "gone", "off"))
_GENERIC_NOUNS = lx.frozenwords("need used red bed shed")
_GOT = lx.frozenwords("got")
_DAMAGE = lx.frozenwords("tear rip hole holes stain crack dent scratch leak puncture")
# What a thing is said to be that is no deed: "the library books are due back on the 12th"
_NOT_EVENT = lx.frozenwords("due overdue late early expensive cheap pricey broken missing lost "
                            "stuck")
_LINKING = lx.frozenwords("went got became turned grew gone gotten came")
_WENT_WELL = lx.frozenwords("well great fine smoothly ok okay perfectly")
_LINK_DONE = lx.frozenwords("through in back") | _WENT_WELL
_BETWEEN = lx.frozenwords("all finally now already just totally completely fully actually "
                          "really officially")
_DETERMINERS = lx.frozenwords(
    "the a an my our your his her their its some all this that these those both")
# A past state is still news ("the sink was fixed", "the party is all planned").
_DENY = lx.FALLBACK_DENY - lx.frozenwords("was were planned tomorrow tonight later soon next") \
    | lx.frozenwords("again too")


def by_someone_else(text: str) -> bool:
    """The message tells what another person did ("my neighbor finally painted his
    garage"): a person before the first past verb."""
    for word in _RE_WORD.findall(text.lower())[:6]:
        if _is_past(word) or word in lx.MENTION_PAST:
            return False
        if word in _OTHERS:
            return True
    return False


def told_by_user(text: str) -> bool:
    """The user tells what they (and someone) did: "mom and i talked for an hour", "we
    finally sorted the garage" (a past verb right after "i"/"we")."""
    words = _RE_WORD.findall(text.lower())[:MENTION_MAX_WORDS]
    for i, word in enumerate(words[:-1]):
        if word == "me" and words[i + 1:i + 2] == ["and"]:
            word, i = "i", i + 2  # "me and jo walked for an hour"
        if word in ("i", "we"):
            verb = [w for w in words[i + 1:i + 3] if w not in _ADVERBS][:1]
            if verb and (_is_past(verb[0]) or verb[0] in lx.MENTION_PAST) and (
                    verb[0] not in _GENERIC_NOUNS):
                return True
    return False


def still_ahead(text: str) -> bool:
    """News that says the deed is not done after all: a thing run out again, a try cut
    off, the deed put off to later ("bought the paint, doing it sunday")."""
    low = f" {text.lower()} "
    return any(f" {p} " in low for p in lx.STILL_AHEAD_PHRASES) or bool(
        _RE_DOING_IT_LATER.search(low))


def told(text: str) -> bool:
    """A reference that reads as something told, not a task's name: it starts with a past
    verb ("went out last night")."""
    first = _RE_WORD.findall(text.lower())[:1]
    return bool(first) and (_is_past(first[0]) or first[0] in lx.MENTION_PAST)


_RE_HABIT = re.compile(r"(?:\b(?:is|are|was|were)|'s|'re)\s+(?:always|never|usually)\b")
# A price said: "silage wrap is gone very dear this year" (nothing was done)
_RE_GONE_DEAR = re.compile(r"\b(?:gone|went|got|getting)\s+(?:(?:very|so|really|awful|fierce|"
                           r"mad)\s+)?(?:dear|expensive|pricey|dearer)\b"
                           r"|\b(?:prices?|costs?)\s+(?:have\s+|has\s+|'ve\s+|are\s+)?(?:gone|went|"
                           r"going|shot)\s+(?:up|mad|crazy|daft|silly|through)\b")
# Told of another year: "the christmas concert got cancelled last year" is no removal now
_RE_LONG_AGO = re.compile(r"\b(?:last|the\s+other)\s+(?:year|summer|winter|spring|autumn|fall|"
                          r"christmas|easter)\b|\byears?\s+ago\b")


def mentions(text: str) -> tuple[Mention, ...]:
    """The mention readings of a statement (module comment above): one per clause that says
    something is done, the weakest (an event) last; () for anything else."""
    low = _RE_LEAD_IN.sub("", text.lower(), count=1)  # "just wanted to say the forms are in"
    if (("dear" in low or "pric" in low or "expensive" in low or "cost" in low)
            and _RE_GONE_DEAR.search(low)) or (
            ("always" in low or "never" in low or "usually" in low) and _RE_HABIT.search(low)):
        return ()  # a price ("gone very dear"), a habit ("the plumber's phone is always off")
    if "phone" in low or "call" in low:
        low = _RE_OFF_THE_PHONE.sub("called", low)  # "just come off the phone wid auntie"
    if "again" in low:
        low = _RE_WORKS_AGAIN.sub("working now", low)  # "the pump's running again": fixed
    if "work" in low or "running" in low:
        low = _RE_WORKS_FINE.sub("fixed now", low)  # "it's working lekker now": fixed
    if "send" in low or "submit" in low:
        # "just hit send on the slides to priya", "hit submit on the application"
        low = _RE_HIT_SEND.sub(lambda m: "sent" if m[1] == "send" else "submitted", low)
    if "next" in low or "another" in low:
        low = _RE_GOOD_UNTIL.sub("", low)  # "serviced the boiler, all good till next year"
    if "thank" in low or "phew" in low:
        # "…so no more chasing needed thank god" (looked for at the end only: linear)
        low = low[:-40] + _RE_RELIEF_TAIL.sub("", low[-40:], count=1)
    if "went " in low:
        low = _RE_WENT_SOLD.sub("sold ", low)  # "old phone went on ebay for £90": sold
    if "bad" in low:
        low = _RE_NOT_BAD.sub("good", low)  # "went for £90, not bad": no negation
    if "believe" in low:
        low = _RE_CANT_BELIEVE.sub("wow", low)  # "can't believe it only took 3 weeks"
    if "went off" in low and not _RE_GOES_OFF.search(low):
        low = _RE_WENT_OFF_TO.sub("is sent", low)  # "jen's parcel went off at the post office"
    if "no " in low:
        low = _RE_NO_BOTHER.sub(",", low)  # "passed its wof no dramas": all went well
    if "crossed" in low or "wood" in low:
        low = _RE_HOPE.sub(",", low)  # "booked for next week, fingers crossed it passes": a hope
    if "went and " in low:
        low = low.replace("went and ", "")  # "went and got my costume": got it
    if "in laws" in low:
        low = low.replace("in laws", "in-laws")
    if " don " in low:
        low = _RE_PIDGIN_DONE.sub("have", low)  # "i don buy chidi uniform": bought
        low = _RE_PIDGIN_THEIRS.sub(lambda m: _PIDGIN_PAST[m[1]], low)
    reason = _RE_REASON.search(low)
    if reason and reason.start() > 12:
        # "liam's got his shoes, velcro because he still can't do laces": the news without
        # its reason (up to the next clause: "…because of the rain so no need for X")
        reason_end = _RE_REASON_END.search(low, reason.end())
        low = low[: reason.start()] + (low[reason_end.start():] if reason_end else "")
    still = _still_tail(low) if "still" in low else -1
    if still > 0 and not _RE_SAME_THING.search(low, still):
        low = low[:still]  # "X cancelled, still need to do Y" ("i still need mine")
    if "?" in low:
        topic, _, answer = low.rpartition("?")
        said = _RE_WORD.findall(answer)
        if not said or "?" in topic or said[0] in _WH or said[0] in _AUX or len(
                _RE_WORD.findall(topic)) > 6:
            return ()
        low = f"{topic}, {answer}"  # "the permission slips? handed in": asked and answered

    if " like " in low:
        # "talked for like an hour": no liking
        low = _RE_FILLER_LIKE.sub(lambda m: f"{m[1] or m[2] or m[3]} ", low)
    if "half " in low:
        low = _RE_HALF_PRICE.sub("on sale", low)  # a price, not a half-done task
    if " thru" in low:
        low = low.replace(" thru", " through")  # "uniform order went thru"
    if "thank you" in low:
        low = low.replace("thank you", "thankyou")  # "thank you cards": no "you" talked to
    if "kind" in low or "sort" in low:
        low = _RE_KINDA_DONE.sub("", low)  # "i kinda already bought the rods": done
    all_words = _RE_WORD.findall(low)[:MENTION_MAX_WORDS]
    if not all_words or any(w in lx.MENTION_DENY for w in all_words) or (
            _RE_NOT_YET_DONE.search(low)):
        return ()  # "tried ringing insurance but … i hung up": a try is no deed
    had = all_words[0] in ("had", "have") and all_words[1:2] not in (
        ["i"], ["you"], ["we"], ["they"], ["he"], ["she"])  # "had my flu jab", "have enough"
    if not had and _asks(all_words):
        return ()
    if any(w in _CONTRAST for w in all_words):
        after = all_words[min(all_words.index(w) for w in all_words if w in _CONTRAST):]
        if any(w in lx.NEGATION_WORDS or w in lx.FALLBACK_BAD_STATES or w in _STILL
               or w in _FOILED for w in after):  # fmt: skip
            return ()  # "i called the bank but they were closed", "… but i missed it"
    if all_words[0] in _AUX and not had and (all_words[0] != "did" or any(
            w in _QUESTION_VERBS for w in all_words[2:7])):  # fmt: skip
        return ()  # "did the invoice go out": a question with its mark lost ("did the dishes")
    parts = _clauses(low)
    said_cues = [(at, got) for at, got in enumerate(map(_cue, map(_words, parts)))
                 if got is not None]
    # of two cancels the later is the command ("we decided not to go to the wedding so
    # skip the gift"); something that happened is the weakest cue (below)
    said_cues.sort(key=lambda cue: -cue[0] if cue[1][1] == "cancel" else 0)
    cues = [got for _, got in said_cues]
    for part in parts[1:]:
        said = _words(part)
        if said[:1] == ["no"] and 3 <= len(said) <= 4 and f"so {part.strip()}" in low:
            # "in-laws decided to drive instead so no airport run": the plan made it moot
            cues.insert(0, (Intent.DELETE, "cancel", said[1:], ""))
    if _RE_DOING_IT_LATER.search(low):
        return ()  # "bought the paint for the fence, doing it sunday": the deed is ahead
    if ("not" in all_words and not _FOR_NOW.isdisjoint(all_words)) or (
            ("last" in all_words or "ago" in all_words) and _RE_LONG_AGO.search(low)):
        # "not asking about the raise today": put off, not dropped; "the christmas concert
        # got cancelled last year": another year's
        cues = [cue for cue in cues if cue[1] != "cancel"]
    # something that happened to a thing is the weakest cue: a deed or cancel goes first
    # ("professor said yes to the extension so you can cross that email off")
    cues.sort(key=lambda cue: cue[1] == "event")
    found: list[Mention] = []
    for intent, kind, named, state in cues[:MAX_MENTIONS]:
        named = [w for w in named if w not in ("anymore", "any", "more")]
        refs = []
        if any(w not in lx.MATCH_FILLER and w not in _PRONOUNS and w != state for w in named):
            refs.append(" ".join(named).replace(" 's", "'s"))
        if len(parts) > 1 and not (kind != "cancel" and (
                (refs and any(w in _AGAIN for w in all_words))
                or any(w in _WHOLE_DENY for w in all_words))) and (
                not refs or kind == "cancel" or (kind == "deed" and len(named) <= 2) or any(
                    _refers_back(named, i) for i in range(len(named)))):
            # "…? handed in": a deed that names nothing of its own is about what came before
            refs.append(" ".join(all_words))  # "so scratch that": the thing said before
        if refs:
            found.append(Mention(kind=kind, refs=tuple(dict.fromkeys(refs)), state=state,
                                 intent=intent))  # fmt: skip
    return tuple(found)


# ---------------------------------------------------------------- told, plainly

# The weakest mention: a plain statement that something is over with, in words no cue above
# reads ("DBS came back clear", "cv updated with the internship stuff", "everyone's paid
# their subs"). Only the task's own thing names it (agents.resolve, kind "told"); a word of
# doubt, trouble, a plan, a wish or a question anywhere and it is talk.
_TOLD_STATES = lx.frozenwords("done sorted handled covered finished completed clear gone")
_RE_TOLD_FINE = re.compile(r"\b(?:all\s+(?:good|fine|set)|(?:fine|good|ok|okay)\s+now)\b")
# "went bad", "has gone off": spoiled, not done ("forms have gone off to defra" is done)
_RE_TOLD_SPOILED = re.compile(
    r"\b(?:gone|went|go|goes)\s+(?:off|bad|sour|mou?ldy|stale)\b(?!\s+to\b)|\bpassed\s+away\b"
    r"|\b(?:gone|went|go|goes|going)\s+(?:up|down)\s+(?:by|to|again|\d|£|\$|€)")  # a price moved
_TOLD_DENY = (lx.NEGATION_WORDS | lx.MENTION_DENY | lx.FALLBACK_BAD_STATES | lx.frozenwords(
    "will i'll we'll he'll she'll they'll it'll gonna going want wants wanna wish hope need "
    "needs should might may must could would gotta tried try trying forgot forget nearly "
    "tomorrow later soon next tonight broke died dead snapped leak leaks leaked crashed failed "
    "ran run running low empty flat worse wrong problem issue wait waiting plan planning you "
    "your if when why how what who where which did does do nobody nothing noone again bad "
    "missed skipped started moved killing disaster mess rude ugh smh someone somebody too "
    "his her seem seems supposed but though think thinks thought reckon getting "
    "rained raining snowed snowing storm stormy windy")) - (
    lx.frozenwords("still"))
# "hedges look tidy now", "website shows the holiday hours now": a state reached
_RE_TOLD_NOW = re.compile(r"(?<!right )(?<!for )(?<!just )\bnow\b(?!\s+that\b)")
_RE_ANOTHER = re.compile(r"\banother\b(?!\s+(?:year|month|week|day|few)\b)")  # once more
_RE_FOR_US = re.compile(r"\b(?:us|me)\b")
_PRICED = lx.frozenwords("expensive pricey cheap cheaper costly dear price prices")
_TOLD_LIGHT = lx.frozenwords("was were had did got said told")
# after a past verb, an object: the deed was done TO it ("the conference accepted my paper":
# the conference did something, nothing was done to it)
_OBJECT_START = lx.frozenwords("the a an my our us me his her their your this that these those")
_BEEN_END = lx.frozenwords("and now today already")


def told_done(text: str) -> str | None:
    """The words that tell something got done, when the message reads as such news: a past
    verb or a done word, and no word of doubt, trouble, a plan, another's own thing or a
    question (module comment above). From a deed done to a thing, its object on ("IT renewed
    the software license"); else the whole message. "emailed me" is news from someone."""
    if "?" in text:
        return None
    low = text.lower()
    ws = _words(low)
    if not ws or _asks(ws) or _RE_TOLD_SPOILED.search(low) or _RE_GONE_DEAR.search(low) or (
            _RE_ANOTHER.search(low)) or any(
            f" {p} " in f" {low} " for p in lx.NOT_DONE_PHRASES) or any(
            w in _TOLD_DENY or w.endswith("n't") for w in ws):
        return None
    if by_someone_else(low) and not (_RE_FOR_US.search(low) or told_by_user(low)):
        return None  # "the neighbours bought a new car" ("my parents bought us the car seat")
    done = _RE_TOLD_FINE.search(low) is not None or (
        _RE_TOLD_NOW.search(low) is not None and not any(
            w in _PRICED or (len(w) > 5 and w.endswith("ing")) for w in ws))
    for i, w in enumerate(ws):
        after = ws[i + 1:i + 2]
        if w in _TOLD_STATES or (w == "been" and (not after or after[0] in _BEEN_END)):
            done = True
        elif w not in _TOLD_LIGHT and _is_past(w) and after != ["me"]:
            if i > 0 and after and after[0] in _OBJECT_START:
                return " ".join(ws[i:]).replace(" 's", "'s")
            done = True
    if done and ws[0] not in _HAVE_WORDS:
        have = next((i for i, w in enumerate(ws) if (w in _HAVE_WORDS or (
            w == "got" and ws[i - 1] in ("'s", "'ve"))) and not (
            i + 1 < len(ws) and (ws[i + 1] in _TOLD_STATES or ws[i + 1] == "been" or _is_past(
                ws[i + 1])))), None)
        if have is not None and have + 1 < len(ws):
            return " ".join(ws[have:])  # "car's got fresh oil now": what it has is the news
    return text if done else None
