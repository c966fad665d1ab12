"""The policy assumptions are read by rule: other wordings and other groups give other overrides."""

from __future__ import annotations

from typing import Any

import pytest

from tests.acceptance.policy import overrides
from worker.wiring.files import load_library

GROUPS = {"change_approvers": "cab", "hr": "people", "service_desk": "desk"}
LIBRARY = load_library()

MANAGER_OR_OWNER_PER_ITEM = {"approval": {"rule": "catalogue", "fallback": "manager_or_owner"}}
CASES: list[tuple[str, str, tuple[str, ...], dict[str, Any]]] = [
    # id, sentence, the intents it names, the override every playbook answering them gets
    (
        "manager-or-owner-per-item",
        "P2 access_grant / license_request: approver = the target's manager OR an owner of the "
        "group/licence (approval_rule manager_or_owner); approval_rule owner_only = owners only.",
        ("access_grant", "license_request"),
        MANAGER_OR_OWNER_PER_ITEM,
    ),
    (
        "owner-only",
        "P9 license_reclaim: approver = an owner of the licence.",
        ("license_reclaim",),
        {"approval": {"rule": "owner_only"}},
    ),
    (
        "manager",
        "P5 mfa_reset: approver = target's manager.",
        ("mfa_reset",),
        {"approval": {"rule": "manager"}},
    ),
    (
        "policy-group",
        "P7 account_update of identity attributes (name): approver = a member of the HR group "
        "(policy_groups.hr: people-ops).",
        ("account_update",),
        {"approval": {"rule": "group", "group": "people"}},
    ),
    (
        "other-policy-group",
        "P5 mfa_reset: approver = a member of the service desk (policy_groups.service_desk).",
        ("mfa_reset",),
        {"approval": {"rule": "group", "group": "desk"}},
    ),
    (
        "owner-only-asks-unattended",
        "P4 account_unlock runs without approval when the requester's desk email matches the "
        "target's directory email (owner); otherwise refused.",
        ("account_unlock",),
        {"approval": {"rule": "none"}, "who_may_ask": {"target": True, "manager": False}},
    ),
    (
        "principle-configures-nothing",
        "P1 Nobody approves their own request: the requester and the target user can never "
        "approve, even when they are the target's manager or an owner of the group/licence.",
        (),
        {},
    ),
    (
        "several-intents",
        "P6 account_create (single or bulk): approver = a member of the change-approver group "
        "(policy_groups.change_approvers: it-cab).",
        ("account_create",),
        {"approval": {"rule": "group", "group": "cab"}},
    ),
]


@pytest.mark.parametrize(
    ("sentence", "intents", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_an_assumption_becomes_overrides(
    sentence: str, intents: tuple[str, ...], rule: dict[str, Any]
) -> None:
    """Each wording gives the rule it says, for every playbook answering its intents."""
    want = {p.name: rule for intent in intents for p in LIBRARY.for_intent(intent)}
    assert want or not intents
    assert overrides([sentence], GROUPS, LIBRARY) == want


def test_a_playbook_answering_several_intents_follows_its_first() -> None:
    """A playbook for new accounts and for access (first: new accounts) takes the first's rule."""
    both = [p for p in LIBRARY.for_intent("account_create") if "access_grant" in p.intents]
    assert both
    assert all(p.intents[0] == "account_create" for p in both)
    sentences = [CASES[0][1], CASES[-1][1]]
    found = overrides(sentences, GROUPS, LIBRARY)
    for playbook in both:
        assert found[playbook.name] == {"approval": {"rule": "group", "group": "cab"}}


def test_a_group_role_the_file_does_not_define_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"policy_groups\.security"):
        overrides(["P5 mfa_reset: approver = (policy_groups.security)."], GROUPS, LIBRARY)
