"""Resolve stage: turn task references ("the second one", "milk", "it") into task ids."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import msgspec

from agents.nlu import lexicon as lx
from agents.nlu.adding import gerund_to_base
from agents.types import Intent, Mention, Resolution, TaskRef, Understanding

# Below this similarity a title match is a guess, and guesses never change data.
MATCH_THRESHOLD = 0.72
# Two candidates closer than this are ambiguous: ask instead of picking.
AMBIGUITY_MARGIN = 0.08

# Titles at most this similar are not even suggested.
SUGGESTION_FLOOR = 0.3
# A "which one did you mean?" card offers at most this many candidates.
MAX_CHOICES = 10


# The word match (issue 12): a reference made of other words than the title's ("i picked up
# the dry cleaning on my way home", "taxes are done", "the gym thing") still names one task
# when that task's distinctive words are there. Filler is ignored, forms are reduced to a
# stem ("refilled" / "refill", "taxes" / "tax"), light verbs ("buy", "call") count half.
# Below WORD_LOOSE_FLOOR a word match is nothing; between it and MATCH_THRESHOLD it counts
# only when it is the one clear best (WORD_CLEAR_MARGIN ahead of the next task) and the
# message is an explicit command (confidence at least WORD_LOOSE_CONFIDENCE), never for
# news ("i called the bank") read without a command.
WORD_LOOSE_FLOOR = 0.45
# News read without a command ("i paid too much for the hotel") never takes a weak word
# match: it is news about the task only when the title matches (MATCH_THRESHOLD).
WORD_CLEAR_MARGIN = 0.2
WORD_LOOSE_CONFIDENCE = 0.8
LIGHT_WEIGHT = 0.5
# Words of a reference looked at (a long message is still bounded work per task).
MAX_QUERY_WORDS = 40
# Typo tolerance between two words of at least this many letters (one edit or ratio ≥ 0.8).
FUZZY_MIN_LEN = 5
FUZZY_WEIGHT = 0.8

_RE_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A verb and its synonym (lexicon.VERB_SYNONYMS) share a key: "phone", "speak", "call" → call.
SYNONYM_WEIGHT = 0.9
# A title whose verb is another deed than the reference's counts this much of its score.
OTHER_VERB_WEIGHT = 0.85
_RE_GERUND_ALONE = re.compile(r"^\s*[a-z]{3,}ing\s*$", re.IGNORECASE)
_LIGHT = frozenset(lx.LIGHT_VERBS)
# Any verb the lexicon knows counts half as the very first word ("file insurance claim",
# "sort out the insurance claim"): that is where a to-do's verb stands ("the bill": a noun).
_VERBS = frozenset(v for v in lx.PAST_TO_BASE.values() if " " not in v) | _LIGHT


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A crude, consistent stem: both forms of a word end up equal ("assembled" /
    "assemble", "shopping" / "shop", "taxes" / "tax"); not a dictionary form."""
    w = word.lower()
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    w = lx.MATCH_LEMMAS.get(w, w)
    n = len(w)
    if n > 4 and w.endswith(("ies", "ied")):
        w = w[:-3] + "y"
    elif n > 5 and w.endswith("ing"):
        w = w[:-3]
    elif n > 4 and w.endswith(("ed", "ches", "shes", "sses", "xes", "zes")):
        w = w[:-2]
    elif n > 6 and w.endswith("al"):
        w = w[:-2]  # "renewal" / "renew", "removal" / "remove", "rental" / "rent"
    elif n > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


_SYNONYM_STEMS = {
    **{stem(k): stem(v) for k, v in lx.VERB_SYNONYMS.items()},
    **{stem(v): stem(v) for v in lx.VERB_SYNONYMS.values()},
}


@lru_cache(maxsize=4096)
def content_words(text: str) -> dict[str, float]:
    """The stems that can tell tasks apart, each with its weight (light verbs count half)."""
    out: dict[str, float] = {}
    for index, raw in enumerate(_RE_WORDS.findall(text.lower())[: 4 * MAX_QUERY_WORDS]):
        if raw in lx.MATCH_FILLER:
            continue
        base = lx.MATCH_LEMMAS.get(raw, raw)
        base = lx.VERB_SYNONYMS.get(base, base)
        if base in lx.MATCH_FILLER:
            continue
        light = base in _LIGHT or raw in _LIGHT or (index == 0 and base in _VERBS)
        weight = LIGHT_WEIGHT if light else 1.0
        key = stem(raw)
        if key and (key not in out or out[key] < weight):
            out[key] = weight
        if len(out) >= MAX_QUERY_WORDS:
            break
    return out


@lru_cache(maxsize=65536)
def _close(a: str, b: str) -> bool:
    if min(len(a), len(b)) < FUZZY_MIN_LEN or abs(len(a) - len(b)) > 2:
        return False
    # A letter of `a` that `b` lacks can match nothing, so the ratio is at most twice the
    # letters of `a` found in `b` over both lengths: most pairs fail this before the
    # matcher is built (the same answer, about 15 times cheaper on a long candidate list).
    letters = set(b)
    if 2 * sum(ch in letters for ch in a) < 0.8 * (len(a) + len(b)):
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def word_score(query: str, title: str) -> tuple[float, bool]:
    """(score, distinctive): how well the reference's words cover the title's (mostly) and
    the title's cover the reference's; `distinctive` when a shared word is not a light verb.
    """
    q, t = content_words(query), content_words(title)
    if not q or not t:
        return 0.0, False
    shared = 0.0
    distinctive = False
    fuzzy_budget = 24  # typo checks per pair: bounded
    q_syn = {_SYNONYM_STEMS[w]: w for w in q if w in _SYNONYM_STEMS}
    for word, weight in t.items():
        if word in q:
            shared += min(weight, q[word])
            distinctive = distinctive or (weight == 1.0 and q[word] == 1.0)
            continue
        other = q_syn.get(_SYNONYM_STEMS.get(word, ""))
        if other is not None:  # "phoned" / "call": the same deed, a little less than the word
            shared += SYNONYM_WEIGHT * min(weight, q[other])
            continue
        for other in q:
            if fuzzy_budget <= 0:
                break
            fuzzy_budget -= 1
            if _close(word, other):
                shared += FUZZY_WEIGHT * min(weight, q[other])
                distinctive = distinctive or weight == 1.0
                break
    if not shared:
        return 0.0, False
    coverage = shared / sum(t.values())
    precision = shared / sum(q.values())
    return 0.75 * coverage + 0.25 * min(precision, 1.0), distinctive


