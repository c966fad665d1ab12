"""Several catalogue items per ticket: found, planned as one plan, each approved by its own rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.identity.memory import MemoryDirectory
from playbooks.approval import RecordedApproval, check_approval
from playbooks.catalogue import find_items
from playbooks.config import Application, PolicySettings
from playbooks.load import Library
from playbooks.model import Playbook
from playbooks.plan import build_plan, select_playbook
from playbooks.planned import Plan, plan_digest
from playbooks.policy import Decision, decide
from playbooks.request import PlanRequest
from tests.unit.playbooks.playbook_builders import NOW, request, ticket, user

CATALOGUE = (
    Application(name="ztna", aliases=("ZTNA", "remote access", "VPN"), group="ztna", owners=("olivia",), approval="manager_or_owner"),
    Application(name="bigquery", aliases=("BigQuery", "BigQuery analytics"), group="bq", owners=("oscar",), approval="manager_or_owner", max_duration="P30D"),
    Application(name="pricing", aliases=("Deal Desk", "pricing drive"), group="pricing", owners=("olivia",), approval="owner_only"),
    Application(name="tableau-finance", aliases=("Tableau Finance",), group="tab-fin", owners=("oscar",)),
    Application(name="payroll", aliases=("Payroll",), group="payroll", approval="group:security-approvers"),
    Application(name="Office", aliases=("Microsoft 365",), license="m365-e3", owners=("oscar",), approval="manager"),
)  # fmt: skip

FOUND = [
    # id, fields, subject+own message, whole thread, expected item names
    ("field-decides", {"Application": "Remote access (ZTNA)"}, "x\nand BigQuery too", "", ["ztna"]),
    ("field-by-words", {"System / application": "BigQuery"}, "", "", ["bigquery"]),
    ("field-fuzzy", {"Application": "Big Query analytics"}, "", "", ["bigquery"]),
    (
        "text-several",
        {},
        "2 things\n1. BigQuery analytics datasets\n2. remote access / ZTNA",
        "",
        ["bigquery", "ztna"],
    ),
    ("longest-mention-once", {}, "x\nBigQuery analytics please", "", ["bigquery"]),
    ("words-in-any-order", {}, "x\n", "the Finance Tableau project", ["tableau-finance"]),
    (
        "own-words-before-thread",
        {},
        "x\nthe pricing drive",
        "the Finance Tableau project",
        ["pricing"],
    ),
    (
        "unknown-field-falls-to-text",
        {"Application": "Microsoft Entra ID"},
        "x\nVPN please",
        "",
        ["ztna"],
    ),
    ("nothing", {}, "x\nmy laptop is slow", "", []),
]


@pytest.mark.parametrize(
    ("fields", "own", "thread", "expected"), [c[1:] for c in FOUND], ids=[c[0] for c in FOUND]
)
def test_find_items(fields: dict[str, str], own: str, thread: str, expected: list[str]) -> None:
    """Form item fields decide; else the requester's words; else the forwarded thread."""
    assert expected == [a.name for a in find_items(fields, own, thread, CATALOGUE)]


def _plan(
    library: Library, corp: MemoryDirectory, text: str, requester: str = "alice", **kw: object
) -> tuple[Playbook, PlanRequest, Plan, PolicySettings, Decision]:
    policy = PolicySettings(applications=CATALOGUE)
    req = request("access_grant", corp, requester, **kw)
    req = req.__class__(**{**req.__dict__, "ticket": ticket(text)})
    playbook = select_playbook(library, req, policy)
    assert playbook is not None
    plan = build_plan(playbook, req, corp, now=NOW, settings=policy)
    return playbook, req, plan, policy, decide(playbook, plan, req, policy, recent_resets=[])


def test_two_items_one_plan_one_stage_each(library: Library, corp: MemoryDirectory) -> None:
    """Two applications in one ticket: one plan, one step and one approval stage per item."""
    _, _, plan, _, decision = _plan(library, corp, "Need BigQuery and the pricing drive")

    assert ("bigquery", "pricing") == plan.items
    assert [("add_to_group", "bq"), ("add_to_group", "pricing")] == [
        (s.kind, s.params["group"]) for s in plan.steps
    ]
    assert decision.approvals is not None
    assert [("item", "bigquery"), ("item", "pricing")] == [
        (s.kind, s.item) for s in decision.approvals.stages
    ]


