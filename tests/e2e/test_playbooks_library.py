"""Library playbooks end to end on the in-memory directory: a realistic ticket to its outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.playbooks.world import POLICY, World, world

M365 = {
    "name": "Microsoft 365",
    "aliases": ["M365", "Office 365"],
    "group": "m365-users",
    "owners": ["olivia"],
    "license": "m365-e3",
}
CATALOGUE: dict[str, Any] = {"applications": [*POLICY["applications"], M365]}
"""The world's catalogue plus Microsoft 365, so a licence named as people write it is found."""


@dataclass(frozen=True)
class Case:
    """One ticket: who files it, what it says, who approves, what must hold afterwards."""

    playbook: str
    requester: str
    subject: str
    body: str
    check: Callable[[World], None]
    approver: str | None = None
    prepare: Callable[[World], object] = lambda w: None
    public: tuple[str, ...] = ()
    internal: tuple[str, ...] = field(default=("✅ read back",))
    policy: dict[str, Any] = field(default_factory=dict)


def _unlocked(w: World) -> None:
    assert w.user("alice").locked is False


def _reset_sent(w: World) -> None:
    assert w.directory.reset_emails == [w.user("alice").id]  # type: ignore[attr-defined]


def _mfa_gone(w: World) -> None:
    assert w.directory.apply_counts[("reset_mfa", w.user("alice").id)] == 1  # type: ignore[attr-defined]


def _granted(w: World) -> None:
    assert "app-salesforce" in w.groups("bob")


def _revoked(w: World) -> None:
    assert "app-salesforce" not in w.groups("bob")


def _offboarded(w: World) -> None:
    alice = w.user("alice")
    assert str(alice.status.value) == "disabled"
    assert w.groups("alice") == []


def _licensed(w: World) -> None:
    assert w.directory.licenses_of(w.user("bob").id) == ["m365-e3"]


def _reclaimed(w: World) -> None:
    assert w.directory.licenses_of(w.user("alice").id) == []


CASES = [
    Case(
        "account-unlock",
        "alice",
        "Locked out of my account",
        "My account is locked after too many attempts, please unlock it.",
        _unlocked,
        prepare=lambda w: w.directory.lock(w.user("alice").id),  # type: ignore[attr-defined]
        public=("is unlocked",),
    ),
    Case(
        "password-reset",
        "alice",
        "Forgot my password",
        "I forgot my password, please reset it.",
        _reset_sent,
        public=("password reset link has been sent",),
        internal=("delivered by the directory's reset flow",),
    ),
    Case(
        "mfa-reset",
        "alice",
        "Reset my MFA",
        "I got a new phone, please reset my MFA.",
        _mfa_gone,
        approver="maria",
        prepare=lambda w: w.directory.set_mfa_factors(w.user("alice").id, ("totp",)),  # type: ignore[attr-defined]
    ),
    Case(
        "access-grant",
        "bob",
        "Need access to Salesforce",
        "Please give me access to Salesforce for 2 weeks.",
        _granted,
        approver="olivia",
        public=("now has access to Salesforce until 2026-12-09",),
    ),
    Case(
        "access-revoke",
        "bob",
        "Remove my Salesforce access",
        "I no longer need Salesforce, please remove my access to Salesforce.",
        _revoked,
        prepare=lambda w: w.directory.add_to_group(w.user("bob").id, "app-salesforce"),
    ),
    Case(
        "offboarding",
        "maria",
        "Offboarding: Alice Liddell leaving",
        "Alice Liddell (alice@example.com) is leaving the company, her last day is 2026-11-25. "
        "Please disable her account.",
        _offboarded,
        approver="olivia",
        public=("has been offboarded",),
    ),
    Case(
        "license-request",
        "bob",
        "Need a Microsoft 365 licence",
        "Please assign me a Microsoft 365 licence, I need Outlook and Teams.",
        _licensed,
        approver="maria",
        public=("the licence m365-e3 is assigned to **bob**",),
        policy=CATALOGUE,
    ),
    Case(
        "license-reclaim",
        "dave",
        "Unused licence: remove Microsoft 365 from alice@example.com",
        "The Microsoft 365 licence of alice@example.com is unused, please remove the license "
        "and free the seat.",
        _reclaimed,
        public=("has been removed from **alice**",),
        policy=CATALOGUE,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.playbook for c in CASES])
def test_playbook_runs_to_its_outcome(case: Case, tmp_path: Path) -> None:
    """The ticket is answered by its playbook, applied (after approval if needed) and resolved."""
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", **case.policy) as w:
        case.prepare(w)
        w.ticket("IT-1", case.requester, case.subject, case.body)
        w.drain()
        runs = w.runs("IT-1")
        assert [r.playbook for r in runs] == [case.playbook]
        if case.approver is not None:
            assert runs[0].state == "waiting_approval"
            assert "/approve" in w.text("IT-1", public=False)
            w.comment("IT-1", case.approver, "/approve")
            w.drain()
        assert w.runs("IT-1")[0].state == "applied"
        assert w.ticket_row("IT-1").outcome == "resolved"
        assert w.desk.statuses["IT-1"] == "resolved"
        case.check(w)
        public, internal = w.text("IT-1", public=True), w.text("IT-1", public=False)
        assert all(p in public for p in case.public), public
        assert all(i in internal for i in case.internal), internal
        assert f"(`{case.playbook}`)" in internal
