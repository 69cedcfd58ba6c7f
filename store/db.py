"""Engines and sessions for both worlds: async (the API) and sync (the workers)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def _with_driver(url: str, drivers: dict[str, str]) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend]).render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """`postgresql://…` → `postgresql+asyncpg://…`, `sqlite:///…` → `sqlite+aiosqlite:///…`."""
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str) -> str:
    """`postgresql://…` → `postgresql+psycopg://…`; SQLite stays on the stdlib driver."""
    return _with_driver(url, _SYNC_DRIVERS)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while a worker writes; busy_timeout waits instead of failing
    # when the other side holds the write lock for a moment.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's lower() folds ASCII only; title searches must fold "Ärzte" like PostgreSQL
    # (and Python) do, so one SQL filter serves both databases.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _engine_options(url: str) -> dict[str, Any]:
    if make_url(url).get_backend_name() == "sqlite":
        return {}
    # No `pool_pre_ping`: `_ping_idle_connections` pings only connections that sat idle.
    return {"pool_size": 10, "max_overflow": 10, "pool_timeout": 5}


# A connection checked in less than this long ago was working a moment ago: handing it
# out without a ping saves a round trip per checkout (pre-ping was ~10 % of the API's
# CPU per message and ~7 of a worker turn's ~20 round trips, docs/BENCHMARKS.md). One
# that sat longer (where a database restart would have cut it) is pinged first.
IDLE_PING_SECONDS = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    """Pre-ping, but only for connections idle longer than `IDLE_PING_SECONDS`.

    A dead connection invalidates the whole pool (as `pool_pre_ping` does), so every
    other connection opened before the outage is replaced too. A connection used in the
    last second before a restart can still fail once: that surfaces as the usual
    transient error (the API's 503, the worker's retry), and that error invalidates the
    pool the same way.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")  # absent: a fresh connection
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_PING_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.InvalidatePoolError("connection found dead on checkout")


# PostgreSQL cancels a statement running longer than this (`statement_timeout`): a turn
# waiting on a row lock held elsewhere, or a runaway query, fails instead of holding its
# thread (and a connection) for ever. Settings pass CHATKIT_STATEMENT_TIMEOUT_SECONDS.
DEFAULT_STATEMENT_TIMEOUT_S = 10.0


def _statement_timeout_ms(seconds: float) -> str:
    return str(max(int(seconds * 1000), 0))  # PostgreSQL: 0 means no limit


@dataclass
class Database:
    """Lazily created engines and session factories for one database URL.

    `statement_timeout_s` applies to every session of both engines on PostgreSQL (0: none);
    SQLite has no statement timeout, so there it does nothing.
    """

    url: str
    statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S
    _async_engine: AsyncEngine | None = field(default=None, init=False, repr=False)
    _sync_engine: Engine | None = field(default=None, init=False, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def async_engine(self) -> AsyncEngine:
        if self._async_engine is None:
            options = _engine_options(self.url)
            if not self.is_sqlite:
                # asyncpg: fail fast when the server is unreachable (a 503 within 2 s, not a hang).
                options["connect_args"] = {
                    "timeout": 1.5, "command_timeout": 10,
                    "server_settings": {
                        "statement_timeout": _statement_timeout_ms(self.statement_timeout_s)},
                }
            engine = create_async_engine(async_url(self.url), **options)
            if self.is_sqlite:
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            else:
                _ping_idle_connections(engine.sync_engine)
            self._async_engine = engine
        return self._async_engine

    @property
    def sync_engine(self) -> Engine:
        if self._sync_engine is None:
            options = _engine_options(self.url)
            if not self.is_sqlite:
                timeout_ms = _statement_timeout_ms(self.statement_timeout_s)
                options["connect_args"] = {"connect_timeout": 2,
                                           "options": f"-c statement_timeout={timeout_ms}"}
            engine = create_engine(sync_url(self.url), **options)
            if self.is_sqlite:
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                _ping_idle_connections(engine)
            self._sync_engine = engine
        return self._sync_engine

    def async_sessions(self) -> async_sessionmaker[AsyncSession]:
        return async_sessionmaker(self.async_engine, expire_on_commit=False)

    def sync_sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.sync_engine, expire_on_commit=False)

    async def ping(self) -> None:
        """Run `SELECT 1` on the async engine; raises when the database is unreachable."""
        async with self.async_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def aclose(self) -> None:
        if self._async_engine is not None:
            await self._async_engine.dispose()
            self._async_engine = None

    def close(self) -> None:
        if self._sync_engine is not None:
            self._sync_engine.dispose()
            self._sync_engine = None
