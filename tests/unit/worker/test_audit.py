"""The audit log is hash-chained and append-only, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from worker import audit, migrate
from worker.db import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


def test_chain_verifies_and_links(db: Database) -> None:
    with db.session() as session:
        first = audit.append(
            session, "ticket.decided", actor="deskpilot", data={"intent": "unlock"}
        )
        second = audit.append(session, "step.applied", actor="deskpilot", data={"changed": True})

    assert first.prev_hash == audit.GENESIS
    assert first.hash == second.prev_hash
    with db.session() as session:
        report = audit.verify_chain(session)
    assert (report.entries, report.ok) == (2, True)


@pytest.mark.parametrize(
    "verb", ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"]
)
def test_database_refuses_edits(db: Database, verb: str) -> None:
    with db.session() as session:
        audit.append(session, "approval.recorded", actor="alice@example.com", data={})

    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(verb))


def test_tampering_is_found(db: Database) -> None:
    with db.session() as session:
        for n in range(3):
            audit.append(session, "step.applied", actor="deskpilot", data={"n": n})
    # Bypass the guard the way an attacker with table-owner rights would, then verify.
    with db.engine.begin() as connection:
        if db.is_sqlite:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"))
        connection.execute(text("UPDATE audit_log SET data = '{\"n\": 42}' WHERE id = 2"))

    with db.session() as session:
        report = audit.verify_chain(session)

    assert (report.ok, report.first_bad_id) == (False, 2)