def _score(query: str, title: str) -> float:
    query, title = _norm(query), _norm(title)
    if query == title:
        return 1.0
    if query and (f" {query} " in f" {title} "):
        return 0.9 + 0.09 * len(query) / max(len(title), 1)
    matcher = difflib.SequenceMatcher(None, query, title)
    # Cheap upper bounds first: a title that cannot reach SUGGESTION_FLOOR counts for
    # nothing, and most candidates are that far off (ratio() is quadratic in length).
    if matcher.real_quick_ratio() <= SUGGESTION_FLOOR or matcher.quick_ratio() <= SUGGESTION_FLOOR:
        return 0.0
    return matcher.ratio()


def match_title(
    query: str, tasks: Sequence[dict[str, Any]], *, loose: bool = True,
    floor: float = WORD_LOOSE_FLOOR,
) -> tuple[list[str], list[str]]:
    """(matches, suggestions): the best-matching task ids, several when ambiguous.

    A title scores the best of its character similarity and its word match. With no match
    above the threshold, `matches` is empty and `suggestions` holds the closest titles;
    `loose` (an explicit command) also accepts a weaker word match that is the one clear
    best (see WORD_LOOSE_FLOOR).
    """
    scored_all = []
    for task in tasks:
        chars = _score(query, task["title"])
        words, distinctive = word_score(query, task["title"]) if chars < 1.0 else (0.0, False)
        scored_all.append((max(chars, words), words if distinctive else 0.0, task))
    verb = _first_stem(query)
    if verb in _TASK_VERBS and verb not in _GENERIC and any(
            row[0] >= SUGGESTION_FLOOR and _same_verb(verb, _lead_verb(row[2]["title"]) or "")
            for row in scored_all):
        # "send contract" when a task says its verb: "send sandra the contract", not "print
        # contract"; a title with another deed counts less
        scored_all = [(score * OTHER_VERB_WEIGHT, distinct * OTHER_VERB_WEIGHT, task)
                      if score < 1.0 and _other_deed(verb, task["title"])
                      else (score, distinct, task)
                      for score, distinct, task in scored_all]
    scored_all.sort(key=lambda row: row[0], reverse=True)
    scored = [(score, task) for score, _, task in scored_all]
    if loose and scored and scored[0][0] < MATCH_THRESHOLD:
        by_words = sorted(scored_all, key=lambda row: row[1], reverse=True)
        best = by_words[0][1]
        if best >= floor:
            # the one clear best, or the few as good as it to ask about ("the bill")
            close = [row[2]["id"] for row in by_words if best - max(row[0], row[1])
                     < WORD_CLEAR_MARGIN]  # fmt: skip
            return close, []
    if not scored or scored[0][0] < MATCH_THRESHOLD:
        return [], [task["title"] for score, task in scored[:3] if score > SUGGESTION_FLOOR]
    best = scored[0][0]
    if best == 1.0:
        exact = [task["id"] for score, task in scored if score == 1.0]
        return exact, []
    close = [task["id"] for score, task in scored if best - score < AMBIGUITY_MARGIN
             and score >= MATCH_THRESHOLD]
    return close, []


# The strict match of a fallback reading ("the trash is out", agents/nlu/fallback.py) and of
# news that no title matched: the task's own words (all but its verb) must all be in the
# message (stems, "hair cut" / "haircut", "delivered" / "delivery"), and a verb said must
# be the task's verb, a synonym of it or a generic one ("got", "finished").
STRICT_RULES = ("fallback.", "status.news")
_GENERIC = frozenset(stem(w) for w in lx.FALLBACK_GENERIC_VERBS)
_TASK_VERBS = frozenset(stem(v) for v in _VERBS) | frozenset(_SYNONYM_STEMS)
PREFIX_MIN = 5


def _stems(text: str) -> list[tuple[str, str]]:
    """(raw, stem) of each word that is not filler, in order (bounded)."""
    out = []
    for raw in _RE_WORDS.findall(text.lower())[:MAX_QUERY_WORDS]:
        if raw not in lx.MATCH_FILLER and lx.MATCH_LEMMAS.get(raw, raw) not in lx.MATCH_FILLER:
            out.append((raw, stem(raw)))
    return out


def _covered(word: str, have: set[str]) -> bool:
    if word in have:
        return True
    if len(word) >= PREFIX_MIN:
        return any(len(h) >= PREFIX_MIN and (h.startswith(word) or word.startswith(h))
                   and abs(len(h) - len(word)) <= 2 for h in have)  # fmt: skip
    return False


def _all_covered(nouns: list[tuple[str, str]], have: set[str], singles: set[str]) -> bool:
    """Every word of the title is in the message; two title words may be one there
    ("thank you cards" / "thankyou", "hair cut" / "haircut") and one title word two there."""
    i = 0
    while i < len(nouns):
        if _covered(nouns[i][1], have):
            i += 1
        elif i + 1 < len(nouns) and stem(nouns[i][0] + nouns[i + 1][0]) in singles:
            i += 2
        else:
            return False
    return True


def _same_verb(a: str, b: str) -> bool:
    return a == b or (_SYNONYM_STEMS.get(a, a) == _SYNONYM_STEMS.get(b, b))


_DEED = {stem(k): frozenset(stem(v) for v in vs) for k, vs in lx.FALLBACK_DEED_VERBS.items()}
for _said, _same in lx.VERB_SYNONYMS.items():  # "rang the in-laws" stands for what "called" does
    if stem(_same) in _DEED:
        _DEED[stem(_said)] = _DEED.get(stem(_said), frozenset()) | _DEED[stem(_same)]
_STATE_VERBS = {k: frozenset(stem(v) for v in vs) for k, vs in lx.FALLBACK_STATE_VERBS.items()}


def _starts_with_verb(text: str) -> bool:
    words = _stems(text)
    return bool(words) and (words[0][1] in _TASK_VERBS or words[0][1] in _GENERIC)


_PLACE_WORDS = lx.frozenwords("from at")


