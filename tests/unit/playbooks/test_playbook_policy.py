"""Policy decisions and approval checks: who may ask, guardrails, who may approve."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from connectors.identity.memory import MemoryDirectory
from playbooks.approval import ApprovalRequirement, ApprovalStage, RecordedApproval, check_approval
from playbooks.config import PolicySettings
from playbooks.load import Library
from playbooks.plan import build_plan, select_playbook
from playbooks.policy import Decision, decide
from tests.unit.playbooks.playbook_builders import NOW, request, settings, user


def _decide(
    library: Library,
    corp: MemoryDirectory,
    policy: PolicySettings,
    intent: str,
    requester: str | None,
    recent: tuple[int, ...] = (),
    **kw: Any,
) -> Decision:
    req = request(intent, corp, requester, **kw)
    playbook = select_playbook(library, req)
    assert playbook is not None
    plan = build_plan(playbook, req, corp, now=NOW, settings=policy)
    resets = [NOW - timedelta(minutes=m) for m in recent]
    return decide(playbook, plan, req, policy, recent_resets=resets)


# (id, intent, requester, recent resets (minutes ago), kwargs, outcome, reason fragment)
CASES: list[tuple[str, str, str | None, tuple[int, ...], dict[str, Any], str, str]] = [
    ("unlock-own-auto", "account_unlock", "alice", (), {}, "auto", "risk low"),
    ("reset-own-auto", "password_reset", "alice", (), {}, "auto", "risk medium"),
    (
        "reset-for-someone-else-rejected",
        "password_reset",
        "bob",
        (),
        {"target_email": "alice@example.com"},
        "rejected",
        "bob may not ask for `password-reset` for alice: only the account's owner may",
    ),
    (
        "reset-by-manager-rejected",
        "password_reset",
        "maria",
        (),
        {"target_email": "alice@example.com"},
        "rejected",
        "only the account's owner may",
    ),
    (
        "unlock-by-manager-allowed",
        "account_unlock",
        "maria",
        (),
        {"target_email": "alice@example.com"},
        "auto",
        "risk low",
    ),
    (
        "reset-rate-limited",
        "password_reset",
        "alice",
        (5, 20, 50),
        {},
        "refused",
        "3 resets already asked for in the last 1h",
    ),
    (
        "old-resets-do-not-count",
        "password_reset",
        "alice",
        (61, 120, 500),
        {},
        "auto",
        "risk medium",
    ),
    (
        "requester-unknown-refused",
        "account_unlock",
        None,
        (),
        {"target_email": "alice@example.com"},
        "refused",
        "has no account in the directory",
    ),
    (
        "privileged-account-refused",
        "account_unlock",
        "administrator",
        (),
        {},
        "refused",
        "administrator is a privileged account",
    ),
    ("privileged-group-member-refused", "password_reset", "sam", (), {}, "auto", "risk medium"),
    (
        "grant-needs-app-owner",
        "access_grant",
        "alice",
        (),
        {"application": "sfdc"},
        "needs_approval",
        "needs approval by catalogue",
    ),
    (
        "mfa-needs-manager",
        "mfa_reset",
        "alice",
        (),
        {},
        "needs_approval",
        "needs approval by manager",
    ),
    (
        "offboarding-needs-hr",
        "account_disable",
        "maria",
        (),
        {"target_email": "bob@example.com", "fields": {"leave_date": "2026-12-01"}},
        "needs_approval",
        "needs approval by group",
    ),
    (
        "sod-conflict-refused",
        "access_grant",
        "bob",
        (),
        {"application": "Payments"},
        "refused",
        "bob would hold both payments-approve and payments-create",
    ),
    (
        "unlock-for-a-colleague-not-locked-rejected",
        "account_unlock",
        "alice",
        (),
        {"target_email": "bob@example.com"},
        "rejected",
        "alice may not ask for `account-unlock` for bob: only the account's owner or their manager",
    ),
    ("unlock-own-not-locked-nothing", "account_unlock", "bob", (), {}, "auto", "nothing will"),
    (
        "unknown-sender-not-locked-refused",
        "account_unlock",
        None,
        (),
        {"target_email": "bob@example.com"},
        "refused",
        "has no account in the directory",
    ),
    (
        "escalated-plan-refused",
        "access_grant",
        "alice",
        (),
        {"application": "Nonexistent"},
        "refused",
        "not in the application catalogue",
    ),
]


@pytest.mark.parametrize(
    ("intent", "requester", "recent", "kw", "outcome", "reason"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_decision(
    library: Library,
    corp: MemoryDirectory,
    intent: str,
    requester: str | None,
    recent: tuple[int, ...],
    kw: dict[str, Any],
    outcome: str,
    reason: str,
) -> None:
    """Each guardrail gives the expected outcome with a reason a person can act on."""
    policy = settings(
        applications=[
            *settings().applications,
            {"name": "Payments", "group": "payments-approve", "owners": ["olivia"]},
        ]
    )
    for login in ("alice", "administrator"):
        corp.lock(user(corp, login).id)

    decision = _decide(library, corp, policy, intent, requester, recent, **kw)

    assert decision.outcome == outcome
    assert any(reason in r for r in decision.reasons), decision.reasons


def test_privileged_group_in_plan_is_refused(library: Library, corp: MemoryDirectory) -> None:
    """A catalogue entry that grants Domain Admins is never applied automatically."""
    policy = settings(applications=[{"name": "DC", "group": "Domain Admins", "owners": ["olivia"]}])

    decision = _decide(library, corp, policy, "access_grant", "alice", application="DC")

    assert decision.outcome == "refused"
    assert (
        "the plan changes privileged group(s) Domain Admins: a person must do this"
        in decision.reasons
    )


def test_member_of_privileged_group_is_refused(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """Resetting the password of a Domain Admin is left to a person."""
    sam = user(corp, "sam")
    corp.add_to_group(sam.id, "Domain Admins")

    decision = _decide(library, corp, policy, "password_reset", "sam")

    assert (
        decision.outcome,
        decision.reasons[0],
    ) == ("refused", "sam is in privileged group(s) Domain Admins: a person must do this")


def test_blast_radius_adds_security_approval(library: Library, corp: MemoryDirectory) -> None:
    """More changes than the blast radius need the security group on top of the rule."""
    policy = settings(blast_radius=3)

    decision = _decide(
        library,
        corp,
        policy,
        "account_create",
        "maria",
        fields={
            "given_name": "Nina",
            "family_name": "N",
            "department": "Engineering",
            "start_date": "2026-12-01",
        },
    )

    assert decision.outcome == "needs_approval"
    assert decision.approvals is not None
    assert [s.kind for s in decision.approvals.stages] == ["security"]
    assert "5 changes exceed the blast radius of 3" in decision.reasons
    assert Decision.from_json(decision.to_json()) == decision


def test_critical_tier_always_adds_security(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """A critical playbook needs the security group even when its own rule is satisfied."""
    req = request("mfa_reset", corp, "alice")
    playbook = select_playbook(library, req)
    assert playbook is not None
    critical = playbook.model_copy(update={"risk": "critical"})
    plan = build_plan(critical, req, corp, now=NOW, settings=policy)

    decision = decide(critical, plan, req, policy, recent_resets=[])

    assert decision.approvals is not None
    assert [s.kind for s in decision.approvals.stages] == ["manager", "security"]


MANAGER = ApprovalRequirement(
    (ApprovalStage("manager", "the manager of alice", ("maria",)),), expires_after_s=86400
)
TWO_OF_THREE = ApprovalRequirement(
    (
        ApprovalStage(
            "n_of_m", "olivia, oscar, sam", ("olivia", "oscar@example.com", "sam"), count=2
        ),
    )
)
SECURITY = ApprovalRequirement(
    (ApprovalStage("security", "a member of security-approvers", group="security-approvers"),)
)

# (id, requirement, approver, requester, target, approver groups, earlier approvals [(login, stage, minutes ago)], accepted, complete, reason)
APPROVALS: list[
    tuple[
        str,
        ApprovalRequirement,
        str | None,
        str,
        str,
        tuple[str, ...],
        list[tuple[str, int, int]],
        bool,
        bool,
        str,
    ]
] = [
    (
        "manager-approves",
        MANAGER,
        "maria",
        "alice",
        "alice",
        (),
        [],
        True,
        True,
        "approved by maria (1 of 1",
    ),
    (
        "self-approval-by-requester",
        MANAGER,
        "maria",
        "maria",
        "alice",
        (),
        [],
        False,
        False,
        "asked for this change",
    ),
    (
        "approval-by-target",
        TWO_OF_THREE,
        "sam",
        "maria",
        "sam",
        (),
        [],
        False,
        False,
        "is the person this change is for",
    ),
    (
        "wrong-person",
        MANAGER,
        "bob",
        "alice",
        "alice",
        (),
        [],
        False,
        False,
        "bob may not approve this: it needs the manager of alice",
    ),
    (
        "unknown-approver",
        MANAGER,
        None,
        "alice",
        "alice",
        (),
        [],
        False,
        False,
        "not in the directory",
    ),
    ("first-of-two", TWO_OF_THREE, "olivia", "alice", "alice", (), [], True, False, "1 of 2"),
    (
        "second-of-two-by-email",
        TWO_OF_THREE,
        "oscar",
        "alice",
        "alice",
        (),
        [("olivia", 0, 5)],
        True,
        True,
        "2 of 2",
    ),
    (
        "same-person-twice",
        TWO_OF_THREE,
        "olivia",
        "alice",
        "alice",
        (),
        [("olivia", 0, 5)],
        False,
        False,
        "already approved",
    ),
    (
        "expired-approval-is-redone",
        MANAGER,
        "maria",
        "alice",
        "alice",
        (),
        [("maria", 0, 60 * 25)],
        True,
        True,
        "1 of 1",
    ),
    (
        "group-member-approves",
        SECURITY,
        "sam",
        "alice",
        "alice",
        ("security-approvers",),
        [],
        True,
        True,
        "approved by sam",
    ),
    (
        "non-member-refused",
        SECURITY,
        "olivia",
        "alice",
        "alice",
        ("it",),
        [],
        False,
        False,
        "needs a member of security-approvers",
    ),
]


@pytest.mark.parametrize(
    (
        "req",
        "approver",
        "requester",
        "target",
        "groups",
        "earlier",
        "accepted",
        "complete",
        "reason",
    ),
    [a[1:] for a in APPROVALS],
    ids=[a[0] for a in APPROVALS],
)
def test_check_approval(
    corp: MemoryDirectory,
    req: ApprovalRequirement,
    approver: str | None,
    requester: str,
    target: str,
    groups: tuple[str, ...],
    earlier: list[tuple[str, int, int]],
    accepted: bool,
    complete: bool,
    reason: str,
) -> None:
    """Approvals count only from the right, distinct, other people, and only while fresh."""
    existing = [
        RecordedApproval(user(corp, login).id, login, stage, NOW - timedelta(minutes=ago))
        for login, stage, ago in earlier
    ]

    verdict = check_approval(
        req,
        user(corp, approver) if approver else None,
        requester=user(corp, requester),
        target=user(corp, target),
        approver_groups=groups,
        existing=existing,
        now=NOW,
    )

    assert (verdict.accepted, verdict.complete) == (accepted, complete), verdict.reason
    assert reason in verdict.reason


def test_disabled_approver_refused(corp: MemoryDirectory) -> None:
    """A disabled account approves nothing."""
    maria = user(corp, "maria")
    corp.disable_user(maria.id)

    verdict = check_approval(
        MANAGER,
        dataclasses.replace(user(corp, "maria")),
        requester=user(corp, "alice"),
        target=user(corp, "alice"),
        approver_groups=(),
        existing=(),
        now=NOW,
    )

    assert (verdict.accepted, verdict.reason) == (False, "maria is disabled in the directory")
