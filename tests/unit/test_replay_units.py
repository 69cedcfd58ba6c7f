"""The replay format, id normalization and the path diff, without running the product."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from chatkit_todo.replay.diff import diff
from chatkit_todo.replay.report import render_report
from chatkit_todo.replay.runner import replay_all
from core.replay.format import (
    ReplayFormatError,
    ReplayThread,
    decode_thread,
    load_file,
    schema_text,
)
from core.replay.normalize import IdMap, mask_dates

REPO = Path(__file__).resolve().parents[2]


def _meaning(node: Any) -> Any:
    """A JSON Schema with its prose reflowed: what it says, not how msgspec indents it
    (msgspec 0.23 started dedenting docstrings)."""
    if isinstance(node, dict):
        return {k: " ".join(v.split()) if k == "description" and isinstance(v, str)
                else _meaning(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_meaning(v) for v in node]
    return node


def test_published_schema_is_generated_from_the_types() -> None:
    published = json.loads((REPO / "docs" / "replay.schema.json").read_text())
    assert _meaning(published) == _meaning(json.loads(schema_text())), (
        "regenerate: chatkit-todo replay --print-schema > docs/replay.schema.json")


def test_schema_describes_turns_and_expectations() -> None:
    defs = json.loads(schema_text())["$defs"]
    assert {"say", "click", "action", "at", "expect"} <= set(defs["ReplayTurn"]["properties"])
    assert defs["ReplayThread"]["required"] == ["thread_id", "clock", "turns"]


def test_a_minimal_line_decodes_with_defaults() -> None:
    thread = decode_thread('{"thread_id":"t1","clock":{"start":"2026-11-23T09:00:00Z"},'
                           '"turns":[{"say":"hi"},{"say":"add milk","at":"2026-11-24T08:00:00Z"}]}')
    assert (thread.user, thread.timezone, thread.clock.step_seconds) == ("alice", "UTC", 60.0)
    assert thread.clock.at(1).isoformat() == "2026-11-23T09:01:00+00:00"
    assert thread.turns[1].describe() == 'say "add milk"'


@pytest.mark.parametrize(("line", "message"), [
    ('{"thread_id":"t","clock":{"start":"2026-11-23T09:00:00Z"},"turns":[{}]}', "exactly one"),
    ('{"thread_id":"t","clock":{"start":"2026-11-23T09:00:00Z"},"turns":[{"sya":"hi"}]}',
     "sya"),
    ('{"thread_id":"bad id","clock":{"start":"2026-11-23T09:00:00Z"},"turns":[]}', "thread_id"),
    ('{"thread_id":"t","clock":{"start":"yesterday"},"turns":[]}', "yesterday"),
])
def test_malformed_lines_name_the_problem(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n# comment\n" + line + "\n")
    with pytest.raises(ReplayFormatError) as error:
        load_file(path)
    assert "bad.jsonl:3" in str(error.value) and message in str(error.value)


def test_files_round_trip_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    line = ('{"thread_id":"t","clock":{"start":"2026-11-23T09:00:00Z"},'
            '"turns":[{"click":{"action":"undo"}}]}')
    path.write_text(f"# heading\n\n{line}\n")
    replay = load_file(path)
    assert replay.render() == path.read_text()


def test_ids_become_placeholders_in_order_of_first_appearance() -> None:
    ids = IdMap()
    ids.register("resp_0123456789abcdef0123", "{turn#1}")
    value = {"id": "task_added_card_resp_0123456789abcdef0123", "children": [
        {"id": "complete_task_btn_task_bb11cc22dd33", "props": {"action": {"payload": {
            "task_id": "task_bb11cc22dd33"}}}},
        {"id": "task_item_task_aa00ff00ee11", "metadata": {"task_id": "task_aa00ff00ee11"}},
    ]}
    normalized = ids.normalize(value)
    assert normalized["id"] == "task_added_card_{turn#1}"
    assert normalized["children"][0]["id"] == "complete_task_btn_{task#1}"
    assert normalized["children"][1]["metadata"]["task_id"] == "{task#2}"
    assert ids.denormalize(normalized) == value


def test_words_and_content_hashes_are_not_ids() -> None:
    ids = IdMap()
    for text in ("task_added_card", "task_list_headline", "suggestion_btn_help_106a58",
                 "delete_all_card", "2026-11-23T09:00:00+00:00"):
        assert ids.normalize_text(text) == text
    assert ids.normalize_text("undo_0a1b2c3d4e5f") == "{undo#1}"


def test_unknown_ids_stay_when_not_learning() -> None:
    ids = IdMap()
    assert ids.normalize_text("complete_task_btn_task_abcdef123456", learn=False) == (
        "complete_task_btn_task_abcdef123456")
    assert ids.denormalize("{task#3}") == "{task#3}"


def test_mask_dates() -> None:
    assert mask_dates({"due": "2026-11-27T17:00:00+01:00", "text": "due 2026-11-27"}) == {
        "due": "{datetime}", "text": "due {date}"}


def test_diff_matches_children_by_id_and_names_paths() -> None:
    expected = {"text": "a", "widgets": [{"id": "card", "children": [
        {"id": "row_1", "props": {"text": "milk"}}, {"id": "row_2", "props": {"text": "eggs"}}]}]}
    actual = {"text": "a", "widgets": [{"id": "card", "children": [
        {"id": "row_0", "props": {"text": "tea"}}, {"id": "row_1", "props": {"text": "milk"}},
        {"id": "row_2", "props": {"text": "EGGS"}}]}]}
    found = {d.path: (d.expected, d.actual) for d in diff(expected, actual)}
    assert found["widgets[0](card).children[1](row_2).props.text"] == ("eggs", "EGGS")
    assert found["widgets[0](card).children[0](row_0)"][0] is msgspec.UNSET
    assert len(found) == 2


def test_diff_reports_order_and_multiline_text() -> None:
    expected = {"items": [{"id": "a"}, {"id": "b"}], "text": "one\ntwo"}
    actual = {"items": [{"id": "b"}, {"id": "a"}], "text": "one\nthree"}
    differences = diff(expected, actual)
    assert [d.path for d in differences] == ["items (order of ids)", "text"]
    rendered = "\n".join(differences[1].render())
    assert "-two" in rendered and "+three" in rendered
    assert diff(expected, expected) == []


def test_run_names_read_as_the_files_names() -> None:
    ids = IdMap()
    ids.register("alice-hello-ab12", "alice")
    ids.register("hello-ab12", "hello")
    assert ids.normalize_text("thread hello-ab12 of alice-hello-ab12") == "thread hello of alice"


def test_a_thread_that_cannot_be_replayed_is_reported_not_fatal() -> None:
    class BrokenDriver:
        exact_clock = True

        def open(self, thread: ReplayThread) -> Any:
            raise RuntimeError("no database")

    thread = decode_thread('{"thread_id":"t","clock":{"start":"2026-11-23T09:00:00Z"},'
                           '"turns":[{"say":"hi"}]}')
    outcomes = asyncio.run(replay_all(BrokenDriver(), [(Path("x.jsonl"), thread)]))
    assert outcomes[0].crashed and not outcomes[0].passed
    report = render_report(outcomes, elapsed_s=1.0, timings=False)
    assert report.startswith("ERROR x.jsonl:t: could not replay: RuntimeError: no database\n")
    assert "0 passed, 1 failed" in report
