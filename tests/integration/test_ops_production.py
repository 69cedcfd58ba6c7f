"""The production stack as an operator watches it: `chatkit-todo api` and `worker` on
PostgreSQL and Redis, JSON logs, metrics on the API and on the worker's port, Flower.

One turn's lines are found in both processes' output by its `response_id`, with the same
`request_id`, thread and hashed user (and the Celery task id in the worker); the counters
match the turns sent; a password planted in the database URL and Flower's credentials
appear nowhere, not even in `ps`.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from chatkit_testing import (
    auth,
    free_port,
    poll_result,
    production_env,
    production_stack,
    running,
    wait_http,
)
from sqlalchemy.engine import make_url

from core.logs import hash_user

pytestmark = pytest.mark.integration

PLANTED_PASSWORD = "pw-planted-3c9e1a7b5d"
METRICS_TOKEN = "metrics-token-0a1b2c3d4e"


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a log, each of which must be one JSON object (one format)."""
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        # Celery's signal handler prints its shutdown notice (logging is unsafe there).
        if raw.strip() and not re.fullmatch(r"worker: \w+ shutdown \(MainProcess\)", raw):
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                raise AssertionError(f"{path.name}: not a JSON line: {raw[:300]!r}") from None
    return lines


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        found = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if found and found.group(1) == name and ",".join(
                sorted(p for p in (found.group(2) or "").split(",") if p)) == wanted:
            return float(found.group(3))
    return 0.0


def test_one_turn_is_correlated_and_counted_across_api_and_worker(
        pg_url: str, redis_url: str, tmp_path: Path) -> None:
    # PostgreSQL here trusts local connections: a password in the URL is accepted and unused.
    planted_url = make_url(pg_url).set(password=PLANTED_PASSWORD).render_as_string(
        hide_password=False)
    worker_metrics = free_port()
    env = production_env(planted_url, redis_url, tmp_path, CHATKIT_LOG_FORMAT="json",
                         CHATKIT_METRICS_TOKEN=METRICS_TOKEN,
                         CHATKIT_WORKER_METRICS_PORT=str(worker_metrics))
    user = "correlated-user"
    with production_stack(env, tmp_path) as base, httpx.Client(base_url=base,
                                                               timeout=10) as client:
        ids = []
        for text in ("add buy milk", "add call mom", "show my tasks"):
            response = client.post("/api/chatkit/respond", headers=auth(user),
                                   json={"thread_id": "ops-t1", "input": text})
            assert response.status_code == 202
            ids.append(response.json()["response_id"])
            assert poll_result(client, response.headers["location"], auth(user))[
                "status"] == "completed"
        assert client.get("/metrics").status_code == 401
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert scraped.status_code == 200
        api_metrics = scraped.text
        deadline = time.monotonic() + 15
        while True:
            worker_text = httpx.get(f"http://127.0.0.1:{worker_metrics}/metrics", headers={
                "Authorization": f"Bearer {METRICS_TOKEN}"}).text
            if sample(worker_text, "chatkit_turns_processed_total", status="completed") >= 3:
                break
            assert time.monotonic() < deadline, worker_text[-2000:]
            time.sleep(0.2)
        time.sleep(0.5)  # the worker's last log lines

    # Metrics: the API counted requests, turns and the database's statuses...
    assert sample(api_metrics, "chatkit_http_requests_total", method="POST",
                  route="/api/chatkit/respond", status="202") == 3
    assert sample(api_metrics, "chatkit_turns_accepted_total", kind="message") == 3
    assert sample(api_metrics, "chatkit_turns", status="completed") == 3
    assert sample(api_metrics, "chatkit_queue_depth") == 0
    assert sample(api_metrics, "chatkit_scrape_error", source="broker") == 0
    # ...and the worker (its pool processes added up) processed and timed them.
    assert sample(worker_text, "chatkit_turns_processed_total", status="completed") == 3
    assert sample(worker_text, "chatkit_turn_duration_seconds_count") == 3
    assert sample(worker_text, "chatkit_turn_queued_to_completed_seconds_count") == 3

    # Logs: one JSON format everywhere; the first turn's lines in both processes agree.
    api_lines = json_lines(tmp_path / "api.log")
    worker_lines = json_lines(tmp_path / "worker.log")
    first = ids[0]
    in_api = [line for line in api_lines if line.get("response_id") == first]
    in_worker = [line for line in worker_lines if line.get("response_id") == first]
    assert in_api and in_worker, (api_lines[-5:], worker_lines[-5:])
    access = next(line for line in in_api if line["logger"] == "chatkit.access")
    assert access["status"] == 202 and access["route"] == "/api/chatkit/respond"
    done = next(line for line in in_worker if line["event"] == "turn completed")
    for line in (access, done):
        assert line["thread_id"] == "ops-t1"
        assert line["user"] == hash_user(user)
        assert user not in json.dumps(line)
    assert done["request_id"] == access["request_id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", done["task_id"])

    for log in ("api.log", "worker.log"):
        assert PLANTED_PASSWORD not in (tmp_path / log).read_text(errors="replace")


def _command_lines(pid: int) -> list[str]:
    """The command lines of a process and its children, as `ps` shows them to anyone."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if int(proc.name) == pid or parent == pid:
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_flower_credentials_stay_out_of_the_command_line(redis_url: str,
                                                         tmp_path: Path) -> None:
    port = free_port()
    env = {"CHATKIT_REDIS_URL": redis_url, "CHATKIT_DATA_DIR": str(tmp_path),
           "CHATKIT_JWT_SECRET": "unused-secret-for-flower-0123456789",
           "CHATKIT_FLOWER_BASIC_AUTH": f"ops:{PLANTED_PASSWORD}"}
    log = tmp_path / "flower.log"
    with running("flower", "--port", str(port), env=env, log_path=log) as flower:
        wait_http(f"http://127.0.0.1:{port}/healthcheck", flower, log)
        assert httpx.get(f"http://127.0.0.1:{port}/api/workers", timeout=10).status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/api/workers", timeout=10,
                         auth=("ops", PLANTED_PASSWORD)).status_code == 200
        lines = _command_lines(flower.pid)
        assert lines and not any(PLANTED_PASSWORD in line for line in lines), lines
    assert PLANTED_PASSWORD not in log.read_text(errors="replace")
