"""Licences named the way people write them, and offboarding on directories without sessions."""

from __future__ import annotations

import pytest

from connectors.identity import Capability
from connectors.identity.memory import MemoryDirectory
from playbooks.config import Application, PolicySettings
from playbooks.load import Library
from playbooks.plan import build_plan, select_playbook
from tests.unit.playbooks.playbook_builders import NOW, request, settings

M365 = Application(
    name="Microsoft 365",
    aliases=("M365", "Office 365"),
    group="m365-users",
    owners=("olivia",),
    license="m365-e3",
)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("m365-e3", "m365-e3"), ("Microsoft 365", "m365-e3"), ("office 365", "m365-e3")],
    ids=["licence-id", "catalogue-name", "catalogue-alias"],
)
def test_licence_input_resolves_through_the_catalogue(
    library: Library, corp: MemoryDirectory, written: str, expected: str
) -> None:
    """A licence named by its application (name or alias) becomes the directory's licence id."""
    policy = settings(applications=[M365])
    req = request("license_request", corp, "bob", application_text=written)
    playbook = select_playbook(library, req)
    assert playbook is not None
    plan = build_plan(playbook, req, corp, now=NOW, settings=policy)
    assert (plan.kind, plan.reason) == ("apply", None)
    assert [(s.kind, s.params["license"]) for s in plan.steps] == [("assign_license", expected)]


def test_unknown_licence_still_escalates(library: Library, corp: MemoryDirectory) -> None:
    """A name neither the directory nor the catalogue knows is for a person."""
    req = request("license_request", corp, "bob", application_text="Photoshop")
    playbook = select_playbook(library, req)
    assert playbook is not None
    plan = build_plan(playbook, req, corp, now=NOW, settings=settings(applications=[M365]))
    assert plan.kind == "escalate"
    assert "no licence `Photoshop`" in (plan.reason or "")


def test_offboarding_plans_on_a_directory_without_sessions_or_licences(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """LDAP and AD cannot revoke sessions: the step is left out instead of escalating the run."""
    corp.capabilities = frozenset(Capability) - {Capability.REVOKE_SESSIONS, Capability.LICENSES}
    req = request(
        "account_disable",
        corp,
        "maria",
        target_email="alice@example.com",
        fields={"leave_date": "2026-11-25"},
    )
    playbook = select_playbook(library, req)
    assert playbook is not None
    plan = build_plan(playbook, req, corp, now=NOW, settings=policy)
    assert (plan.kind, plan.reason) == ("apply", None)
    assert [s.kind for s in plan.steps] == [
        "disable_user",
        "remove_from_group",
        "remove_from_group",
        "handover",
    ]
