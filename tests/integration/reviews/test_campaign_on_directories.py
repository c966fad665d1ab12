"""
A 500-user campaign on real directories (OpenLDAP, Samba AD, scim2-server): one item per (user,
entitlement), nobody assigned to their own access, reminders and escalation on time under a fake
clock, every revoke removed once and read back, and the evidence export reproduced byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from playbooks.reviews.campaign import Campaign, load_campaign_text
from tests.integration.playbooks.world import World, world
from tests.integration.reviews.conftest import Company
from worker.db.audit import verify_chain
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow, ReviewTicketRow
from worker.db.tables import StepRow
from worker.reports.reviews import campaign_progress, export_campaign
from worker.runs.review_start import start_campaign

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def w(tmp_path: Path, company: Company) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", company.directory) as built:
        yield built


def _campaign(company: Company) -> Campaign:
    m = company.managers
    return load_campaign_text(
        f"name: {company.prefix}\ntitle: Finance Q4\ndesk: jira-it\nproject: IT\n"
        f"scope: {{groups: [{company.all_group}, {company.every_third}]}}\nwindow_days: 14\n"
        f"reviewers: {{rule: manager, fallback: [{m[0]}, {m[1]}]}}\n",
        "reviews/finance.yaml",
    )


def _items(w: World, campaign_id: int) -> list[ReviewItemRow]:
    with w.rt.db.session() as session:
        rows = list(
            session.scalars(select(ReviewItemRow).where(ReviewItemRow.campaign_id == campaign_id))
        )
        session.expunge_all()
    return rows


def _tickets(w: World, campaign_id: int) -> list[ReviewTicketRow]:
    with w.rt.db.session() as session:
        rows = list(
            session.scalars(
                select(ReviewTicketRow).where(ReviewTicketRow.campaign_id == campaign_id)
            )
        )
        session.expunge_all()
    return rows


def _comment(w: World, key: str, author: str, body: str) -> None:
    """``author`` comments on review ticket ``key`` through the desk's signed webhook."""
    w.issues.setdefault(key, {"id": "1", "key": key, "self": f"https://acme-it.atlassian.net/rest/api/2/issue/{key}",
                              "fields": {"summary": "Access review"}})  # fmt: skip
    w.comment(key, author, body, public=True)
    w.drain()


def _reminders(w: World, key: str) -> list[str]:
    return [c.body for c in w.desk.comments[key] if c.body.startswith("Reminder:")]


def _groups(company: Company, login: str) -> list[str]:
    return company.directory.groups_of(company.ids[login])


def _revoked(company: Company, items: list[ReviewItemRow]) -> None:
    """Check each item's access is gone from the directory, and remember it is."""
    for item in items:
        group = item.entitlement.split(":", 1)[1]
        assert group not in _groups(company, item.subject_login)
        company.removed.add((item.subject_login, group))


