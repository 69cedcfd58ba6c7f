"""The replay harness end to end, in-process: --update records, replay passes, and every kind
of drift (a changed expectation, a missing turn, reordered turns) fails with exit status 1.

Nothing here depends on the agent's wording: expectations are recorded fresh by --update in a
temporary directory and the tests only mutate them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from chatkit_testing import TEST_SECRET
from replay_testing import read_threads, replay, write_threads

from core.settings import Settings

CLOCK = {"start": "2026-11-23T09:00:00+00:00", "step_seconds": 60}
GROCERIES: dict[str, Any] = {
    "thread_id": "groceries", "user": "alice", "timezone": "Europe/Paris", "clock": CLOCK,
    "turns": [{"say": "add buy milk"}, {"say": "add walk the dog"}, {"say": "show my tasks"},
              {"click": "complete_task_btn_{task#1}"}, {"say": "show all tasks"}],
}
HELLO: dict[str, Any] = {"thread_id": "hello", "clock": CLOCK,
                         "turns": [{"say": "hi"}, {"say": "add call mom"}]}


@pytest.fixture(scope="module")
def recorded_once(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The text of a replay file whose expectations were just recorded with --update."""
    tmp = tmp_path_factory.mktemp("recorded")
    settings = Settings(data_dir=tmp, jwt_secret=TEST_SECRET, redis_url=None,
                        database_url=f"sqlite:///{tmp / 'unused.db'}")
    path = write_threads(tmp / "threads.jsonl", GROCERIES, HELLO, comment="kept as is")
    run = replay(settings, path, "--update", "--quiet")
    assert run.status == 0, run.out + run.err
    assert "updated" in run.out
    return path.read_text()


@pytest.fixture
def recorded(recorded_once: str, tmp_path: Path) -> Path:
    """A fresh copy of the recorded file, for a test to replay or mutate."""
    path = tmp_path / "threads.jsonl"
    path.write_text(recorded_once)
    return path


def test_update_records_every_turn_and_keeps_comments(recorded: Path) -> None:
    assert recorded.read_text().startswith("# kept as is\n")
    threads = read_threads(recorded)
    assert [len(t["turns"]) for t in threads] == [5, 2]
    statuses = [turn["expect"]["status"] for t in threads for turn in t["turns"]]
    assert statuses == ["completed"] * 7
    # Generated ids are placeholders, never the run's random ids.
    text = recorded.read_text()
    assert "{task#1}" in text and "{turn#4}" in text
    assert "resp_" not in text and "action_" not in text


def test_freshly_recorded_file_passes(settings: Settings, recorded: Path) -> None:
    run = replay(settings, recorded, "--quiet")
    assert run.status == 0, run.out
    assert "PASS threads.jsonl:groceries (5 turns)" in run.out
    assert "summary: 2 threads (2 passed, 0 failed), 7 turns, 0 mismatched turns" in run.out
    assert "threads/s" in run.out and "p95" in run.out


def test_two_runs_give_byte_identical_reports(settings: Settings, recorded: Path) -> None:
    first, second = replay(settings, recorded, "--quiet"), replay(settings, recorded, "--quiet")
    assert first.report == second.report
    no_timings = replay(settings, recorded, "--quiet", "--no-timings", "--concurrency", "2")
    assert no_timings.out == first.report
    assert "timing:" not in no_timings.out


def _mutate(path: Path, change: Any) -> None:
    threads = read_threads(path)
    change(threads[0]["turns"])
    write_threads(path, *threads)


def test_a_changed_expectation_fails_with_a_path_diff(settings: Settings, recorded: Path) -> None:
    def change(turns: list[dict[str, Any]]) -> None:
        turns[2]["expect"]["text"] = "Nothing to see here"
        turns[2]["expect"]["widgets"][0]["children"][0]["props"]["text"] = "Your Chores"

    _mutate(recorded, change)
    run = replay(settings, recorded, "--quiet")
    assert run.status == 1
    assert "FAIL threads.jsonl:groceries (5 turns, 1 mismatched)" in run.out
    assert 'first mismatch: turn 3 of 5: say "show my tasks"' in run.out
    assert "    text\n" in run.out and "-Nothing to see here" in run.out
    assert ".children[0](" in run.out and ").props.text" in run.out
    assert "PASS threads.jsonl:hello" in run.out
    assert "1 mismatched turns" in run.out


