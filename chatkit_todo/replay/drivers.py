"""Drivers: how replayed turns reach the product.

- `InProcessDriver`: a temporary SQLite database, `api.server.TurnIntake` with each
  thread's frozen clock, and the turns drained inline by `workers.processing.ThreadProcessor`
  (or, with `worker="celery"`, by a real Celery worker embedded on the in-memory broker).
- `HttpDriver`: a running deployment's HTTP API, fresh thread ids, polled results.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx

from api.server import TurnIntake
from chatkit_todo.replay.runner import FINAL_STATUSES, Rejected
from core.errors import ChatKitError, problem_for_status
from core.replay.format import ReplayThread
from store import Database
from store.migrate import upgrade
from workers.processing import ThreadProcessor


class FrozenClock:
    """A clock that reads the instant of the turn being sent; set before each turn."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class _InProcessThread:
    server: TurnIntake
    user_id: str
    thread_id: str
    clock: FrozenClock
    poll_s: float = 0.005
    timeout_s: float = 30.0

    async def message(self, text: str, metadata: dict[str, Any], at: dt.datetime) -> str:
        self.clock.now = at
        try:
            body = await self.server.respond(self.thread_id, text, self.user_id, metadata)
        except ChatKitError as error:
            raise Rejected(error.envelope()) from None
        return str(body["response_id"])

    async def action(self, action: dict[str, Any], metadata: dict[str, Any],
                     at: dt.datetime) -> str:
        self.clock.now = at
        try:
            body = await self.server.action(self.thread_id, action, self.user_id, metadata)
        except ChatKitError as error:
            raise Rejected(error.envelope()) from None
        return str(body["action_id"])

    async def result(self, turn_id: str, kind: str) -> dict[str, Any]:
        # Inline draining finishes the turn before respond() returns; the embedded Celery
        # worker needs a few polls.
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        while True:
            view = await self.server.result(turn_id, self.user_id, kind=kind)
            if view["status"] in FINAL_STATUSES:
                return view
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"turn still {view['status']} after {self.timeout_s}s")
            await asyncio.sleep(self.poll_s)


@dataclass
class InProcessDriver:
    """Replays in this process on temporary SQLite databases.

    Inline draining gives each thread a database of its own (a copy of a migrated
    template), so parallel threads never wait on each other's write locks and every
    thread starts from an empty account. The embedded Celery worker serves one shared
    database instead, where each thread gets an account of its own (`user~thread_id`).
    """

    directory: Path
    template: Path
    max_input_chars: int = 4000
    worker: str = "inline"
    exact_clock: bool = True
    shared: Database | None = field(default=None, repr=False)
    celery_kick: Any = field(default=None, repr=False)
    _opened: int = field(default=0, repr=False)

    @asynccontextmanager
    async def open(self, thread: ReplayThread) -> AsyncIterator[_InProcessThread]:
        clock = FrozenClock(thread.clock.at(0))
        if self.shared is not None:
            server = TurnIntake(self.shared.async_sessions(), self.celery_kick,
                                   max_input_chars=self.max_input_chars, clock=clock)
            yield _InProcessThread(server, f"{thread.user}~{thread.thread_id}",
                                   thread.thread_id, clock)
            return
        self._opened += 1
        # The pid keeps the names apart when worker processes share the directory.
        path = self.directory / f"thread-{os.getpid()}-{self._opened}.db"
        await anyio.to_thread.run_sync(shutil.copyfile, self.template, path)
        database = Database(f"sqlite:///{path}")
        # The processor reads the same frozen clock: even started/completed times repeat.
        processor = ThreadProcessor(database.sync_sessions(), clock=clock)

        async def kick(thread_id: str) -> None:
            await anyio.to_thread.run_sync(processor.drain, thread_id)

        server = TurnIntake(database.async_sessions(), kick,
                               max_input_chars=self.max_input_chars, clock=clock)
        try:
            yield _InProcessThread(server, thread.user, thread.thread_id, clock)
        finally:
            await database.aclose()
            database.close()
            for leftover in self.directory.glob(f"{path.name}*"):
                leftover.unlink()


def _scratch_directory() -> str | None:
    # A RAM-backed directory when there is one: the databases are thrown away anyway, and
    # SQLite's syncs to a real disk dominate the replay time otherwise.
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _migrated_template(path: Path) -> None:
    upgrade(f"sqlite:///{path}")
    # Fold the write-ahead log into the file so a plain copy is a complete database.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")


