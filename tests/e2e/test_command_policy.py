"""
Every command is checked against policy (issue 13, point 4), tried as an attacker would.

Bob asks for Salesforce for two weeks (Olivia owns it; the playbook allows at most 180 days);
Alice asks for GitHub. Dave is an agent (``it-asset-team`` is configured as an agent group);
Carol is an ordinary colleague. Each refused command leaves the directory and the access's end
as they were, an internal note and a ``command.refused`` audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.playbooks.world import NOW, World, world
from worker.db.records import AuditRow
from worker.db.tables import CorrectionRow, TimerRow
from worker.reports.evidence import evidence_pack
from worker.runs import rollback

GRANT = ("Need access to Salesforce", "Please give me access to Salesforce for 2 weeks.")


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    url = f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"
    with world(url, commands={"agent_groups": ["it-asset-team"]}) as built:
        yield built


def _granted(w: World) -> None:
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    w.comment("IT-3", "olivia", "/approve")
    w.drain()
    assert "app-salesforce" in w.groups("bob")


def _expiry(w: World) -> dt.datetime:
    with w.rt.db.session() as session:
        return session.scalars(
            select(TimerRow.due_at).where(TimerRow.kind == "access_expiry")
        ).one()


def _refusals(w: World) -> list[tuple[str, str]]:
    with w.rt.db.session() as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.action == "command.refused").order_by(AuditRow.id)
        ).all()
        return [(r.actor, str(r.data["command"])) for r in rows]


EXPIRY_EXPLOITS = [
    ("extend-by-the-requester", "bob", "/extend 1w", "asked for this change"),
    ("extend-by-a-colleague", "carol", "/extend 1w", "may not approve this change"),
    ("extend-by-an-agent", "dave", "/extend 1w", "may not approve this change"),
    ("revoke-by-a-colleague", "carol", "/revoke-now", "may not approve this change"),
]


@pytest.mark.parametrize(
    ("author", "text", "reason"),
    [e[1:] for e in EXPIRY_EXPLOITS],
    ids=[e[0] for e in EXPIRY_EXPLOITS],
)
def test_expiry_commands_from_the_wrong_people_change_nothing(
    w: World, author: str, text: str, reason: str
) -> None:
    _granted(w)
    due, groups = _expiry(w), w.groups("bob")

    w.comment("IT-3", author, text)
    w.drain()

    assert (due, groups) == (_expiry(w), w.groups("bob"))
    assert [(f"{author}@example.com", text.split()[0][1:])] == _refusals(w)
    assert reason in w.text("IT-3", public=False)


def test_the_approver_extends_within_the_maximum(w: World) -> None:
    """Olivia may add a week: the end moves, once, and stays within 180 days."""
    _granted(w)
    due = _expiry(w)

    w.comment("IT-3", "olivia", "/extend 1w")
    w.drain()

    assert due + dt.timedelta(weeks=1) == _expiry(w)
    assert [] == _refusals(w)


@pytest.mark.parametrize(
    "text", ["/extend until 9999-12-31", "/extend 200d"], ids=["until-year-9999", "200-days"]
)
def test_an_extension_past_the_maximum_is_capped_then_refused(w: World, text: str) -> None:
    """The approver's unlimited /extend ends the access at the playbook's 180 days, saying so;
    once there, another /extend is refused and changes nothing."""
    _granted(w)
    planned = w.runs("IT-3")[0].created_at

    w.comment("IT-3", "olivia", text)
    w.drain()
    capped = _expiry(w)
    w.comment("IT-3", "olivia", "/extend 1w")
    w.drain()

    assert capped == planned + dt.timedelta(days=180)
    assert capped == _expiry(w)
    assert "capped: the most it may have ends" in w.text("IT-3", public=False)
    assert [("olivia@example.com", "extend")] == _refusals(w)
    assert "nothing can be extended" in w.text("IT-3", public=False)


def test_an_agent_may_revoke_now(w: World) -> None:
    """Ending access early only takes rights away: an agent may."""
    _granted(w)

    w.comment("IT-3", "dave", "/revoke-now")
    w.drain()
    w.advance(minutes=1)
    w.fire_timers()

    assert "app-salesforce" not in w.groups("bob")


CORRECTIONS = [
    ("intent-by-the-requester", "bob", "/intent password_reset"),
    ("intent-by-a-colleague", "carol", "/intent password_reset"),
    ("retry-by-the-requester", "bob", "/retry"),
]


@pytest.mark.parametrize(
    ("author", "text"), [c[1:] for c in CORRECTIONS], ids=[c[0] for c in CORRECTIONS]
)
def test_intent_and_retry_only_from_agents(w: World, author: str, text: str) -> None:
    """Nobody but an agent steers a ticket or feeds the classifier's training set."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    run = w.runs("IT-3")[0]

    w.comment("IT-3", author, text)
    w.drain()

    with w.rt.db.session() as session:
        assert [] == session.scalars(select(CorrectionRow)).all()
    assert [r.state for r in w.runs("IT-3")] == [run.state]
    assert "app-salesforce" not in w.groups("bob")
    assert [(f"{author}@example.com", text.split()[0][1:])] == _refusals(w)


def test_an_agent_corrects_the_intent(w: World) -> None:
    """Dave (agent group) may: the correction is recorded."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()

    w.comment("IT-3", "dave", "/intent not_account")
    w.drain()

    with w.rt.db.session() as session:
        corrections = session.scalars(select(CorrectionRow)).all()
    assert [("not_account", "dave@example.com")] == [
        (c.intent, c.corrected_by) for c in corrections
    ]


@pytest.mark.parametrize(
    ("identity", "reason"),
    [("alice@example.com", "asked for this change"), ("carol@example.com", "may not approve")],
    ids=["the-requester", "a-colleague"],
)
def test_rollback_only_by_an_eligible_approver(w: World, identity: str, reason: str) -> None:
    """Alice's GitHub grant: neither she nor Carol may roll it back; the grant stays."""
    w.ticket("IT-7", "alice", "Need GitHub", "Please give me access to GitHub.")
    w.drain()
    w.comment("IT-7", "olivia", "/approve")
    w.drain()
    run = w.runs("IT-7")[0]

    with pytest.raises(rollback.ReviewError, match=reason):
        rollback.roll_back(w.rt, run.id, identity.split("@")[0], identity)
    w.drain()

    assert "app-github" in w.groups("alice")
    assert "applied" == w.runs("IT-7")[0].state
    assert [(identity, "rollback")] == _refusals(w)
    assert reason in w.text("IT-7", public=False)


def test_the_record_shows_the_valid_approval_not_the_earlier_refusal(w: World) -> None:
    """Olivia's first /approve is refused (disabled then); re-enabled, her approval applies."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    w.directory.disable_user(w.user("olivia").id)
    w.comment("IT-3", "olivia", "/approve")
    w.drain()
    assert "app-salesforce" not in w.groups("bob")
    w.directory.enable_user(w.user("olivia").id)
    w.advance(minutes=5)

    w.comment("IT-3", "olivia", "/approve")
    w.drain()

    assert "app-salesforce" in w.groups("bob")
    with w.rt.db.session() as session:
        pack = evidence_pack(session, "IT-3", now=NOW)
    run = pack["runs"][0]
    assert ["olivia@example.com"] == run["approved_by"]
    assert [("olivia@example.com", "approved")] == [
        (a["approver"], a["verdict"]) for a in run["approvals"]
    ]