def test_a_five_hundred_user_campaign_end_to_end(w: World, company: Company) -> None:
    """One start per directory (reading 500 accounts is the slow part), every stage after it."""
    started = w.now
    expected = company.memberships
    campaign_id = start_campaign(w.rt, _campaign(company), started_by="lead@example.com")

    # exactly one item per (user, entitlement) in scope; nobody reviews their own access
    items = _items(w, campaign_id)
    ours = {(i.subject_login, i.entitlement.split(":", 1)[1]) for i in items}
    assert len(items) == len(ours) == len(expected)
    assert ours == expected
    assert all(i.reviewer != i.subject_login for i in items)
    assert {i.reviewer for i in items if i.subject_login == company.managers[0]} == {
        company.managers[1]
    }
    with w.rt.db.session() as session:
        row = session.get(ReviewCampaignRow, campaign_id)
        assert row is not None
        assert (row.population["row_count"], row.population["source"]) == (len(expected), "corp")
        assert "groups_of(user) in [" in str(row.population["query"])
    tickets = {t.reviewer: t for t in _tickets(w, campaign_id)}
    assert set(tickets) == {i.reviewer for i in items}
    assert all(t.key for t in tickets.values())
    assert len(w.desk.created) == len(tickets)

    # a reviewer revokes three items: each removed once, read back, within 24 hours
    manager = company.managers[5]
    mine = sorted((i for i in items if i.reviewer == manager), key=lambda i: i.number)
    key = tickets[manager].key
    assert key is not None
    revoke = mine[:3]
    w.advance(hours=5)
    _comment(
        w, key, manager, "/revoke " + " ".join(str(i.number) for i in revoke) + " no longer needed"
    )
    _comment(w, key, manager, f"/revoke {revoke[0].number} again")  # already decided: refused
    w.fire_timers()
    w.fire_timers()
    _revoked(company, revoke)
    after = {i.number: i for i in _items(w, campaign_id)}
    for item in revoke:
        found = after[item.number]
        assert (found.state, found.removal) == ("revoked", "verified")
        assert found.removed_at is not None
        assert found.decided_at is not None
        assert found.removed_at - found.decided_at <= dt.timedelta(hours=24)
    with w.rt.db.session() as session:
        runs = [after[i.number].run_id for i in revoke]
        steps = session.scalars(select(StepRow).where(StepRow.run_id.in_(runs))).all()
    assert sorted((s.operation, s.state) for s in steps) == [("remove_from_group", "done")] * 3

    # reminders at 50 %, 3 days and 1 day before the due date; escalation at the due date
    other = company.managers[3]
    other_key = tickets[other].key
    assert other_key is not None
    w.now = started + dt.timedelta(days=7) - dt.timedelta(seconds=1)
    w.fire_timers()
    assert _reminders(w, other_key) == []
    w.now = started + dt.timedelta(days=7)
    w.fire_timers()
    assert len(_reminders(w, other_key)) == 1
    w.now = started + dt.timedelta(days=11)
    w.fire_timers()
    w.now = started + dt.timedelta(days=13)
    w.fire_timers()
    assert len(_reminders(w, other_key)) == 3
    assert not any(i.escalated for i in _items(w, campaign_id))
    w.now = started + dt.timedelta(days=14)
    w.fire_timers()
    w.drain()
    assert all(i.escalated for i in _items(w, campaign_id) if i.state == "pending")
    escalated = [t for t in _tickets(w, campaign_id) if t.application == "(escalated)"]
    assert [(t.reviewer, bool(t.key)) for t in escalated] == [(company.managers[0], True)]

    # after escalation the fallback decides another reviewer's item (never their own)
    target = next(i for i in _items(w, campaign_id) if i.reviewer == other and i.state == "pending")
    _comment(w, other_key, company.managers[0], f"/revoke {target.number} left the team")
    w.fire_timers()
    _revoked(company, [target])
    _comment(w, key, manager, "/keep-all")

    # the close: what is still undecided is kept and flagged (the default no-response policy)
    w.now = started + dt.timedelta(days=17)
    w.fire_timers()
    closed = {i.number: i for i in _items(w, campaign_id)}
    decided = {i.number for i in revoke} | {target.number} | {i.number for i in mine}
    assert {i.state for n, i in closed.items() if n not in decided} == {"kept"}
    assert all(i.flagged for n, i in closed.items() if n not in decided)
    assert not any(closed[i.number].flagged for i in mine)
    with w.rt.db.session() as session:
        row = session.get(ReviewCampaignRow, campaign_id)
        assert row is not None
        assert (row.state, row.closed_at) == ("closed", started + dt.timedelta(days=17))
        figures = campaign_progress(session, row, w.now).progress
        first = export_campaign(session, campaign_id)
    assert (figures.revoked, figures.removals_verified, figures.removals_on_time) == (4, 4, 4)
    assert figures.items == len(expected)
    assert figures.decided == len(mine) + 1

    # the evidence export is reproduced byte for byte from the stored events
    with w.rt.db.session() as session:
        assert export_campaign(session, campaign_id) == first
    assert first["items.csv"].count(b"\r\n") == len(expected) + 1

    # editing a stored event is found by the chain (``deskpilot audit verify``)
    with w.rt.db.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(
            text("UPDATE audit_log SET actor = 'someone-else' WHERE action = 'review.decided'")
        )
    with w.rt.db.session() as session:
        assert not verify_chain(session).ok
        assert export_campaign(session, campaign_id)["manifest.sha256"] != first["manifest.sha256"]
