"""
"The provisioner is not the reviewer", from deskpilot's own audit log: whoever requested or
approved the run that granted a user an entitlement does not review that item; the fallback
does, and the item (and the evidence) says why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from playbooks.reviews.campaign import load_campaign_text
from tests.integration.playbooks.world import World, company, world
from worker.db.review_tables import ReviewItemRow, ReviewTicketRow
from worker.reports.reviews import export_campaign
from worker.runs.review_start import start_campaign

CAMPAIGN = (
    "name: sfdc\ntitle: Salesforce\ndesk: jira-it\nscope: {applications: [Salesforce]}\n"
    "window_days: 10\nreviewers: {rule: owner, fallback: [maria, dave]}\n"
)


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", company()) as built:
        yield built


def _items(w: World) -> dict[tuple[str, str], tuple[str, str, str]]:
    with w.rt.db.session() as session:
        return {
            (i.subject_login, i.entitlement): (i.reviewer, i.rule, i.note)
            for i in session.scalars(select(ReviewItemRow))
        }


def test_the_approver_of_a_grant_does_not_review_it(w: World) -> None:
    w.ticket("IT-3", "bob", "Need access to Salesforce", "Please give me access to Salesforce.")
    w.drain()
    w.comment("IT-3", "olivia", "/approve")
    w.drain()
    (run,) = w.runs("IT-3")
    assert run.state == "applied"
    carol = w.user("carol")
    w.directory.add_to_group(carol.id, "app-salesforce")  # granted outside deskpilot

    campaign_id = start_campaign(
        w.rt, load_campaign_text(CAMPAIGN, "c.yaml"), started_by="lead@example.com"
    )

    items = _items(w)
    assert items[("carol", "group:app-salesforce")] == ("olivia", "owner", "")
    for entitlement in ("group:app-salesforce", "licence:sf-sales"):
        reviewer, rule, note = items[("bob", entitlement)]
        assert (reviewer, rule) == ("maria", "fallback")
        assert note == f"olivia approved run {run.id} (jira-it IT-3), which granted this access"
    with w.rt.db.session() as session:
        evidence = export_campaign(session, campaign_id)
    reviewers = json.loads(evidence["campaign.json"])["reviewers"]
    assert reviewers["maria"]["notes"] == [items[("bob", "group:app-salesforce")][2]]
    assert b"which granted this access" in evidence["items.csv"]


def test_the_requester_for_someone_else_does_not_review_it_either(w: World) -> None:
    w.ticket("IT-4", "maria", "GitHub access for Alice", "Please give alice access to GitHub.")
    w.drain()
    w.comment("IT-4", "olivia", "/approve")
    w.drain()
    (run,) = w.runs("IT-4")
    assert run.state == "applied"
    assert "app-github" in w.groups("alice")
    github = CAMPAIGN.replace("[Salesforce]", "[GitHub]")

    start_campaign(w.rt, load_campaign_text(github, "c.yaml"), started_by="lead@example.com")

    reviewer, rule, note = _items(w)[("alice", "group:app-github")]
    assert (reviewer, rule) == ("dave", "fallback")
    assert note == (
        f"olivia approved run {run.id} (jira-it IT-4), which granted this access; "
        f"maria requested run {run.id} (jira-it IT-4), which granted this access"
    )


def test_an_escalated_item_is_not_decided_by_the_fallback_who_approved_its_grant(
    w: World,
) -> None:
    w.ticket("IT-3", "bob", "Need access to Salesforce", "Please give me access to Salesforce.")
    w.drain()
    w.comment("IT-3", "olivia", "/approve")
    w.drain()
    (run,) = w.runs("IT-3")
    both = CAMPAIGN.replace("fallback: [maria, dave]", "fallback: [maria, olivia]")
    start_campaign(w.rt, load_campaign_text(both, "c.yaml"), started_by="lead@example.com")
    with w.rt.db.session() as session:
        bob = session.scalars(
            select(ReviewItemRow).where(
                ReviewItemRow.subject_login == "bob",
                ReviewItemRow.entitlement == "group:app-salesforce",
            )
        ).one()
        number = bob.number
        key = session.scalars(
            select(ReviewTicketRow.key).where(ReviewTicketRow.id == bob.review_ticket_id)
        ).one()
    assert key is not None
    w.issues[key] = {"id": "9", "key": key, "self": f"https://acme-it.atlassian.net/rest/api/2/issue/{key}",
                     "fields": {"summary": "Access review"}}  # fmt: skip
    w.advance(days=10, hours=1)
    w.fire_timers()
    with w.rt.db.session() as session:
        assert session.get(ReviewItemRow, bob.id).escalated  # type: ignore[union-attr]

    w.comment(key, "olivia", f"/keep {number}", public=True)
    w.drain()

    assert (
        f"item {number}: you approved run {run.id} (jira-it IT-3), which granted this access, "
        "so someone else reviews it"
    ) in w.text(key, public=True)
    with w.rt.db.session() as session:
        assert session.get(ReviewItemRow, bob.id).state == "pending"  # type: ignore[union-attr]
