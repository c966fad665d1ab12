"""Account work through the pipeline: whose account, which items, who approves, until when.

Tickets and comments arrive as signed Jira webhook deliveries; the pipeline runs to completion
(``World.drain``); the in-memory directory's ``apply_counts`` prove what changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tests.integration.playbooks.world import POLICY, World, world
from worker.db.tables import ApprovalRow

TWO_APPS = {
    **POLICY,
    "applications": [
        {
            "name": "Salesforce",
            "aliases": ["sfdc"],
            "group": "app-salesforce",
            "owners": ["olivia"],
            "approval": "owner_only",
        },
        {"name": "GitHub", "group": "app-github", "owners": ["olivia"], "approval": "manager"},
        {
            "name": "Payroll",
            "group": "app-payroll",
            "approval": "group:security-approvers",
            "max_duration": "P7D",
        },
    ],
    "people": {"target_fields": ["Requested for"]},
    "field_names": {"Requested for": ["customfield_10300"]},
}


@pytest.fixture
def w(tmp_path: Any) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", **TWO_APPS) as built:
        yield built


def _count(w: World, kind: str, login: str) -> int:
    return int(w.directory.apply_counts.get((kind, w.user(login).id), 0))  # type: ignore[attr-defined]


def test_a_colleague_named_by_full_name_is_the_target_not_the_requester(w: World) -> None:
    """Maria (manager) asks to unlock Bob Builder: Bob is unlocked, Maria's account untouched."""
    w.directory.lock(w.user("bob").id)  # type: ignore[attr-defined]
    w.ticket("IT-1", "maria", "Account locked", "Bob Builder is locked out, please unlock him.")
    w.drain()

    assert not w.user("bob").locked
    assert _count(w, "unlock", "bob") == 1
    assert _count(w, "unlock", "maria") == 0
    assert w.ticket_row("IT-1").outcome == "resolved"


def test_a_name_nobody_has_asks_the_requester_and_changes_nothing(w: World) -> None:
    """'Unlock Robert Smith': nobody of that name, so the requester is asked, never guessed."""
    w.ticket("IT-2", "maria", "Account locked", "Please unlock Robert Smith, he is locked out.")
    w.drain()

    assert w.ticket_row("IT-2").outcome == "waiting_requester"
    assert "Robert Smith" in w.text("IT-2", public=True)
    assert not w.directory.apply_counts  # type: ignore[attr-defined]


def test_a_person_field_names_the_target(w: World) -> None:
    """A 'Requested for' form field (a Jira user field) names Alice; Maria, her manager, asked."""
    w.directory.lock(w.user("alice").id)  # type: ignore[attr-defined]
    w.ticket(
        "IT-3",
        "maria",
        "Unlock request",
        "Locked out since this morning, details in the form.",
        fields={"customfield_10300": {"displayName": "Alice Liddell", "accountId": "x-alice"}},
    )
    w.drain()

    assert not w.user("alice").locked, w.text("IT-3")
    assert w.ticket_row("IT-3").outcome == "resolved"


def test_two_items_two_rules_two_approvals_one_apply(w: World) -> None:
    """Salesforce (owner only) and GitHub (manager) in one ticket: one plan; Olivia's approval
    covers Salesforce, Maria's covers GitHub; the plan applies once, after both."""
    w.ticket("IT-4", "bob", "Access", "Please give me access to Salesforce and GitHub.")
    w.drain()
    runs = w.runs("IT-4")
    assert [r.state for r in runs] == ["waiting_approval"]

    w.comment("IT-4", "olivia", "/approve")
    w.drain()
    assert [r.state for r in w.runs("IT-4")] == ["waiting_approval"]
    assert "still needed" in w.text("IT-4", public=False)
    assert "app-salesforce" not in w.groups("bob")

    w.comment("IT-4", "maria", "/approve")
    w.drain()
    assert {"app-salesforce", "app-github"} <= set(w.groups("bob"))
    assert _count(w, "add_to_group", "bob") == 2
    assert w.ticket_row("IT-4").outcome == "resolved"
    with w.rt.db.session() as session:
        rows = session.scalars(select(ApprovalRow).where(ApprovalRow.run_id == runs[0].id)).all()
    assert sorted((r.directory_login, r.stages) for r in rows) == [("maria", [1]), ("olivia", [0])]
    assert all(r.plan_digest for r in rows)


def test_a_group_rule_item_is_approved_by_a_member_and_capped_by_its_maximum(w: World) -> None:
    """Payroll (group:security-approvers, at most 7 days): Bob's manager is refused, Sam (a
    member) approves; the 2 weeks asked become the item's 7 days."""
    w.ticket(
        "IT-5", "bob", "Need access to Payroll", "Please give me access to Payroll for 2 weeks."
    )
    w.drain()
    w.comment("IT-5", "maria", "/approve")
    w.drain()
    assert "app-payroll" not in w.groups("bob")
    assert "not accepted" in w.text("IT-5", public=False)

    w.comment("IT-5", "sam", "/approve")
    w.drain()
    assert "app-payroll" in w.groups("bob")
    run = w.runs("IT-5")[0]
    assert run.expires_at is not None
    assert (run.expires_at - w.now).days == 7, "the item's own max_duration caps the 2 weeks"


def test_an_unreadable_time_bound_ask_asks_instead_of_granting_for_ever(w: World) -> None:
    """'Until the audit is over' has no date: the requester is asked, nothing is granted."""
    w.ticket(
        "IT-6",
        "bob",
        "Need access to GitHub",
        "Please give me access to GitHub until the audit is over.",
    )
    w.drain()

    assert w.ticket_row("IT-6").outcome == "waiting_requester"
    assert "until when" in w.text("IT-6", public=True).lower()
    assert w.runs("IT-6")[0].state != "waiting_approval"


def test_items_expire_each_at_their_own_end(w: World) -> None:
    """Payroll (at most 7 days) and GitHub (2 weeks) in one plan: Payroll goes after a week,
    GitHub stays until its own end, then goes; the run ends expired."""
    w.ticket(
        "IT-7", "bob", "Need access", "Please give me access to Payroll and GitHub for 2 weeks."
    )
    w.drain()
    w.comment("IT-7", "maria", "/approve")
    w.comment("IT-7", "sam", "/approve")
    w.drain()
    assert {"app-payroll", "app-github"} <= set(w.groups("bob"))

    w.advance(days=8)
    w.fire_timers()
    w.drain()
    assert "app-payroll" not in w.groups("bob")
    assert "app-github" in w.groups("bob")
    assert "continues until" in w.text("IT-7", public=False)

    w.advance(days=7)
    w.fire_timers()
    w.drain()
    assert "app-github" not in w.groups("bob")
    assert w.runs("IT-7")[0].state == "expired"
    assert _count(w, "remove_from_group", "bob") == 2
