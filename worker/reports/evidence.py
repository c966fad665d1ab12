"""The evidence pack an auditor asks for: everything deskpilot knows and did about one ticket."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from sla.feed import waiting_breakdown
from worker.db.audit import verify_chain
from worker.db.database import utcnow
from worker.db.records import AuditRow
from worker.db.store import event_from_json
from worker.db.tables import (
    ApprovalRow,
    ClassificationRow,
    InboxItem,
    OutboxRow,
    RunRow,
    StepRow,
    TicketEventRow,
    TicketRow,
)
from worker.outbound.events import AUTOMATION_ID
from worker.runs.secretlinks import public_after, redact_links


class UnknownTicketError(LookupError):
    """No ticket with that key (on that desk)."""


def evidence_pack(
    session: Session, key: str, desk: str | None = None, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Request, classification, plans, approvals, changes with before/after, notes, audit entries."""
    query = select(TicketRow).where(TicketRow.key == key)
    if desk is not None:
        query = query.where(TicketRow.desk == desk)
    tickets = session.scalars(query).all()
    if len(tickets) != 1:
        where = f" on desk {desk}" if desk else ""
        problem = "no ticket" if not tickets else "several tickets (name the desk)"
        raise UnknownTicketError(f"{problem} with key {key}{where}")
    ticket = tickets[0]
    now = now or utcnow()
    chain = verify_chain(session)
    # A live one-time link may sit in a reply or in the desk's echo of it: the export cuts it out.
    return cast(
        dict[str, Any],
        redact_links(
            {
                "format": "deskpilot-evidence/1",
                "ticket": {
                    "desk": ticket.desk,
                    "key": ticket.key,
                    "url": ticket.url,
                    "requester": ticket.requester,
                    "subject": ticket.subject,
                    "first_seen_at": ticket.first_seen_at.isoformat(),
                    "outcome": ticket.outcome,
                    "snapshot": ticket.snapshot,
                },
                "deliveries": [
                    {
                        "source": i.source,
                        "event_type": i.event_type,
                        "dedupe_key": i.dedupe_key,
                        "received_at": i.received_at.isoformat(),
                        "state": i.state,
                    }
                    for i in session.scalars(
                        select(InboxItem)
                        .where(InboxItem.ticket_id == ticket.id)
                        .order_by(InboxItem.id)
                    )
                ],
                "events": [
                    {"kind": e.kind, "at": e.at.isoformat(), "desk_event_id": e.desk_event_id}
                    for e in session.scalars(
                        select(TicketEventRow)
                        .where(TicketEventRow.ticket_id == ticket.id)
                        .order_by(TicketEventRow.at, TicketEventRow.seq)
                    )
                ],
                "classification": _classification(session, ticket.id),
                "waiting": _waiting(session, ticket.id, now),
                "runs": [
                    _run(session, run)
                    for run in session.scalars(
                        select(RunRow).where(RunRow.ticket_id == ticket.id).order_by(RunRow.attempt)
                    )
                ],
                "notes": [
                    {
                        "kind": o.kind,
                        "state": o.state,
                        "marker": o.marker,
                        "body": o.body,
                        "sent_at": o.sent_at.isoformat() if o.sent_at else None,
                    }
                    for o in session.scalars(
                        select(OutboxRow)
                        .where(OutboxRow.ticket_id == ticket.id)
                        .order_by(OutboxRow.id)
                    )
                ],
                "audit": [
                    {
                        "id": a.id,
                        "at": a.at.isoformat(),
                        "actor": a.actor,
                        "action": a.action,
                        "run": a.run_id,
                        "data": a.data,
                        "hash": a.hash,
                        "prev_hash": a.prev_hash,
                    }
                    for a in session.scalars(
                        select(AuditRow)
                        .where(AuditRow.ticket_id == ticket.id)
                        .order_by(AuditRow.id)
                    )
                ],
                "audit_chain": {
                    "entries": chain.entries,
                    "ok": chain.ok,
                    "first_bad_id": chain.first_bad_id,
                },
            }
        ),
    )


def _waiting(session: Session, ticket_id: int, now: dt.datetime) -> dict[str, float]:
    """Seconds the ticket waited on the requester, an approver, deskpilot, an agent, a third party."""
    rows = session.scalars(
        select(TicketEventRow.data).where(TicketEventRow.ticket_id == ticket_id)
    ).all()
    breakdown = waiting_breakdown(
        [event_from_json(data) for data in rows], now, automation_ids=frozenset({AUTOMATION_ID})
    )
    return {
        "requester_s": breakdown.requester_seconds,
        "approver_s": breakdown.approver_seconds,
        "deskpilot_s": breakdown.system_seconds,
        "agent_s": breakdown.agent_seconds,
        "third_party_s": breakdown.third_party_seconds,
    }


def _classification(session: Session, ticket_id: int) -> dict[str, Any] | None:
    c = session.scalars(
        select(ClassificationRow).where(ClassificationRow.ticket_id == ticket_id)
    ).first()
    if c is None:
        return None
    return {
        "intent": c.intent,
        "confidence": c.confidence,
        "top": c.top,
        "entities": c.entities,
        "route": c.route,
        "auto": c.auto,
        "gate_reason": c.gate_reason,
        "corrected_intent": c.corrected_intent,
        "corrected_by": c.corrected_by,
    }


def _run(session: Session, run: RunRow) -> dict[str, Any]:
    return {
        "id": run.id,
        "attempt": run.attempt,
        "playbook": run.playbook,
        "state": run.state,
        "plan": run.plan,
        "decision": run.decision,
        "result": run.result,
        "expires_at": run.expires_at.isoformat() if run.expires_at else None,
        "approved_by": [
            a.approver
            for a in session.scalars(
                select(ApprovalRow)
                .where(ApprovalRow.run_id == run.id, ApprovalRow.verdict == "approved")
                .order_by(ApprovalRow.at)
            )
        ],
        "approvals": [
            {
                "approver": a.approver,
                "directory_user": a.directory_user,
                "verdict": a.verdict,
                "reason": a.reason,
                "source": a.source,
                "at": a.at.isoformat(),
            }
            for a in session.scalars(
                select(ApprovalRow).where(ApprovalRow.run_id == run.id).order_by(ApprovalRow.at)
            )
        ],
        "steps": [
            {
                "idx": s.idx,
                "phase": s.phase,
                "operation": s.operation,
                "system": s.system,
                "target": s.target,
                "state": s.state,
                "changed": s.changed,
                "before": s.before,
                "after": public_after(s.after),
                "verified": s.verified,
                "error": s.error,
                "idempotency_key": s.idempotency_key,
            }
            for s in session.scalars(
                select(StepRow).where(StepRow.run_id == run.id).order_by(StepRow.id)
            )
        ],
    }
