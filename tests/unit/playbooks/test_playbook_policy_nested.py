"""Privilege and segregation-of-duties checks see membership through nested groups (issue 13.6)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.identity.memory import MemoryDirectory
from playbooks.load import Library
from playbooks.plan import build_plan, select_playbook
from playbooks.policy import decide
from tests.unit.playbooks.playbook_builders import NOW, request, settings, user

APPS = [
    {"name": "Payments", "group": "payments-approve", "owners": ["olivia"]},
    {"name": "Finance", "group": "finance-leads", "owners": ["olivia"]},
    {"name": "DC", "group": "dc-operators", "owners": ["olivia"]},
]

# (id, holdings: (login, group), nestings: (child, parent), intent, requester, kwargs, reason)
CASES = [
    (
        "reset-of-member-of-group-nested-in-domain-admins",
        [("alice", "tier0-helpdesk")],
        [("tier0-helpdesk", "Domain Admins")],
        "password_reset",
        "alice",
        {},
        "alice is in privileged group(s) Domain Admins: a person must do this",
    ),
    (
        "reset-through-two-levels-of-nesting",
        [("alice", "ops")],
        [("ops", "tier0-helpdesk"), ("tier0-helpdesk", "Domain Admins")],
        "password_reset",
        "alice",
        {},
        "privileged group(s) Domain Admins",
    ),
    (
        "grant-of-group-nested-in-domain-admins",
        [],
        [("dc-operators", "Domain Admins")],
        "access_grant",
        "alice",
        {"application": "DC"},
        "dc-operators is nested in privileged group(s) Domain Admins",
    ),
    (
        "sod-pair-held-through-nesting",
        [("carol", "payments-clerks")],
        [("payments-clerks", "payments-create")],
        "access_grant",
        "carol",
        {"application": "Payments"},
        "carol would hold both payments-approve and payments-create",
    ),
    (
        "sod-pair-reached-by-a-nested-added-group",
        [],
        [("finance-leads", "payments-approve")],
        "access_grant",
        "bob",
        {"application": "Finance"},
        "bob would hold both payments-approve and payments-create",
    ),
]


@pytest.mark.parametrize(
    ("holdings", "nestings", "intent", "requester", "kw", "reason"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_nested_membership_is_refused(
    library: Library,
    corp: MemoryDirectory,
    holdings: list[tuple[str, str]],
    nestings: list[tuple[str, str]],
    intent: str,
    requester: str,
    kw: dict[str, str],
    reason: str,
) -> None:
    """Membership through nested groups counts: the plan is refused and the directory untouched."""
    policy = settings(applications=[*settings().applications, *APPS])
    for login, group in holdings:
        corp.add_to_group(user(corp, login).id, group)
    for child, parent in nestings:
        corp.nest_group(child, parent)
    corp.apply_counts.clear()
    req = request(intent, corp, requester, **kw)
    playbook = select_playbook(library, req)
    assert playbook is not None

    plan = build_plan(playbook, req, corp, now=NOW, settings=policy)
    decision = decide(playbook, plan, req, policy, recent_resets=[NOW - timedelta(days=9)])

    assert decision.outcome == "refused", decision.reasons
    assert any(reason in r for r in decision.reasons), decision.reasons
    assert dict(corp.apply_counts) == {}


def test_direct_groups_stay_direct(corp: MemoryDirectory) -> None:
    """groups_of keeps reporting direct membership (steps add and remove direct memberships)."""
    alice = user(corp, "alice")
    corp.nest_group("sales", "revenue")

    assert corp.groups_of(alice.id) == ["all-staff", "sales"]
    assert corp.transitive_groups_of(alice.id) == ["all-staff", "revenue", "sales"]
    assert corp.groups_containing("sales") == ["revenue"]
