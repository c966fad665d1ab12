"""Alembic environment: runs the migrations on the connection deskpilot hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from worker.db.schema import METADATA

target_metadata = METADATA


def run_migrations(connection: Connection) -> None:
    """Apply the migrations on ``connection`` (SQLite needs batch mode for ALTERs)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connectable = context.config.attributes.get("connection")
if connectable is None:
    raise RuntimeError(
        "deskpilot runs its migrations through worker.db.migrate, not the alembic CLI"
    )
run_migrations(connectable)
