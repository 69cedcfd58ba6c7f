"""The packages import one way (core → widgets, store → todos → agents → workers → api →
chatkit_todo), as pyproject's import-linter contracts say: an arrow pointing up fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_no_layer_imports_a_layer_above_it() -> None:
    checker = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(checker), "--no-cache"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout
