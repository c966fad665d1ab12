"""
The comment commands that correct or re-run a ticket, or change its access: ``/intent <name>``,
``/retry``, ``/extend <duration>``, ``/revoke-now``.

``worker.runs.commands`` claims each comment and resolves its author, then hands the command here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.model import Comment
from playbooks.authority import check_correction, check_expiry_change, extension_limits
from playbooks.commands import Command
from playbooks.duration import parse_duration
from playbooks.expiry import Extension, current_ends, extend
from playbooks.lifecycle import RunState, TicketOutcome, TicketStage
from playbooks.outbox import OutboxKind
from playbooks.planned import Plan
from worker.db import audit
from worker.db.store import ticket_from_json
from worker.db.tables import ClassificationRow, CorrectionRow, RunRow, TicketRow, TimerRow
from worker.outbound.writeback import queue_writeback
from worker.queue.names import ActorName
from worker.runs.authors import (
    Author,
    actor_of,
    change_of,
    refuse,
    requester_user,
    submitter_user,
)
from worker.runtime import Runtime

__all__ = ["change_expiry", "correct_intent", "may_correct", "retry_ticket"]


def correct_intent(
    rt: Runtime, ticket_id: int, command: Command, comment: Comment, author: Author
) -> None:
    """``/intent <name>``: record the correction, supersede a waiting run, process again."""
    now = rt.clock()
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None and command.intent is not None
        if not _may_correct(rt, session, ticket, command, comment, author):
            return
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
        if not _may_correct(rt, session, ticket, command, comment, author):
            return
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
    """
    ``/extend <duration>`` and ``/revoke-now``: move the active access expiry, when the author
    may (``playbooks.authority.check_expiry_change``) and an extension stays within the
    playbook's maximum duration.
    """
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
        run = session.get(RunRow, timer.run_id)
        assert run is not None
        problem = _expiry_problem(rt, ticket, run, command, author)
        extension = (
            None
            if problem or command.name != "extend"
            else _extension(rt, run, timer, command, now)
        )
        if extension is not None and not extension.moved:
            problem = f"/extend refused: nothing can be extended; {_items(extension)}"
        if problem is not None:
            refuse(
                rt,
                session,
                ticket,
                command=command.name,
                author=author.label,
                reason=problem,
                purpose=f"expiry-refused-{comment.id}",
                run_id=run.id,
            )
            return
        if extension is None:  # /revoke-now
            timer.due_at, body = now, f"Access revoked now by {author.label}."
            data: dict[str, object] = {}
        else:
            timer.due_at = min(extension.ends.values())
            ends = {str(i): end.isoformat() for i, end in extension.ends.items()}
            timer.payload = {**(timer.payload or {}), "ends": ends}
            body = f"Access extended by {author.label}: {_items(extension)}."
            data = {
                "items": {i.item: i.end.isoformat() for i in extension.items},
                "capped": [i.item for i in extension.items if i.capped_at is not None],
            }
        session.execute(
            update(RunRow).where(RunRow.id == timer.run_id).values(expires_at=timer.due_at)
        )
        queue_writeback(rt, session, ticket, OutboxKind.INTERNAL_NOTE, body, f"expiry-{comment.id}")
        audit.append(
            session,
            "access.expiry_changed",
            actor=author.label,
            ticket_id=ticket_id,
            run_id=timer.run_id,
            data={"due_at": timer.due_at.isoformat(), "command": command.name, **data},
        )
    if command.name == "revoke-now":
        rt.send(ActorName.FIRE_TIMERS)


def _may_correct(
    rt: Runtime,
    session: Session,
    ticket: TicketRow,
    command: Command,
    comment: Comment,
    author: Author,
) -> bool:
    """``/intent`` and ``/retry`` from an agent only; a refusal is noted and audited."""
    return may_correct(
        rt, session, ticket, command.name, author, f"{command.name}-refused-{comment.id}"
    )


def may_correct(
    rt: Runtime,
    session: Session,
    ticket: TicketRow,
    name: str,
    author: Author,
    purpose: str,
    run_id: int | None = None,
) -> bool:
    """
    The correction policy (``playbooks.authority.check_correction``) for command ``name`` by
    ``author``: an agent with no stake in the ticket (not its requester, nor whoever typed it
    in). A refusal is noted on the ticket and audited (``purpose`` keys the note); the review
    page's "mark wrong" is held to it too.
    """
    actor = actor_of(rt, ticket.desk, author)
    policy = rt.settings.playbooks.commands
    requester, submitter = requester_user(rt, ticket), submitter_user(rt, ticket)
    problem = check_correction(actor, requester, policy, name, submitter=submitter)
    if problem is None:
        return True
    refuse(
        rt, session, ticket, command=name, author=author.label, reason=problem,
        purpose=purpose, run_id=run_id,
    )  # fmt: skip
    return False


def _expiry_problem(
    rt: Runtime, ticket: TicketRow, run: RunRow, command: Command, author: Author
) -> str | None:
    """Why ``author`` may not move this access's end (None: they may)."""
    change = change_of(rt, run, ticket)
    return check_expiry_change(
        actor_of(rt, ticket.desk, author),
        command.name,
        change.requirement,
        requester=change.requester,
        target=change.target,
        policy=rt.settings.playbooks.commands,
        submitter=change.submitter,
    )


def _extension(
    rt: Runtime, run: RunRow, timer: TimerRow, command: Command, now: dt.datetime
) -> Extension:
    """Each item's new end for ``command``, capped by its own maximum and the playbook's."""
    plan = Plan.from_json(str(run.plan["json"]))
    payload = timer.payload or {}
    ended = [int(i) for i in payload.get("ended", [])]
    given = {int(i): dt.datetime.fromisoformat(e) for i, e in payload.get("ends", {}).items()}
    current = current_ends(plan, timer.due_at, ended, given)
    playbook = rt.library.playbooks.get(run.playbook)
    spec = playbook.duration if playbook is not None else None
    limit = (spec.max or spec.default) if spec is not None else None
    items = {
        a.name: parse_duration(a.max_duration)
        for a in rt.settings.playbooks.applications
        if a.max_duration
    }
    latest = extension_limits(
        plan, plan.created_at, parse_duration(limit) if limit else None, items
    )
    if command.until is not None:
        return extend(plan, current, latest, until=command.until)
    return extend(plan, current, latest, by=dt.timedelta(seconds=command.duration_s or 0))


def _items(extension: Extension) -> str:
    """``GitHub until 2027-01-10 09:00 UTC; VPN until … (capped: its maximum)``."""
    parts = []
    for item in extension.items:
        text = f"{item.item} until {item.end:%Y-%m-%d %H:%M} UTC"
        if item.no_limit:
            text += " (not extended: neither the item nor the playbook sets a maximum duration)"
        elif item.capped_at is not None:
            text += f" (capped: the most it may have ends {item.capped_at:%Y-%m-%d %H:%M} UTC)"
        parts.append(text)
    return "; ".join(parts)