@contextmanager
def scratch_template(directory: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """A temporary directory holding a migrated template database, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="chatkit-replay-",
                                     dir=directory or _scratch_directory()) as tmp:
        root = Path(tmp)
        # Alembic's INFO lines would drown the progress bar on stderr.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        _migrated_template(root / "template.db")
        yield root, root / "template.db"


@asynccontextmanager
async def in_process_driver(*, max_input_chars: int = 4000, worker: str = "inline",
                            directory: Path | None = None) -> AsyncIterator[InProcessDriver]:
    """An InProcessDriver on fresh temporary databases, removed afterwards."""
    with scratch_template(directory) as (root, template):
        driver = InProcessDriver(root, template, max_input_chars=max_input_chars,
                                 worker=worker)
        if worker != "celery":
            yield driver
            return
        shared = Database(f"sqlite:///{template}")
        try:
            async with _embedded_celery(shared.url, root) as kick:
                driver.shared, driver.celery_kick = shared, kick
                yield driver
        finally:
            await shared.aclose()
            shared.close()


@asynccontextmanager
async def _embedded_celery(url: str, directory: Path) -> AsyncIterator[Any]:
    """The embedded mode's worker (a Celery WorkController on the in-memory broker)."""
    from api.queue import celery_kick
    from core.settings import Settings
    from workers.app import Runtime
    from workers.app import app as celery_app
    from workers.embedded import EmbeddedWorker

    if not str(celery_app.conf.broker_url).startswith("memory"):
        raise RuntimeError("--worker celery needs the in-memory broker: unset CHATKIT_REDIS_URL")
    queue = f"chatkit-replay-{secrets.token_hex(4)}"
    options: dict[str, Any] = {"database_url": url, "redis_url": None, "data_dir": directory}
    runtime = Runtime(Settings(**options))
    Runtime.install(runtime)
    worker = EmbeddedWorker(celery_app, concurrency=2, queue=queue)
    worker.start()
    try:
        yield celery_kick("memory://localhost/", queue)
    finally:
        await anyio.to_thread.run_sync(worker.stop)
        Runtime.install(None)
        runtime.database.close()


@dataclass
class _HttpThread:
    client: httpx.AsyncClient
    headers: dict[str, str]
    thread_id: str
    user_id: str
    timeout_s: float

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        # A replay must not fail on the deployment's rate limit: wait as told and retry.
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        while True:
            response = await self.client.request(method, path, headers=self.headers, **kwargs)
            if response.status_code != 429 or asyncio.get_running_loop().time() > deadline:
                return response
            retry_after = response.headers.get("retry-after", "1")
            await asyncio.sleep(min(float(retry_after) if retry_after.isdigit() else 1.0, 10))

    async def _post(self, path: str, body: dict[str, Any], key: str) -> str:
        response = await self._send("POST", path, json=body)
        if 400 <= response.status_code < 500:
            raise Rejected(_json_or_text(response))
        response.raise_for_status()
        return str(response.json()[key])

    async def message(self, text: str, metadata: dict[str, Any], at: dt.datetime) -> str:
        return await self._post("/api/chatkit/respond",
                                {"thread_id": self.thread_id, "input": text,
                                 "metadata": metadata}, "response_id")

    async def action(self, action: dict[str, Any], metadata: dict[str, Any],
                     at: dt.datetime) -> str:
        return await self._post("/api/chatkit/action",
                                {"thread_id": self.thread_id, "action": action,
                                 "metadata": metadata}, "action_id")

    async def result(self, turn_id: str, kind: str) -> dict[str, Any]:
        path = f"/api/chatkit/{'responses' if kind == 'message' else 'actions'}/{turn_id}"
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        delay = 0.02
        while True:
            # `wait` asks a server that supports long polling to hold the request; others
            # ignore it and we poll with a growing delay.
            response = await self._send("GET", path, params={"wait": "5"})
            response.raise_for_status()
            view: dict[str, Any] = response.json()
            if view.get("status") in FINAL_STATUSES:
                return view
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"turn still {view.get('status')} after {self.timeout_s}s")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.5)


def _json_or_text(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    # Not an envelope (a proxy in front answered?): classify it by status, keep the text.
    return problem_for_status(response.status_code).envelope(response.text[:200])


@dataclass
class HttpDriver:
    """Replays through a deployment's API with fresh thread ids (`<thread_id>-<suffix>`).

    `token_for(user)` gives the bearer token of a user id; with minted tokens each thread
    gets its own user (`<user>-<suffix>`), so production data is never touched.
    """

    client: httpx.AsyncClient
    token_for: Callable[[str], str]
    suffix: str
    per_thread_users: bool = True
    timeout_s: float = 60.0
    exact_clock: bool = False

    @asynccontextmanager
    async def open(self, thread: ReplayThread) -> AsyncIterator[_HttpThread]:
        user = f"{thread.user}-{thread.thread_id}-{self.suffix}" if self.per_thread_users \
            else thread.user
        headers = {"Authorization": f"Bearer {self.token_for(user)}"}
        yield _HttpThread(self.client, headers, f"{thread.thread_id}-{self.suffix}", user,
                          self.timeout_s)
