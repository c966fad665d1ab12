"""Every shipped playbook, planned for a realistic request and run step by step with verification."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from connectors.errors import RejectedError
from connectors.identity.memory import MemoryDirectory
from playbooks.config import PolicySettings
from playbooks.load import Library
from playbooks.plan import Plan, PlannedStep, build_plan, select_playbook
from playbooks.render import render_plan
from playbooks.steps import compensations_for, execute_step, revocation_steps, verify_step
from tests.unit.playbooks.playbook_builders import NOW, FakeSecrets, request, user

NEW_STARTER = {
    "given_name": "Nina",
    "family_name": "Newman",
    "email": "nina@example.com",
    "department": "Sales",
    "title": "Sales Engineer",
    "start_date": "2026-12-01",
}

# (id, intent, requester, request kwargs, expected playbook, expected step kinds)
CASES: list[tuple[str, str, str, dict[str, Any], str, list[str]]] = [
    ("unlock", "account_unlock", "alice", {}, "account-unlock", ["unlock"]),
    ("password-reset", "password_reset", "alice", {}, "password-reset", ["send_password_reset"]),
    (
        "onboarding",
        "account_create",
        "maria",
        {"fields": NEW_STARTER},
        "onboarding",
        ["create_user", "add_to_group", "add_to_group", "add_to_group", "assign_license"],
    ),
    (
        "access-grant",
        "access_grant",
        "bob",
        {"application": "sfdc", "duration_s": 14 * 86400},
        "access-grant",
        ["add_to_group", "assign_license"],
    ),
    (
        "access-revoke",
        "access_revoke",
        "maria",
        {"target_email": "alice@example.com", "application": "Salesforce"},
        "access-revoke",
        ["remove_from_group", "remove_license"],
    ),
    ("mfa-reset", "mfa_reset", "alice", {}, "mfa-reset", ["reset_mfa", "revoke_sessions"]),
    (
        "offboarding",
        "account_disable",
        "maria",
        {"target_email": "alice@example.com", "fields": {"leave_date": "2026-11-30"}},
        "offboarding",
        [
            "disable_user",
            "revoke_sessions",
            "remove_from_group",
            "remove_from_group",
            "remove_from_group",
            "remove_license",
            "remove_license",
            "handover",
        ],
    ),
    (
        "account-update",
        "account_update",
        "maria",
        {
            "target_email": "bob@example.com",
            "fields": {"new_title": "Lead", "new_manager": "olivia"},
        },
        "account-update",
        ["update_user"],
    ),
    (
        "license-request",
        "license_request",
        "bob",
        {"fields": {"license": "sf-sales"}},
        "license-request",
        ["assign_license"],
    ),
    (
        "license-reclaim",
        "license_reclaim",
        "maria",
        {"target_email": "alice@example.com", "fields": {"license": "m365-e3"}},
        "license-reclaim",
        ["remove_license"],
    ),
    (
        "contractor",
        "account_create",
        "maria",
        {"fields": {**NEW_STARTER, "employment_type": "Contractor", "end_date": "2027-02-28"}},
        "contractor-access",
        ["create_user", "add_to_group", "add_to_group"],
    ),
]


def _prepare(corp: MemoryDirectory) -> None:
    alice = user(corp, "alice")
    corp.lock(alice.id)
    corp.add_to_group(alice.id, "app-salesforce")
    corp.assign_license(alice.id, "sf-sales")


def _plan(
    library: Library,
    corp: MemoryDirectory,
    policy: PolicySettings,
    intent: str,
    requester: str,
    kw: dict[str, Any],
) -> Plan:
    req = request(intent, corp, requester, **kw)
    playbook = select_playbook(library, req)
    assert playbook is not None
    return build_plan(playbook, req, corp, now=NOW, settings=policy)


@pytest.mark.parametrize(
    ("intent", "requester", "kw", "name", "kinds"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_playbook_plans_runs_and_verifies(
    library: Library,
    corp: MemoryDirectory,
    policy: PolicySettings,
    intent: str,
    requester: str,
    kw: dict[str, Any],
    name: str,
    kinds: list[str],
) -> None:
    """The right playbook is chosen, its plan has the expected steps, and each step runs and reads back."""
    _prepare(corp)
    plan = _plan(library, corp, policy, intent, requester, kw)

    assert (plan.playbook, plan.kind, [s.kind for s in plan.steps]) == (name, "apply", kinds), (
        render_plan(plan)
    )
    for step in plan.steps:
        execute_step(step, {corp.name: corp}, secrets=FakeSecrets())
        assert verify_step(step, {corp.name: corp}).ok, step.description


def test_offboarding_waits_for_leave_date_and_hands_over(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """Offboarding is scheduled for the leaver date and hands the mailbox to the manager."""
    plan = _plan(library, corp, policy, "account_disable", "maria", CASES[6][3])

    handover = plan.steps[-1]
    assert plan.not_before is not None
    assert plan.not_before.date().isoformat() == "2026-11-30"
    assert (handover.manual, handover.target.login) == (True, "maria")
    assert "The account is disabled, not deleted" in plan.notes[0]


@pytest.mark.parametrize(
    "label",
    ["Last working day", "Leaving date", "Date of leaving", "Termination date", "Exit date"],
    ids=["last-working-day", "leaving-date", "date-of-leaving", "termination-date", "exit-date"],
)
def test_offboarding_reads_the_leave_date_from_the_forms_own_label(
    library: Library, corp: MemoryDirectory, policy: PolicySettings, label: str
) -> None:
    """A leaver form names its date in its own words; the plan waits for that date all the same."""
    kw = {"target_email": "alice@example.com", "fields": {label: "2026-11-30"}}
    plan = _plan(library, corp, policy, "account_disable", "maria", kw)

    assert plan.kind != "ask", plan.question
    assert plan.not_before is not None
    assert plan.not_before.date().isoformat() == "2026-11-30"


def test_access_grant_is_time_bound_and_capped(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """A grant for a year is capped at the playbook's 180 days, on every time-bound step."""
    plan = _plan(
        library,
        corp,
        policy,
        "access_grant",
        "alice",
        {"application": "sfdc", "duration_s": 365 * 86400},
    )

    assert plan.until == NOW + timedelta(days=180)
    assert {s.until for s in plan.steps} == {NOW + timedelta(days=180)}


