"""The agent pipeline: understand → resolve → act → render.

`run_turn` is loaded on first use, so the API can import the pipeline's types and action
table (`agents.types`, `agents.actions`) without loading the understanding stage.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TurnResult", "run_turn"]


def __getattr__(name: str) -> Any:
    if name == "run_turn":
        from agents.pipeline import run_turn

        return run_turn
    if name == "TurnResult":
        from agents.types import TurnResult

        return TurnResult
    raise AttributeError(name)
