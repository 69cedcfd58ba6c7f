"""The benchmark orchestrator's pure pieces: percentiles, the JSON it writes, the doc block.

No timing is asserted (benchmarks are not tests); nothing here starts a server.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import run  # noqa: E402
import stack  # noqa: E402


@pytest.mark.parametrize("module", [stack, loadgen])
def test_percentiles_use_the_nearest_rank(module: object) -> None:
    values = [float(v) for v in range(1, 101)]
    percentile = module.percentile  # type: ignore[attr-defined]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_a_failed_benchmark_leaves_its_keys_null_and_the_json_strict() -> None:
    results: dict[str, dict[str, Any]] = {
        "ingest": {"keys": {"ingest_rps": 120.0, "ingest_p99_ms": float("nan"),
                            "bare_rps": 4000.0, "ingest_ratio": 0.03}},
        "worker": {"error": "exit 1: boom"},
    }
    keys = run.collect_keys(results)
    assert set(run.KEYS) <= set(keys)
    assert keys["ingest_ratio"] == 0.03
    assert keys["ingest_p99_ms"] is None  # NaN (no samples) is written as null
    assert keys["worker_turns_per_s"] is None
    text = json.dumps(run._finite({"keys": keys, "results": results}), allow_nan=False)
    assert json.loads(text)["results"]["worker"] == {"error": "exit 1: boom"}


def test_the_table_marks_targets_and_the_doc_keeps_its_prose(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    keys = {"ingest_ratio": 0.5, "ingest_p99_ms": 80.0, "api_rss_mb": 120.0}
    table = run.markdown_table(keys)
    assert "| Ingest / bare Litestar | `ingest_ratio` | 0.5 |  | ≥ 0.30 | yes |" in table
    assert "| Ingest p99 (c=64) | `ingest_p99_ms` | 80.0 |  | ≤ 50 ms | **no** |" in table

    doc = tmp_path / "BENCHMARKS.md"
    doc.write_text(f"# Benchmarks\n\nprose before\n\n{run.BEGIN}\nold table\n{run.END}\n\n"
                   "prose after\n")
    monkeypatch.setattr(run, "DOC", doc)
    report = {"finished_at": "2026-11-26T00:00:00+00:00", "quick": True, "seconds": 1.0,
              "machine": {"cpu": "test cpu", "cores": 2}, "keys": keys, "results": {}}
    run.write_doc(report)
    text = doc.read_text()
    assert "prose before" in text and "prose after" in text
    assert "old table" not in text and "test cpu" in text and "`ingest_ratio`" in text
