"""The HTTP edge as a client or an operator meets it (issues 13 and 14), in process.

Dev sign-in only in `serve`; CORS for every method and header the API uses; security
headers on the page; 422s worded for people, the same over HTTP and in process;
`/metrics` counting what happened, behind its token.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from chatkit_testing import TEST_SECRET, auth
from litestar.testing import AsyncTestClient

from api.app import create_app, production_app
from api.errors import ChatKitError
from api.server import ChatKitServer
from chatkit_todo.cli import main
from core import metrics
from core.settings import Settings, get_settings
from store import Database


async def test_the_production_api_never_serves_dev_sign_in(
        settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # What `chatkit-todo api` serves, whatever the environment: no token minted for anyone.
    monkeypatch.setattr("api.app.get_settings", lambda: settings)
    async with AsyncTestClient(production_app()) as client:
        response = await client.post("/api/dev/token", json={"user": "mallory"})
    assert response.status_code == 404
    assert "token" not in response.json()


def test_api_with_an_empty_environment_refuses_to_start(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Embedded settings without any auth: `serve` signs in with the dev secret, `api` refuses.
    empty = Settings(data_dir=tmp_path, redis_url=None, jwt_secret=None, jwks_url=None)
    monkeypatch.setattr("chatkit_todo.cli.get_settings", lambda: empty)
    assert main(["api", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "CHATKIT_JWT_SECRET" in err and "serve" in err
    assert not (tmp_path / "jwt-secret").exists()


async def test_cors_allows_every_method_and_header_the_api_uses(
        client: AsyncTestClient[Any]) -> None:
    response = await client.options("/api/tasks/task_1", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})
    assert response.status_code == 204, response.text
    assert "PATCH" in response.headers["access-control-allow-methods"]
    response = await client.options("/api/chatkit/threads/t1/events", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "last-event-id"})
    assert response.status_code == 204, response.text
    assert "last-event-id" in response.headers["access-control-allow-headers"].lower()


async def test_the_page_sends_security_headers(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/favicon.ico")).status_code == 200


async def _in_process_message(server: ChatKitServer, thread_id: str, text: str) -> str:
    with pytest.raises(ChatKitError) as refused:
        await server.respond(thread_id, text, "alice")
    return refused.value.message


@pytest.mark.parametrize(("thread_id", "text"), [
    ("t1", "   "), ("t1", ""), ("bad id!", "hi"), ("-starts-badly", "hi"), ("t" * 129, "hi"),
])
async def test_a_422_reads_the_same_over_http_and_in_process(
        client: AsyncTestClient[Any], thread_id: str, text: str) -> None:
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": thread_id, "input": text})
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "regex" not in message and "Expected" not in message, message
    server: ChatKitServer = client.app.state.server
    assert message == await _in_process_message(server, thread_id, text)


async def test_an_over_long_input_says_the_limit(client: AsyncTestClient[Any]) -> None:
    limit = get_settings().max_input_chars
    response = await client.post("/api/chatkit/respond", headers=auth(),
                                 json={"thread_id": "t1", "input": "x" * (limit + 1)})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(f"input: at most {limit} characters")


async def test_unknown_fields_are_named_where_they_are_refused(
        client: AsyncTestClient[Any]) -> None:
    # The chat endpoints ignore extra fields (ChatKit clients send more); the tasks API
    # refuses them, and says which.
    response = await client.post("/api/tasks", headers=auth(),
                                 json={"title": "milk", "priority_": "high"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "unknown field `priority_`"


# ---- metrics ------------------------------------------------------------------------------


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        found = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not found or found.group(1) != name:
            continue
        have = ",".join(sorted(part for part in (found.group(2) or "").split(",") if part))
        if have == wanted:
            return float(found.group(3))
    return 0.0


async def test_metrics_count_requests_turns_and_refusals(client: AsyncTestClient[Any]) -> None:
    before = metrics.render().decode()  # counters only: the database gauges come fresh below
    for text in ("add buy milk", "add call mom", "show my tasks"):
        response = await client.post("/api/chatkit/respond", headers=auth("metrics-user"),
                                     json={"thread_id": "metrics-t1", "input": text})
        assert response.status_code == 202
    assert (await client.get("/api/chatkit/nope", headers=auth())).status_code == 404
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("chatkit_http_requests_total", method="POST", route="/api/chatkit/respond",
                status="202") == 3
    assert grew("chatkit_http_requests_total", method="GET", route="<unmatched>",
                status="404") == 1
    assert grew("chatkit_turns_accepted_total", kind="message") == 3
    assert grew("chatkit_turns_processed_total", status="completed") == 3
    assert grew("chatkit_turn_queued_to_completed_seconds_count") == 3
    assert grew("chatkit_turn_duration_seconds_count") == 3
    assert sample(after, "chatkit_turns", status="completed") >= 3  # read from the database
    assert sample(after, "chatkit_turns", status="queued") == 0
    assert "chatkit_queue_depth" in after


async def test_rate_limit_refusals_are_counted(settings: Settings, database: Database) -> None:
    tight = Settings(**{**settings.model_dump(), "rate_limit_per_minute": 2})

    async def kick(thread_id: str) -> None:
        return None

    async with AsyncTestClient(create_app(tight, database=database, kick=kick)) as client:
        before = sample((await client.get("/metrics")).text, "chatkit_rate_limited_total",
                        scope="user", reason="window")
        statuses = [(await client.get("/api/tasks", headers=auth("busy"))).status_code
                    for _ in range(3)]
        assert statuses[-1] == 429
        after = sample((await client.get("/metrics")).text, "chatkit_rate_limited_total",
                       scope="user", reason="window")
    assert after - before == 1


async def test_metrics_need_the_token_when_one_is_set(settings: Settings,
                                                      database: Database) -> None:
    guarded = Settings(**{**settings.model_dump(), "metrics_token": "scrape-me-0123456789"})
    async with AsyncTestClient(create_app(guarded, database=database)) as client:
        refused = await client.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["type"] == "AUTH_ERROR"
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        answered = await client.get("/metrics",
                                    headers={"Authorization": "Bearer scrape-me-0123456789"})
        assert answered.status_code == 200 and "chatkit_http_requests" in answered.text
    assert TEST_SECRET not in answered.text
