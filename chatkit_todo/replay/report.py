"""Reports: per-thread pass/fail with the first mismatch's diff, a summary, JUnit XML.

Everything but the lines starting with `timing:` is a pure function of the outcomes, so
two runs of the same file give byte-identical reports once those lines are dropped
(`--no-timings` leaves them out).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from chatkit_todo.replay.runner import ThreadOutcome

MAX_DIFFERENCES = 25


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def mismatch_lines(outcome: ThreadOutcome, indent: str = "  ") -> list[str]:
    """The first mismatching turn of a thread, path by path."""
    turn = outcome.first_mismatch
    if turn is None:
        return []
    lines = [f"{indent}first mismatch: turn {turn.index} of {len(outcome.turns)}: {turn.label}"]
    for difference in turn.differences[:MAX_DIFFERENCES]:
        lines += difference.render(indent + "  ")
    hidden = len(turn.differences) - MAX_DIFFERENCES
    if hidden > 0:
        lines.append(f"{indent}  … and {hidden} more difference(s)")
    return lines


def thread_label(outcome: ThreadOutcome) -> str:
    return f"{outcome.file.name}:{outcome.thread.thread_id}"


def render_report(outcomes: Sequence[ThreadOutcome], *, elapsed_s: float,
                  timings: bool = True) -> str:
    """The text report: one block per thread (input order), a summary, then timings."""
    lines: list[str] = []
    for outcome in outcomes:
        turns = len(outcome.turns)
        bad = sum(not turn.matched for turn in outcome.turns)
        if outcome.crashed:
            lines.append(f"ERROR {thread_label(outcome)}: could not replay: {outcome.crashed}")
        elif outcome.passed:
            lines.append(f"PASS {thread_label(outcome)} ({turns} turns)")
        else:
            lines.append(f"FAIL {thread_label(outcome)} ({turns} turns, {bad} mismatched)")
            lines += mismatch_lines(outcome)
    passed = sum(outcome.passed for outcome in outcomes)
    turn_count = sum(len(outcome.turns) for outcome in outcomes)
    mismatched = sum(not turn.matched for outcome in outcomes for turn in outcome.turns)
    lines.append(f"summary: {len(outcomes)} threads ({passed} passed, "
                 f"{len(outcomes) - passed} failed), {turn_count} turns, "
                 f"{mismatched} mismatched turns")
    if timings:
        latencies = [turn.latency_s for outcome in outcomes for turn in outcome.turns]
        lines.append("timing: turn latency p50 {:.1f} ms, p95 {:.1f} ms, p99 {:.1f} ms".format(
            *(1000 * percentile(latencies, q) for q in (0.50, 0.95, 0.99))))
        rate = len(outcomes) / elapsed_s if elapsed_s > 0 else 0.0
        lines.append(f"timing: {len(outcomes)} threads in {elapsed_s:.2f} s "
                     f"({rate:.1f} threads/s)")
    return "\n".join(lines) + "\n"


def write_junit(outcomes: Sequence[ThreadOutcome], path: Path, *, timings: bool = True) -> None:
    """A JUnit XML report: one testcase per thread, the first mismatch as its failure."""
    failures = sum(not outcome.passed for outcome in outcomes)
    suite = ET.Element("testsuite", name="chatkit-replay", tests=str(len(outcomes)),
                       failures=str(failures), errors="0")
    total = 0.0
    for outcome in outcomes:
        seconds = sum(turn.latency_s for turn in outcome.turns) if timings else 0.0
        total += seconds
        case = ET.SubElement(suite, "testcase", classname=f"replay.{outcome.file.stem}",
                             name=outcome.thread.thread_id, time=f"{seconds:.3f}")
        turn = outcome.first_mismatch
        if turn is not None:
            failure = ET.SubElement(case, "failure", type="mismatch",
                                    message=f"turn {turn.index}: {turn.label}")
            failure.text = "\n".join(mismatch_lines(outcome, indent=""))
    suite.set("time", f"{total:.3f}")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
