"""The agent pipeline: understand → resolve → act → render.

`run_turn` runs one turn; the API never imports this package (the action vocabulary it
checks clicks against lives in `widgets.actions`).
"""

from agents.pipeline import run_turn
from agents.types import TurnResult

__all__ = ["TurnResult", "run_turn"]
