"""The old import path of the understand stage, kept as an alias: the stage is `agents.nlu`.

Delete this module once nothing imports `agents.understand` (tests/unit/test_pipeline_seams.py
and docs/ARCHITECTURE.md still name it).
"""

from agents.nlu import understand

__all__ = ["understand"]
