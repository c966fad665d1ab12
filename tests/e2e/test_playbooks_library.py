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
FIELD_NAMES = {
    "given_name": ["customfield_10101"],
    "family_name": ["customfield_10102"],
    "department": ["customfield_10103"],
    "start_date": ["customfield_10104"],
    "new_title": ["customfield_10110"],
}
"""How the Jira form's custom fields are named for the playbooks (``playbooks.field_names``)."""
STARTER = {
    "customfield_10101": "Nina",
    "customfield_10102": "Novak",
    "customfield_10103": {"id": "10301", "value": "Sales"},
    "customfield_10104": "2026-12-01",
}
"""A JSM onboarding form: text fields, a select list for the department, a date picker."""
BULK_CSV = (
    "given_name,family_name,email,department,start_date\n"
    "Nina,Novak,nina@example.com,Sales,2026-12-01\n"
    "Quinn,Quist,quinn@example.com,Engineering,2026-12-02\n"
)
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
    fields: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)


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


def _onboarded(w: World) -> None:
    nina = w.user("nnovak")
    assert (nina.given_name, nina.family_name, nina.department) == ("Nina", "Novak", "Sales")
    assert nina.manager_id == w.user("maria").id
    assert w.groups("nnovak") == ["all-staff", "sales"]
    assert w.directory.licenses_of(nina.id) == ["m365-e3"]


def _retitled(w: World) -> None:
    assert w.user("bob").title == "Senior Account Executive"


def _bulk_onboarded(w: World) -> None:
    assert w.groups("nnovak") == ["all-staff", "sales"]
    assert w.groups("qquist") == ["all-staff", "app-github", "engineering"]


def _csv(w: World) -> None:
    w.desk.add_attachment("IT-1", "31001", BULK_CSV.encode())


CSV_ATTACHMENT = {
    "self": "https://acme-it.atlassian.net/rest/api/3/attachment/31001",
    "id": "31001",
    "filename": "starters.csv",
    "size": len(BULK_CSV),
    "mimeType": "text/csv",
    "content": "https://acme-it.atlassian.net/rest/api/3/attachment/content/31001",
}

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
    Case(
        "onboarding",
        "maria",
        "New starter: Nina Novak",
        "Please create an account for our new starter Nina Novak, who joins Sales on 2026-12-01.",
        _onboarded,
        public=("sign-in name\n**nnovak**",),
        policy={"field_names": FIELD_NAMES},
        fields=STARTER,
    ),
    Case(
        "account-update",
        "bob",
        "Update my job title",
        "I was promoted, please update my job title in the directory to Senior Account Executive.",
        _retitled,
        approver="maria",
        public=("the details of **bob** are updated",),
        policy={"field_names": FIELD_NAMES},
        fields={"customfield_10110": "Senior Account Executive"},
    ),
    Case(
        "bulk-onboarding",
        "maria",
        "New starters in December",
        "Please create accounts for the new starters listed in the attached file.",
        _bulk_onboarded,
        approver="olivia",
        prepare=_csv,
        attachments=[CSV_ATTACHMENT],
        internal=("2 row(s) ready",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.playbook for c in CASES])
def test_playbook_runs_to_its_outcome(case: Case, tmp_path: Path) -> None:
    """The ticket is answered by its playbook, applied (after approval if needed) and resolved."""
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", **case.policy) as w:
        case.prepare(w)
        w.ticket(
            "IT-1",
            case.requester,
            case.subject,
            case.body,
            fields=case.fields,
            attachments=case.attachments,
        )
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


def test_contractor_access_ends_on_its_end_date(tmp_path: Path) -> None:
    """Security approves; at the end date the groups are removed and the account is disabled."""
    names = {
        **FIELD_NAMES,
        "employment_type": ["customfield_10120"],
        "end_date": ["customfield_10121"],
    }
    form = {**STARTER, "customfield_10120": {"id": "10401", "value": "Contractor"}}
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", field_names=names) as w:
        w.ticket(
            "IT-1", "maria", "New starter: Nina Novak",
            "Please create an account for our new starter Nina Novak, who joins Sales on 2026-12-01.",
            fields={**form, "customfield_10121": "2027-01-31"},
        )  # fmt: skip
        w.drain()
        assert [(r.playbook, r.state) for r in w.runs("IT-1")] == [
            ("contractor-access", "waiting_approval")
        ]
        w.comment("IT-1", "sam", "/approve")
        w.drain()
        assert w.groups("ext-nnovak") == ["all-staff", "sales"]
        assert "until 2027-01-31" in w.text("IT-1", public=True)
        w.now = w.now.replace(year=2027, month=1, day=31, hour=9, minute=1)
        assert w.fire_timers() == 1
        assert w.groups("ext-nnovak") == []
        assert str(w.user("ext-nnovak").status.value) == "disabled"
