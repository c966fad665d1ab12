"""The notes each run writes: friendly public replies, evidence for agents, never a password."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.identity import Capability
from connectors.identity.memory import MemoryDirectory
from playbooks.config import PolicySettings
from playbooks.load import Library
from playbooks.notes import note_status, render_internal_note, render_public_reply
from tests.unit.playbooks.playbook_builders import FakeSecrets, company, run_scenario, user
from tests.unit.playbooks.test_playbook_library import CASES, _prepare

APPROVERS = {
    "access-grant": "olivia",
    "mfa-reset": "maria",
    "offboarding": "maria",
    "account-update": "maria",
    "license-request": "maria",
    "contractor": "sam",
}


@pytest.mark.parametrize(
    ("intent", "requester", "kw"), [c[1:4] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_playbook_writes_clean_notes(
    library: Library,
    corp: MemoryDirectory,
    policy: PolicySettings,
    request: pytest.FixtureRequest,
    intent: str,
    requester: str,
    kw: dict[str, Any],
) -> None:
    """After a full run each playbook says 'done' publicly, with evidence internally, and leaks nothing."""
    _prepare(corp)
    case_id = request.node.callspec.id
    approver: str | None = APPROVERS.get(case_id)
    if case_id == "offboarding":
        corp.add_to_group(user(corp, "olivia").id, "hr-team")
        approver = "olivia"
    if case_id == "account-update":
        # the manager cannot approve their own request: Bob asks, Maria approves
        requester, kw = "bob", {"fields": kw["fields"]}

    playbook, facts = run_scenario(library, corp, policy, intent, requester, kw, approver=approver)
    public, internal = render_public_reply(playbook, facts), render_internal_note(playbook, facts)

    assert note_status(facts) == "done", internal
    assert "None" not in public
    assert "#### Changes" in internal
    assert "✅" in internal
    assert FakeSecrets.password not in public + internal


def test_one_time_link_goes_to_the_owner_only(library: Library, policy: PolicySettings) -> None:
    """The one-time link is in the requester's reply, masked in the agents' note; the password is nowhere."""
    directory = company()
    directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}

    playbook, facts = run_scenario(library, directory, policy, "password_reset", "alice", {})
    public, internal = render_public_reply(playbook, facts), render_internal_note(playbook, facts)

    link = f"https://secrets.example.com/s/once-{user(directory, 'alice').id}"
    assert link in public
    assert link not in internal
    assert "one_time_link: sent to the owner" in internal
    assert FakeSecrets.password not in public + internal + facts.plan.to_json() + repr(facts)


STATUS_CASES = [
    ("asked", "access_grant", "alice", {}, "which application or system do you need access to?"),
    (
        "rejected",
        "password_reset",
        "bob",
        {"target_email": "alice@example.com"},
        "passwords can only be reset at the request of the account's owner",
    ),
    ("pending", "mfa_reset", "alice", {}, "your manager has to confirm this request first"),
    ("nothing", "account_unlock", "alice", {}, "is not locked, so nothing needed changing"),
    (
        "escalated",
        "access_grant",
        "alice",
        {"application": "Unknown"},
        "a member of the service desk will look at your request",
    ),
]


@pytest.mark.parametrize(
    ("intent", "requester", "kw", "phrase"),
    [c[1:] for c in STATUS_CASES],
    ids=[c[0] for c in STATUS_CASES],
)
def test_public_reply_per_status_has_no_internal_detail(
    library: Library,
    corp: MemoryDirectory,
    policy: PolicySettings,
    intent: str,
    requester: str,
    kw: dict[str, Any],
    phrase: str,
) -> None:
    """Questions, refusals, waits and escalations read well and do not show the agents' reasons."""
    playbook, facts = run_scenario(library, corp, policy, intent, requester, kw)

    public = render_public_reply(playbook, facts)

    assert phrase in public.lower().replace("\n", " ").replace("  ", " ")
    assert "catalogue" not in public
    assert "policy" not in public
