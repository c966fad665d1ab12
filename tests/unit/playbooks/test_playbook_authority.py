"""Who may give each command (``playbooks.authority``), as tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from connectors.identity import DirectoryUser, UserStatus
from playbooks.approval import ApprovalRequirement, ApprovalStage, check_approval, stake_in
from playbooks.authority import (
    Actor,
    CommandPolicy,
    check_correction,
    check_expiry_change,
    check_rollback,
    extension_limits,
)
from playbooks.planned import Account, Plan, PlannedStep

BOB = DirectoryUser("u-bob", "bob", "bob@example.com")
OLIVIA = DirectoryUser("u-olivia", "olivia", "olivia@example.com")
DAVE = DirectoryUser("u-dave", "dave", "dave@example.com")
CAROL = DirectoryUser("u-carol", "carol", "carol@example.com")
GONE = DirectoryUser("u-gone", "gone", status=UserStatus.DISABLED)
OWNER = ApprovalRequirement((ApprovalStage("app_owner", "an owner of Salesforce", ("olivia",)),))
GROUP = ApprovalRequirement((ApprovalStage("group", "a member of cab", group="cab"),))
POLICY = CommandPolicy(agent_groups=("it-agents",))

AGENT = Actor(DAVE, ("it-agents",))
DESK_AGENT = Actor(CAROL, (), desk_agent=True)
NOBODY = Actor(None, problem="the desk does not know author 42")

EXPIRY = [
    ("owner-extends", Actor(OLIVIA), "extend", OWNER, None),
    ("cab-member-extends", Actor(CAROL, ("CAB",)), "extend", GROUP, None),
    ("requester-extends", Actor(BOB), "extend", OWNER, "asked for this change"),
    ("agent-extends-approved-change", AGENT, "extend", OWNER, "may not approve this change"),
    ("agent-extends-auto-change", AGENT, "extend", None, None),
    ("agent-revokes", AGENT, "revoke-now", OWNER, None),
    ("desk-agent-revokes", DESK_AGENT, "revoke-now", OWNER, None),
    ("colleague-revokes", Actor(CAROL), "revoke-now", OWNER, "may not approve this change"),
    ("unproven-author", NOBODY, "revoke-now", OWNER, "does not know author 42"),
    ("disabled-owner", Actor(GONE), "extend", OWNER, "disabled"),
]


@pytest.mark.parametrize(
    ("actor", "command", "requirement", "refused"),
    [e[1:] for e in EXPIRY],
    ids=[e[0] for e in EXPIRY],
)
def test_expiry_change(
    actor: Actor, command: str, requirement: ApprovalRequirement | None, refused: str | None
) -> None:
    problem = check_expiry_change(
        actor, command, requirement, requester=BOB, target=BOB, policy=POLICY
    )
    assert (refused is None) == (problem is None), problem
    assert refused is None or refused in (problem or "")


CORRECTION = [
    ("group-agent", AGENT, POLICY, None),
    ("desk-agent", DESK_AGENT, POLICY, None),
    ("desk-agent-not-trusted", DESK_AGENT, CommandPolicy(desk_agents=False), "only agents"),
    ("colleague", Actor(CAROL), POLICY, "only agents"),
    ("requester-who-is-an-agent", Actor(BOB, ("it-agents",)), POLICY, "asked for this"),
]


@pytest.mark.parametrize(
    ("actor", "policy", "refused"), [c[1:] for c in CORRECTION], ids=[c[0] for c in CORRECTION]
)
def test_correction(actor: Actor, policy: CommandPolicy, refused: str | None) -> None:
    problem = check_correction(actor, BOB, policy, "intent")
    assert (refused is None) == (problem is None), problem
    assert refused is None or refused in (problem or "")


ROLLBACK = [
    ("owner", Actor(OLIVIA), OWNER, None),
    ("requester-even-if-owner", Actor(BOB), ApprovalRequirement(()), "asked for this change"),
    ("agent-on-approved-change", AGENT, OWNER, "may not approve"),
    ("agent-on-auto-change", AGENT, None, None),
    ("colleague-on-auto-change", Actor(CAROL), None, "needed no approval"),
]


@pytest.mark.parametrize(
    ("actor", "requirement", "refused"), [r[1:] for r in ROLLBACK], ids=[r[0] for r in ROLLBACK]
)
def test_rollback(
    actor: Actor, requirement: ApprovalRequirement | None, refused: str | None
) -> None:
    problem = check_rollback(actor, requirement, requester=BOB, target=BOB, policy=POLICY)
    assert (refused is None) == (problem is None), problem
    assert refused is None or refused in (problem or "")


PLANNED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
DAY_S = 86400
LIMITS = [
    # id, playbook maximum, the item's own, expected latest end (days after the plan)
    ("playbook-maximum", 180 * DAY_S, None, 180),
    ("item-maximum-shorter", 180 * DAY_S, 21 * DAY_S, 21),
    ("item-maximum-longer-than-the-playbooks", 30 * DAY_S, 90 * DAY_S, 30),
    ("only-the-item-sets-one", None, 7 * DAY_S, 7),
    ("no-maximum-anywhere", None, None, None),
]


@pytest.mark.parametrize(
    ("playbook_max", "item_max", "days"), [c[1:] for c in LIMITS], ids=[c[0] for c in LIMITS]
)
def test_extension_limits(playbook_max: int | None, item_max: int | None, days: int | None) -> None:
    """Each time-bound step may end no later than the earlier of its item's and the playbook's
    maximum, counted from the plan; a permanent step has no entry."""
    who = Account("bob", "corp", "u1")
    steps = (
        PlannedStep(1, "grant", "add_to_group", "corp", who, "Salesforce", {"group": "g"},
                    until=PLANNED + timedelta(days=14), item="Salesforce"),
        PlannedStep(2, "keep", "add_to_group", "corp", who, "all-staff", {"group": "h"}),
    )  # fmt: skip
    plan = Plan("access-grant", "P", "apply", PLANNED, steps=steps)
    items = {"Salesforce": item_max} if item_max is not None else {}

    limits = extension_limits(plan, PLANNED, playbook_max, items)

    assert limits == {1: None if days is None else PLANNED + timedelta(days=days)}


SUBMITTER = OLIVIA
"""Olivia owns Salesforce but typed Bob's request in for him: she has a stake in it."""
STAKE = [
    ("approve-or-reject", lambda: _approval(Actor(OLIVIA))),
    ("extend", lambda: _expiry(Actor(OLIVIA), "extend")),
    ("revoke-now", lambda: _expiry(Actor(OLIVIA), "revoke-now")),
    ("revoke-now-as-agent", lambda: _expiry(Actor(OLIVIA, ("it-agents",)), "revoke-now")),
    ("intent-as-agent", lambda: _correction(Actor(OLIVIA, ("it-agents",)))),
    ("rollback", lambda: _rollback(Actor(OLIVIA))),
]


