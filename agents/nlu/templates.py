"""Frame templates: a phrasing written as data ("{remind} me to {task}") compiled to a regex.

Like Starlette's `compile_path`, a template is written once and compiled at import:

- `word` is a literal word (case-insensitive); `a|b` inside parentheses, `(to|that)`, is a
  choice of literals (each may hold spaces);
- `{name}` is a lexicon class (an alternation of the class's phrases, longest first) or a
  slot: a named group the frame hands over (`{task}`, `{ref}`, `{rest}`: the free text;
  `{when}`: a short span the caller must find entirely made of date/time phrases;
  `{list}`: a to-do list phrase such as "my grocery list");
- `[ ... ]` is optional.

Texts are matched after normalization (single spaces), so words are joined by one space
(an optional comma or colon may precede it). **Linear time by construction:** a template
may hold at most one unbounded slot, every other part is bounded (`{when}` is at most 60
characters, a list phrase at most a few words), and the pattern is anchored at both ends. The
engine then tries each end of the free slot once against a bounded remainder: O(n·k) with a
small k, never the nested-quantifier blow-up of issue 13. `compile_template` refuses a
template with two unbounded slots.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["TemplateError", "alternation", "compile_template", "first_words"]

_FLAGS = re.IGNORECASE
# Between two words: one space, maybe after a colon ("grocery list: eggs"); before a token
# that spells punctuation itself ("(:|-)"), an optional space. Never an optional comma: in
# "add a, b, c" the comma ends the item "a", it does not join "add a" to "b".
_SEP = ":? "
_SEP_PUNCT = " ?"  # before a token that starts with punctuation: "todo: X", "todo - X"

# Free slots: at most one per template. Lazy unless the slot ends the template.
UNBOUNDED = frozenset({"task", "ref", "rest", "new"})


class TemplateError(ValueError):
    """A template that does not parse, names an unknown class, or could backtrack."""


def alternation(items: Sequence[str]) -> str:
    """`(?:a|b c)` of literal phrases, longest first (so "check off" wins over "check")."""
    uniq = sorted(set(items), key=lambda s: (-len(s), s))
    return "(?:" + "|".join(" ".join(re.escape(w) for w in p.split()) for p in uniq) + ")"


def _split(template: str) -> list[str]:
    """Top-level tokens: words, `{x}`, `(a|b)` and `[ ... ]` (brackets may nest)."""
    tokens: list[str] = []
    depth = 0
    cur = ""
    for ch in template:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
            if depth < 0:
                raise TemplateError(f"unbalanced brackets in {template!r}")
        if ch == " " and depth == 0:
            if cur:
                tokens.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise TemplateError(f"unbalanced brackets in {template!r}")
    if cur:
        tokens.append(cur)
    return tokens


def _split_alternatives(body: str) -> list[str]:
    """Top-level `|` alternatives of a group body (bracketed parts are kept whole)."""
    parts: list[str] = []
    depth = 0
    cur = ""
    for ch in body:
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        if ch == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


class _Compiler:
    def __init__(self, classes: Mapping[str, str], slots: Mapping[str, str]) -> None:
        self.classes = classes
        self.slots = slots
        self.free = 0
        self.seen: set[str] = set()

    def sequence(self, template: str, last: bool) -> str:
        tokens = _split(template)
        out = ""
        started = False  # a word is matched already: the next one is preceded by a separator
        glue = False  # the previous token was a look-ahead: no separator after it
        for i, tok in enumerate(tokens):
            is_last = last and i == len(tokens) - 1
            sep = _SEP_PUNCT if tok.lstrip("([")[:1] in (":", ",", "-", ";") else _SEP
            join = sep if started and not glue else ""
            glue = False
            if tok.startswith("[") and tok.endswith("]"):
                inner = self.group(tok[1:-1], is_last)
                # Before the first required word an optional part carries its separator after
                # it ("[can you] add" = "can you add" | "add"); later ones before it.
                out += f"(?:{join}{inner})?" if started else f"(?:{inner}{sep})?"
                continue
            if tok.startswith("{>") and tok.endswith("}"):
                name = tok[2:-1]
                if name not in self.classes:
                    raise TemplateError(f"unknown class {name!r}")
                out += join + f"(?={self.classes[name]}(?![\\w']))"
                glue = True
                continue
            out += join + self.token(tok, is_last)
            started = True
        return out

    def group(self, body: str, last: bool) -> str:
        alts = _split_alternatives(body)
        if len(alts) == 1:
            return self.sequence(alts[0], last)
        free_before = self.free
        compiled = [self.sequence(a, last) for a in alts if a]
        if self.free != free_before:
            raise TemplateError("a free slot inside alternatives could backtrack")
        return "(?:" + "|".join(compiled) + ")"

    def token(self, tok: str, last: bool) -> str:
        if tok.startswith("(") and tok.endswith(")"):
            return self.group(tok[1:-1], last)
        if tok.startswith("{") and tok.endswith("}"):
            name = tok[1:-1]
            if name in UNBOUNDED:
                self.free += 1
                if self.free > 1:
                    raise TemplateError("two free slots could backtrack: use one per template")
                if name in self.seen:
                    raise TemplateError(f"slot {name!r} used twice")
                self.seen.add(name)
                return f"(?P<{name}>.+)" if last else f"(?P<{name}>.+?)"
            if name in self.slots:
                if name in self.seen:
                    raise TemplateError(f"slot {name!r} used twice")
                self.seen.add(name)
                return f"(?P<{name}>{self.slots[name]})"
            if name in self.classes:
                return self.classes[name]
            raise TemplateError(f"unknown class or slot {name!r}")
        if not re.fullmatch(r"[\w'&:.\-=,;!]+", tok):
            raise TemplateError(f"bad literal {tok!r}")
        return re.escape(tok)


def compile_template(
    template: str, classes: Mapping[str, str], slots: Mapping[str, str]
) -> re.Pattern[str]:
    """Compile `template` to an anchored, case-insensitive pattern (use `.fullmatch`).

    `classes` maps a class name to its regex alternation; `slots` maps a bounded slot name to
    its regex. Raises `TemplateError` on a malformed template or two unbounded slots.
    """
    compiler = _Compiler(classes, slots)
    body = compiler.sequence(template, last=True)
    return re.compile(body, _FLAGS)


def first_words(template: str, classes_words: Mapping[str, Sequence[str]]) -> frozenset[str] | None:
    """The words a text matching `template` can start with, or None when any word can
    (the template starts with a slot). Lets a table skip a frame without running its regex.
    """
    out: set[str] = set()
    for tok in _split(template):
        optional = tok.startswith("[") and tok.endswith("]")
        body = tok[1:-1] if optional or (tok.startswith("(") and tok.endswith(")")) else tok
        alts = _split_alternatives(body) if (optional or tok.startswith("(")) else [body]
        for alt in alts:
            head = _split(alt)[0] if alt else ""
            if head.startswith("{>"):
                return None
            if head.startswith("{") and head.endswith("}"):
                name = head[1:-1]
                if name not in classes_words:
                    return None  # a slot: any word
                out.update(p.split()[0] for p in classes_words[name])
            elif head.startswith(("(", "[")):
                inner = first_words(head, classes_words)
                if inner is None:
                    return None
                out.update(inner)
            elif head:
                out.add(head.lower())
        if not optional:
            return frozenset(out)
    return None
