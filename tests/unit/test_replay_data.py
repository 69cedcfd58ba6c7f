"""CI replays the checked-in threads (tests/data/replay) in-process: every turn must match.

When the agent or a widget builder changes on purpose, re-record with
`chatkit-todo replay tests/data/replay/*.jsonl --update` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

from replay_testing import read_threads, replay

from core.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data" / "replay"
FILES = sorted(DATA.glob("*.jsonl"))
# The action types of the widgets issue: each must be clicked by at least one thread.
ACTION_TYPES = {"task_complete", "task_reopen", "task_delete", "undo", "list_page", "confirm",
                "cancel", "choose", "suggestion"}
_ID_ACTIONS = {"complete_task_btn_": "task_complete", "reopen_task_btn_": "task_reopen",
               "delete_task_btn_": "task_delete", "undo_btn_": "undo"}


def _clicked_action_types() -> set[str]:
    found = set()
    for path in FILES:
        for thread in read_threads(path):
            for turn in thread["turns"]:
                click = turn.get("click")
                if isinstance(click, dict) and click.get("action"):
                    found.add(click["action"])
                elif isinstance(click, str):
                    found |= {kind for prefix, kind in _ID_ACTIONS.items()
                              if click.startswith(prefix)}
                elif turn.get("action"):
                    found.add(turn["action"]["type"])
    return found


def test_the_suite_has_enough_threads_and_clicks_every_action_type() -> None:
    threads = [thread for path in FILES for thread in read_threads(path)]
    assert len(threads) >= 30
    assert len({thread["thread_id"] for thread in threads}) == len(threads)
    assert _clicked_action_types() >= ACTION_TYPES
    assert all("expect" in turn for thread in threads for turn in thread["turns"]), (
        "record expectations: chatkit-todo replay tests/data/replay/*.jsonl --update")


def test_every_checked_in_thread_replays_without_mismatch(settings: Settings) -> None:
    run = replay(settings, *FILES, "--quiet")
    assert run.status == 0, run.out
