"""Helpers shared by the test tiers: free ports, subprocess servers, polling results."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-please-change-0123456789abcdef"


def unit_checks(filename: str, name: str) -> ModuleType:
    """A unit-tier test file loaded under another name, for a tier that runs its checks
    again on the real services (its tests and fixtures are then collected there too)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "unit" / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def auth(user: str = "alice") -> dict[str, str]:
    """An Authorization header with a fresh HS256 token for `user` (signed with TEST_SECRET)."""
    from api.auth import mint_token

    return {"Authorization": f"Bearer {mint_token(TEST_SECRET, user)}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str, env: Mapping[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run `chatkit-todo ARGS` to completion with this environment."""
    return subprocess.run(
        [sys.executable, "-m", "chatkit_todo.cli", *args],
        env={**os.environ, **env}, cwd=kwargs.pop("cwd", REPO), capture_output=True,
        text=True, timeout=kwargs.pop("timeout", 60), check=True, **kwargs,
    )


@contextlib.contextmanager
def running(*args: str, env: Mapping[str, str], log_path: Path, cwd: Path = REPO
            ) -> Iterator[subprocess.Popen[bytes]]:
    """Start `chatkit-todo ARGS` in the background; terminate it (and report its log) after."""
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatkit_todo.cli", *args],
        env={**os.environ, **env}, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def production_env(pg_url: str, redis_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """Settings for `chatkit-todo api`/`worker` on PostgreSQL and Redis, migrated, on a free
    port (`CHATKIT_PORT`) with a Celery queue of its own, so no other test's worker takes
    its kicks."""
    import secrets

    env = {
        "CHATKIT_DATABASE_URL": pg_url,
        "CHATKIT_REDIS_URL": redis_url,
        "CHATKIT_JWT_SECRET": TEST_SECRET,
        "CHATKIT_PORT": str(free_port()),
        "CHATKIT_CELERY_QUEUE": f"chatkit-it-{secrets.token_hex(4)}",
        "CHATKIT_DATA_DIR": str(workdir),
        **extra,
    }
    cli("migrate", env=env)
    return env


@contextlib.contextmanager
def production_stack(env: Mapping[str, str], workdir: Path, *, concurrency: int = 2
                     ) -> Iterator[str]:
    """`chatkit-todo api` and a `chatkit-todo worker` running with `env`; yields the API's
    base URL once it answers."""
    with (
        running("api", env=env, log_path=workdir / "api.log") as api,
        running("worker", "--concurrency", str(concurrency), env=env,
                log_path=workdir / "worker.log"),
    ):
        base = f"http://127.0.0.1:{env['CHATKIT_PORT']}"
        wait_http(f"{base}/health", api, workdir / "api.log")
        yield base


def wait_http(url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float = 30
              ) -> None:
    """Wait until `url` answers, failing early (with the server's log) if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n"
                                 + log_path.read_text(errors="replace")[-4000:])
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {timeout}s:\n"
                         + log_path.read_text(errors="replace")[-4000:])


def poll_result(client: httpx.Client, path: str, headers: Mapping[str, str],
                timeout: float = 30) -> dict[str, Any]:
    """GET the result until its status is final (completed or failed).

    Long-polls (`?wait=`), so waiting costs a few requests, not one per 50 ms: tests stay
    far below the per-user rate limit (100 requests a minute).
    """
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        wait = max(0, min(5, int(deadline - time.monotonic())))
        response = client.get(path, headers=headers, params={"wait": wait})
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{path} still {body.get('status')} after {timeout}s")


def find_widget(tree: Mapping[str, Any], predicate: Any) -> list[Mapping[str, Any]]:
    """Every node of a widget tree for which predicate(node) is true, depth first."""
    found = [tree] if predicate(tree) else []
    for child in tree.get("children", []):
        found.extend(find_widget(child, predicate))
    return found
