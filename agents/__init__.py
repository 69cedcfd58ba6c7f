"""The agent pipeline: understand → resolve → act → render."""

from agents.pipeline import run_turn
from agents.types import TurnResult

__all__ = ["TurnResult", "run_turn"]
