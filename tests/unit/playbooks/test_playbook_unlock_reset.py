"""The first two playbooks the worker needs: account unlock and password reset, planned and run."""

from __future__ import annotations

import dataclasses

import pytest

from connectors.identity import Capability
from connectors.identity.memory import MemoryDirectory
from playbooks.config import PolicySettings
from playbooks.load import Library
from playbooks.plan import Plan, build_plan, select_playbook
from playbooks.render import render_plan
from playbooks.steps import execute_step, verify_step
from tests.unit.playbooks.playbook_builders import NOW, FakeSecrets, company, request, user


def plan_for(
    library: Library,
    intent: str,
    directory: MemoryDirectory,
    policy: PolicySettings,
    requester: str | None,
    **kw: object,
) -> Plan:
    req = request(intent, directory, requester, **kw)
    playbook = select_playbook(library, req)
    assert playbook is not None
    return build_plan(playbook, req, directory, now=NOW, settings=policy)


UNLOCK_CASES = [
    # (id, requester, target kwargs, lock who, expected kind, expected changes)
    ("own-locked-account", "alice", {}, "alice", "apply", 1),
    ("own-account-not-locked", "alice", {}, None, "note_only", 0),
    ("named-colleague", "maria", {"target_email": "bob@example.com"}, "bob", "apply", 1),
    ("unknown-target-asks", "maria", {"target_email": "nobody@example.com"}, None, "ask", 0),
    ("unique-given-name", "maria", {"target_name": "Bob"}, "bob", "apply", 1),
    ("unknown-name-asks", "maria", {"target_name": "Robert Smith"}, "bob", "ask", 0),
    ("requester-not-in-directory", None, {}, None, "escalate", 0),
]


@pytest.mark.parametrize(
    ("requester", "target", "lock", "kind", "changes"),
    [c[1:] for c in UNLOCK_CASES],
    ids=[c[0] for c in UNLOCK_CASES],
)
def test_unlock_plan(
    library: Library,
    corp: MemoryDirectory,
    policy: PolicySettings,
    requester: str | None,
    target: dict[str, str],
    lock: str | None,
    kind: str,
    changes: int,
) -> None:
    """The unlock plan applies, notes, asks or escalates according to the directory."""
    if lock:
        corp.lock(user(corp, lock).id)

    plan = plan_for(library, "account_unlock", corp, policy, requester, **target)

    assert (kind, changes) == (plan.kind, len(plan.changes))
    assert corp.apply_counts == {k: v for k, v in corp.apply_counts.items() if k[0] != "unlock"}, (
        "planning changed nothing"
    )


def test_unlock_runs_and_verifies(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """The planned unlock, executed, unlocks the account and reads back unlocked."""
    alice = user(corp, "alice")
    corp.lock(alice.id)
    plan = plan_for(library, "account_unlock", corp, policy, "alice")
    directories = {corp.name: corp}

    change = execute_step(plan.steps[0], directories, secrets=FakeSecrets())

    assert (
        change.changed,
        dict(change.before),
        dict(change.after),
    ) == (True, {"locked": "true"}, {"locked": "false"})
    assert verify_step(plan.steps[0], directories).ok
    assert not user(corp, "alice").locked
    assert (
        "| 1 | Unlock alice (Alice Liddell) | `corp` | locked: true | locked: false |"
        in render_plan(plan)
    )


def test_plan_round_trips_through_json(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """The worker stores a plan as JSON and gets the same plan back."""
    corp.lock(user(corp, "bob").id)
    plan = plan_for(
        library, "account_unlock", corp, policy, "maria", target_email="bob@example.com"
    )

    assert plan == Plan.from_json(plan.to_json())


def test_reset_uses_directory_flow_when_it_has_one(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """With a reset flow the directory sends the link itself; no secret is issued."""
    secrets = FakeSecrets()
    plan = plan_for(library, "password_reset", corp, policy, "alice")

    change = execute_step(plan.steps[0], {corp.name: corp}, secrets=secrets)

    assert [s.kind for s in plan.steps] == ["send_password_reset"]
    assert (True, [], [user(corp, "alice").id]) == (
        change.changed,
        secrets.issued,
        corp.reset_emails,
    )
    assert verify_step(plan.steps[0], {corp.name: corp}).ok


def test_reset_without_flow_sets_one_time_password_and_never_shows_it(
    library: Library, policy: PolicySettings
) -> None:
    """Without a reset flow a one-time password goes to the directory and only the link comes back."""
    directory = company()
    directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
    secrets = FakeSecrets()
    plan = plan_for(library, "password_reset", directory, policy, "alice")

    change = execute_step(plan.steps[0], {directory.name: directory}, secrets=secrets)

    alice = user(directory, "alice")
    assert [s.kind for s in plan.steps] == ["set_one_time_password"]
    assert directory.check_password(alice.id, FakeSecrets.password)
    assert change.after["one_time_link"] == f"https://secrets.example.com/s/once-{alice.id}"
    assert verify_step(plan.steps[0], {directory.name: directory}).ok
    for text in (plan.to_json(), render_plan(plan), repr(change), repr(plan)):
        assert FakeSecrets.password not in text


def test_capability_missing_escalates(library: Library, policy: PolicySettings) -> None:
    """A directory that cannot unlock hands the ticket to a person instead of pretending."""
    directory = company()
    directory.capabilities = frozenset(Capability) - {Capability.UNLOCK}
    directory.lock(user(directory, "alice").id)

    plan = plan_for(library, "account_unlock", directory, policy, "alice")

    assert (plan.kind, plan.reason) == ("escalate", "directory `corp` cannot unlock (unlock)")


def test_select_playbook_without_match_is_none(library: Library, corp: MemoryDirectory) -> None:
    """An intent no playbook answers selects nothing."""
    req = dataclasses.replace(request("account_unlock", corp, "alice"), intent="account_other")

    assert select_playbook(library, req) is None
