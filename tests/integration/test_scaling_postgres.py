"""The agent's SQL list order and filters on PostgreSQL: the same as the Python reference.

The unit tier checks them on SQLite (tests/unit/test_scaling_queries.py); this runs the
same checks against the machine's PostgreSQL, whose date-time arithmetic differs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chatkit_testing import unit_checks

from store import Database
from store.migrate import upgrade

pytestmark = pytest.mark.integration


CHECKS = unit_checks("test_scaling_queries.py", "scaling_unit_checks")


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Database]:
    upgrade(pg_url)
    database = Database(pg_url)
    yield database
    database.close()


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Auckland"])
def test_sql_list_matches_the_python_reference_on_postgres(
    pg_database: Database, zone: str
) -> None:
    CHECKS.test_sql_list_matches_the_python_reference_for_every_filter(pg_database, zone)


def test_documented_order_on_postgres(pg_database: Database) -> None:
    CHECKS.test_order_overdue_then_due_day_date_before_time_then_priority_then_creation(
        pg_database)


def test_tag_filter_on_postgres(pg_database: Database) -> None:
    CHECKS.test_tag_filter_matches_whole_tags_only(pg_database)


def test_typo_among_2000_tasks_on_postgres(pg_database: Database) -> None:
    CHECKS.test_title_resolution_among_2000_tasks_finds_a_typo(pg_database)


def test_dst_change_day_order_on_postgres(pg_database: Database) -> None:
    CHECKS.test_a_bare_date_on_a_dst_change_day_sorts_from_its_local_midnight(pg_database)
