"""
The comment commands that correct or re-run a ticket, or change its access: ``/intent <name>``,
``/retry``, ``/extend <duration>``, ``/revoke-now``.

``worker.runs.commands`` claims each comment and resolves its author, then hands the command here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from connectors.identity import DirectoryUser
from intake.model import Comment
from playbooks.commands import Command
from playbooks.lifecycle import RunState, TicketOutcome, TicketStage
from playbooks.outbox import OutboxKind
from worker.db import audit
from worker.db.store import ticket_from_json
from worker.db.tables import ClassificationRow, CorrectionRow, RunRow, TicketRow, TimerRow
from worker.outbound.writeback import queue_writeback
from worker.queue.names import ActorName
from worker.runs.authors import Author
from worker.runtime import Runtime

__all__ = ["change_expiry", "correct_intent", "directory_user", "retry_ticket"]


def directory_user(rt: Runtime, desk: str, email: str | None) -> DirectoryUser | None:
    """The directory account behind a desk e-mail address (None when unknown or absent)."""
    if not email:
        return None
    return rt.directory_for(desk).find_user(email=email)


def correct_intent(
    rt: Runtime, ticket_id: int, command: Command, comment: Comment, author: Author
) -> None:
    """``/intent <name>``: record the correction, supersede a waiting run, process again."""
    now = rt.clock()
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None and command.intent is not None
        if ticket.outcome in (TicketOutcome.RESOLVED, TicketOutcome.APPLYING):
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                "This ticket was already acted on; use the review page to mark the run wrong "
                "and roll it back.",
                f"intent-late-{comment.id}",
            )
            return
        snapshot = ticket_from_json(ticket.snapshot)
        session.add(
            CorrectionRow(
                ticket_id=ticket_id,
                subject=snapshot.subject,
                body=snapshot.description,
                intent=command.intent,
                corrected_by=author.label,
                source="comment",
                at=now,
            )
        )
        session.execute(
            update(ClassificationRow)
            .where(ClassificationRow.ticket_id == ticket_id)
            .values(corrected_intent=command.intent, corrected_by=author.label)
        )
        session.execute(
            update(RunRow)
            .where(RunRow.ticket_id == ticket_id, RunRow.state == RunState.WAITING_APPROVAL)
            .values(state=RunState.SUPERSEDED, updated_at=now)
        )
        ticket.stage, ticket.stage_at = TicketStage.RECEIVED, now
        ticket.outcome, ticket.done_at = None, None
        audit.append(
            session,
            "classification.corrected",
            actor=author.label,
            ticket_id=ticket_id,
            data={"intent": command.intent},
        )
    rt.send(ActorName.PROCESS_TICKET, ticket_id)


def retry_ticket(
    rt: Runtime, ticket_id: int, command: Command, comment: Comment, author: Author
) -> None:
    """``/retry``: an escalated ticket is processed again from the start."""
    now = rt.clock()
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        if ticket.outcome != TicketOutcome.ESCALATED:
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                "Only an escalated ticket can be retried.",
                f"retry-noop-{comment.id}",
            )
            return
        ticket.stage, ticket.stage_at = TicketStage.RECEIVED, now
        ticket.outcome, ticket.done_at = None, None
        audit.append(session, "ticket.retried", actor=author.label, ticket_id=ticket_id, data={})
    rt.send(ActorName.PROCESS_TICKET, ticket_id)


def change_expiry(
    rt: Runtime, ticket_id: int, command: Command, comment: Comment, author: Author
) -> None:
    """``/extend <duration>`` and ``/revoke-now``: move the active access expiry (not the requester)."""
    now = rt.clock()
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        timer = session.scalars(
            select(TimerRow).where(
                TimerRow.ticket_id == ticket_id,
                TimerRow.kind == "access_expiry",
                TimerRow.state == "pending",
            )
        ).first()
        assert ticket is not None
        if timer is None:
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                "No time-bound access from this ticket is active.",
                f"expiry-noop-{comment.id}",
            )
            return
        requester = directory_user(
            rt, ticket.desk, ticket_from_json(ticket.snapshot).requester.email
        )
        if author.user is None or (requester is not None and author.user.id == requester.id):
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                f"{author.label} may not change this access's expiry.",
                f"expiry-refused-{comment.id}",
            )
            return
        if command.name == "revoke-now":
            timer.due_at, label = now, "revoked now"
        else:
            timer.due_at = command.until or timer.due_at + dt.timedelta(
                seconds=command.duration_s or 0
            )
            label = f"extended until {timer.due_at:%Y-%m-%d %H:%M} UTC"
        session.execute(
            update(RunRow).where(RunRow.id == timer.run_id).values(expires_at=timer.due_at)
        )
        queue_writeback(
            rt,
            session,
            ticket,
            OutboxKind.INTERNAL_NOTE,
            f"Access {label} by {author.label}.",
            f"expiry-{comment.id}",
        )
        audit.append(
            session,
            "access.expiry_changed",
            actor=author.label,
            ticket_id=ticket_id,
            run_id=timer.run_id,
            data={"due_at": timer.due_at.isoformat(), "command": command.name},
        )
    if command.name == "revoke-now":
        rt.send(ActorName.FIRE_TIMERS)
