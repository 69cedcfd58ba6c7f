"""Batch replay of threads: the replay file format, export, replay, diff and reports.

`format` and `export` import only the store (the API's export route uses them); `runner`
drives the product through `api.server.TurnIntake` or a deployment's HTTP API.
"""

from core.replay.format import (
    ButtonSelector,
    Clock,
    Expectation,
    RawAction,
    ReplayFile,
    ReplayThread,
    ReplayTurn,
    load_file,
)

__all__ = [
    "ButtonSelector",
    "Clock",
    "Expectation",
    "RawAction",
    "ReplayFile",
    "ReplayThread",
    "ReplayTurn",
    "load_file",
]
