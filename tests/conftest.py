"""Fixtures for every tier: settings on a temporary SQLite file, a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from chatkit_testing import TEST_SECRET
from litestar.testing import AsyncTestClient

from api.app import create_app
from core.settings import Settings
from store import Database
from store.migrate import upgrade
from workers.processing import ThreadProcessor


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, jwt_secret=TEST_SECRET, redis_url=None,
                    database_url=f"sqlite:///{tmp_path / 'chatkit.db'}")


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    yield db
    db.close()


@pytest.fixture
async def client(settings: Settings, database: Database) -> AsyncIterator[AsyncTestClient[Any]]:
    """The API through Litestar's test client; each kick drains its thread before answering,
    with a real ThreadProcessor, so a result is final as soon as respond/action returns."""
    processor = ThreadProcessor(database.sync_sessions())

    async def kick(thread_id: str) -> None:
        await anyio.to_thread.run_sync(processor.drain, thread_id)

    async with AsyncTestClient(create_app(settings, database=database, kick=kick)) as test_client:
        yield test_client
