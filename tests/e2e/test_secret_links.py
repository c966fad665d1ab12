"""
One-time links (issue 13.7): only the owner's reply carries one; nothing else deskpilot keeps or
shows does, the secret opens once, and the SQLite file is the owner's alone.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from connectors.identity import Capability
from tests.integration.playbooks.world import AGENT_TOKEN, World, company, world
from worker.db.records import AuditRow, SecretLinkRow
from worker.db.tables import InboxItem, OutboxRow, StepRow, TicketEventRow
from worker.reports.evidence import evidence_pack
from worker.web.app import create_app


@pytest.fixture
def reset(tmp_path: Path) -> Iterator[tuple[World, str]]:
    """Alice's password reset on a directory without a reset flow: one link issued."""
    directory = company()
    directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", directory) as w:
        w.ticket("IT-2", "alice", "Forgot my password", "I forgot my password, please reset it.")
        w.drain()
        found = re.findall(r"/secret/([A-Za-z0-9_-]{16,})", w.text("IT-2", public=True))
        assert len(found) == 1
        yield w, found[0]


def test_the_token_is_nowhere_but_in_the_owners_reply(reset: tuple[World, str]) -> None:
    """Step records, notes kept, events, deliveries, audit and the evidence export lack the token."""
    w, token = reset
    with w.rt.db.session() as session:
        kept = {
            "steps": [s.after for s in session.scalars(select(StepRow))],
            "outbox": [o.body for o in session.scalars(select(OutboxRow))],
            "events": [e.data for e in session.scalars(select(TicketEventRow))],
            "inbox": [i.body.decode(errors="replace") for i in session.scalars(select(InboxItem))],
            "audit": [a.data for a in session.scalars(select(AuditRow))],
            "evidence": evidence_pack(session, "IT-2"),
        }
        sealed = session.scalars(select(StepRow.after)).one()["one_time_link"]

    assert token not in json.dumps(kept, default=str)
    assert sealed.startswith("sealed:")
    assert w.text("IT-2", public=True).count(token) == 1


def test_review_page_shows_only_that_a_link_was_issued(reset: tuple[World, str]) -> None:
    """Every agent sees the review page: it says "(issued)", never the link."""
    w, token = reset
    with TestClient(create_app(w.rt)) as client:
        run_id = w.runs("IT-2")[0].id
        page = client.get(
            f"/review/runs/{run_id}", headers={"Authorization": f"Bearer {AGENT_TOKEN}"}
        )

    assert page.status_code == 200
    assert token not in page.text
    assert "(issued)" in page.text


def test_without_owner_proof_the_secret_opens_once_then_is_gone(
    reset: tuple[World, str],
) -> None:
    """A site that sets ``owner_proof: none``: the first POST shows the password; the second
    gets 410 and the row is deleted (with proof: ``test_secret_owner_proof.py``)."""
    w, token = reset
    web = w.rt.settings.web.model_copy(update={"owner_proof": "none"})
    w.rt.settings = w.rt.settings.model_copy(update={"web": web})
    with TestClient(create_app(w.rt)) as client:
        first = client.post(f"/secret/{token}")
        second = client.post(f"/secret/{token}")
    with w.rt.db.session() as session:
        left = session.scalars(select(SecretLinkRow)).all()

    assert (first.status_code, second.status_code) == (200, 410)
    assert "temporary password" in first.text
    assert left == []


def test_the_sqlite_file_is_readable_by_its_owner_only(reset: tuple[World, str]) -> None:
    w, _ = reset
    database = w.rt.db.engine.url.database
    assert database is not None

    assert stat.S_IMODE(Path(database).stat().st_mode) == 0o600
