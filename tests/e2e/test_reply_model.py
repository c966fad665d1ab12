"""
The reply model: which events write a public reply, in which words, and an agent's ``/intent``.

By default the requester reads a reply only when they must act or learn an outcome (fulfilled,
refused by policy or by ``/reject``, information needed); ``playbooks.replies`` changes both the
events and the wording. ``/intent X`` re-plans the ticket as X and becomes a training example.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.playbooks.world import World, world
from worker.cli.corrections import stored_corrections
from worker.db.records import AuditRow

GRANT = ("Need access to Salesforce", "Please give me access to Salesforce for 2 weeks.")
AGENTS = {"agent_groups": ["it-asset-team"]}
"""Dave (IT asset team) is an agent: he may correct a classification with ``/intent``."""


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", commands=AGENTS) as built:
        yield built


def _filed(w: World, key: str, requester: str, subject: str, body: str, intent: str) -> None:
    """A ticket, planned as ``intent``: an agent corrects the intent if deskpilot did not act."""
    w.ticket(key, requester, subject, body)
    w.drain()
    if not w.runs(key):
        w.comment(key, "dave", f"/intent {intent}")
        w.drain()


def test_a_requester_who_may_not_ask_is_rejected_with_who_may(w: World) -> None:
    """Bob asks a password reset for Alice: rejected, one public reply naming who may ask."""
    _filed(
        w,
        "IT-1",
        "bob",
        "Password reset",
        "Reset the password for alice@example.com.",
        "password_reset",
    )

    assert w.ticket_row("IT-1").outcome == "rejected"
    [reply] = w.notes("IT-1", public=True)
    assert "at the request of the account's owner" in reply.body
    assert "may not ask" in w.text("IT-1", public=False)
    assert dict(w.directory.apply_counts) == {}  # type: ignore[attr-defined]


def test_by_default_waiting_and_expiry_are_internal_only(w: World) -> None:
    """A grant waits, is approved, applied and expires: one public reply, the fulfilment."""
    _filed(w, "IT-2", "bob", *GRANT, "access_grant")
    assert w.notes("IT-2", public=True) == []
    w.comment("IT-2", "olivia", "/approve")
    w.drain()
    w.advance(days=15)
    w.fire_timers()

    [reply] = w.notes("IT-2", public=True)
    assert "now has access" in reply.body
    internal = w.text("IT-2", public=False)
    assert "reply `/approve`" in internal
    assert "ended as planned" in internal


@pytest.mark.parametrize(
    ("event", "expected"),
    [("pending_approval", "Your manager's OK is on its way"), ("expired", "Access ended")],
    ids=["pending-approval-public", "expiry-public"],
)
def test_a_deployment_chooses_the_public_events_and_their_words(
    tmp_path: Path, event: str, expected: str
) -> None:
    """``playbooks.replies`` makes waiting or expiry public, in the deployment's own words."""
    replies = {
        "public": ["done", "nothing", "asked", "rejected", "declined", event],
        "templates": {
            "pending_approval": "Your manager's OK is on its way, {{ requester.first_name }}.",
            "expired": "Access ended for {{ ticket }}.",
        },
    }
    with world(f"sqlite:///{tmp_path / 'db.sqlite3'}", replies=replies, commands=AGENTS) as w:
        _filed(w, "IT-3", "bob", *GRANT, "access_grant")
        w.comment("IT-3", "olivia", "/approve")
        w.drain()
        w.advance(days=15)
        w.fire_timers()

        public = [n.body for n in w.notes("IT-3", public=True)]
    assert len(public) == 2
    assert any(expected in body for body in public), public


def test_the_done_reply_can_be_turned_off(tmp_path: Path) -> None:
    """With ``done`` not public, an unlock is resolved with the evidence note only."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with world(url, replies={"public": ["asked"]}, commands=AGENTS) as w:
        w.directory.lock(w.user("alice").id)  # type: ignore[attr-defined]
        _filed(
            w,
            "IT-4",
            "alice",
            "Locked out",
            "My account is locked, please unlock it.",
            "account_unlock",
        )
        assert w.user("alice").locked is False
        assert w.ticket_row("IT-4").outcome == "resolved"
        assert w.notes("IT-4", public=True) == []
        assert w.notes("IT-4", public=False) != []


def test_intent_correction_replans_without_the_classifier_and_is_kept(w: World) -> None:
    """A vague ticket escalates; ``/intent account_unlock`` re-plans it as an unlock at once."""
    w.directory.lock(w.user("alice").id)  # type: ignore[attr-defined]
    w.ticket("IT-5", "alice", "help", "things are weird since this morning, can someone look")
    w.drain()
    assert w.ticket_row("IT-5").outcome != "resolved"

    w.comment("IT-5", "dave", "/intent account_unlock")
    w.drain()

    assert w.user("alice").locked is False
    assert w.ticket_row("IT-5").outcome == "resolved"
    with w.rt.db.session() as session:
        decided = session.scalars(
            select(AuditRow.data).where(AuditRow.action == "ticket.decided").order_by(AuditRow.id)
        ).all()
    assert [d["route"] for d in decided][-1] == "correction"
    [example] = stored_corrections(w.rt.db)
    assert (example.intent, example.body) == (
        "account_unlock",
        "things are weird since this morning, can someone look",
    )
