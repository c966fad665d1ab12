"""
One run as the review page shows it, in words: the ticket's text, what the classifier understood,
the plan as before → after, the policy decision and why, the approvals (refused ones too), the
SLA clocks and the audit trail. Values are worded here (``yes``/``no``, ``—``), never shown as
Python reprs; one-time secret links show as ``(issued)`` (``public_after``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from playbooks.lifecycle import RunState
from playbooks.planned import Plan
from playbooks.policy import Decision
from playbooks.render import describe_until
from worker.db.records import AuditRow, SlaClockRow
from worker.db.store import ticket_from_json
from worker.db.tables import ApprovalRow, ClassificationRow, RunRow, StepRow, TicketRow
from worker.runs.secretlinks import public_after, redact_links

_WORDS = {"true": "yes", "false": "no", "none": "—", "": "—"}


def worded(value: object) -> str:
    """A stored value in words: booleans as yes/no, nothing as —, lists joined by commas."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(worded(v) for v in value) or "—"
    if isinstance(value, Mapping):
        return "; ".join(f"{label(k)}: {worded(v)}" for k, v in value.items()) or "—"
    text = str(value)
    return _WORDS.get(text.strip().lower(), text)


def label(key: object) -> str:
    """A field name as words: ``account_expires`` → ``account expires``."""
    return str(key).replace("_", " ").replace(":", " ").strip()


SHOWN_ABOVE = ("plan", "decision")
"""Audit data that is the plan or decision itself: the page shows those in words above."""
MAX_DETAIL = 200


def audit_detail(data: Mapping[str, Any]) -> str:
    """An audit entry's data in words: no plan blob (shown above), long values cut."""
    parts = []
    for key, value in redact_links(data).items():
        if key in SHOWN_ABOVE:
            continue
        text = worded(value)
        cut = text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
        parts.append(f"{label(key)}: {cut}")
    return "; ".join(parts) or "—"


def state_lines(state: Mapping[str, Any] | None) -> tuple[str, ...]:
    """One ``name: value`` line per field of a before/after state."""
    return tuple(f"{label(k)}: {worded(v)}" for k, v in (state or {}).items()) or ("—",)


@dataclass(frozen=True)
class PlanLine:
    """One planned step: what, where, before → after, and how it went."""

    index: int
    description: str
    system: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    note: str
    outcome: str


@dataclass(frozen=True)
class ApprovalLine:
    """One approver's answer: approved, rejected, or refused (not allowed), with why."""

    who: str
    verdict: str
    at: dt.datetime
    reason: str
    stage: int


@dataclass(frozen=True)
class ClockLine:
    """One SLA clock of the ticket."""

    metric: str
    stage: str
    breach_at: dt.datetime | None
    breached: bool
    remaining_s: float | None


@dataclass(frozen=True)
class AuditLine:
    """One audit entry, its data in words."""

    at: dt.datetime
    actor: str
    action: str
    detail: str


@dataclass(frozen=True)
class TicketDetail:
    """A ticket without a run, as its page shows it: the ticket, what deskpilot understood, its
    clocks and audit trail (the parts of a run's page that do not need a run)."""

    ticket: TicketRow
    text: str
    intent: str
    corrected: str | None
    confidence: float | None
    top: tuple[tuple[str, float], ...]
    entities: tuple[tuple[str, str], ...]
    gate: str | None
    clocks: tuple[ClockLine, ...]
    audit: tuple[AuditLine, ...]


def ticket_detail(session: Session, ticket: TicketRow, run_intent: str = "") -> TicketDetail:
    """The run-independent part of a ticket's page."""
    cls = session.scalars(
        select(ClassificationRow).where(ClassificationRow.ticket_id == ticket.id)
    ).first()
    clocks = tuple(
        ClockLine(c.metric, c.stage, c.breach_at, c.breached, c.remaining_s)
        for c in session.scalars(
            select(SlaClockRow).where(SlaClockRow.ticket_id == ticket.id).order_by(SlaClockRow.id)
        )
    )
    audit = tuple(
        AuditLine(a.at, a.actor, a.action, audit_detail(a.data))
        for a in session.scalars(
            select(AuditRow).where(AuditRow.ticket_id == ticket.id).order_by(AuditRow.id)
        )
    )
    return TicketDetail(
        ticket=ticket,
        text=redact_links(ticket_from_json(ticket.snapshot).description),
        intent=cls.intent if cls else (run_intent or ticket.intent or ""),
        corrected=cls.corrected_intent if cls else None,
        confidence=cls.confidence if cls else None,
        top=_top(cls.top) if cls else (),
        entities=tuple(
            (label(k), worded(v))
            for k, v in (cls.entities if cls else {}).items()
            if v not in (None, "", [], {})
        ),
        gate=cls.gate_reason if cls else None,
        clocks=clocks,
        audit=audit,
    )


