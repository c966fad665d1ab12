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


JIRA_FORM = {
    "customfield_10101": "Nina",
    "customfield_10102": "Newman",
    "customfield_10103": "Sales",
    "customfield_10104": "2026-12-01",
    "customfield_10105": "Contractor",
    "customfield_10106": "2027-02-28",
}
FIELD_NAMES = {
    "given_name": ("customfield_10101",),
    "family_name": ("customfield_10102",),
    "department": ("customfield_10199", "customfield_10103"),
    "start_date": ("customfield_10104",),
    "employment_type": ("customfield_10105",),
    "end_date": ("customfield_10106",),
}


@pytest.mark.parametrize(
    ("form", "playbook_name", "login"),
    [
        ({k: v for k, v in JIRA_FORM.items() if k != "customfield_10105"}, "onboarding", "nnewman"),
        (JIRA_FORM, "contractor-access", "ext-nnewman"),
    ],
    ids=["employee", "contractor"],
)
def test_desk_field_keys_are_read_under_their_configured_names(
    library: Library, corp: MemoryDirectory, form: dict[str, str], playbook_name: str, login: str
) -> None:
    """Jira sends form fields as ``customfield_*``; ``field_names`` says which name each one is."""
    policy = settings(field_names=FIELD_NAMES)
    req = request("account_create", corp, "maria", fields=form)
    playbook = select_playbook(library, req, policy)
    assert playbook is not None
    assert playbook.name == playbook_name
    plan = build_plan(playbook, req, corp, now=NOW, settings=policy)
    assert plan.kind == "apply", plan.reason or plan.question
    assert plan.steps[0].params["login"] == login


def test_without_field_names_the_form_is_not_understood(
    library: Library, corp: MemoryDirectory
) -> None:
    """Unnamed desk keys are not guessed: the requester is asked."""
    req = request("account_create", corp, "maria", fields=JIRA_FORM)
    playbook = select_playbook(library, req, settings())
    assert playbook is not None
    assert playbook.name == "onboarding"
    plan = build_plan(playbook, req, corp, now=NOW, settings=settings())
    assert plan.kind == "ask"
    assert "first name" in (plan.question or "")
