"""
Access reviews through each desk (issue 20): the review ticket is opened through the desk's own
create API, the reviewer decides by comment, the author is proven through the desk like an
approver, and a revoke is removed once and read back. Every desk is faked only at its HTTP
boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from playbooks.reviews.campaign import Campaign
from tests.e2e.authority_support import Desks, four_desks
from tests.e2e.review_support import (
    CREATED_KEYS,
    campaign,
    comment_on,
    install_create,
    items,
    tickets,
)
from worker.db.audit import verify_chain
from worker.db.records import AuditRow
from worker.db.tables import RunRow, StepRow
from worker.queue.timers import fire_timers
from worker.runs.review_start import start_campaign

DESKS = ["jira-it", "zendesk-it", "snow-it", "sf-it"]
IDS = ["jira", "zendesk", "servicenow", "salesforce"]


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _start(d: Desks, desk: str) -> int:
    install_create(d, desk)
    return start_campaign(d.rt, campaign(desk), started_by="lead@example.com")


@pytest.mark.parametrize("desk", DESKS, ids=IDS)
def test_one_ticket_for_the_manager_listing_her_reports_items(desks: Desks, desk: str) -> None:
    campaign_id = _start(desks, desk)

    found = items(desks, campaign_id)
    (ticket,) = tickets(desks, campaign_id)
    assert sorted(found) == ["alice", "bob"]  # Carol reports to Maria but is in no group in scope
    assert {r.reviewer for r in found.values()} == {"maria"}
    assert (ticket.reviewer, ticket.key, ticket.reviewer_email) == (
        "maria",
        CREATED_KEYS[desk],
        "maria@example.com",
    )


@pytest.mark.parametrize("desk", DESKS, ids=IDS)
def test_the_reviewer_revokes_by_comment_and_the_removal_is_read_back(
    desks: Desks, desk: str
) -> None:
    campaign_id = _start(desks, desk)
    bob = items(desks, campaign_id)["bob"]

    comment_on(desks, desk, "maria", f"/revoke {bob.number} moved to another team")
    fire_timers(desks.rt)
    fire_timers(desks.rt)  # a second tick finds nothing left to do

    after = items(desks, campaign_id)
    assert "all-staff" not in desks.groups("bob")
    assert "all-staff" in desks.groups("alice")
    assert (after["bob"].state, after["bob"].decided_by, after["bob"].removal) == (
        "revoked",
        "maria",
        "verified",
    )
    assert after["alice"].state == "pending"
    with desks.rt.db.session() as session:
        runs = session.scalars(select(RunRow).where(RunRow.id == after["bob"].run_id)).all()
        steps = session.scalars(select(StepRow).where(StepRow.run_id == after["bob"].run_id)).all()
        actions = session.scalars(
            select(AuditRow.action).where(AuditRow.action.like("review.%"))
        ).all()
        assert verify_chain(session).ok
    assert [(r.playbook, r.state) for r in runs] == [("access-revoke", "applied")]
    assert [(s.operation, s.state, s.verified) for s in steps] == [
        ("remove_from_group", "done", None)
    ]
    assert actions.count("review.removal") == 1
    assert dict(desks.directory.apply_counts) == {("remove_from_group", after["bob"].subject_id): 1}


@pytest.mark.parametrize("desk", DESKS, ids=IDS)
def test_nobody_else_decides_and_nobody_decides_their_own_access(desks: Desks, desk: str) -> None:
    campaign_id = _start(desks, desk)
    numbers = {login: row.number for login, row in items(desks, campaign_id).items()}

    comment_on(desks, desk, "bob", f"/keep {numbers['bob']}")
    comment_on(desks, desk, "olivia", f"/revoke {numbers['alice']} not needed")

    assert {r.state for r in items(desks, campaign_id).values()} == {"pending"}
    with desks.rt.db.session() as session:
        decided = session.scalars(select(AuditRow).where(AuditRow.action == "review.decided")).all()
        refused = session.scalars(select(AuditRow).where(AuditRow.action == "review.refused")).all()
    assert decided == []
    reasons = {r.actor: str(r.data["reason"]) for r in refused}
    assert "about your own access" in reasons["bob@example.com"]
    assert "is assigned to" in reasons["olivia@example.com"]


@pytest.mark.parametrize("desk", DESKS, ids=IDS)
def test_keep_all_decides_every_item_and_completes_the_ticket(desks: Desks, desk: str) -> None:
    campaign_id = _start(desks, desk)

    comment_on(desks, desk, "maria", "Looked at them all.\n/keep-all")

    assert {r.state for r in items(desks, campaign_id).values()} == {"kept"}
    assert [t.state for t in tickets(desks, campaign_id)] == ["complete"]
    assert "all-staff" in desks.groups("bob")


def test_a_desk_that_refuses_the_ticket_is_recorded_and_the_tick_goes_on(desks: Desks) -> None:
    """Jira needs a project for the review tickets: the campaign says which, or it is told why."""
    text = campaign("jira-it").model_dump() | {"project": None}
    campaign_id = start_campaign(
        desks.rt, Campaign.model_validate(text), started_by="lead@example.com"
    )

    assert fire_timers(desks.rt) >= 1  # the review_open timer fired, and the tick did not stop

    assert [t.key for t in tickets(desks, campaign_id)] == [None]
    with desks.rt.db.session() as session:
        failed = session.scalars(select(AuditRow).where(AuditRow.action == "review.failed")).one()
    assert failed.data["campaign_id"] == campaign_id
    assert "needs a project key" in failed.data["error"]
