"""
Access review flows on the embedded desk and directory: a second level that confirms before
anything is removed, revocation on no response when a campaign opts in, and a removal that
fails reopening the review ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from playbooks.reviews.campaign import load_campaign_text
from sla.config import SlaSettings
from sla.definition import compile_sla
from tests.integration.playbooks.world import World, company, world
from worker.clocks.slaclock import update_sla
from worker.db.records import AuditRow, SlaClockRow
from worker.db.review_tables import ReviewItemRow, ReviewTicketRow
from worker.db.tables import OutboxRow
from worker.runs.review_nudge import close_campaign
from worker.runs.review_start import ReviewStartError, start_campaign

BASE = (
    "name: staff\ntitle: All-staff\ndesk: jira-it\n"
    "scope: {groups: [all-staff], users: {manager: maria}}\nwindow_days: 10\n"
)


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", company()) as built:
        yield built


def _start(w: World, extra: str) -> tuple[int, dict[str, int], dict[tuple[str, int], str]]:
    campaign = load_campaign_text(BASE + extra, "c.yaml")
    campaign_id = start_campaign(w.rt, campaign, started_by="lead@example.com")
    with w.rt.db.session() as session:
        numbers = {i.subject_login: i.number for i in session.scalars(select(ReviewItemRow))}
        keys = {
            (t.reviewer, t.level): t.key or "" for t in session.scalars(select(ReviewTicketRow))
        }
    for key in keys.values():
        w.issues[key] = {"id": "1", "key": key, "self": f"https://acme-it.atlassian.net/rest/api/2/issue/{key}",
                         "fields": {"summary": "Access review"}}  # fmt: skip
    return campaign_id, numbers, keys


def _state(w: World) -> dict[str, tuple[str, str]]:
    with w.rt.db.session() as session:
        return {
            i.subject_login: (i.state, i.removal) for i in session.scalars(select(ReviewItemRow))
        }


def test_a_second_level_confirms_before_anything_is_removed(w: World) -> None:
    _, numbers, keys = _start(
        w, "reviewers: {rule: manager, fallback: [olivia], second_level: sam}\n"
    )
    assert set(keys) == {("maria", 1), ("sam", 2)}

    w.comment(keys[("maria", 1)], "maria", f"/revoke {numbers['bob']} left the team", public=True)
    w.drain()
    w.fire_timers()
    assert _state(w)["bob"] == ("confirming", "none")
    assert "all-staff" in w.directory.groups_of(w.directory.find_user(login="bob").id)  # type: ignore[union-attr]

    w.comment(
        keys[("sam", 2)], "maria", f"/keep {numbers['bob']}", public=True
    )  # not the second level
    w.comment(keys[("sam", 2)], "sam", f"/revoke {numbers['bob']} confirmed", public=True)
    w.drain()
    w.fire_timers()

    assert _state(w)["bob"] == ("revoked", "verified")
    assert _state(w)["alice"] == ("pending", "none")
    assert "all-staff" not in w.directory.groups_of(w.directory.find_user(login="bob").id)  # type: ignore[union-attr]
    replies = [c.body for c in w.desk.comments[keys[("sam", 2)]]]
    assert any("needs a second reviewer, not the first one" in r for r in replies)


def test_revoke_on_no_response_only_when_the_campaign_opts_in(w: World) -> None:
    campaign_id, _, _ = _start(w, "reviewers: {fallback: [olivia]}\nno_response: revoke\n")

    counts = close_campaign(w.rt, campaign_id, by="lead@example.com")
    w.fire_timers()

    assert counts == {"kept_by_policy": 0, "revoked_by_policy": 2}
    assert _state(w) == {"alice": ("revoked", "verified"), "bob": ("revoked", "verified")}
    assert close_campaign(w.rt, campaign_id, by="lead@example.com") is None


def test_a_removal_that_fails_reopens_the_review_ticket(w: World) -> None:
    _, numbers, keys = _start(w, "reviewers: {fallback: [olivia]}\n")
    bob = w.directory.find_user(login="bob")
    assert bob is not None

    w.comment(keys[("maria", 1)], "maria", f"/revoke {numbers['bob']} left", public=True)
    w.comment(keys[("maria", 1)], "maria", f"/keep {numbers['alice']}", public=True)
    w.drain()
    with w.rt.db.session() as session:
        assert session.scalars(select(ReviewTicketRow.state)).one() == "complete"
    w.directory.delete_user(bob.id)  # gone before the removal runs
    w.fire_timers()

    assert _state(w)["bob"] == ("revoked", "failed")
    with w.rt.db.session() as session:
        reopened = session.scalars(
            select(OutboxRow.body).where(OutboxRow.kind == "transition")
        ).all()
        removal = session.scalars(select(AuditRow).where(AuditRow.action == "review.removal")).one()
        ticket = session.scalars(select(ReviewTicketRow)).one()
    assert reopened == ["in_progress"]
    assert removal.data["verified"] is False
    assert ticket.state == "open"


def test_a_review_ticket_runs_no_sla_clock_even_under_a_catch_all_policy(w: World) -> None:
    """Its due date, reminders and escalation are the campaign's; no breach action touches it."""
    w.rt.sla = compile_sla(SlaSettings.model_validate(CATCH_ALL))
    _, numbers, keys = _start(w, "reviewers: {fallback: [olivia]}\n")
    w.comment(keys[("maria", 1)], "maria", "Looking at it this week.", public=True)
    w.drain()
    with w.rt.db.session() as session:
        ticket_id = session.scalars(select(ReviewTicketRow.ticket_id)).one()
    assert ticket_id is not None

    assert update_sla(w.rt, ticket_id) == 0
    w.advance(hours=2)
    w.fire_timers()

    assert w.desk.priorities == {}
    assert w.desk.assignees == {}
    with w.rt.db.session() as session:
        assert (
            session.scalars(select(SlaClockRow).where(SlaClockRow.ticket_id == ticket_id)).all()
            == []
        )
    assert numbers  # the items are still there to decide


CATCH_ALL = {
    "policies": [
        {
            "name": "everything",
            "goals": {"first_response": {"goal": "1h", "clock": "calendar"}},
            "on_breach": [{"action": "priority_bump"}, {"action": "reassign", "team": "l2"}],
        }
    ]
}


def test_a_campaign_runs_once_at_a_time(w: World) -> None:
    campaign_id, _, _ = _start(w, "reviewers: {fallback: [olivia]}\n")
    again = load_campaign_text(BASE + "reviewers: {fallback: [olivia]}\n", "c.yaml")

    with pytest.raises(ReviewStartError, match=f"already running \\(id {campaign_id}, due"):
        start_campaign(w.rt, again, started_by="lead@example.com")
    close_campaign(w.rt, campaign_id, by="lead@example.com")
    w.advance(days=1)

    assert start_campaign(w.rt, again, started_by="lead@example.com") != campaign_id