@dataclass(frozen=True)
class RunDetail:
    """Everything the run page shows."""

    run: RunRow
    ticket: TicketRow
    text: str
    plan: Plan
    until: str
    lines: tuple[PlanLine, ...]
    decision: str
    reasons: tuple[str, ...]
    approvers: str
    approvals: tuple[ApprovalLine, ...]
    intent: str
    corrected: str | None
    confidence: float | None
    top: tuple[tuple[str, float], ...]
    entities: tuple[tuple[str, str], ...]
    gate: str | None
    clocks: tuple[ClockLine, ...]
    audit: tuple[AuditLine, ...]

    @property
    def waiting(self) -> bool:
        """Waiting for an approval: approve and reject apply."""
        return self.run.state == RunState.WAITING_APPROVAL

    @property
    def applied(self) -> bool:
        """Applied automatically: confirm, mark wrong and roll back apply."""
        return self.run.state in (RunState.APPLIED, RunState.UNVERIFIED)


def _outcome(steps: list[StepRow]) -> str:
    if not steps:
        return "not run"
    last = steps[-1]
    if last.state == "failed":
        return f"failed: {last.error or 'no detail'}"
    if last.state != "done":
        return last.state
    if last.changed is False:
        return "done (nothing to change)"
    if last.verified is False:
        return "done, not verified"
    return "done and verified" if last.verified else "done"


def _after(planned: Mapping[str, Any], steps: list[StepRow]) -> Mapping[str, Any]:
    """What the step left (its read-back) once done; what the plan expected before that."""
    done = [s for s in steps if s.state == "done" and s.after]
    return done[-1].after or planned if done else planned


def _top(raw: list[Any]) -> tuple[tuple[str, float], ...]:
    pairs: list[tuple[str, float]] = []
    for item in raw[:3]:
        if isinstance(item, list | tuple) and len(item) == 2:
            pairs.append((str(item[0]), float(item[1])))
    return tuple(pairs)


def run_detail(session: Session, run_id: int) -> RunDetail | None:
    """The run page's contents, or None when there is no run ``run_id``."""
    run = session.get(RunRow, run_id)
    if run is None:
        return None
    ticket = session.get(TicketRow, run.ticket_id)
    assert ticket is not None
    plan = Plan.from_json(str(run.plan["json"]))
    decision = Decision.from_json(str(run.decision["json"]))
    steps = session.scalars(
        select(StepRow)
        .where(StepRow.run_id == run.id, StepRow.phase == "apply")
        .order_by(StepRow.idx, StepRow.id)
    ).all()
    by_index: dict[int, list[StepRow]] = {}
    for step in steps:
        by_index.setdefault(step.idx, []).append(step)
    lines = tuple(
        PlanLine(
            index=s.index,
            description=s.description,
            system=s.directory,
            before=state_lines(s.before),
            after=state_lines(public_after(_after(s.after, by_index.get(s.index, [])))),
            note=" ".join(
                part
                for part in (
                    "manual task" if s.manual else "",
                    "" if s.changed else "no change needed",
                    describe_until(s.until) if s.until else "",
                )
                if part
            ),
            outcome=_outcome(by_index.get(s.index, [])),
        )
        for s in plan.steps
    )
    approvals = tuple(
        ApprovalLine(a.approver, a.verdict, a.at, a.reason or "", a.stage)
        for a in session.scalars(
            select(ApprovalRow).where(ApprovalRow.run_id == run.id).order_by(ApprovalRow.at)
        )
    )
    facts = ticket_detail(session, ticket, run.intent)
    reasons = tuple(decision.reasons) + ((plan.reason,) if plan.reason else ())
    return RunDetail(
        run=run,
        ticket=ticket,
        text=facts.text,
        plan=plan,
        until=describe_until(plan.until),
        lines=lines,
        decision=label(decision.outcome),
        reasons=reasons,
        approvers=decision.approvals.describe() if decision.approvals else "",
        approvals=approvals,
        intent=facts.intent,
        corrected=facts.corrected,
        confidence=facts.confidence,
        top=facts.top,
        entities=facts.entities,
        gate=facts.gate,
        clocks=facts.clocks,
        audit=facts.audit,
    )
