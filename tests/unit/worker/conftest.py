"""Fixtures for the worker's unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from worker.db import migrate
from worker.db.database import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database (SQLite, then PostgreSQL), disposed of afterwards."""
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()
