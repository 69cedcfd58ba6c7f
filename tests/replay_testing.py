"""Helpers for the replay tests: run `chatkit-todo replay` in-process, capture its output."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatkit_todo.cli import build_parser
from chatkit_todo.replay.command import run_replay
from core.settings import Settings


@dataclass
class ReplayRun:
    status: int
    out: str
    err: str

    @property
    def report(self) -> str:
        """The report without its timing lines (those differ from run to run)."""
        return "".join(line for line in self.out.splitlines(keepends=True)
                       if not line.startswith("timing:"))


def replay(settings: Settings, *argv: str | Path) -> ReplayRun:
    """`chatkit-todo replay ARGV` in this process."""
    args = build_parser().parse_args(["replay", *map(str, argv)])
    out, err = io.StringIO(), io.StringIO()
    status = run_replay(settings, args, out=out, err=err)
    return ReplayRun(status, out.getvalue(), err.getvalue())


def write_threads(path: Path, *threads: dict[str, Any], comment: str | None = None) -> Path:
    """A replay file holding these threads (one JSON line each)."""
    lines = [f"# {comment}"] if comment else []
    lines += [json.dumps(thread, ensure_ascii=False) for thread in threads]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_threads(path: Path) -> list[dict[str, Any]]:
    """The threads of a replay file as plain JSON (comments skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
