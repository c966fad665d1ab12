"""
Commands agents write in ticket comments: ``/approve``, ``/reject <reason>``, ``/extend <duration>``,
``/revoke-now``, ``/intent <name>``, ``/retry``.

Each comment event is handled once (its row is claimed with compare-and-set). The commenter's desk
identity is mapped to a directory user and checked against the playbook's approver rule by the
pure ``playbooks.approval.check_approval``; nobody approves their own request, and two approvals
racing produce one apply (the run moves ``waiting_approval → approved`` once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.identity import DirectoryUser
from intake.model import Comment, EventKind, TicketEvent
from playbooks.approval import ApprovalVerdict, check_approval
from playbooks.commands import Command, CommandError, parse_command
from playbooks.planned import Plan
from playbooks.policy import Decision
from playbooks.template import render
from worker.db import audit
from worker.db.database import (
    ApprovalRow,
    ClassificationRow,
    CorrectionRow,
    RunRow,
    TicketEventRow,
    TicketRow,
    TimerRow,
)
from worker.db.store import compare_and_set, event_from_json, insert_ignore, ticket_from_json
from worker.outbound.notes import recorded_approvals
from worker.outbound.writeback import pending_outbox_ids, queue_state, queue_writeback, send_outbox
from worker.queue.names import ActorName
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.commands")

OWN_MARKER = "deskpilot:"


def handle_comments(rt: Runtime, ticket_id: int) -> int:
    """Run the commands in ticket ``ticket_id``'s new comments, once each; returns how many."""
    with rt.db.session() as session:
        rows = session.scalars(
            select(TicketEventRow)
            .where(
                TicketEventRow.ticket_id == ticket_id,
                TicketEventRow.kind == EventKind.COMMENT.value,
                TicketEventRow.handled.is_(False),
            )
            .order_by(TicketEventRow.at, TicketEventRow.seq)
        ).all()
        pending = [(row.id, event_from_json(row.data)) for row in rows]
    handled = 0
    for row_id, event in pending:
        if _claim(rt, row_id):
            handled += _handle(rt, ticket_id, event)
    _flush(rt, ticket_id)
    return handled


