"""
The facts a run's notes are written from, read from the database: decision, approvals, each
step's before → after, the read-back, any undo.

Which notes a moment needs, who sees them and their purposes (idempotency keys) are decided in
the core (``playbooks.run_notes``); their wording comes from the playbook's templates
(``playbooks.notes``). A password never appears anywhere; a one-time link appears only in the
public reply, and only when the requester is the account's verified owner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select

from connectors.identity import Change
from playbooks.approval import RecordedApproval
from playbooks.lifecycle import StepState
from playbooks.notes import LINK_KEY, RunFacts, StepOutcome
from playbooks.planned import Plan, PlannedStep
from playbooks.policy import Decision
from playbooks.steps import Verification
from worker.db.store import Executor, core
from worker.db.tables import ApprovalRow, RunRow, StepRow


def run_facts(
    db: Executor,
    run: RunRow,
    plan: Plan,
    verifications: Mapping[int, Verification] | None = None,
    *,
    failed: tuple[PlannedStep, str] | None = None,
    unseal: Callable[[str], str | None] | None = None,
) -> RunFacts:
    """
    Everything the notes of ``run`` are written from, as recorded in the database.

    ``unseal`` opens a one-time link the step record keeps sealed (only the owner's reply needs
    it); without it the link stays out of the facts.
    """
    decision = Decision.from_json(str(run.decision["json"])) if run.decision else None
    connection = core(db)
    steps = connection.execute(_STEPS_OF_RUN, {"b_run": run.id}).all()
    applied = {s.idx: s for s in steps if s.phase == "apply" and s.state == StepState.DONE}
    outcomes = [
        StepOutcome(
            step, _change(applied[step.index], unseal), (verifications or {}).get(step.index)
        )
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
            a.directory_user or a.approver,
            a.directory_login or a.approver,
            a.stage,
            a.at,
            tuple(a.stages or ()),
            a.plan_digest,
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


def _change(row: Row[Any], unseal: Callable[[str], str | None] | None = None) -> Change:
    after = dict(row.after or {})
    if after.get(LINK_KEY):
        link = unseal(after[LINK_KEY]) if unseal is not None else None
        after[LINK_KEY] = link
        if link is None:
            del after[LINK_KEY]
    return Change(
        row.operation, row.system, row.target, dict(row.before or {}), after, bool(row.changed)
    )


def _compensations(plan: Plan, rows: Sequence[Row[Any]]) -> tuple[StepOutcome, ...]:
    from playbooks.steps import compensations_for

    by_index = {s.index: s for s in compensations_for(plan.changes)}
    return tuple(
        StepOutcome(
            by_index[r.idx], _change(r) if r.state == StepState.DONE else None, None, r.error
        )
        for r in rows
        if r.idx in by_index
    )