def _approval(actor: Actor) -> str | None:
    verdict = check_approval(
        OWNER,
        actor.user,
        requester=BOB,
        target=BOB,
        submitter=SUBMITTER,
        approver_groups=actor.groups,
        existing=[],
        now=PLANNED,
    )
    return None if verdict.accepted else verdict.reason


def _expiry(actor: Actor, command: str) -> str | None:
    return check_expiry_change(
        actor, command, OWNER, requester=BOB, target=BOB, policy=POLICY, submitter=SUBMITTER
    )


def _correction(actor: Actor) -> str | None:
    return check_correction(actor, BOB, POLICY, "intent", submitter=SUBMITTER)


def _rollback(actor: Actor) -> str | None:
    return check_rollback(
        actor, OWNER, requester=BOB, target=BOB, policy=POLICY, submitter=SUBMITTER
    )


@pytest.mark.parametrize("check", [s[1] for s in STAKE], ids=[s[0] for s in STAKE])
def test_whoever_typed_the_request_in_decides_nothing_on_it(
    check: Callable[[], str | None],
) -> None:
    """One rule (``stake_in``) for every command: eligible or an agent, the submitter is refused."""
    problem = check()
    assert problem is not None
    assert "olivia raised this request for the requester" in problem


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        (BOB, "bob asked for this change"),
        (OLIVIA, "olivia raised this request for the requester, so asked for this change"),
        (CAROL, "carol is the person this change is for"),
        (DAVE, None),
    ],
    ids=["requester", "submitter", "target", "nobody"],
)
def test_stake_in(person: DirectoryUser, expected: str | None) -> None:
    assert expected == stake_in(person, requester=BOB, target=CAROL, submitter=OLIVIA)