def _claim(rt: Runtime, event_row_id: int) -> bool:
    with rt.db.session() as session:
        result = session.execute(
            update(TicketEventRow)
            .where(TicketEventRow.id == event_row_id, TicketEventRow.handled.is_(False))
            .values(handled=True)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _handle(rt: Runtime, ticket_id: int, event: TicketEvent) -> int:
    comment = event.comment
    if comment is None or OWN_MARKER in comment.body:
        return 0
    try:
        command = parse_command(comment.body)
    except CommandError as exc:
        _note(
            rt, ticket_id, f"deskpilot could not run that command: {exc}", f"cmd-error-{comment.id}"
        )
        return 0
    if command is None:
        return 0
    handler = HANDLERS[command.name]
    handler(rt, ticket_id, command, comment)
    return 1


def _author(comment: Comment) -> str:
    if comment.author is None:
        return "unknown"
    return comment.author.email or comment.author.id


def _directory_user(rt: Runtime, desk: str, email: str | None) -> DirectoryUser | None:
    if not email:
        return None
    return rt.directory_for(desk).find_user(email=email)


def _waiting_run_or_say(
    rt: Runtime, ticket_id: int, comment: Comment
) -> tuple[RunRow, TicketRow] | None:
    """The run waiting for approval, or None after telling the commenter nothing is waiting."""
    found = _waiting_run(rt, ticket_id)
    if found is None:
        _note(
            rt,
            ticket_id,
            "Nothing on this ticket is waiting for an approval.",
            f"noop-{comment.id}",
        )
    return found


def _waiting_run(rt: Runtime, ticket_id: int) -> tuple[RunRow, TicketRow] | None:
    with rt.db.session() as session:
        run = session.scalars(
            select(RunRow)
            .where(RunRow.ticket_id == ticket_id, RunRow.state == "waiting_approval")
            .order_by(RunRow.attempt.desc())
        ).first()
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        return (run, ticket) if run is not None else None


def _verdict(
    rt: Runtime, run: RunRow, ticket: TicketRow, comment: Comment, now: dt.datetime
) -> tuple[ApprovalVerdict, DirectoryUser | None]:
    plan = Plan.from_json(str(run.plan["json"]))
    decision = Decision.from_json(str(run.decision["json"]))
    directory = rt.directory_for(ticket.desk)
    approver = _directory_user(rt, ticket.desk, comment.author.email if comment.author else None)
    requester = _directory_user(rt, ticket.desk, ticket_from_json(ticket.snapshot).requester.email)
    target = directory.find_user(login=plan.target.login) if plan.target else None
    groups = directory.groups_of(approver.id) if approver else []
    with rt.db.connect() as connection:
        existing = list(recorded_approvals(connection, run.id))
    assert decision.approvals is not None
    verdict = check_approval(
        decision.approvals,
        approver,
        requester=requester,
        target=target,
        approver_groups=groups,
        existing=existing,
        now=now,
    )
    return verdict, approver


def _approve(rt: Runtime, ticket_id: int, command: Command, comment: Comment) -> None:
    found = _waiting_run_or_say(rt, ticket_id, comment)
    if found is None:
        return
    run, ticket = found
    now = rt.clock()
    verdict, approver = _verdict(rt, run, ticket, comment, now)
    approved = False
    with rt.db.session() as session:
        _record_approval(
            session,
            run.id,
            comment,
            approver,
            verdict.stage,
            "approved" if verdict.accepted else "refused",
            verdict.reason,
            now,
        )
        if verdict.accepted and verdict.complete:
            approved = compare_and_set(
                session,
                RunRow,
                run.id,
                RunRow.state == "waiting_approval",
                state="approved",
                updated_at=now,
            )
            if approved:
                session.execute(
                    update(TicketRow)
                    .where(TicketRow.id == ticket_id)
                    .values(stage="applying", stage_at=now, outcome="applying")
                )
        audit.append(
            session,
            "approval.recorded" if verdict.accepted else "approval.refused",
            actor=_author(comment),
            ticket_id=ticket_id,
            run_id=run.id,
            data={"reason": verdict.reason, "complete": verdict.complete, "stage": verdict.stage},
        )
        if not verdict.accepted:
            queue_writeback(
                rt,
                session,
                ticket,
                "internal_note",
                f"Approval by {_author(comment)} not accepted: {verdict.reason}",
                f"approval-refused-{comment.id}",
            )
        elif not verdict.complete:
            queue_writeback(
                rt,
                session,
                ticket,
                "internal_note",
                f"Approval by {_author(comment)} recorded. {verdict.reason}",
                f"approval-partial-{comment.id}",
            )
    if approved:
        rt.send(ActorName.APPLY_RUN, run.id)


def _record_approval(
    session: Session,
    run_id: int,
    comment: Comment,
    approver: DirectoryUser | None,
    stage: int | None,
    verdict: str,
    reason: str | None,
    now: dt.datetime,
) -> None:
    """One approver's answer on a run (once per approver: a repeat comment changes nothing)."""
    insert_ignore(
        session,
        ApprovalRow,
        {
            "run_id": run_id,
            "approver": _author(comment),
            "directory_user": approver.id if approver else None,
            "directory_login": approver.login if approver else None,
            "stage": stage or 0,
            "verdict": verdict,
            "reason": reason,
            "source": f"comment:{comment.id}",
            "at": now,
        },
        ("run_id", "approver"),
    )


def _reject(rt: Runtime, ticket_id: int, command: Command, comment: Comment) -> None:
    found = _waiting_run_or_say(rt, ticket_id, comment)
    if found is None:
        return
    run, ticket = found
    now = rt.clock()
    verdict, approver = _verdict(rt, run, ticket, comment, now)
    with rt.db.session() as session:
        if not verdict.accepted:
            queue_writeback(
                rt,
                session,
                ticket,
                "internal_note",
                f"Rejection by {_author(comment)} not accepted: {verdict.reason}",
                f"reject-refused-{comment.id}",
            )
            audit.append(
                session,
                "rejection.refused",
                actor=_author(comment),
                ticket_id=ticket_id,
                run_id=run.id,
                data={"reason": verdict.reason},
            )
            return
        if not compare_and_set(
            session,
            RunRow,
            run.id,
            RunRow.state == "waiting_approval",
            state="rejected",
            updated_at=now,
        ):
            return
        _record_approval(
            session, run.id, comment, approver, verdict.stage, "rejected", command.reason, now
        )
        session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket_id)
            .values(stage="done", stage_at=now, outcome="rejected", done_at=now)
        )
        queue_writeback(
            rt,
            session,
            ticket,
            "internal_note",
            f"Rejected by {_author(comment)}."
            + (f" Reason: {command.reason}" if command.reason else ""),
            f"rejected-note-{run.id}",
        )
        replies = rt.settings.playbooks.replies
        if replies.is_public("declined"):
            queue_writeback(
                rt,
                session,
                ticket,
                "public_reply",
                declined_reply(replies.templates.get("declined"), command.reason),
                f"rejected-{run.id}",
            )
        queue_state(rt, session, ticket, "rejected")
        audit.append(
            session,
            "run.rejected",
            actor=_author(comment),
            ticket_id=ticket_id,
            run_id=run.id,
            data={"reason": command.reason},
        )