APPROVALS = [
    # id, text, approvers in order, accepted each, complete after the last
    ("manager-covers-both", "BigQuery and VPN", ["maria"], [True], True),
    ("owner-covers-one", "BigQuery and VPN", ["oscar"], [True], False),
    ("owners-together", "BigQuery and VPN", ["oscar", "olivia"], [True, True], True),
    ("owner-only-refuses-manager", "the pricing drive", ["maria"], [False], False),
    ("owner-only-owner", "the pricing drive", ["olivia"], [True], True),
    ("group-rule-member", "Payroll", ["sam"], [True], True),
    ("group-rule-outsider", "Payroll", ["olivia"], [False], False),
    ("requester-never", "BigQuery", ["alice"], [False], False),
]


@pytest.mark.parametrize(
    ("text", "approvers", "accepted", "complete"),
    [c[1:] for c in APPROVALS],
    ids=[c[0] for c in APPROVALS],
)
def test_item_approval_rules(
    library: Library,
    corp: MemoryDirectory,
    text: str,
    approvers: list[str],
    accepted: list[bool],
    complete: bool,
) -> None:
    """manager, owner_only, manager_or_owner and group:<name> per item; one approval counts for
    every item its approver may approve; the requester never approves."""
    _, req, plan, _, decision = _plan(library, corp, text)
    assert decision.approvals is not None
    recorded: list[RecordedApproval] = []
    verdict = None
    for login in approvers:
        who = user(corp, login)
        verdict = check_approval(
            decision.approvals,
            who,
            requester=req.requester,
            target=None,
            approver_groups=corp.groups_of(who.id),
            existing=recorded,
            now=NOW,
            plan_digest=plan_digest(plan),
        )
        assert (login, verdict.accepted) == (login, accepted[len(recorded)]), verdict.reason
        if verdict.accepted:
            recorded.append(
                RecordedApproval(
                    who.id, who.login, verdict.stage or 0, NOW, verdict.stages, plan_digest(plan)
                )
            )
        else:
            recorded.append(RecordedApproval("-", "-", -1, NOW))
    assert verdict is not None
    assert complete == verdict.complete


def test_an_approval_of_another_plan_version_does_not_count(
    library: Library, corp: MemoryDirectory
) -> None:
    """A plan that changed after approval (another item, another expiry) needs approving again."""
    _, req, plan, _, decision = _plan(library, corp, "BigQuery please")
    assert decision.approvals is not None
    maria = user(corp, "maria")
    old = RecordedApproval(maria.id, maria.login, 0, NOW, (0,), "an-older-plan-version")

    verdict = check_approval(
        decision.approvals,
        user(corp, "oscar"),
        requester=req.requester,
        target=None,
        approver_groups=[],
        existing=[old],
        now=NOW,
        plan_digest=plan_digest(plan),
    )

    assert verdict.accepted
    assert verdict.complete
    again = check_approval(
        decision.approvals,
        maria,
        requester=req.requester,
        target=None,
        approver_groups=[],
        existing=[old],
        now=NOW,
        plan_digest=plan_digest(plan),
    )
    assert again.accepted, "maria may approve the new version herself"


def test_digest_changes_with_what_the_plan_changes(library: Library, corp: MemoryDirectory) -> None:
    """Items, targets and expiry are in the digest; the wording and creation time are not."""
    _, _, one, _, _ = _plan(library, corp, "BigQuery please")
    _, _, two, _, _ = _plan(library, corp, "BigQuery and VPN please")
    _, _, later, _, _ = _plan(library, corp, "BigQuery please for 2 weeks")

    assert plan_digest(one) != plan_digest(two)
    assert plan_digest(one) != plan_digest(later)
    assert plan_digest(one) == plan_digest(one.__class__(**{**one.__dict__, "title": "other"}))


def test_each_item_keeps_its_own_maximum(library: Library, corp: MemoryDirectory) -> None:
    """An item's max_duration caps its own steps; the run expires when the first item does."""
    _, _, plan, _, _ = _plan(library, corp, "BigQuery and VPN for 3 months")

    until = {s.params["group"]: s.until for s in plan.steps}
    assert until["bq"] == NOW + timedelta(days=30)
    assert until["ztna"] == NOW + timedelta(days=90)
    assert plan.until == NOW + timedelta(days=30)


def test_licence_items_assign_their_licences(library: Library, corp: MemoryDirectory) -> None:
    """A catalogue item with a licence (and no group) is a licence step."""
    _, _, plan, _, decision = _plan(library, corp, "Microsoft 365 and VPN please", requester="bob")

    assert {("add_to_group", "ztna"), ("assign_license", "m365-e3")} == {
        (s.kind, s.params.get("group") or s.params.get("license")) for s in plan.steps
    }
    assert decision.approvals is not None
    assert {"Office", "ztna"} == {s.item for s in decision.approvals.stages}
