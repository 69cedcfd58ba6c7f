"""Shared plumbing for the worker tests: real `chatkit-todo worker` processes, turns stored and
kicked the way the API does it, and a sequential replay to compare the results with.

Also the sweep's own test: a turn stored without a kick is processed anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from chatkit_testing import REPO, cli

from agents import run_turn
from api.queue import celery_kick
from store import Database
from store.migrate import upgrade
from store.turns import create_turn

# One thread's conversation. Out of order, the lists and the "already done" answers differ.
SCRIPT = (
    "add pack alpha",
    "add pack bravo",
    "show my tasks",
    "complete pack alpha",
    "add pack charlie",
    "show my tasks",
    "complete pack alpha",
    "add pack delta",
    "complete pack charlie",
    "show my tasks",
)
# The tasks SCRIPT leaves behind: title -> completed.
SCRIPT_TASKS = {"pack alpha": True, "pack bravo": False, "pack charlie": True,
                "pack delta": False}


def stack_env(pg_url: str, broker_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Settings for worker processes: own queue, short lease and sweep so recovery is quick."""
    return {
        "CHATKIT_DATABASE_URL": pg_url,
        "CHATKIT_REDIS_URL": broker_url,
        "CHATKIT_CELERY_QUEUE": f"chatkit-it-{secrets.token_hex(4)}",
        "CHATKIT_DATA_DIR": str(tmp_path),
        "CHATKIT_TURN_LEASE_SECONDS": "2",
        "CHATKIT_SWEEP_INTERVAL_SECONDS": "1",
        "CHATKIT_SWEEP_QUEUED_AFTER_SECONDS": "1",
        "CHATKIT_LOG_LEVEL": "INFO",
        **extra,
    }


class Worker:
    """One `celery -A workers.app worker` process group (what `chatkit-todo worker` runs)
    that a test can SIGKILL and start again."""

    def __init__(self, name: str, env: Mapping[str, str], log_dir: Path, *args: str) -> None:
        self.name, self.env, self.args = name, dict(env), args
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> Worker:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n==== start {self.starts} ====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers.app", "worker",
                 "-Q", self.env["CHATKIT_CELERY_QUEUE"], "--loglevel", "INFO",
                 "-n", f"{self.name}-{secrets.token_hex(3)}@%h", *self.args],
                env={**os.environ, **self.env}, cwd=REPO, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        return self

    def wait_ready(self, timeout: float = 60) -> Worker:
        """Block until this start of the worker logs that it is consuming."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            text = self.log_path.read_text(errors="replace").rsplit("==== start", 1)[-1]
            if " ready." in text:
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{text[-3000:]}")
            time.sleep(0.1)
        raise AssertionError(f"{self.name} not ready:\n{self.tail()}")

    def children(self) -> list[int]:
        """The prefork pool's process ids."""
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool), as a lost container would be."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # the main process: a warm shutdown that stops its pool
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[Worker]]:
    """Workers a test starts land here and are stopped after it."""
    started: list[Worker] = []
    yield started
    for worker in started:  # all at once: each warm shutdown takes a moment
        if worker.proc is not None and worker.proc.poll() is None:
            worker.proc.terminate()
    for worker in started:
        worker.stop()