def declined_reply(template: str | None, reason: str | None) -> str:
    """The requester's reply to an approver's ``/reject`` (the deployment's wording, if any)."""
    if template is None:
        said = f" Reason: {reason}" if reason else ""
        return f"Your request was reviewed and declined.{said}"
    return render(template, {"reason": reason or ""}, where="playbooks.replies.templates.declined")


def _intent(rt: Runtime, ticket_id: int, command: Command, comment: Comment) -> None:
    now = rt.clock()
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None and command.intent is not None
        if ticket.outcome in ("resolved", "applying"):
            queue_writeback(
                rt,
                session,
                ticket,
                "internal_note",
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
                corrected_by=_author(comment),
                source="comment",
                at=now,
            )
        )
        session.execute(
            update(ClassificationRow)
            .where(ClassificationRow.ticket_id == ticket_id)
            .values(corrected_intent=command.intent, corrected_by=_author(comment))
        )
        session.execute(
            update(RunRow)
            .where(RunRow.ticket_id == ticket_id, RunRow.state == "waiting_approval")
            .values(state="superseded", updated_at=now)
        )
        ticket.stage, ticket.stage_at, ticket.outcome, ticket.done_at = "received", now, None, None
        audit.append(
            session,
            "classification.corrected",
            actor=_author(comment),
            ticket_id=ticket_id,
            data={"intent": command.intent},
        )
    rt.send(ActorName.PROCESS_TICKET, ticket_id)


def _retry(rt: Runtime, ticket_id: int, command: Command, comment: Comment) -> None:
    now = rt.clock()
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        if ticket.outcome != "escalated":
            queue_writeback(
                rt,
                session,
                ticket,
                "internal_note",
                "Only an escalated ticket can be retried.",
                f"retry-noop-{comment.id}",
            )
            return
        ticket.stage, ticket.stage_at, ticket.outcome, ticket.done_at = "received", now, None, None
        audit.append(
            session, "ticket.retried", actor=_author(comment), ticket_id=ticket_id, data={}
        )
    rt.send(ActorName.PROCESS_TICKET, ticket_id)


def _expiry(rt: Runtime, ticket_id: int, command: Command, comment: Comment) -> None:
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
                "internal_note",
                "No time-bound access from this ticket is active.",
                f"expiry-noop-{comment.id}",
            )
            return
        agent = _directory_user(rt, ticket.desk, comment.author.email if comment.author else None)
        requester = ticket_from_json(ticket.snapshot).requester.email
        if agent is None or (comment.author is not None and comment.author.email == requester):
            queue_writeback(
                rt,
                session,
                ticket,
                "internal_note",
                f"{_author(comment)} may not change this access's expiry.",
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
            "internal_note",
            f"Access {label} by {_author(comment)}.",
            f"expiry-{comment.id}",
        )
        audit.append(
            session,
            "access.expiry_changed",
            actor=_author(comment),
            ticket_id=ticket_id,
            run_id=timer.run_id,
            data={"due_at": timer.due_at.isoformat(), "command": command.name},
        )
    if command.name == "revoke-now":
        rt.send(ActorName.FIRE_TIMERS)


def _note(rt: Runtime, ticket_id: int, body: str, purpose: str) -> None:
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        queue_writeback(rt, session, ticket, "internal_note", body, purpose)


def _flush(rt: Runtime, ticket_id: int) -> None:
    with rt.db.session() as session:
        outbox = pending_outbox_ids(session, ticket_id)
    send_outbox(rt, ticket_id, outbox)


HANDLERS: dict[str, Callable[[Runtime, int, Command, Comment], None]] = {
    "approve": _approve,
    "reject": _reject,
    "intent": _intent,
    "retry": _retry,
    "extend": _expiry,
    "revoke-now": _expiry,
}