def test_contractor_without_end_date_is_asked(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """Contractor access needs an end date: without one the requester is asked."""
    plan = _plan(
        library,
        corp,
        policy,
        "account_create",
        "maria",
        {"fields": {**NEW_STARTER, "employment_type": "contractor"}},
    )

    assert (plan.kind, plan.missing) == ("ask", ("until",))


def test_revocation_rechecks_directory_and_removes_readded_access(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """At expiry the access is removed; if someone adds it back, the next revocation removes it again."""
    plan = _plan(
        library,
        corp,
        policy,
        "access_grant",
        "bob",
        {"application": "Salesforce", "duration_s": 86400},
    )
    directories = {corp.name: corp}
    for step in plan.steps:
        execute_step(step, directories, secrets=FakeSecrets())
    bob = user(corp, "bob")

    first = revocation_steps(plan, directories)
    for step in first:
        execute_step(step, directories, secrets=FakeSecrets())
    corp.add_to_group(bob.id, "app-salesforce")
    second = revocation_steps(plan, directories)

    assert [(s.kind, s.changed) for s in first] == [
        ("remove_license", True),
        ("remove_from_group", True),
    ]
    assert [(s.kind, s.changed) for s in second] == [
        ("remove_license", False),
        ("remove_from_group", True),
    ]
    for step in second:
        execute_step(step, directories, secrets=FakeSecrets())
        assert verify_step(step, directories).ok
    assert "app-salesforce" not in corp.groups_of(bob.id)


def test_contractor_expiry_disables_the_account(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """A contractor's expiry removes the role groups first, then disables (not deletes) the account."""
    plan = _plan(library, corp, policy, "account_create", "maria", CASES[10][3])

    kinds = [s.kind for s in revocation_steps(plan)]

    assert kinds == ["remove_from_group", "remove_from_group", "disable_user"]


def test_failed_step_compensates_completed_steps_in_reverse(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """When a step fails, the steps already done are undone, last first, and the directory is as before."""
    req_kw = {"fields": {**NEW_STARTER, "department": "Engineering"}}
    plan = _plan(library, corp, policy, "account_create", "maria", req_kw)
    directories = {corp.name: corp}
    corp._seats["m365-e3"] = (
        1  # the last seat goes to someone else before the run reaches the licence step
    )
    completed, error = _run_until_failure(plan, directories)

    undo = compensations_for(completed)
    for step in undo:
        execute_step(step, directories, secrets=FakeSecrets())

    assert [s.kind for s in undo] == [
        "remove_from_group",
        "remove_from_group",
        "remove_from_group",
        "delete_user",
    ]
    assert [s.params.get("group") for s in undo[:3]] == ["app-github", "engineering", "all-staff"]
    assert corp.find_user(login="nnewman") is None
    assert "no seats left" in str(error)


def test_not_compensable_steps_have_no_compensation(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """Resets, unlocks and session revocations cannot be undone, so they have no compensation."""
    plan = _plan(library, corp, policy, "mfa_reset", "alice", {})

    assert compensations_for(plan.steps) == ()


def _run_until_failure(
    plan: Plan, directories: dict[str, MemoryDirectory]
) -> tuple[list[PlannedStep], Exception | None]:
    """Run steps in order as the worker does; stop at the first that raises."""
    completed: list[PlannedStep] = []
    for step in plan.steps:
        try:
            execute_step(step, directories, secrets=FakeSecrets())
        except RejectedError as exc:
            return completed, exc
        completed.append(step)
    return completed, None
