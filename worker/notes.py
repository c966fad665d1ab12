"""
The notes deskpilot writes back: what the requester reads (public) and what agents read (internal).

Wording comes from ``playbooks`` (the playbook's own templates where it has them); this module
only decides which notes a moment needs and gives each a stable purpose (its idempotency key).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from playbooks.planned import Plan, PlannedStep
from playbooks.policy import Decision
from playbooks.render import render_plan
from worker.db import RunRow, StepRow
from worker.runtime import Runtime

Note = tuple[str, str, str]
"""(kind, body, purpose)."""


def plan_notes(rt: Runtime, plan: Plan, decision: Decision | None) -> list[Note]:
    """Notes for a plan that is not applied right away (ask, escalate, nothing to do, approval)."""
    if plan.kind == "ask":
        return [
            ("public_reply", plan.question or "Could you tell us more about what you need?", "ask")
        ]
    if plan.kind == "note_only":
        return [
            ("public_reply", plan.message or "Nothing needed changing.", "nothing-to-do"),
            ("internal_note", render_plan(plan), "plan"),
            ("transition", "resolved", "resolve"),
        ]
    if plan.kind == "escalate":
        return [
            (
                "internal_note",
                f"deskpilot needs a person here: {plan.reason}\n\n{render_plan(plan)}",
                "escalated",
            )
        ]
    assert decision is not None
    if decision.outcome == "needs_approval" and decision.approvals is not None:
        body = (
            f"{render_plan(plan)}\n**Approval needed:** {decision.approvals.describe()}\n\n"
            "An authorised approver can reply `/approve` or `/reject <reason>` in a comment, "
            "or use the review page."
        )
        return [
            ("internal_note", body, "approval-request"),
            (
                "public_reply",
                "Your request needs an approval; we will update this ticket once it is approved.",
                "approval-pending",
            ),
        ]
    reasons = "\n".join(f"- {r}" for r in decision.reasons)
    return [
        (
            "internal_note",
            f"deskpilot will not do this automatically:\n{reasons}\n\n{render_plan(plan)}",
            "refused",
        )
    ]


def result_notes(
    rt: Runtime, session: Session, run: RunRow, plan: Plan, failures: Sequence[str]
) -> list[Note]:
    """Notes after a run applied: a reply for the requester, the evidence for agents, resolve."""
    steps = session.scalars(
        select(StepRow)
        .where(StepRow.run_id == run.id, StepRow.phase == "apply")
        .order_by(StepRow.idx)
    ).all()
    evidence = "\n".join(
        f"- {s.operation} on {s.system} for {s.target}: "
        f"{'changed' if s.changed else 'already so'} ({_state(s.before)} → {_state(s.after)}), "
        f"verified: {'yes' if s.verified else 'no'}"
        for s in steps
    )
    if failures:
        body = "Applied, but reading back did not confirm:\n" + "\n".join(
            f"- {f}" for f in failures
        )
        return [("internal_note", f"{body}\n\n{evidence}", "unverified")]
    link = next(
        (
            str(s.after.get("one_time_link"))
            for s in steps
            if s.after and s.after.get("one_time_link")
        ),
        None,
    )
    public = f"Done: {plan.title}."
    if link:
        public += f" Open this one-time link to see your temporary password (it works once, for 24 hours): {link}"
    return [
        ("public_reply", public, "done"),
        ("internal_note", f"deskpilot applied `{plan.playbook}`:\n{evidence}", "evidence"),
        ("transition", "resolved", "resolve"),
    ]


def failure_notes(
    rt: Runtime,
    plan: Plan,
    failure: Exception,
    done: Sequence[PlannedStep],
    compensation_errors: Sequence[str],
) -> list[Note]:
    """Notes after a step failed: what happened, what was undone, and that a person takes over."""
    undone = (
        "\n".join(f"- undone: {s.description}" for s in reversed(done))
        or "- nothing had changed yet"
    )
    problems = "\n".join(f"- could not undo: {e}" for e in compensation_errors)
    body = f"deskpilot stopped: {failure}\n{undone}\n{problems}\n\nHanding this ticket to an agent."
    return [
        ("internal_note", body.strip(), "failed"),
        (
            "public_reply",
            "We could not complete this automatically; an agent will take it from here.",
            "failed-public",
        ),
    ]


def _state(values: object) -> str:
    if not isinstance(values, dict) or not values:
        return "—"
    return ", ".join(f"{k}={v}" for k, v in values.items() if k != "one_time_link")
