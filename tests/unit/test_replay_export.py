"""Export → replay round trip: a thread played through the real API, exported by the CLI and by
`GET /api/chatkit/threads/{id}/export`, replays with no mismatch."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import anyio
from chatkit_testing import auth, find_widget
from litestar.testing import AsyncTestClient
from replay_testing import read_threads, replay

from chatkit_todo.cli import build_parser
from chatkit_todo.replay.command import run_export
from core.settings import Settings


async def _send(client: AsyncTestClient[Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, headers=auth("carol"), json={"thread_id": "kitchen",
                                                                    **body})
    assert response.status_code == 202, response.text
    result = await client.get(response.headers["location"], headers=auth("carol"))
    return dict(result.json())


async def _play_a_thread(client: AsyncTestClient[Any]) -> None:
    metadata = {"timezone": "Europe/Paris", "user_agent": "web"}
    for text in ("add buy milk tomorrow #home", "add descale the kettle", "show my tasks"):
        listed = await _send(client, "/api/chatkit/respond", {"input": text,
                                                               "metadata": metadata})
    button = find_widget(listed["widgets"][0], lambda n: n["id"].startswith("complete_task_btn"))[0]
    await _send(client, "/api/chatkit/action", {"action": {
        "type": button["props"]["action"]["type"], "widget_id": button["id"],
        "payload": button["props"]["action"]["payload"]}, "metadata": metadata})
    await _send(client, "/api/chatkit/respond", {"input": "show all tasks", "metadata": metadata})


def _export(settings: Settings, *argv: str) -> tuple[int, str]:
    args = build_parser().parse_args(["export", *argv])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = run_export(settings, args)
    return status, out.getvalue()


async def test_cli_export_replays_without_mismatch(client: AsyncTestClient[Any],
                                                   settings: Settings, tmp_path: Path) -> None:
    await _play_a_thread(client)
    status, line = await anyio.to_thread.run_sync(_export, settings, "kitchen", "--user", "carol")
    assert status == 0
    path = tmp_path / "exported.jsonl"
    path.write_text(line)
    thread = read_threads(path)[0]
    assert (thread["thread_id"], thread["user"], thread["timezone"]) == (
        "kitchen", "carol", "Europe/Paris")
    turns = thread["turns"]
    assert [("say" in t, "click" in t) for t in turns] == [(True, False)] * 3 + [
        (False, True), (True, False)]
    assert turns[3]["click"].startswith("complete_task_btn_{task#")
    assert all(t["expect"]["status"] == "completed" for t in turns)
    run = await anyio.to_thread.run_sync(lambda: replay(settings, path, "--quiet"))
    assert run.status == 0, run.out
    assert "PASS exported.jsonl:kitchen (5 turns)" in run.out


async def test_cli_export_refuses_unknown_or_foreign_threads(client: AsyncTestClient[Any],
                                                            settings: Settings) -> None:
    await _play_a_thread(client)
    assert (await anyio.to_thread.run_sync(_export, settings, "nope"))[0] == 1
    assert (await anyio.to_thread.run_sync(_export, settings, "kitchen", "--user", "dave"))[0] == 1


async def test_http_export_is_the_owners_and_matches_the_cli(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    await _play_a_thread(client)
    response = await client.get("/api/chatkit/threads/kitchen/export", headers=auth("carol"))
    assert response.status_code == 200, response.text
    _, line = await anyio.to_thread.run_sync(_export, settings, "kitchen")
    assert response.json() == json.loads(line)

    foreign = await client.get("/api/chatkit/threads/kitchen/export", headers=auth("dave"))
    assert foreign.status_code == 403
    assert foreign.json()["error"]["type"] == "AUTH_ERROR"
    missing = await client.get("/api/chatkit/threads/nope/export", headers=auth("carol"))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404
    anonymous = await client.get("/api/chatkit/threads/kitchen/export")
    assert anonymous.status_code == 401
