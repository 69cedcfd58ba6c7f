"""Schemathesis against the live app, with a valid token: no 5xx, every response as documented.

`embedded`: `chatkit-todo serve` (SQLite, in-memory broker). `production`: `chatkit-todo api`
and a `chatkit-todo worker` on the machine's PostgreSQL and Redis. Schemathesis generates
requests from `/schema/openapi.json` (examples, boundary values, fuzzing, and stateful
sequences following the documented links) and checks each response's status, content type,
headers and body against the schema.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from chatkit_testing import TEST_SECRET, cli, free_port, running, wait_http

from api.auth import mint_token

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
])
# The event stream never ends, so no response to validate; its edges are tested elsewhere.
EXCLUDED_PATHS = r"/events$"


@pytest.fixture(params=["embedded", "production"])
def live_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The base URL of a running app whose limits leave room for a fuzzing run."""
    port = free_port()
    env = {"CHATKIT_PORT": str(port), "CHATKIT_DATA_DIR": str(tmp_path / ".chatkit"),
           "CHATKIT_JWT_SECRET": TEST_SECRET, "CHATKIT_LOG_LEVEL": "WARNING",
           "CHATKIT_RATE_LIMIT_PER_MINUTE": "1000000", "CHATKIT_MAX_CONCURRENT": "1000",
           "CHATKIT_DATABASE_URL": "", "CHATKIT_REDIS_URL": ""}
    prefix = queue = ""
    if request.param == "production":
        prefix = f"test:chatkit:rl:{secrets.token_hex(6)}:"
        queue = f"chatkit-it-{secrets.token_hex(4)}"
        env.update(CHATKIT_DATABASE_URL=request.getfixturevalue("pg_url"),
                   CHATKIT_REDIS_URL=request.getfixturevalue("redis_url"),
                   CHATKIT_RATE_LIMIT_PREFIX=prefix, CHATKIT_CELERY_QUEUE=queue)
        cli("migrate", env=env)
    log = tmp_path / "app.log"
    with contextlib.ExitStack() as stack:
        if request.param == "embedded":
            proc = stack.enter_context(running("serve", env=env, log_path=log, cwd=tmp_path))
        else:
            proc = stack.enter_context(running("api", env=env, log_path=log))
            stack.enter_context(running("worker", "--concurrency", "1", env=env,
                                        log_path=tmp_path / "worker.log"))
        wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}"
    if request.param == "production":
        client = redis.Redis.from_url(env["CHATKIT_REDIS_URL"])
        keys = [*client.scan_iter(match=prefix + "*"), *client.scan_iter(match=f"*{queue}*")]
        if keys:
            client.delete(*keys)
        client.close()


def test_every_response_matches_the_openapi_schema(live_app: str, tmp_path: Path) -> None:
    token = mint_token(TEST_SECRET, "fuzz-user")
    st = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [str(st), "run", f"{live_app}/schema/openapi.json",
         "--header", f"Authorization: Bearer {token}",
         "--checks", CHECKS, "--exclude-path-regex", EXCLUDED_PATHS,
         "--max-examples", "10", "--seed", "1", "--request-timeout", "5",
         "--no-color"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert " passed" in report and "failures" not in report.split("SUMMARY")[-1], report[-3000:]
