"""Migrations: the schema they build is the one the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from worker.db import migrate
from worker.db.database import Database
from worker.db.schema import METADATA


def test_migrations_match_the_models(database_url: str) -> None:
    db = Database(database_url)
    migrate.upgrade(db)
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), METADATA)
    db.dispose()

    assert [] == [d for d in diff if d[0] not in ("modify_type",)]
    assert migrate.head_revision() == "0015_inbox_why_notification"