def _without_places(query: str, q: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The query's words but those of a "from/at <place>" phrase after its thing."""
    raw = _RE_WORDS.findall(query.lower())[:MAX_QUERY_WORDS]
    at = next((i for i, w in enumerate(raw) if w in _PLACE_WORDS and i > 0), -1)
    if at < 0:
        return q
    place = {stem(w) for w in raw[at + 1:]}
    kept = [(r, w) for r, w in q if w not in place]
    return kept or q


_FROM = lx.frozenwords("from")
_PLACE_END = lx.frozenwords("and so but then they i we he she it who which where when")


def _place_phrases(query: str, starts: frozenset[str] = _PLACE_WORDS) -> set[str]:
    """The stems of each "at/from <place>" phrase (up to 4 words, to the next clause word):
    "i was at the grocery store and they had tulips" / "grocery", "store"."""
    raw = _RE_WORDS.findall(query.lower())[:MAX_QUERY_WORDS]
    out: set[str] = set()
    for i, word in enumerate(raw):
        if word in starts and i > 0 and raw[i - 1] != "back" and (  # "back from the dentist"
                word == "at" or raw[i + 1:i + 2] in (["the"], ["a"], ["my"])):  # "from netflix"
            for w in raw[i + 1:i + 5]:
                if w in _PLACE_END:
                    break
                out.add(stem(w))
    return out


def strict_match(query: str, tasks: Sequence[dict[str, Any]], *, verb_first: bool,
                 state: str = "") -> list[str]:  # fmt: skip
    """The one task (or the equally good few) a fallback reading is about; [] if none.
    `state` is the state said after the noun ("out"): a task's verb must make it."""
    q = _stems(query)
    if not q:
        return []
    q_verb = q[0][1] if verb_first else None
    q = _without_places(query, q)  # "meds from the pharmacy" is not "call pharmacy"
    singles = {w for _, w in q}
    have = singles | {stem(a + b) for (a, _), (b, _) in itertools.pairwise(q)}  # "hair cut"
    best, found = 0.0, []
    for task in tasks:
        t = _stems(task["title"])
        if not t:
            continue
        t_verb = t[0][1] if t[0][1] in _TASK_VERBS and len(t) > 1 else None
        raw_nouns = t[1:] if t_verb else t
        nouns = [w for _, w in raw_nouns]
        if not nouns or not _all_covered(raw_nouns, have, singles):
            continue
        score = float(len(nouns))
        if state in _STATE_VERBS and not (t_verb is not None and t_verb in _STATE_VERBS[state]):
            continue  # "the kids are ready" is not "bathe the kids"
        if q_verb is not None and t_verb is not None:
            if _same_verb(q_verb, t_verb):
                score += 1.0
            elif q_verb in _GENERIC or q_verb in nouns or t_verb in _DEED.get(q_verb, ()):
                score += 0.5
            else:
                continue  # "dropped the kids' permission slips" is not "sign permission slips"
        elif q_verb is not None and q_verb in _BOOKING and t_verb is None and (
                _lead_verb(task["title"]) is None):
            continue  # "MOT's booked for next week" is not "MOT for the car" done: it is ahead
        elif q_verb is not None and not (q_verb in _GENERIC or _covered(q_verb, set(nouns))
                                         or _lead_verb(task["title"]) in _DEED.get(q_verb, ())):
            continue  # "my taxes are complicated" is not the task "taxes" ("taxes filed" is
            # "do taxes")
        if score > best:
            best, found = score, [task["id"]]
        elif score == best:
            found.append(task["id"])
    return found


# The mention match (agents/nlu/fallback.mentions): a statement that names a task by its
# things ("the faucet doesn't drip anymore, fixed it" / "fix leaky faucet"). A task is meant
# when at least MENTION_MIN_COVERAGE of its things (its words but the verb) are in the
# message: stems, other forms ("payment" / "pay", "tuner" / "tuning"), abbreviations and
# synonyms (lexicon.NOUN_SYNONYMS). A deed the user did must not be another to-do's verb
# ("dropped the kids at school" is not "pick up the kids") unless a word of the message
# says the task's verb ("gave the dog a bath" / "wash the dog"). The best task acts, only
# when it is MENTION_MARGIN ahead of the next (else the few are asked about).
MENTION_MIN_COVERAGE = 0.5
MENTION_MARGIN = 0.5
_NOUN_CANON: dict[str, frozenset[str]] = {}
for _group in lx.NOUN_SYNONYMS:  # a word may be in two groups ("doc": doctor, document)
    for _word in _group:
        _NOUN_CANON[stem(_word)] = _NOUN_CANON.get(stem(_word), frozenset()) | {stem(_group[0])}
_MENTION_VERBS = {stem(k): stem(v) for k, v in lx.MENTION_VERBS.items()}
# A noun's ending → what its verb may end with ("application" / "apply", "registration" /
# "register", "invitation" / "invite", "payment" / "pay", "tuner" / "tune").
_DERIVED = (("ication", ("y",)), ("ration", ("er", "rate")), ("ation", ("ate", "e")),
            ("ment", ("",)), ("ery", ("er",)), ("ion", ("", "e")), ("anc", ("e",)),
            ("er", ("",)),
            ("y", ("",)))  # "inspection" / "inspect", "tuner" / "tune"
_FILLER_STEMS = frozenset(stem(w) for w in lx.MATCH_FILLER)


_NUMBER_WORDS = {stem(k): str(v) for k, v in lx.CARDINALS.items() if 1 <= v <= 31}
# Short words that only look like re + a word ("repot" is re + pot, "ready" is not).
_NOT_RE = lx.frozenwords("ready reach react relax reply refer rebel remit realm renal reign "
                         "rein rely remix reuse")


@lru_cache(maxsize=8192)
def _forms(word: str) -> frozenset[str]:
    """A stem and the forms it may stand for: its canonical synonym, a verb it names, the
    word without a derivational ending ("payment" → "pay")."""
    out = {word, *_NOUN_CANON.get(word, ()), _MENTION_VERBS.get(word, word),
           _SYNONYM_STEMS.get(word, word)}
    if word in _NUMBER_WORDS:
        out.add(_NUMBER_WORDS[word])  # "chapter three" / "chapter 3"
    if word.startswith("re") and len(word) >= 5 and word not in _NOT_RE and (
            stem(word[2:]) not in _FILLER_STEMS):
        out.add(stem(word[2:]))  # "recert" / "cert", "repaint" / "paint"
    for ending, endings in _DERIVED:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            out.update(form for end in endings
                       if (form := stem(word[: -len(ending)] + end)) not in _FILLER_STEMS)
            break
    return frozenset(out)


def _split_hit(word: str, keys: set[str]) -> bool:
    """A task's one word for two of the message's ("bedsheets" / "sheets on the bed")."""
    return len(word) >= 7 and any(word[:i] in keys and word[i:] in keys
                                  for i in range(3, len(word) - 2))


def _typo_hit(word: str, keys: set[str]) -> bool:
    """A word of the message mistyped ("chiars" / "chairs", "perscription")."""
    return len(word) >= FUZZY_MIN_LEN and any(_close(word, key) for key in keys)


def _verb_key(word: str) -> str:
    return _SYNONYM_STEMS.get(word) or _MENTION_VERBS.get(word) or word


def mention_match(mentions: Sequence[Mention], tasks: Sequence[dict[str, Any]]
                  ) -> tuple[list[str], Mention | None]:  # fmt: skip
    """The task the mentions name most fully (or the equally good few), and the mention that
    names it; ([], None) when none names a task."""
    scored: list[tuple[float, str, Mention]] = []
    for mention in mentions:
        if mention.kind == "told" and scored:
            break  # told plainly is the weakest: only when no other reading names a task
        for at, query in enumerate(mention.refs):
            found = _mention_one(query, tasks, kind=mention.kind, state=mention.state)
            if found:  # a mention's later references only stand in for its first
                found = _tie_broken(found, mention, at, tasks)
                scored += [(score, task_id, mention) for score, task_id in found]
                break
        if scored and mention.kind == "cancel":
            break  # the command said ("…so skip the gift") goes before what else was said
    if not scored:
        commands = [mention for mention in mentions if mention.kind in _COMMANDS]
        only = _only_overlap(commands, tasks) if commands else None
        return ([only], commands[0]) if only is not None else ([], None)
    # the task named most fully, across the clauses ("car stuff is sorted, topped up the
    # coolant": "top up coolant", not "wash car"); the equally good few are asked about
    best = max(score for score, _, _ in scored)
    close = [(task_id, mention) for score, task_id, mention in scored
             if best - score < MENTION_MARGIN]
    return list(dict.fromkeys(task_id for task_id, _ in close)), close[0][1]


def _tie_broken(found: list[tuple[float, str]], mention: Mention, at: int,
                tasks: Sequence[dict[str, Any]]) -> list[tuple[float, str]]:  # fmt: skip
    """`found` with a tie settled by the mention's later, fuller references ("forget her
    cake" fits "bake wedding cake for mrs otieno" and "order cake boxes"; the whole message,
    "mrs otieno … the wedding is postponed … forget her cake", fits the first better)."""
    best = max(score for score, _ in found)
    tied = {task_id for score, task_id in found if best - score < MENTION_MARGIN}
    if len(tied) < 2:
        return found
    among = [task for task in tasks if task["id"] in tied]
    for query in mention.refs[at + 1:]:
        again = _mention_one(query, among, kind=mention.kind, state=mention.state)
        if len(again) == len(tied):  # each still fits the fuller words, one better
            top = max(score for score, _ in again)
            ahead = {task_id for score, task_id in again if top - score < MENTION_MARGIN}
            if len(ahead) == 1:
                return [(score, task_id) for score, task_id in found
                        if task_id in ahead or task_id not in tied]
    return found


_FOR_NOW = lx.frozenwords("today tonight now yet week weekend")


def _only_overlap(commands: Sequence[Mention], tasks: Sequence[dict[str, Any]]) -> str | None:
    """The one task that shares a word with a removal said outright, when no other does
    ("the vet said rex doesn't need his booster this year so scrap that one" / "dog booster
    jab"; "switched to octopus so tick that" / "switch energy supplier"): the command settles
    that a task is meant, the only word in common which one. Generic verbs, numbers and
    times do not count."""
    keys: set[str] = set()
    for mention in commands:
        for query in mention.refs:
            if not _FOR_NOW.isdisjoint(_RE_WORDS.findall(query.lower())):
                return None  # "it's pouring so no mowing today": put off, not dropped
            for raw, word in _stems(query):
                if word not in _GENERIC and not word.isdigit() and not _uncounted(raw):
                    keys |= _forms(word)
    found = [task["id"] for task in tasks
             if any(_forms(word) & keys for raw, word in _stems(task["title"])
                    if word not in _GENERIC and not word.isdigit() and not _uncounted(raw))]
    return found[0] if len(found) == 1 else None


_ACQUIRE = frozenset(stem(w) for w in lx.words(
    "buy get order pick grab purchase find borrow collect fetch"))
_HANDED = _ACQUIRE | frozenset(stem(w) for w in lx.words(
    "send give hand email mail submit deliver return bring drop forward share change update "
    "replace install put fit"))
_RESOLVED = frozenset(stem(w) for w in lx.words("fixed repaired solved resolved sorted"))
_GIVEN = frozenset(stem(w) for w in lx.words(
    "submit send give hand deliver return drop mail post email turn forward lend finish "
    "complete"))  # "chapter 3 is with my supervisor": finished and handed in
# Deeds that move a thing: the thing moved must be the task's ("brought in a mouse").
_CARRIED = frozenset(stem(w) for w in lx.words("bring take arrive"))
_COMMANDS = ("cancel", "named")  # the user's own words for a task, not news about it
_TASK_WORDS = lx.frozenwords("task tasks item todo to-do reminder one entry")
_CONTACT = frozenset(stem(w) for w in lx.MENTION_CONTACT_VERBS)
# Talking to someone: a generic "got" is none of these unless it says it reached them.
_TALK = frozenset(stem(w) for w in lx.words("call ring phone text message email reply contact"))
_RE_GOT_THROUGH = re.compile(
    r"^(?:got|get|gotten)\s+(?:back\s+to|through\s+to|through|hold\s+of|off\s+the\s+phone|"
    r"on\s+the\s+phone|in\s+touch)\b", re.IGNORECASE)
# Deeds done to a person: news about them is not that deed ("write to margaret").
_TO_PERSON = _TALK | frozenset(stem(w) for w in lx.words(
    "write visit see meet thank ask tell invite congratulate"))
_PREPOSITIONS = lx.frozenwords("for to with at about from on in of by into onto before after")


_LIGHT_HEADS = lx.frozenwords("get have")


@lru_cache(maxsize=4096)
def _head(title: str) -> str:
    """The stem of the title's head noun: the last word of its object before a preposition
    ("buy a birthday present for mia" → "present")."""
    head = ""
    said = _RE_WORDS.findall(title.lower())[:MAX_QUERY_WORDS]
    for index, raw in enumerate(said):
        if raw in _PREPOSITIONS and head:
            break
        if index > 1 and said[0] in _LIGHT_HEADS and lx.looks_past(raw) and head:
            break  # "get gas cylinder refilled": the cylinder; "refilled" is the deed
        if raw not in lx.MATCH_FILLER and not (index == 0 and stem(raw) in _TASK_VERBS):
            head = stem(raw)
    return head


_WHEN_WORDS = frozenset(lx.words(
    "appointment appt appts appointments monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thur thurs fri sat sun today tomorrow tonight morning afternoon "
    "evening"))


_RE_CLOCK = re.compile(r"\d{1,2}(?::?\d\d)?(?:am|pm|a|p)?")


def _uncounted(word: str) -> bool:
    """A word as said that tells when, not what ("wed", "appointment"; not "wedding")."""
    word = word.lower()
    return word in _WHEN_WORDS or _RE_CLOCK.fullmatch(word) is not None  # "2pm", not "2b"


def _first_stem(text: str) -> str:
    """The stem of the first word said ("booked the eye test" → "book"), or ""."""
    said = _RE_WORDS.findall(text.lower())[:1]
    return stem(said[0]) if said else ""


@lru_cache(maxsize=4096)
def _lead_verb(title: str) -> str | None:
    lead = _first_stem(title)
    return lead if lead in _TASK_VERBS or lead in _GENERIC else None


# States that say a made thing went out: whatever was to be done to make it is done when
# the thing is named fully ("jo's discharge letter is in the post" / "write discharge letter
# for jo", "blog post is up" / "write blog post").
_SENT_STATES = frozenset(lx.phrases(
    "in the post|in the mail|in the post box|in the postbox|in the mailbox|up|in|live"))


def _named_fully(things: list[str], keys: set[str], verb: str | None) -> bool:
    """Every word of the task's thing is said, and there are two of them or its verb too."""
    if not things or not all(_forms(w) & keys for w in things):
        return False
    return len(things) >= 2 or (verb is not None and bool(_forms(verb) & keys))


_RE_BACK_FROM = re.compile(r"^(?:just\s+)?(?:got|get|came|come)\s+back\s+from\b", re.IGNORECASE)
_BEEN_THERE = frozenset({None, *(stem(w) for w in lx.words(
    "go visit attend take walk see drop pick collect get"))})


def _verbless(title: str) -> bool:
    """A task named by its event alone ("eye test", "MOT for the car"): booking it is not it."""
    t = _stems(title)
    return bool(t) and t[0][1] not in _TASK_VERBS and _lead_verb(title) is None


_BOOKED_WORDS = lx.frozenwords("booked scheduled arranged reserved")


# "tom sent another email": one more of them, not the one the task was about ("all good for
# another year" is not that)
_RE_ANOTHER_ONE = re.compile(r"\banother\s+(?!\d|(?:year|month|week|day|time|round|go|few)s?\b)"
                             r"[a-z]", re.IGNORECASE)
_PAID = stem("pay")
_ANSWER_VERBS = frozenset(stem(w) for w in lx.words("reply respond answer"))


def _lead_of(t: list[tuple[str, str]]) -> str:
    """The first stem of a title's stems (its verb, when it starts with one)."""
    return t[0][1] if t else ""


_RE_CASED_WORDS = re.compile(r"[A-Za-z][\w'-]*")


def _named_subject(query: str, title: str) -> bool:
    """The told news starts with someone the task names by name, who did something of their
    own ("jake scored two goals in training" / "pick up Jake from football")."""
    if "," in query or " i " in f" {query.lower()} ":
        return False  # "tolu don land o, i carry am from the airport": the user's deed too
    names = {stem(w) for w in _RE_CASED_WORDS.findall(title)[1:]
             if w[:1].isupper() and not w.isupper()}
    return _first_stem(query) in names


# Another person's deed on their own thing: only a task that names them is meant.
_RE_THEIR_OWN = re.compile(
    r"^(?:so\s+|and\s+)?(?:my\s+|our\s+)?(?P<who>(?:[\w']+\s+){0,2}[\w']+)\s+"
    r"(?:got|had|has|gets|finally\s+got)\s+(?:her|his|their)\s", re.IGNORECASE)
# A thing of someone outside the household: "our neighbour's boiler", "my mate's van"
_RE_SOMEONE_ELSES = re.compile(
    r"^(?:(?:my|our|the)\s+)?(?:next\s+door\s+)?(?P<who>neighbou?rs?|friends?|mates?|"
    r"colleagues?|co-?workers?|boss)'s?\s+(?!(?:kids?|son|daughter|lad|boy|girl|husband|wife|"
    r"partner|guy|man|bloke|fella|dad|mum|mom)\b)[a-z]", re.IGNORECASE)  # their kid did ours
_HOUSEHOLD = lx.frozenwords("kids kid boys girls boy girl son sons daughter daughters children "
                            "child baby wife husband partner dog cat both twins")
_NOT_WHO = frozenset(stem(w) for w in lx.words("friend mate buddy pal colleague neighbour "
                                                  "neighbor i we you they he she have has "
                                                  "had 've both"))


def _mention_one(query: str, tasks: Sequence[dict[str, Any]], *, kind: str,
                 state: str) -> list[tuple[float, str]]:  # fmt: skip
    """(score, task id) of each task the mention's words fit."""
    q = _stems(query)
    if not q:
        return []
    places = _place_phrases(query)  # "at the grocery store" says where, not what
    q = [(raw, word) for raw, word in q if word not in places] or q
    keys: set[str] = set()
    for _, word in q:
        keys |= _forms(word)
    # ... unless the place is the task's own thing ("from the dry cleaners" / "pick up dry
    # cleaning")
    where = {form for word in _place_phrases(query, _FROM) for form in _forms(word)} - keys
    keys |= {stem(a + b) for (a, _), (b, _) in itertools.pairwise(q)}  # "hair cut"
    first = _first_stem(query)
    deed = first if kind == "deed" and first in _TASK_VERBS else None

    event = stem(state) if kind == "event" else None
    if event in _RESOLVED:
        event = None  # "the repairman fixed the dishwasher": whatever the task about it was
    scored: list[tuple[float, str]] = []
    back_from = kind == "deed" and _RE_BACK_FROM.match(query) is not None
    booked = kind != "event" and not _BOOKED_WORDS.isdisjoint(raw for raw, _ in q)
    own_keys = keys
    theirs = _RE_THEIR_OWN.match(query)
    if theirs and not ({stem(w) for w in _RE_WORDS.findall(theirs["who"].lower())} - _NOT_WHO):
        theirs = None  # "have had their hair cut": no one named
    another = _RE_ANOTHER_ONE.search(query) is not None
    if theirs and not _HOUSEHOLD.isdisjoint(_RE_WORDS.findall(theirs["who"].lower())):
        theirs = None  # "both boys have had their hair cut": the user's own to-do for them
    who = {form for _, word in _stems(theirs["who"]) for form in _forms(word)} - _NOT_WHO \
        if theirs else set()  # fmt: skip
    age = _AGES & {raw for raw, _ in q}
    owner = _RE_SOMEONE_ELSES.match(query)
    owners = set(_forms(stem(owner["who"].lower()))) if owner else set()
    for task in tasks:
        t = _stems(task["title"])
        if theirs and not any(_forms(word) & who for _, word in t):
            continue  # "my friend priya got her passport renewed": hers, not "renew passport"
        if owners and not any(_forms(word) & owners for _, word in t):
            continue  # "our neighbour's boiler went bang" is not "book the boiler service"
        if len(age) == 1 and (_AGES - age) & {raw for raw, _ in t}:
            continue  # "took the old mattress away" is not "buy new mattress"
        if not t:
            continue
        keys = own_keys | where if where and _head(task["title"]) in where else own_keys
        t_verb = t[0][1] if t[0][1] in _TASK_VERBS and len(t) > 1 else None
        pairs = t[1:] if t_verb else t
        if t_verb is None:  # a light verb the word lists drop ("get suit altered")
            t_verb = _lead_verb(task["title"])
        # a time, a weekday or "appointment" says when, not what ("dentist appointment 2pm")
        things = [w for raw, w in pairs if not _uncounted(raw)] or [w for _, w in pairs]
        done_word = t[-1][1] if t_verb in _GENERIC and len(things) > 1 and lx.looks_past(
            t[-1][0]) else None  # "get the blinds fixed": "fixed" is the deed, not a thing
        if back_from and t_verb not in _BEEN_THERE:
            continue  # "just got back from choir, so tired" is not "pay choir subs"
        if kind != "event" and state in _STATE_VERBS and (
                t_verb not in _STATE_VERBS[state] if t_verb is not None
                else not all(_forms(w) & keys for w in things)) and not (
                state in _SENT_STATES and _named_fully(things, keys, t_verb)):  # fmt: skip
            continue  # "the milk is in the fridge" is not "buy milk" ("uniform's at the
            # cleaners" is "uniform to cleaners", which says no verb)
        # one word for two of the task's ("litterbox" / "litter box")
        joined = {w for (a, wa), (b, wb) in itertools.pairwise(pairs)
                  if stem(a + b) in keys for w in (wa, wb)}
        hit = [w for w in things if _forms(w) & keys or _covered(w, keys) or w in joined
               or _split_hit(w, keys) or _typo_hit(w, keys)]
        if done_word is not None and set(hit) <= {done_word} and any(
                lx.looks_past(raw) and done_word in _forms(word) for raw, word in q):
            continue  # "fixed the windscreen chip" names nothing of "get the blinds fixed"
            # (but "the vet did his microchip" names "get puppy microchipped")
        if not any(not w.isdigit() for w in hit):
            said_task = not _TASK_WORDS.isdisjoint(_RE_WORDS.findall(query.lower()))
            if kind in _COMMANDS and said_task and t_verb is not None and len(q) <= 6 \
                    and t_verb not in _GENERIC and t_verb in keys:  # fmt: skip
                scored.append((0.5, task["id"]))  # "the rsvp task can go": by its verb alone
            continue
        paid_them = event == _PAID and (t_verb or t[0][1]) in _DEED[_PAID] and len(hit) == 1
        if len(hit) < MENTION_MIN_COVERAGE * len(things) and _head(task["title"]) not in hit and (
                not paid_them):  # "kwan paid up" / "chase unpaid invoice from kwan"
            continue  # "conference is on the calendar" / "schedule parent teacher conference"
        if state == "arrived" and _head(task["title"]) not in hit:
            continue  # what arrived is the task's thing ("my sister arrived" / "buy sister a gift")
        said_verb = t_verb is not None and bool(_forms(_verb_key(t_verb)) & keys or
                                                _verb_key(t_verb) in {_verb_key(w) for w in keys})
        if deed is not None and t_verb is not None and not said_verb and deed not in _GENERIC \
                and t_verb not in _GENERIC and t_verb not in _DEED.get(deed, ()):  # fmt: skip
            continue  # "dropped the kids at school" is not "pick up the kids"
        if deed in _GENERIC and t_verb in _TALK and not said_verb and not (
                _RE_GOT_THROUGH.match(query)):  # fmt: skip
            continue  # "got mom a scarf" is not "call mom" ("got hold of mom" is)
        if booked and t_verb is None:
            continue  # "MOT's booked for next week": the MOT is ahead, not done
        if kind in ("told", "event", "deed") and another:
            continue  # "got another parking ticket": one more of them, not the task done
        if kind in ("told", "event") and (another or (
                _lead_of(t) in _ANSWER_VERBS and _lead_of(t) not in {w for _, w in q})):
            continue  # "tom sent another email": a new one, and not the user's reply
        if kind == "told" and (_head(task["title"]) not in hit or (
                t_verb in _TO_PERSON and not said_verb) or _named_subject(query, task["title"])):
            continue  # told plainly: the task's own thing must be said, and a call or a
            # message itself ("mum's knee surgery went well" is not "call mum")
        if kind == "answer" and (t_verb or t[0][1]) not in _CONTACT:
            continue  # "mom called me" is "call mom", not "buy mom a gift"
        if kind == "have" and (t_verb is None or t_verb not in _ACQUIRE) and not (
                t_verb is not None and (_forms(t_verb) - {t_verb}) & keys) and not (
                state == "fresh" and t_verb in _STATE_VERBS["fresh"]):
            # "we have eggs now" is "buy eggs", not "cook eggs" ("the fern has a new pot"
            # is "repot the fern": the task's verb names what it has)
            continue
        if kind == "has" and (t_verb is None or t_verb not in _HANDED or (
                state and not _forms(stem(state)) & {f for w in things for f in _forms(w)})):
            continue  # "nina has the proposal" is "send proposal to nina", not "write it"
        if kind == "with" and (t_verb is None or t_verb not in _GIVEN):
            continue  # "the draft is with my supervisor" is "submit the draft", not "print it"
        lead = t_verb or t[0][1]  # "get car inspected": "get", which the word lists drop
        if kind in ("event", "told") and not said_verb and _only_the_doer(query, state, hit):
            continue  # "the florist sent photos" is not "confirm florist": the task's thing
            # only did something of its own ("our dog had puppies" / "take dog to vet")
        if event is not None and event not in _GENERIC and not said_verb and lead != event:
            if lead not in _DEED.get(event, ()):
                continue  # "the bike chain snapped" is not "oil the bike chain"
            if event in _CARRIED and _head(task["title"]) not in hit:
                continue  # what it was done to is the task's thing: "our cat brought in a
                # mouse" is not "buy cat food"
        scored.append((len(hit) + len(hit) / len(things) + (1.0 if said_verb else 0.0),
                       task["id"]))
    return scored


# Deeds a doer does to something else of its own ("the florist sent photos", "our dog had
# puppies", "the quartet played beautifully"): when the task's words are only the doer's,
# the news is not the task done.
_DOER_DEEDS = lx.frozenwords("had sent played gave made wrote sang baked cooked posted "
                             "shared showed painted built")
_IT = lx.frozenwords("it them that this those these him her me us")


def _only_the_doer(query: str, state: str, hit: list[str]) -> bool:
    """Every word of the task the event names is in who did it, and it was done to
    something else (named after the verb)."""
    said = _RE_WORDS.findall(query.lower())[:MAX_QUERY_WORDS]
    if not state:  # told plainly: its first such deed
        state = next((w for w in said if w in _DOER_DEEDS), "")
    if state not in _DOER_DEEDS or state not in said:
        return False
    at = said.index(state)
    after = [w for w in said[at + 1:] if w not in lx.MATCH_FILLER or w in _IT]
    if not after or after[0] in _IT:
        return False  # "some lad took it": the thing is the task's
    doer = {form for word in said[:at] for form in _forms(stem(word))}
    return bool(hit) and all(_forms(word) & doer for word in hit)


# News read by a rule ("jake's party is all planned, invites went out"): a clause that names
# no task beside one that does is a remark.
NEWS_RULES = ("status.news", "status.state")
_REMARK_WORDS = lx.FALLBACK_DENY | lx.frozenwords(
    "i i'm im we we're they they're he she it its it's there's theres that's thats what how "
    "anyway lol too very green she's he's said says told "
    "is are was were am")


# "new one's in", "the car's back": a thing and its state, a sentence rather than a name
_RE_IS_STATE = re.compile(
    r"\w's\s+(?:in|out|up|done|on|off|back|here|fine|ok|okay|good|ready|sorted|gone|"
    r"working|fixed)\b", re.IGNORECASE)


def _remark(name: str) -> bool:
    """A reference that reads as a remark, not a task's name: it has a subject or a
    negation ("its gonna rain all week anyway", "can't afford it this month") or starts
    with a past deed ("found a roll in the garage")."""
    said = _RE_WORDS.findall(name.lower())[:MAX_QUERY_WORDS]
    if not said:
        return False
    return lx.looks_past(said[0]) or any(w in _REMARK_WORDS for w in said) or (
        _RE_IS_STATE.search(name) is not None)


_AGES = lx.frozenwords("old new")


def _other_deed(verb: str, title: str) -> bool:
    """The title's verb is another deed than `verb` (not the same, a synonym, generic, or
    one `verb` can stand for)."""
    lead = _lead_verb(title)
    return lead is not None and lead not in _GENERIC and not _same_verb(verb, lead) and (
        lead not in _DEED.get(verb, ()))


def _happened(name: str) -> bool:
    """A reference that tells what someone did, beside the task it found ("the plumber came
    this morning, kitchen sink's sorted"): a past verb after its subject."""
    said = _RE_WORDS.findall(name.lower())[:4]
    if len(said) > 1 and said[0].endswith("'s") and said[1].endswith("ing"):
        return True  # "ben's driving us up"
    return any(lx.looks_past(w) or w in lx.MORE_PAST for w in said[1:3])


BOOKED_RULE = "update.state:booked"  # agents.nlu.updating: "X is scheduled for <date>"
_BOOKING = frozenset(stem(w) for w in lx.words("schedule book arrange reserve plan set make"))


def _books(title: str) -> bool:
    """A task to book something ("schedule chimney sweep", "book the annual physical")."""
    verb = _lead_verb(title)
    return verb is not None and stem(verb) in _BOOKING


def resolve(
    understanding: Understanding,
    *,
    tasks: Sequence[dict[str, Any]],
    last_list: Sequence[str],
    last_task: str | None,
    known: set[str] | None = None,
) -> Resolution:
    """Map each reference to exactly one task id, or report it missing / ambiguous.

    `tasks` are the tasks titles are matched against (task shape: the user's tasks, or a
    bounded candidate set of them), `last_list` the ids of the last list shown in this
    thread, `last_task` the task last mentioned. `known` are the ids a position, pronoun
    or explicit id may point at (default: the ids of `tasks`). Only intents that name
    tasks are resolved (`agents.intents`); at most `MAX_CHOICES` ambiguous candidates.
    """
    resolution = Resolution(understanding=understanding)
    known = {task["id"] for task in tasks} if known is None else known | {
        task["id"] for task in tasks}
    loose = understanding.confidence >= WORD_LOOSE_CONFIDENCE
    strict = understanding.rule.startswith(STRICT_RULES)
    for ref in understanding.refs:
        if strict and ref.title and not ref.pronoun and ref.position is None \
                and ref.task_id is None:  # fmt: skip
            fallback = understanding.rule.startswith("fallback.")
            if not fallback:
                before, had = len(resolution.missing), len(resolution.targets)
                _resolve_one(ref, resolution, tasks, known, last_list, last_task, loose)
                if len(resolution.missing) == before:
                    if not _deed_fits(understanding, tasks, resolution.targets[had:]):
                        del resolution.targets[had:]  # the mentions find the one it fits
                    continue
                del resolution.missing[before:]
            verb_first = understanding.rule in ("fallback.news", "fallback.state") or (
                not fallback and _starts_with_verb(ref.title))
            _, _, state = understanding.rule.partition(":")
            matches = [match for match in strict_match(ref.title, tasks, verb_first=verb_first,
                                                       state=state)
                       if _deed_fits(understanding, tasks, [match])]  # fmt: skip
            if len(matches) == 1:
                resolution.targets.append(matches[0])
            elif matches:
                resolution.ambiguous.extend(matches)
            else:
                resolution.missing.append(ref.title)
            continue
        _resolve_one(ref, resolution, tasks, known, last_list, last_task, loose)
    if understanding.rule.startswith("compound.") and resolution.targets and not _deed_fits(
            understanding, tasks, resolution.targets):
        # "bought a shirt for the interview, can take that off": the deed told names the
        # task ("buy a new shirt"), not a word of the reference ("prep for interview")
        resolution.targets.clear()
    mentions = understanding.mentions
    if mentions and not resolution.targets and not resolution.ambiguous:
        found, by = mention_match(mentions, tasks)
        if found and by is not None:
            resolution.missing.clear()
            (resolution.targets if len(found) == 1 else resolution.ambiguous).extend(found)
            if not understanding.refs and by.intent is not understanding.intent:
                resolution.understanding = msgspec.structs.replace(understanding,
                                                                   intent=by.intent)
    elif mentions and len(resolution.ambiguous) > 1 and not resolution.targets:
        # "the roofer came by, so cancel that": of the few the words fit, the one it names
        found, _ = mention_match(mentions, tasks)
        if len(found) == 1 and found[0] in resolution.ambiguous:
            resolution.ambiguous, resolution.targets = [], found
            resolution.missing.clear()
    if not understanding.refs and not resolution.targets and not resolution.ambiguous:
        resolution.missing.append("which task")
    if resolution.targets and not resolution.ambiguous and (
            strict or understanding.rule.startswith(NEWS_RULES)):  # fmt: skip
        resolution.missing.clear()  # "got my hair cut, looks great": the remark is no task
    elif resolution.targets and resolution.missing:
        # "scratch the duct tape, found a roll in the garage": a reason, not a second task;
        # "car's back, service all done": a word of the task found already
        found_words = {w for task in tasks if task["id"] in resolution.targets
                       for _, w in _stems(task["title"])}  # fmt: skip
        resolution.missing[:] = [name for name in resolution.missing if not _remark(name) and
                                 not _happened(name) and
                                 not {w for _, w in _stems(name)} <= found_words]
    if understanding.rule == BOOKED_RULE and len(resolution.targets) == 1 and any(
            task["id"] == resolution.targets[0] and _books(task["title"]) for task in tasks):
        # "chimney sweep is scheduled for the 3rd": the task was to schedule it; done
        resolution.understanding = msgspec.structs.replace(understanding,
                                                           intent=Intent.COMPLETE)
    # Two references to one task ("i called the cable company and sorted it out") act once.
    resolution.targets = list(dict.fromkeys(resolution.targets))
    resolution.ambiguous = list(dict.fromkeys(resolution.ambiguous))
    del resolution.ambiguous[MAX_CHOICES:]
    return resolution


def _deed_fits(understanding: Understanding, tasks: Sequence[dict[str, Any]],
               found: Sequence[str]) -> bool:
    """The deed told ("bought a bag of kibble for the dog") is the found tasks' own, a
    synonym or one that stands for it (FALLBACK_DEED_VERBS); a generic one ("got") never
    stands for a call or message. True when no deed is told. "walk the dog" was not done by
    buying."""
    if understanding.intent is Intent.DELETE and understanding.rule == "status":
        return True  # "scratch the printer ink, the office manager is ordering some": said
    if understanding.intent is Intent.COMPLETE and any(
            _RE_ANOTHER_ONE.search(ref.title) for ref in understanding.refs if ref.title):
        return False  # "got another parking ticket today": one more, not the one to pay
    titles = {task["id"]: task["title"] for task in tasks}
    if understanding.intent is Intent.COMPLETE and any(
            _first_stem(ref.title or "") in _BOOKING for ref in understanding.refs
    ) and any(_verbless(titles.get(task_id, "")) for task_id in found):
        return False  # "the eye test is booked for next week": ahead, not done
    told = next((m.refs[0] for m in understanding.mentions if m.kind == "deed"), None)
    deed = _first_stem(told or "")
    if deed not in _TASK_VERBS:
        return True
    for task_id in found:
        lead = _lead_verb(titles.get(task_id, ""))
        if lead is None or lead in _GENERIC or _same_verb(deed, lead):
            continue
        if deed in _GENERIC:
            if lead in _TALK and not _RE_GOT_THROUGH.match(told or ""):
                return False  # "got mom a scarf", "got in the car": no call was made
            continue
        if lead not in _DEED.get(deed, ()) and _verb_key(deed) != _verb_key(lead):
            # another deed on the thing: wrong only when the mentions find the task it was
            # ("bought kibble for the dog": "buy dog food", not "walk the dog")
            other, _ = mention_match(understanding.mentions, tasks)
            return not (len(other) == 1 and other[0] not in found)
    return True


def _resolve_one(
    ref: TaskRef,
    resolution: Resolution,
    tasks: Sequence[dict[str, Any]],
    known: set[str],
    last_list: Sequence[str],
    last_task: str | None,
    loose: bool = True,
) -> None:
    if ref.task_id is not None:
        if ref.task_id in known:
            resolution.targets.append(ref.task_id)
        else:
            resolution.missing.append("that task")
        return
    if ref.pronoun:
        if last_task in known:
            resolution.targets.append(last_task)
        else:
            resolution.missing.append("it")
        return
    if ref.position is not None:
        index = ref.position - 1 if ref.position > 0 else len(last_list) + ref.position
        if 0 <= index < len(last_list) and last_list[index] in known:
            resolution.targets.append(last_list[index])
        else:
            resolution.missing.append(f"number {ref.position}")
        return
    query = ref.title or ""
    # a sentence ("dad's parcel is wrapped and") names a task only as a whole, never loosely
    matches, suggestions = match_title(query, tasks, loose=loose and not _remark(query))
    if not matches and _RE_GERUND_ALONE.match(query):
        # "vacuuming done": a task named by its verb alone ("vacuum the living room"); the
        # one task with that verb, or the few to ask about
        matches, _ = match_title(gerund_to_base(query.strip()), tasks, loose=loose)
    if len(matches) == 1:
        resolution.targets.append(matches[0])
    elif matches:
        resolution.ambiguous.extend(matches)
    else:
        resolution.missing.append(query)
        resolution.suggestions.extend(suggestions)
