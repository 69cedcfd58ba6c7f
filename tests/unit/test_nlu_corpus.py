"""Accuracy of the understand stage over the labelled sets in tests/data/nlu/.

`corpus.jsonl` is the development corpus; `heldout.jsonl` was written blind (before
reading the rules) to check that the rules generalise. Both must stay above the thresholds.
Run with `-s` to see the numbers; they are also in the assertion messages.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest

from agents.nlu import understand
from agents.types import Understanding

NLU_DATA = Path(__file__).resolve().parents[1] / "data" / "nlu"
CORPUS = NLU_DATA / "corpus.jsonl"
HELDOUT = NLU_DATA / "heldout.jsonl"
MIN_INTENT_ACCURACY = 0.99
MIN_ENTITY_EXACT = 0.99


def load_corpus(path: Path = CORPUS) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the `_meta` header (clock, default tz) and the labelled lines."""
    meta: dict[str, Any] = {"now": "2026-11-26T10:00:00", "tz": "UTC"}
    rows: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if "_meta" in obj:
            meta.update(obj["_meta"])
        else:
            rows.append(obj)
    return meta, rows


def expected(row: dict[str, Any]) -> Understanding:
    """The labelled Understanding: intent plus entities (defaults omitted in the file)."""
    return msgspec.convert({"intent": row["intent"], **row.get("entities", {})}, Understanding)


def clock(meta: dict[str, Any], row: dict[str, Any]) -> tuple[datetime, ZoneInfo]:
    """The fixed wall-clock `now` in the row's zone (default: the header's)."""
    tz = ZoneInfo(row.get("tz", meta["tz"]))
    return datetime.fromisoformat(meta["now"]).replace(tzinfo=tz), tz


def meaning(u: Understanding) -> Understanding:
    """What a label states: the rule name, confidence and loose second reading (mentions) are
    how it was read, not what."""
    return msgspec.structs.replace(u, rule="", confidence=1.0, mentions=())


def score(rows: list[dict[str, Any]], meta: dict[str, Any]) -> tuple[float, float, list[str]]:
    """Intent accuracy, whole-Understanding exact-match rate, and the failures."""
    intent_ok = exact_ok = 0
    failures: list[str] = []
    for row in rows:
        now, tz = clock(meta, row)
        got = meaning(understand(row["text"], now=now, tz=tz))
        want = expected(row)
        intent_ok += got.intent == want.intent
        if got == want:
            exact_ok += 1
        else:
            failures.append(
                f"{row['text']!r}\n   want {msgspec.to_builtins(want)}\n   got  "
                f"{msgspec.to_builtins(got)}"
            )
    n = len(rows)
    return intent_ok / n, exact_ok / n, failures


def test_corpus_is_big_and_varied() -> None:
    meta, rows = load_corpus()
    assert len(rows) >= 320
    intents = {row["intent"] for row in rows}
    assert len(intents) >= 13, intents
    zones = {row.get("tz", meta["tz"]) for row in rows}
    assert {"UTC", "America/New_York", "Asia/Kolkata"} <= zones
    for row in rows:
        expected(row)  # every label is a valid Understanding


def test_heldout_is_big_and_valid() -> None:
    _meta, rows = load_corpus(HELDOUT)
    assert len(rows) >= 200
    assert len({row["intent"] for row in rows}) == 13
    for row in rows:
        expected(row)  # every label is a valid Understanding


@pytest.mark.parametrize(("name", "path"), [("corpus", CORPUS), ("held-out", HELDOUT)])
def test_corpus_accuracy(name: str, path: Path) -> None:
    meta, rows = load_corpus(path)
    intent_acc, exact, failures = score(rows, meta)
    summary = (
        f"NLU {name} ({len(rows)} utterances): intent accuracy {intent_acc:.1%}, "
        f"entity exact-match {exact:.1%}"
    )
    print("\n" + summary)
    for failure in failures:
        print(" -", failure)
    assert intent_acc >= MIN_INTENT_ACCURACY, summary
    assert exact >= MIN_ENTITY_EXACT, summary
