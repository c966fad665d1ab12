"""The audit log is hash-chained and append-only, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from worker.db import audit
from worker.db.database import Database


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


def test_chain_holds_across_core_transactions_and_rollbacks(db: Database) -> None:
    # The chain's tail is cached per transaction on the pooled connection, which outlives the
    # transaction: a later transaction, or one after a rollback, must read the real tail again.
    with db.connect() as connection:
        first = audit.append(connection, "ticket.decided", actor="deskpilot", data={})
    with pytest.raises(RuntimeError, match="the work failed"):
        _append_then_fail(db)
    with db.session() as session:
        second = audit.append(session, "run.applied", actor="deskpilot", data={})
    with db.connect() as connection:
        third = audit.append(connection, "writeback.sent", actor="deskpilot", data={})
        fourth = audit.append(connection, "writeback.sent", actor="deskpilot", data={"n": 2})

    assert second.prev_hash == first.hash
    assert (third.prev_hash, fourth.prev_hash) == (second.hash, third.hash)
    with db.session() as session:
        report = audit.verify_chain(session)
    assert (report.entries, report.ok) == (4, True)


def _append_then_fail(db: Database) -> None:
    with db.connect() as connection:
        audit.append(connection, "step.applied", actor="deskpilot", data={"lost": True})
        raise RuntimeError("the work failed: the entry goes with it")
