"""
A Zendesk light agent is not an agent (Zendesk ``role_type`` 1): their role reads ``agent``,
but they hold a free seat to add private notes, and work no tickets. Dave, not an approver of
Bob's Salesforce request, writes ``/intent`` and ``/revoke-now`` in internal comments through the
Zendesk path (real connector, faked at the HTTP boundary): refused as a light agent, taken as
a full agent (the control).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.authority_payloads import zendesk_event
from tests.e2e.authority_scenarios import ok, zendesk_scenario
from tests.e2e.authority_support import PEOPLE, Desks, four_desks, now_stamp, zendesk_headers
from worker.db.records import AuditRow
from worker.db.tables import CorrectionRow


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _corrections(d: Desks) -> list[tuple[str, str]]:
    with d.rt.db.session() as session:
        return [(c.intent, c.corrected_by) for c in session.scalars(select(CorrectionRow))]


def _refused(d: Desks) -> list[tuple[str, str]]:
    with d.rt.db.session() as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.action == "command.refused"))
        return [(r.actor, str(r.data["reason"])) for r in rows]


def test_a_light_agents_intent_is_refused(desks: Desks) -> None:
    desks.light_agents.add("dave")

    desk, key = zendesk_scenario(desks, "dave", "dave@example.com", "/intent not_account").split(
        ":"
    )

    assert [] == _corrections(desks)
    assert "waiting_approval" == desks.run_state(desk, key)
    assert [("dave@example.com", "/intent refused: only agents may use it")] == [
        (actor, reason.split(" (")[0]) for actor, reason in _refused(desks)
    ]


def _internal_comment(d: Desks, author: str, body: str) -> None:
    comment = {
        "id": str(d.next_id()),
        "body": body,
        "is_public": False,
        "author": {"id": PEOPLE[author].zendesk, "is_staff": True},
    }
    raw = zendesk_event(
        "comment_added", "4101", "bob", now_stamp() + dt.timedelta(minutes=2), comment
    )
    ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], raw), raw))
    d.settle()


def test_a_light_agent_cannot_revoke_now(desks: Desks) -> None:
    """``/revoke-now`` is for an eligible approver or an agent: a light agent is neither."""
    desks.light_agents.add("dave")
    zendesk_scenario(desks, "olivia", "olivia@example.com", "/approve")
    assert "app-salesforce" in desks.groups("bob")

    _internal_comment(desks, "dave", "/revoke-now")

    assert "app-salesforce" in desks.groups("bob")
    assert [("dave@example.com", "/revoke-now refused")] == [
        (actor, reason.split(":")[0]) for actor, reason in _refused(desks)
    ]


def test_a_full_agents_intent_is_taken(desks: Desks) -> None:
    """The control: the same comment from an agent records the correction."""
    desks.agents.add("dave")

    zendesk_scenario(desks, "dave", "dave@example.com", "/intent not_account")

    assert [("not_account", "dave@example.com")] == _corrections(desks)
