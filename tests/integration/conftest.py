"""The integration tier: the machine's real PostgreSQL and Redis.

Runs when they are reachable; with CHATKIT_TEST_INTEGRATION=1 (as CI sets) an unreachable
service fails the tier instead of skipping it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("CHATKIT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CHATKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRED = os.environ.get("CHATKIT_TEST_INTEGRATION") == "1"


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} unreachable: {error}"
    if REQUIRED:
        pytest.fail(message + " (CHATKIT_TEST_INTEGRATION=1: the tier must run)")
    pytest.skip(message)


def _admin_conninfo() -> str:
    url = make_url(PG_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def _fresh_database() -> Iterator[str]:
    name = f"chatkit_it_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        _unavailable("PostgreSQL", error)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    with _fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def pg_url_module() -> Iterator[str]:
    """One fresh PostgreSQL database shared by a module's tests (creating one costs ~1 s)."""
    with _fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis (tests isolate themselves with their own queue names / prefixes)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _unavailable("Redis", error)
    return REDIS_URL
