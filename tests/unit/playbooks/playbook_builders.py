"""Builders for the playbook tests: a small company in a MemoryDirectory, tickets, requests."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.identity import DirectoryUser, NewUser
from connectors.identity.memory import MemoryDirectory
from intake.model import Attachment, Person, StatusCategory, Ticket
from playbooks.config import Application, PolicySettings, RoleTemplate
from playbooks.load import Library
from playbooks.request import PlanRequest
from worker.wiring.files import load_library

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeSecrets:
    """A SecretIssuer that hands out a known password, so tests can look for it everywhere."""

    password = "Tr0ub4dor&3-one-time"

    def __init__(self) -> None:
        self.issued: list[str] = []

    def issue_password_link(self, user: DirectoryUser) -> tuple[str, str]:
        self.issued.append(user.id)
        return self.password, f"https://secrets.example.com/s/once-{user.id}"


def settings(**overrides: Any) -> PolicySettings:
    base: dict[str, Any] = {
        "applications": [
            Application(
                name="Salesforce",
                aliases=("sfdc",),
                group="app-salesforce",
                owners=("olivia",),
                license="sf-sales",
            ),
            Application(
                name="GitHub", group="app-github", owners=("olivia", "oscar"), license=None
            ),
        ],
        "role_templates": [
            RoleTemplate(
                department="Sales",
                title="Sales Engineer",
                groups=("all-staff", "sales", "app-github"),
                licenses=("m365-e3",),
            ),
            RoleTemplate(department="Sales", groups=("all-staff", "sales"), licenses=("m365-e3",)),
            RoleTemplate(
                department="Engineering",
                groups=("all-staff", "engineering", "app-github"),
                licenses=("m365-e3",),
            ),
        ],
        "sod_pairs": [("payments-approve", "payments-create")],
        "security_group": "security-approvers",
    }
    return PolicySettings.model_validate({**base, **overrides})


def company(name: str = "corp") -> MemoryDirectory:
    """Maria manages Alice and Bob; Olivia owns apps; Sam is security; admin is privileged."""
    directory = MemoryDirectory(name, licenses={"m365-e3": 10, "sf-sales": 2, "visio": 0})
    people = [
        ("maria", "Maria", "Manager", None, "Sales"),
        ("alice", "Alice", "Liddell", "maria", "Sales"),
        ("bob", "Bob", "Builder", "maria", "Sales"),
        ("olivia", "Olivia", "Owner", None, "IT"),
        ("oscar", "Oscar", "Owner", None, "IT"),
        ("sam", "Sam", "Security", None, "Security"),
        ("administrator", "Built-in", "Admin", None, "IT"),
        ("carol", "Carol", "Contractor", "maria", "Sales"),
    ]
    for login, given, family, manager, dept in people:
        manager_id = directory.find_user(login=manager).id if manager else None  # type: ignore[union-attr]
        directory.create_user(
            NewUser(
                login,
                given,
                family,
                email=f"{login}@example.com",
                manager_id=manager_id,
                department=dept,
                title="Staff",
            )
        )
    for login, group in [
        ("alice", "all-staff"),
        ("alice", "sales"),
        ("bob", "all-staff"),
        ("sam", "security-approvers"),
        ("administrator", "Domain Admins"),
        ("maria", "hr-team"),
        ("bob", "payments-create"),
    ]:
        directory.add_to_group(user(directory, login).id, group)
    directory.assign_license(user(directory, "alice").id, "m365-e3")
    return directory


def user(directory: MemoryDirectory, login: str) -> DirectoryUser:
    found = directory.find_user(login=login)
    assert found is not None, login
    return found


def ticket(
    subject: str = "help",
    *,
    key: str = "IT-1",
    fields: Mapping[str, str] | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Ticket:
    return Ticket(
        desk="jira-it",
        desk_type="jira",
        key=key,
        subject=subject,
        description=subject,
        requester=Person("p1", "someone@example.com", "Someone"),
        status=StatusCategory.NEW,
        custom_fields=dict(fields or {}),
        attachments=attachments,
    )


def request(
    intent: str, directory: MemoryDirectory, requester: str | None, **kw: Any
) -> PlanRequest:
    fields = kw.pop("fields", None)
    req = PlanRequest(
        intent=intent,
        ticket=ticket(intent, fields=fields),
        requester=user(directory, requester) if requester else None,
    )
    return dataclasses.replace(req, **kw)


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


@pytest.fixture
def corp() -> MemoryDirectory:
    return company()


@pytest.fixture
def policy() -> PolicySettings:
    return settings()


def run_scenario(
    library: Library,
    directory: MemoryDirectory,
    policy: PolicySettings,
    intent: str,
    requester: str,
    kw: Mapping[str, Any],
    *,
    approver: str | None = None,
) -> tuple[Any, Any]:
    """Plan, decide, approve (when needed and an approver is given), run and verify, as the worker does."""
    from playbooks.approval import RecordedApproval, check_approval
    from playbooks.notes import RunFacts, StepOutcome
    from playbooks.plan import build_plan, select_playbook
    from playbooks.policy import decide
    from playbooks.steps import execute_step, verify_step

    req = request(intent, directory, requester, **dict(kw))
    playbook = select_playbook(library, req)
    assert playbook is not None
    plan = build_plan(playbook, req, directory, now=NOW, settings=policy)
    decision = decide(playbook, plan, req, policy, recent_resets=[])
    approvals: tuple[RecordedApproval, ...] = ()
    if decision.outcome == "needs_approval" and approver is not None:
        assert decision.approvals is not None
        who = user(directory, approver)
        verdict = check_approval(
            decision.approvals,
            who,
            requester=req.requester,
            target=None,
            approver_groups=directory.groups_of(who.id),
            existing=(),
            now=NOW,
        )
        assert verdict.accepted, verdict.reason
        approvals = (RecordedApproval(who.id, who.login, verdict.stage or 0, NOW),)
    if (
        decision.outcome == "refused"
        or plan.kind != "apply"
        or (decision.outcome == "needs_approval" and not approvals)
    ):
        return playbook, RunFacts(plan, decision, approvals)
    directories = {directory.name: directory}
    outcomes = []
    for step in plan.steps:
        change = execute_step(step, directories, secrets=FakeSecrets())
        outcomes.append(StepOutcome(step, change, verify_step(step, directories)))
    return playbook, RunFacts(plan, decision, approvals, tuple(outcomes))
