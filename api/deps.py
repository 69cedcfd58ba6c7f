"""What handlers are given through Litestar's dependency injection (`Provide`), instead of
reaching into `app.state`: a test (or another deployment) swaps any of them in one place."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings


def provide_sessions(state: State) -> async_sessionmaker[AsyncSession]:
    """The API's async database sessions."""
    sessions: async_sessionmaker[AsyncSession] = state.database.async_sessions()
    return sessions


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


DEPENDENCIES: dict[str, Any] = {
    "sessions": Provide(provide_sessions, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
}

# Handler parameter types for these dependencies.
Sessions = NamedDependency[async_sessionmaker[AsyncSession]]
AppSettings = NamedDependency[Settings]
