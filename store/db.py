"""Engines and sessions for both worlds: async (the API) and sync (the workers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, event, text
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


def _engine_options(url: str) -> dict[str, Any]:
    if make_url(url).get_backend_name() == "sqlite":
        return {}
    # pre-ping: a connection cut by a database restart is replaced, not handed out.
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10, "pool_timeout": 5}


@dataclass
class Database:
    """Lazily created engines and session factories for one database URL."""

    url: str
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
                options["connect_args"] = {"timeout": 1.5, "command_timeout": 10}
            engine = create_async_engine(async_url(self.url), **options)
            if self.is_sqlite:
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            self._async_engine = engine
        return self._async_engine

    @property
    def sync_engine(self) -> Engine:
        if self._sync_engine is None:
            options = _engine_options(self.url)
            if not self.is_sqlite:
                options["connect_args"] = {"connect_timeout": 2}
            engine = create_engine(sync_url(self.url), **options)
            if self.is_sqlite:
                event.listen(engine, "connect", _sqlite_pragmas)
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
