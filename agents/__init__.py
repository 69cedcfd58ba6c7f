"""The agent pipeline: understand → resolve → act → render.

`run_turn` runs one turn with the default understanding stage (rules, offline); the
pipeline itself (`agents.pipeline.run_turn`) takes any `agents.types.Understander`. The
API never imports this package (it checks clicks against `widgets.actions`).
"""

from functools import partial

from agents.act import Limits
from agents.pipeline import run_turn as run_turn_with
from agents.types import TurnResult, Understander
from agents.understand import understand

run_turn = partial(run_turn_with, understander=understand)

__all__ = ["Limits", "TurnResult", "Understander", "run_turn", "run_turn_with", "understand"]