def test_a_missing_turn_fails(settings: Settings, recorded: Path) -> None:
    _mutate(recorded, lambda turns: turns.pop(1))  # "add walk the dog" never happens
    run = replay(settings, recorded, "--quiet")
    assert run.status == 1
    assert "FAIL threads.jsonl:groceries" in run.out


def test_reordered_turns_fail(settings: Settings, recorded: Path) -> None:
    def swap(turns: list[dict[str, Any]]) -> None:
        turns[1], turns[2] = turns[2], turns[1]  # list before the second add

    _mutate(recorded, swap)
    run = replay(settings, recorded, "--quiet")
    assert run.status == 1
    assert "first mismatch: turn 2 of 5" in run.out


def test_a_turn_without_expectation_fails(settings: Settings, recorded: Path) -> None:
    _mutate(recorded, lambda turns: turns[0].pop("expect"))
    run = replay(settings, recorded, "--quiet")
    assert run.status == 1
    assert "no expectation recorded: run with --update" in run.out


def test_junit_report_has_one_case_per_thread(settings: Settings, recorded: Path,
                                              tmp_path: Path) -> None:
    _mutate(recorded, lambda turns: turns[0]["expect"].update(status="failed"))
    junit = tmp_path / "reports" / "replay.xml"
    run = replay(settings, recorded, "--quiet", "--junit", junit)
    assert run.status == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    failure = cases["groceries"].find("failure")
    assert failure is not None and "turn 1" in (failure.get("message") or "")
    assert "status" in (failure.text or "")
    assert cases["hello"].find("failure") is None


def test_update_rewrites_only_what_changed(settings: Settings, recorded: Path) -> None:
    _mutate(recorded, lambda turns: turns[0]["expect"].update(text="stale"))
    run = replay(settings, recorded, "--update", "--quiet")
    assert run.status == 0
    assert "1 thread(s) rewritten" in run.out
    assert replay(settings, recorded, "--quiet").status == 0


def test_clicks_resolve_by_selector_or_report_unresolved(settings: Settings,
                                                         tmp_path: Path) -> None:
    thread = {"thread_id": "clicks", "clock": CLOCK, "turns": [
        {"say": "add buy milk"}, {"say": "show my tasks"},
        {"click": {"action": "task_complete", "payload": {"task_id": "{task#1}"}}},
        {"click": "complete_task_btn_{task#7}"},
        {"action": {"type": "task_complete", "payload": {"task_id": "{task#1}"}}},
    ]}
    path = write_threads(tmp_path / "clicks.jsonl", thread)
    assert replay(settings, path, "--update", "--quiet").status == 0
    turns = read_threads(path)[0]["turns"]
    assert turns[2]["expect"]["status"] == "completed"
    assert turns[3]["expect"]["status"] == "unresolved"
    assert "complete_task_btn_{task#7}" in turns[3]["expect"]["error"]["error"]["message"]
    assert replay(settings, path, "--quiet").status == 0


def test_rejected_input_is_recorded_as_its_envelope(settings: Settings, tmp_path: Path) -> None:
    path = write_threads(tmp_path / "bad.jsonl",
                         {"thread_id": "bad", "clock": CLOCK, "turns": [{"say": "   "}]})
    replay(settings, path, "--update", "--quiet")
    expect = read_threads(path)[0]["turns"][0]["expect"]
    assert expect["status"] == "rejected"
    assert expect["error"]["error"]["code"] == 422


def test_bad_files_are_refused_with_file_and_line(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text("# fine\n" + json.dumps({"thread_id": "x", "clock": CLOCK, "turns": [
        {"say": "hi", "click": "b"}]}) + "\n")
    run = replay(settings, path)
    assert run.status == 2
    assert "broken.jsonl:2" in run.err and "exactly one of" in run.err
    twice = write_threads(tmp_path / "twice.jsonl", HELLO, HELLO)
    run = replay(settings, twice)
    assert run.status == 2 and "unique" in run.err


def test_print_schema(settings: Settings) -> None:
    run = replay(settings, "--print-schema")
    assert run.status == 0
    assert json.loads(run.out)["$ref"].endswith("ReplayThread")


def test_the_embedded_celery_worker_gives_the_same_results(settings: Settings,
                                                           recorded: Path) -> None:
    inline = replay(settings, recorded, "--quiet", "--no-timings")
    celery = replay(settings, recorded, "--quiet", "--no-timings", "--worker", "celery")
    assert celery.status == 0, celery.out + celery.err
    assert celery.out == inline.out
