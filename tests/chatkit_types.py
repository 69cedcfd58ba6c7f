"""openai-chatkit's own types, from the tests: JSON is checked in the validator environment.

openai-chatkit cannot be installed beside this project (its openai-agents dependency ships
a top-level `agents` package that shadows ours), so `make test` builds `.venv-chatkit/`
from tests/chatkit_validator/uv.lock and the tests pipe JSON to its validate.py: one
long-lived subprocess per test session. See docs/CHATKIT.md.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
VALIDATOR_PYTHON = REPO / ".venv-chatkit" / "bin" / "python"
VALIDATOR_SCRIPT = REPO / "tests" / "chatkit_validator" / "validate.py"

# What a raw JSON text is checked as (validate.py's kinds).
KINDS = ("request", "event", "thread", "threads_page", "items_page", "empty", "widget_root")


class ChatKitTypes:
    """Checks JSON against `chatkit.types` (strict, no unknown keys, strict widget trees)."""

    def __init__(self) -> None:
        if not VALIDATOR_PYTHON.exists():
            pytest.fail(f"{VALIDATOR_PYTHON} is missing: run `make test` (or "
                        "`make .venv-chatkit/.stamp`) to build the ChatKit validator")
        self._proc = subprocess.Popen(
            [str(VALIDATOR_PYTHON), str(VALIDATOR_SCRIPT)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1)
        self._lock = threading.Lock()
        self.checked: dict[str, int] = dict.fromkeys(KINDS, 0)

    def problem(self, kind: str, raw: str | bytes) -> str | None:
        """None when `raw` is a valid `kind`, else why not."""
        assert kind in KINDS, kind
        text = raw.decode() if isinstance(raw, bytes) else raw
        assert self._proc.stdin is not None and self._proc.stdout is not None
        with self._lock:
            self._proc.stdin.write(json.dumps({"kind": kind, "raw": text}) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the ChatKit validator exited")
        self.checked[kind] += 1
        answer = json.loads(line)
        return None if answer["ok"] else str(answer["error"])

    def check(self, kind: str, raw: str | bytes) -> Any:
        """The parsed JSON; fails the test when it is not a valid `kind`."""
        problem = self.problem(kind, raw)
        assert problem is None, f"not a valid ChatKit {kind}: {problem}\n{raw!r}"
        return json.loads(raw)

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


@pytest.fixture(scope="session")
def chatkit_types() -> Iterator[ChatKitTypes]:
    """The session's validator (import this fixture into a test module to use it)."""
    types = ChatKitTypes()
    yield types
    types.close()
