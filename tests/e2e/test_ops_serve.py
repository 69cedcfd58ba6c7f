"""`chatkit-todo` as a newcomer and an operator run it: real processes, real sockets.

Secrets never in the output; the data directory found from any folder; a busy port is one
line; Ctrl-C with an open stream is clean; slow, malformed and address-rotating clients.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from chatkit_testing import REPO, free_port, running, wait_http

PLANTED_STREAM_TOKEN = "st-planted-7f3a9c1e5b"
PLANTED_ACCESS_TOKEN = "at-planted-0d4e8b2a6c"
PLANTED_METRICS_TOKEN = "mt-planted-91c2e7f4aa"
PLANTED_PASSWORD = "pw-planted-5e1b7c3d9f"


def _env(workdir: Path, port: int, **extra: str) -> dict[str, str]:
    return {"CHATKIT_PORT": str(port), "CHATKIT_DATA_DIR": str(workdir / "data"),
            "CHATKIT_JWT_SECRET": "", "CHATKIT_JWKS_URL": "", "CHATKIT_DATABASE_URL": "",
            "CHATKIT_REDIS_URL": "", "CHATKIT_LOG_FORMAT": "json",
            # Never the developer's own ~/.local/share.
            "XDG_DATA_HOME": str(workdir / "xdg"), **extra}


def run_cli(*args: str, env: dict[str, str], cwd: Path = REPO,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chatkit_todo.cli", *args],
                          env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str],
                                                                        Path]]:
    workdir = tmp_path_factory.mktemp("ops-serve")
    port = free_port()
    env = _env(workdir, port, CHATKIT_HEADER_TIMEOUT_SECONDS="1",
               CHATKIT_METRICS_TOKEN=PLANTED_METRICS_TOKEN)
    log = workdir / "serve.log"
    with running("serve", env=env, log_path=log, cwd=workdir) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}", env, log


def test_a_served_session_never_prints_tokens_or_secrets(
        served: tuple[str, dict[str, str], Path], tmp_path: Path) -> None:
    base, env, log = served
    token = run_cli("token", "--user", "alice", env=env)
    assert token.returncode == 0, token.stderr
    bearer = token.stdout.strip()
    with httpx.Client(base_url=base, timeout=10) as client:
        for query in (f"stream_token={PLANTED_STREAM_TOKEN}&after=0",
                      f"access_token={PLANTED_ACCESS_TOKEN}"):
            response = client.get(f"/api/chatkit/threads/t1/events?{query}")
            assert response.status_code == 401
        response = client.post("/api/chatkit/respond", json={"thread_id": "t1", "input": "hi"},
                               headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == 202
        time.sleep(0.5)  # let the log lines of those requests be written
        output = log.read_text(errors="replace")
        secret = (Path(env["CHATKIT_DATA_DIR"]) / "jwt-secret").read_text().strip()
        assert "threads/t1/events?stream_token=***" in output  # logged, masked
        for planted in (PLANTED_STREAM_TOKEN, PLANTED_ACCESS_TOKEN, PLANTED_METRICS_TOKEN,
                        secret, bearer):
            assert planted not in output
        assert client.get("/metrics", headers={
            "Authorization": f"Bearer {PLANTED_METRICS_TOKEN}"}).status_code == 200
    time.sleep(0.5)
    assert PLANTED_METRICS_TOKEN not in log.read_text(errors="replace")


def test_every_command_keeps_a_planted_password_out_of_its_output(tmp_path: Path) -> None:
    unreachable = f"postgresql://app:{PLANTED_PASSWORD}@127.0.0.1:{free_port()}/app"
    env = _env(tmp_path, free_port(), CHATKIT_DATABASE_URL=unreachable,
               CHATKIT_JWT_SECRET=PLANTED_PASSWORD + "-jwt",
               CHATKIT_FLOWER_BASIC_AUTH=f"admin:{PLANTED_PASSWORD}")
    commands = [("migrate",), ("check",), ("check", "--production", "--flower"),
                ("sweep",), ("export", "t1"), ("token", "--user", "alice"),
                ("flower", "--basic-auth=admin:x"), ("--help",), ("serve", "--help")]
    with ThreadPoolExecutor(max_workers=3) as pool:  # each is mostly its imports
        results = dict(zip(commands, pool.map(lambda args: run_cli(*args, env=env), commands),
                           strict=True))
    for command, done in results.items():
        output = done.stdout + done.stderr
        assert PLANTED_PASSWORD not in output, (command, output)
        assert "Traceback" not in output, (command, output)
    migrate = results[("migrate",)]
    assert migrate.returncode == 1
    assert "postgresql://app:***@127.0.0.1" in migrate.stderr
    assert len(migrate.stderr.strip().splitlines()) <= 3, migrate.stderr


def test_migrate_names_an_unsupported_database_in_one_line(tmp_path: Path) -> None:
    done = run_cli("migrate", env=_env(tmp_path, 0, CHATKIT_DATABASE_URL=(
        f"mysql://root:{PLANTED_PASSWORD}@127.0.0.1/app")))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "CHATKIT_DATABASE_URL" in done.stderr and "postgresql://" in done.stderr
    assert PLANTED_PASSWORD not in done.stderr


def test_flower_takes_its_credentials_from_the_environment_only(tmp_path: Path) -> None:
    refused = run_cli("flower", "--basic-auth=admin:hunter2", env=_env(tmp_path, 0))
    assert refused.returncode == 2 and "CHATKIT_FLOWER_BASIC_AUTH" in refused.stderr
    missing = run_cli("flower", env=_env(tmp_path, 0))
    assert missing.returncode == 2 and "basic auth" in missing.stderr


def test_a_token_made_in_another_folder_works_against_the_server(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Neither command is told where the data lives: both find the same folder.
    workdir = tmp_path_factory.mktemp("anywhere")
    port = free_port()
    env = _env(workdir, port)
    del env["CHATKIT_DATA_DIR"]
    serve_dir, other_dir = workdir / "project", workdir / "elsewhere"
    serve_dir.mkdir()
    other_dir.mkdir()
    log = workdir / "serve.log"
    with running("serve", env=env, log_path=log, cwd=serve_dir) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        made = run_cli("token", "--user", "alice", env=env, cwd=other_dir)
        assert made.returncode == 0, made.stderr
        response = httpx.get(f"http://127.0.0.1:{port}/api/tasks", timeout=10,
                             headers={"Authorization": f"Bearer {made.stdout.strip()}"})
        assert response.status_code == 200, response.text
        data_dir = workdir / "xdg" / "chatkit-todo"
        assert str(data_dir) in log.read_text()  # the server says where its data is
        assert str(data_dir) in made.stderr  # and so does the token
    assert not (other_dir / ".chatkit").exists()


def test_a_busy_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("serve", env=_env(tmp_path, port))
    assert done.returncode == 2
    output = done.stdout + done.stderr
    assert "already in use" in output and "--port" in output
    assert "serving on" not in output and "Traceback" not in output


def _raw(port: int, payload: bytes, *, wait: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(payload)
        chunks = []
        try:
            while chunk := sock.recv(4096):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def _envelope(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def test_a_client_that_never_finishes_its_headers_is_answered_and_dropped(
        served: tuple[str, dict[str, str], Path]) -> None:
    port = int(served[1]["CHATKIT_PORT"])
    answer = _raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    assert answer, "the server kept the connection open without answering"
    status, body = _envelope(answer)
    assert status == 408 and body["error"]["code"] == 408  # type: ignore[index]


def test_malformed_http_gets_the_error_envelope(
        served: tuple[str, dict[str, str], Path]) -> None:
    port = int(served[1]["CHATKIT_PORT"])
    status, body = _envelope(_raw(port, b"NOT HTTP AT ALL\r\n\r\n"))
    assert status == 400
    assert body["error"]["type"] == "VALIDATION_ERROR"  # type: ignore[index]


def test_forwarded_for_is_ignored_by_default_and_ctrl_c_ends_open_streams(
        tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path, port, CHATKIT_RATE_LIMIT_PER_MINUTE="5")
    log = tmp_path / "serve.log"
    with running("serve", env=env, log_path=log, cwd=tmp_path) as proc:
        wait_http(f"http://127.0.0.1:{port}/health", proc, log)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            # Bad tokens from "rotating addresses": without a trusted proxy the header is not
            # believed, so the flood is limited as the one address it comes from.
            statuses = [client.get("/api/tasks", headers={
                "Authorization": "Bearer nope", "X-Forwarded-For": f"10.0.0.{n}"}).status_code
                for n in range(8)]
            assert statuses[-1] == 429, statuses
        made = run_cli("token", "--user", "alice", env=env)
        headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
        assert httpx.post(f"http://127.0.0.1:{port}/api/chatkit/respond", headers=headers,
                          json={"thread_id": "t1", "input": "hi"}).status_code == 202
        with httpx.stream("GET", f"http://127.0.0.1:{port}/api/chatkit/threads/t1/events",
                          headers=headers, timeout=30) as stream:
            assert stream.status_code == 200, stream.read()
            next(stream.iter_bytes())  # the stream is open
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
    output = log.read_text(errors="replace")
    assert "Traceback" not in output and "CancelledError" not in output, output[-3000:]
    assert "graceful shutdown exceeded" not in output
