"""Linear-time understanding: hostile inputs and a seeded fuzz run stay under a time budget.

The old parser had patterns with nested quantifiers: `"add " + "#a #b " * 12 + "to"` took
6.7 s (x4 per extra repeat) while holding the GIL. Every message up to the accepted maximum
(CHATKIT_MAX_INPUT_CHARS, 4,000 characters) must now be understood in well under 50 ms.
Time is CPU time of this thread (load on the machine does not count); a message over the
budget is measured once more before it fails, so a stray context switch cannot fail the run.
`python bench/bench_nlu.py --fuzz N` runs the same generator for longer.
"""

from __future__ import annotations

import random
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agents.nlu import understand

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
MAX_CHARS = 4000  # core.settings.Settings.max_input_chars default
BUDGET_S = 0.050
SEED = 20261126

# The inputs of issue 13, as reported, and grown to the maximum accepted length.
ATTACKS = {
    "tag_add_pairs": "add " + "#a #b " * 12 + "to",
    "tag_add_run": "add " + "#home " * 20,
    "tag_remove_and": "remove " + "xand" * 22 + "y tags",
    "tag_add_pairs_max": "add " + "#a #b " * 665 + "to",
    "tag_add_run_max": "add " + "#home " * 665,
    "tag_remove_and_max": "remove " + "xand" * 995 + "y tags",
    "untag_list_max": "untag x from " + "a, " * 1328 + "!",
    "tag_list_max": "tag x with " + "a and " * 664 + "!",
    # terse news, quoted titles, "anymore" with a remark, trailing pleasantries
    "quoted_open_max": "put '" + "a b " * 998,
    "quoted_rest_max": "put 'x'" + " y" * 1995,
    "list_needs_max": "my " + "grocery " * 495 + "list needs 'x'",
    "no_need_anymore_max": "no need to " + "x " * 1000 + "anymore " * 240,
    "take_off_max": "take " + "x " * 1995 + "off",
    "terse_dashes_max": "a - " * 1000,
    "terse_possessive_max": "x's " * 998 + "done",
    "trail_thanks_max": "add x" + " thanks so much" * 266,
    # the task-aware fallback: states, copulas, removals, remind-me tails
    "fallback_copulas_max": "the x " + "is are 's been " * 250 + "out",
    "fallback_states_max": "the " + "x's " * 990 + "in the mail",
    "fallback_never_mind_max": "never mind " + "the x " * 660,
    "fallback_remind_tail_max": "x at 5" + ", remind me" * 330,
    "fallback_pasts_max": "i " + "washed " * 570,
    # found by `bench_nlu.py --fuzz 20000`: separators before "still need" (600 ms before)
    "still_tail_dashes_max": "-\n" * 2000,
    "still_tail_then_still_max": "x" + " -" * 1990 + " still need y",
    "hope_commas_max": "x" + "," * 3980 + " crossed",
    "no_bother_commas_max": "x" + "," * 3980 + " no",
    # found by `bench_nlu.py --fuzz 20000`: small words after a placeholder (100 ms before)
    "placeholder_tail_in_max": "add " + "in  " * 995 + " tags",
    "placeholder_tail_on_max": "add " + "on " * 1320 + " tags",
}


def cpu_seconds(text: str) -> float:
    """CPU time of one understand() call; a second measurement if the first is over budget."""
    best = float("inf")
    for _ in range(2):
        start = time.thread_time()
        understand(text, now=NOW, tz=UTC)
        best = min(best, time.thread_time() - start)
        if best <= BUDGET_S:
            break
    return best


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_reported_attack_inputs_are_fast(name: str) -> None:
    text = ATTACKS[name]
    assert len(text) <= MAX_CHARS
    took = cpu_seconds(text)
    assert took <= BUDGET_S, f"{name}: {took * 1000:.1f} ms for {len(text)} characters"


# Tokens the rules care about: verbs, connectives, sigils, numbers, date words, quotes.
TOKENS = (
    "add", "remind", "me", "to", "delete", "remove", "complete", "mark", "as", "done", "tag",
    "untag", "with", "from", "and", "or", "&", "the", "my", "list", "on", "off", "at", "every",
    "other", "mon", "tue", "friday", "fridays", "5pm", "12:30", "7", "in", "3", "days", "#a",
    "@b", "#home", "p1", "urgent", "priority", ",", ";", ":", "'", '"', "-", "x", "xand", "y",
    "is", "due", "not", "repeat", "of", "month", "1st", "the 5th", "twenty", "five", "half",
    "past", "quarter", "o'clock", "tomorrow", "next", "week", "a", "it", "that", "one",
    "called", "rename", "change", "move", "set", "reminder", "i", "need", "so", "take",
    "something", "?", "!", "2026-12-05", "5/12", "✅", "é", "\u00a0", "\n",
    "paid", "ready", "got it", "check", "anymore", "lol", "thanks so much", "um", "'s",
)  # fmt: skip
SEPARATORS = (" ", "", ", ", " and ", "  ", "\n", "-", " & ")


def generated(rng: random.Random, count: int) -> list[str]:
    """Messages made of a short random pattern repeated up to a random length (<= 4,000)."""
    out = []
    for _ in range(count):
        pattern = [rng.choice(TOKENS) for _ in range(rng.randint(1, 4))]
        sep = rng.choice(SEPARATORS)
        unit = sep.join(pattern) + rng.choice(SEPARATORS)
        target = rng.choice((60, 300, 1000, 2500, MAX_CHARS))
        head = rng.choice(
            (
                "",
                "add ",
                "remind me to ",
                "delete ",
                "tag x with ",
                "untag ",
                "complete ",
                "show ",
                "move x to ",
                "rename x to ",
                "i need to ",
            )
        )
        tail = rng.choice(("", " to", " tags", " from my list", "?", " every monday", " done"))
        body = unit * max(1, (target - len(head) - len(tail)) // max(1, len(unit)))
        out.append((head + body)[: MAX_CHARS - len(tail)] + tail)
    return out


def test_seeded_fuzz_messages_are_fast() -> None:
    rng = random.Random(SEED)
    slow = []
    for text in generated(rng, 250):
        took = cpu_seconds(text)
        if took > BUDGET_S:
            slow.append(f"{took * 1000:.0f} ms, {len(text)} chars: {text[:80]!r}")
    assert not slow, "\n".join(slow[:10])