class Submitter:
    """Stores turns and kicks their thread exactly as the API does (create_turn, celery_kick).

    Its own event loop runs in a thread so the async connection pool lives across calls,
    like the API's.
    """

    def __init__(self, database_url: str, broker_url: str, queue: str) -> None:
        self.database = Database(database_url)
        self.sessions = self.database.async_sessions()
        self.kick = celery_kick(broker_url, queue)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def _submit(self, thread_id: str, user_id: str, text: str, kick: bool) -> str:
        turn_id = f"resp_{secrets.token_hex(10)}"
        async with self.sessions() as session:
            await create_turn(session, turn_id=turn_id, thread_id=thread_id, user_id=user_id,
                              kind="message", input=text, action=None, metadata={},
                              now=dt.datetime.now(dt.UTC))
        if kick:
            # Stored is accepted, as in the API: the sweep re-kicks a turn whose kick failed.
            with contextlib.suppress(Exception):
                await self.kick(thread_id)
        return turn_id

    def submit(self, thread_id: str, user_id: str, text: str, *, kick: bool = True) -> str:
        """Store one message turn (raises when the database refuses: not accepted)."""
        future = asyncio.run_coroutine_threadsafe(
            self._submit(thread_id, user_id, text, kick), self.loop)
        return future.result(timeout=60)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.database.aclose(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def pg(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)


def wait_all_final(pg_url: str, workers: list[Worker], timeout: float = 60) -> None:
    """Wait until no stored turn is queued or running; fail with the workers' logs if not."""
    deadline = time.monotonic() + timeout
    pending = -1
    while time.monotonic() < deadline:
        with pg(pg_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM turns WHERE status IN ('queued', 'running')").fetchone()
        pending = row[0] if row else 0
        if pending == 0:
            return
        time.sleep(0.2)
    logs = "\n".join(f"--- {w.name}\n{w.tail()}" for w in workers)
    raise AssertionError(f"{pending} turn(s) still pending after {timeout}s\n{logs}")


def stored_turns(pg_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored turn, per thread in sequence order."""
    with pg(pg_url) as conn:
        rows = conn.execute(
            "SELECT id, thread_id, user_id, seq, input, status, text, created_at "
            "FROM turns ORDER BY thread_id, seq").fetchall()
    threads: dict[str, list[dict[str, Any]]] = {}
    for id_, thread_id, user_id, seq, text_in, status, text_out, created in rows:
        threads.setdefault(thread_id, []).append({
            "id": id_, "user_id": user_id, "seq": seq, "input": text_in, "status": status,
            "text": text_out, "created_at": created})
    return threads


def replay_texts(turns: list[dict[str, Any]], tmp_path: Path) -> list[str]:
    """Run one thread's turns one after another through the pipeline on a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / f'replay-{secrets.token_hex(4)}.db'}"
    upgrade(url)
    database = Database(url)
    sessions = database.sync_sessions()
    memory: dict[str, Any] = {}
    texts = []
    for turn in turns:
        with sessions() as session:
            result = run_turn(session, user_id=turn["user_id"], turn_id=turn["id"],
                              now=turn["created_at"], tz=ZoneInfo("UTC"), memory=memory,
                              text=turn["input"])
            session.commit()
        texts.append(result.text)
    database.close()
    return texts


def assert_exactly_once_in_order(pg_url: str, tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
    """Every stored turn completed once, and each thread's answers equal a sequential replay."""
    threads = stored_turns(pg_url)
    with pg(pg_url) as conn:
        finished = dict(conn.execute(
            "SELECT turn_id, count(*) FROM thread_events WHERE type = 'turn.completed' "
            "GROUP BY turn_id").fetchall())
    for thread_id, turns in threads.items():
        assert [t["status"] for t in turns] == ["completed"] * len(turns), thread_id
        assert [finished.get(t["id"]) for t in turns] == [1] * len(turns), thread_id
        assert [t["text"] for t in turns] == replay_texts(turns, tmp_path), thread_id
    return threads


def tasks_by_user(pg_url: str) -> dict[str, list[tuple[str, bool]]]:
    """Each user's todos as sorted (title, completed) pairs, duplicates kept."""
    with pg(pg_url) as conn:
        rows = conn.execute("SELECT user_id, title, completed FROM tasks").fetchall()
    result: dict[str, list[tuple[str, bool]]] = {}
    for user_id, title, completed in rows:
        result.setdefault(user_id, []).append((title, completed))
    return {user: sorted(pairs) for user, pairs in result.items()}


def migrate(env: Mapping[str, str]) -> None:
    upgrade(env["CHATKIT_DATABASE_URL"])


# ---- the sweep ------------------------------------------------------------------------------


def test_turns_stored_without_a_kick_are_processed_by_the_sweep(
    pg_url: str, redis_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    env = stack_env(pg_url, redis_url, tmp_path)
    migrate(env)
    submitter = Submitter(pg_url, redis_url, env["CHATKIT_CELERY_QUEUE"])
    try:
        # By hand: a worker without its sweep loop leaves the un-kicked turn alone until
        # `chatkit-todo sweep` runs.
        manual = Worker("manual", env, tmp_path, "--without-sweep").start()
        workers.append(manual)
        manual.wait_ready()
        lost = submitter.submit("sweep-t1", "ursula", "add pack alpha", kick=False)
        kicked = submitter.submit("sweep-t2", "victor", "add pack bravo")
        wait_turn(pg_url, kicked, manual)
        assert turn_status(pg_url, lost) == "queued"
        out = cli("sweep", "--older-than", "0", env=env).stdout
        assert "re-kicked 1 thread(s)" in out
        wait_turn(pg_url, lost, manual)
        manual.stop()

        # Periodically: a worker's own sweep loop finds it without help.
        looping = Worker("looping", env, tmp_path).start()
        workers.append(looping)
        looping.wait_ready()
        lost = submitter.submit("sweep-t3", "wendy", "add pack charlie", kick=False)
        wait_turn(pg_url, lost, looping)
    finally:
        submitter.close()
    assert tasks_by_user(pg_url) == {"ursula": [("pack alpha", False)],
                                     "victor": [("pack bravo", False)],
                                     "wendy": [("pack charlie", False)]}


def turn_status(pg_url: str, turn_id: str) -> str:
    with pg(pg_url) as conn:
        row = conn.execute("SELECT status FROM turns WHERE id = %s", (turn_id,)).fetchone()
    assert row is not None
    return str(row[0])


def wait_turn(pg_url: str, turn_id: str, worker: Worker, timeout: float = 30) -> None:
    """Wait until the turn completed; fail with the worker's log if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if turn_status(pg_url, turn_id) == "completed":
            return
        time.sleep(0.1)
    raise AssertionError(f"turn {turn_id} not completed:\n{worker.tail()}")


def test_poison_kicks_are_dropped_and_the_worker_goes_on(
    pg_url: str, redis_url: str, tmp_path: Path, workers: list[Worker]
) -> None:
    from celery import Celery
    from kombu import Connection

    env = stack_env(pg_url, redis_url, tmp_path)
    migrate(env)
    queue = env["CHATKIT_CELERY_QUEUE"]
    worker = Worker("poisoned", env, tmp_path, "-c", "1", "--without-sweep").start()
    workers.append(worker)
    worker.wait_ready()
    submitter = Submitter(pg_url, redis_url, queue)
    producer = Celery("poison", broker=redis_url, set_as_current=False)
    try:
        first = submitter.submit("poison-t1", "xavier", "add pack alpha", kick=False)
        for args, kwargs in [([], {}), ([42], {}), (["poison-t1", "x"], {}),
                             (["poison-t1"], {"token": "secret"}), (["no-such-thread"], {})]:
            producer.send_task("chatkit.process_thread", args=args, kwargs=kwargs, queue=queue)
        producer.send_task("chatkit.no_such_task", args=["poison-t1"], queue=queue)
        with Connection(redis_url) as connection:
            connection.Producer().publish(
                b"\xff not json", routing_key=queue, exchange="",
                content_type="application/json", content_encoding="utf-8",
                headers={"task": "chatkit.process_thread", "id": "poison-raw"})
        # One process, prefetch 1, a FIFO queue: once this kick is done, so are those above.
        wait_turn(pg_url, submitter.submit("poison-t0", "yvonne", "add pack zulu"), worker)
        assert turn_status(pg_url, first) == "queued"  # none of those was a valid kick
        second = submitter.submit("poison-t1", "xavier", "add pack bravo")
        wait_turn(pg_url, second, worker)
    finally:
        submitter.close()
        producer.close()
    assert turn_status(pg_url, first) == "completed"  # drained in order with the second
    assert worker.proc is not None and worker.proc.poll() is None
    assert tasks_by_user(pg_url) == {"xavier": [("pack alpha", False), ("pack bravo", False)],
                                     "yvonne": [("pack zulu", False)]}
