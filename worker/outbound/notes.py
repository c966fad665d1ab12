"""
The notes deskpilot writes back: what the requester reads (public) and what agents read (internal).

Wording comes from the playbook's own templates (``playbooks.notes``): this module gathers the
run's facts from the database (decision, approvals, each step's before → after, the read-back,
any undo), decides which notes a moment needs and gives each a stable purpose (its idempotency
key). A password never appears anywhere; a one-time link appears only in the public reply, and
only when the requester is the account's verified owner — the internal note masks it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select

from connectors.identity import Change
from playbooks.approval import RecordedApproval
from playbooks.config import ReplyEvent, ReplySettings
from playbooks.model import Playbook
from playbooks.notes import (
    LINK_KEY,
    RunFacts,
    StepOutcome,
    render_internal_note,
    render_public_reply,
)
from playbooks.planned import Plan, PlannedStep
from playbooks.policy import Decision
from playbooks.steps import Verification
from worker.db.database import ApprovalRow, RunRow, StepRow
from worker.db.store import Executor, core
from worker.runtime import Runtime

Note = tuple[str, str, str]
"""(kind, body, purpose)."""

APPROVAL_HELP = (
    "An authorised approver can reply `/approve` or `/reject <reason>` in a comment, "
    "or use the review page."
)


def reply(replies: ReplySettings, event: ReplyEvent, body: str, purpose: str) -> list[Note]:
    """A public reply for ``event`` when the reply model says so; nothing otherwise."""
    return [("public_reply", body, purpose)] if replies.is_public(event) else []


def plan_notes(rt: Runtime, plan: Plan, decision: Decision | None) -> list[Note]:
    """Notes for a plan that is not applied right away (ask, escalate, nothing to do, approval)."""
    playbook = rt.library.get(plan.playbook)
    replies = rt.settings.playbooks.replies
    facts = RunFacts(plan, decision)
    public = render_public_reply(playbook, facts, replies.templates)
    internal = render_internal_note(playbook, facts)
    if plan.kind == "ask":
        return [("internal_note", internal, "ask-plan"), *reply(replies, "asked", public, "ask")]
    if plan.kind == "note_only":
        return [
            *reply(replies, "nothing", public, "nothing-to-do"),
            ("internal_note", internal, "plan"),
            ("transition", "resolved", "resolve"),
        ]
    if plan.kind == "escalate":
        return [
            ("internal_note", internal, "escalated"),
            *reply(replies, "escalated", public, "escalated-public"),
        ]
    assert decision is not None
    if decision.outcome == "needs_approval":
        return [
            ("internal_note", f"{internal}\n{APPROVAL_HELP}\n", "approval-request"),
            *reply(replies, "pending_approval", public, "approval-pending"),
        ]
    if decision.outcome == "rejected":
        return [
            ("internal_note", internal, "rejected"),
            *reply(replies, "rejected", public, "rejected-public"),
        ]
    return [
        ("internal_note", internal, "refused"),
        *reply(replies, "refused", public, "refused-public"),
    ]


def run_facts(
    db: Executor,
    run: RunRow,
    plan: Plan,
    verifications: Mapping[int, Verification] | None = None,
    *,
    failed: tuple[PlannedStep, str] | None = None,
) -> RunFacts:
    """Everything the notes of ``run`` are written from, as recorded in the database."""
    decision = Decision.from_json(str(run.decision["json"])) if run.decision else None
    connection = core(db)
    steps = connection.execute(_STEPS_OF_RUN, {"b_run": run.id}).all()
    applied = {s.idx: s for s in steps if s.phase == "apply" and s.state == "done"}
    outcomes = [
        StepOutcome(step, _change(applied[step.index]), (verifications or {}).get(step.index))
        for step in plan.changes
        if step.index in applied
    ]
    if failed is not None:
        outcomes.append(StepOutcome(failed[0], None, None, failed[1]))
    return RunFacts(
        plan,
        decision,
        recorded_approvals(connection, run.id),
        tuple(outcomes),
        _compensations(plan, [s for s in steps if s.phase == "compensate"]),
    )


def recorded_approvals(db: Executor, run_id: int) -> tuple[RecordedApproval, ...]:
    """The accepted approvals of a run, oldest first."""
    rows = core(db).execute(_APPROVALS_OF_RUN, {"b_run": run_id})
    return tuple(
        RecordedApproval(
            a.directory_user or a.approver, a.directory_login or a.approver, a.stage, a.at
        )
        for a in rows
    )


_STEPS = cast(Table, StepRow.__table__)
_STEPS_OF_RUN = (
    select(_STEPS)
    .where(_STEPS.c.run_id == bindparam("b_run"))
    .order_by(_STEPS.c.started_at, _STEPS.c.id)
)
_APPROVALS = cast(Table, ApprovalRow.__table__)
_APPROVALS_OF_RUN = (
    select(_APPROVALS)
    .where(_APPROVALS.c.run_id == bindparam("b_run"), _APPROVALS.c.verdict == "approved")
    .order_by(_APPROVALS.c.at)
)
"""Core reads of whole rows (attribute access as on the ORM objects): notes are written for
every run, and loading ORM objects cost more than the rest of the note."""


def _change(row: Row[Any]) -> Change:
    return Change(
        row.operation,
        row.system,
        row.target,
        dict(row.before or {}),
        dict(row.after or {}),
        bool(row.changed),
    )


def _compensations(plan: Plan, rows: Sequence[Row[Any]]) -> tuple[StepOutcome, ...]:
    from playbooks.steps import compensations_for

    by_index = {s.index: s for s in compensations_for(plan.changes)}
    return tuple(
        StepOutcome(by_index[r.idx], _change(r) if r.state == "done" else None, None, r.error)
        for r in rows
        if r.idx in by_index
    )


def owner_only(facts: RunFacts) -> RunFacts:
    """The facts for the public reply: a one-time link stays only if the requester owns the account."""
    plan = facts.plan
    owner = (
        plan.requester is not None
        and plan.target is not None
        and plan.requester.login == plan.target.login
    )
    if owner:
        return facts
    outcomes = tuple(
        dataclasses.replace(
            o,
            change=dataclasses.replace(
                o.change, after={k: v for k, v in o.change.after.items() if k != LINK_KEY}
            ),
        )
        if o.change is not None
        else o
        for o in facts.outcomes
    )
    return dataclasses.replace(facts, outcomes=outcomes)


def result_notes(
    playbook: Playbook, facts: RunFacts, replies: ReplySettings | None = None
) -> list[Note]:
    """Notes after a run applied: a reply for the requester, the evidence for agents, resolve."""
    replies = replies or ReplySettings()
    public = render_public_reply(playbook, owner_only(facts), replies.templates)
    internal = render_internal_note(playbook, facts)
    if any(o.verification is not None and not o.verification.ok for o in facts.outcomes):
        return [
            ("internal_note", internal, "unverified"),
            *reply(replies, "failed", public, "failed-public"),
        ]
    return [
        *reply(replies, "done", public, "done"),
        ("internal_note", internal, "evidence"),
        ("transition", "resolved", "resolve"),
    ]


def failure_notes(
    playbook: Playbook,
    facts: RunFacts,
    compensation_errors: Sequence[str],
    replies: ReplySettings | None = None,
) -> list[Note]:
    """Notes after a step failed: what happened, what was undone, and that a person takes over."""
    replies = replies or ReplySettings()
    internal = render_internal_note(playbook, facts)
    problems = "".join(f"- could not undo: {e}\n" for e in compensation_errors)
    tail = f"\n{problems}" if problems else ""
    body = f"{internal}{tail}\nHanding this ticket to an agent (escalated).\n"
    public = render_public_reply(playbook, owner_only(facts), replies.templates)
    return [("internal_note", body, "failed"), *reply(replies, "failed", public, "failed-public")]
