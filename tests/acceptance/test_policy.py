"""The policy assumptions are read by rule: other wordings and other groups give other overrides."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.policy import overrides
from worker.wiring.files import load_library

GROUPS = {"change_approvers": "cab", "hr": "people", "service_desk": "desk"}
LIBRARY = load_library()

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "manager-or-owner-per-item",
        "P2 access_grant / license_request: approver = the target's manager OR an owner of the "
        "group/licence (approval_rule manager_or_owner); approval_rule owner_only = owners only.",
        {
            name: {"approval": {"rule": "catalogue", "fallback": "manager_or_owner"}}
            for name in ("access-grant", "contractor-access", "license-request")
        },
    ),
    (
        "owner-only",
        "P9 license_reclaim: approver = an owner of the licence.",
        {"license-reclaim": {"approval": {"rule": "owner_only"}}},
    ),
    (
        "manager",
        "P5 mfa_reset: approver = target's manager.",
        {"mfa-reset": {"approval": {"rule": "manager"}}},
    ),
    (
        "policy-group",
        "P7 account_update of identity attributes (name): approver = a member of the HR group "
        "(policy_groups.hr: people-ops).",
        {"account-update": {"approval": {"rule": "group", "group": "people"}}},
    ),
    (
        "other-policy-group",
        "P5 mfa_reset: approver = a member of the service desk (policy_groups.service_desk).",
        {"mfa-reset": {"approval": {"rule": "group", "group": "desk"}}},
    ),
    (
        "owner-only-asks-unattended",
        "P4 account_unlock runs without approval when the requester's desk email matches the "
        "target's directory email (owner); otherwise refused.",
        {
            "account-unlock": {
                "approval": {"rule": "none"},
                "who_may_ask": {"target": True, "manager": False},
            }
        },
    ),
    (
        "principle-configures-nothing",
        "P1 Nobody approves their own request: the requester and the target user can never "
        "approve, even when they are the target's manager or an owner of the group/licence.",
        {},
    ),
    (
        "several-intents-first-one-wins",
        "P6 account_create (single or bulk): approver = a member of the change-approver group "
        "(policy_groups.change_approvers: it-cab).",
        {
            "bulk-onboarding": {"approval": {"rule": "group", "group": "cab"}},
            "contractor-access": {"approval": {"rule": "group", "group": "cab"}},
            "onboarding": {"approval": {"rule": "group", "group": "cab"}},
        },
    ),
]


@pytest.mark.parametrize(("sentence", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_assumption_becomes_overrides(sentence: str, want: dict[str, Any]) -> None:
    """Each wording gives the rule it says, for every playbook answering its intents."""
    assert overrides([sentence], GROUPS, LIBRARY) == want


def test_a_group_role_the_file_does_not_define_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"policy_groups\.security"):
        overrides(["P5 mfa_reset: approver = (policy_groups.security)."], GROUPS, LIBRARY)
