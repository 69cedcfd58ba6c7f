"""Fixtures for every tier: settings on a temporary SQLite file, a migrated database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chatkit_testing import TEST_SECRET

from chatkit_todo.settings import Settings
from store import Database
from store.migrate import upgrade


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
