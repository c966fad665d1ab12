"""
Commands agents write in ticket comments: ``/approve``, ``/reject <reason>``, ``/extend <duration>``,
``/revoke-now``, ``/intent <name>``, ``/retry`` (the last four in ``worker.runs.corrections``).

Each comment event is handled once (its row is claimed with compare-and-set). The commenter's desk
identity is mapped to a directory user and checked against the playbook's approver rule by the
pure ``playbooks.approval.check_approval``; nobody approves what they asked for or typed in for
someone, nor their own access (``playbooks.approval.stake_in``), and two approvals
racing produce one apply (the run moves ``waiting_approval → approved`` once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.model import Comment, TicketEvent
from playbooks.approval import ApprovalVerdict, check_approval
from playbooks.commands import Command, CommandError, parse_command
from playbooks.lifecycle import RunState, TicketOutcome, TicketStage
from playbooks.outbox import OutboxKind
from playbooks.planned import Plan, plan_digest
from playbooks.template import render
from worker.db import audit
from worker.db.store import compare_and_set, insert_ignore
from worker.db.tables import (
    ApprovalRow,
    RunRow,
    TicketEventRow,
    TicketRow,
)
from worker.outbound.notes import recorded_approvals
from worker.outbound.writeback import pending_outbox_ids, queue_state, queue_writeback, send_outbox
from worker.queue.names import ActorName
from worker.runs.authors import Author, change_of, resolve_comment_author, unhandled_comments
from worker.runs.corrections import change_expiry, correct_intent, retry_ticket
from worker.runs.review_decide import handle_review_comments
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.commands")

OWN_MARKER = "deskpilot:"


def handle_comments(rt: Runtime, ticket_id: int) -> int:
    """Run the commands in ticket ``ticket_id``'s new comments, once each; returns how many."""
    reviewed = handle_review_comments(rt, ticket_id)  # an access review's ticket: its commands
    if reviewed is not None:
        return reviewed
    with rt.db.session() as session:
        pending = unhandled_comments(session, ticket_id)
        ticket = session.get(TicketRow, ticket_id)
        desk = ticket.desk if ticket is not None else ""
    handled = sum(_handle(rt, ticket_id, desk, row_id, event) for row_id, event in pending)
    _flush(rt, ticket_id)
    return handled


def _handle(rt: Runtime, ticket_id: int, desk: str, row_id: int, event: TicketEvent) -> int:
    """Run the command in one comment event (once: its row is claimed); 1 if one ran."""
    comment = event.comment
    if comment is None or OWN_MARKER in comment.body:
        _claim(rt, row_id)
        return 0
    try:
        text = comment.own_text if comment.own_text is not None else comment.body
        command, problem = parse_command(text), None
    except CommandError as exc:
        command, problem = None, str(exc)
    # The author is looked up before the comment is claimed: a transient desk failure leaves
    # it unclaimed for the retried message.
    author = resolve_comment_author(rt, desk, comment) if command is not None else None
    if not _claim(rt, row_id):
        return 0
    if problem is not None:
        message = f"deskpilot could not run that command: {problem}"
        _note(rt, ticket_id, message, f"cmd-error-{comment.id}")
    if command is None or author is None:
        return 0
    HANDLERS[command.name](rt, ticket_id, command, comment, author)
    return 1


def _claim(rt: Runtime, event_row_id: int) -> bool:
    with rt.db.session() as session:
        return compare_and_set(
            session, TicketEventRow, event_row_id, TicketEventRow.handled.is_(False), handled=True
        )


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
            .where(RunRow.ticket_id == ticket_id, RunRow.state == RunState.WAITING_APPROVAL)
            .order_by(RunRow.attempt.desc())
        ).first()
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        return (run, ticket) if run is not None else None


def _verdict(
    rt: Runtime, run: RunRow, ticket: TicketRow, author: Author, now: dt.datetime
) -> ApprovalVerdict:
    change = change_of(rt, run, ticket)
    approver = author.user
    directory = rt.directory_for(ticket.desk)
    groups = directory.transitive_groups_of(approver.id) if approver else []
    with rt.db.connect() as connection:
        existing = list(recorded_approvals(connection, run.id))
    assert change.requirement is not None
    if author.problem is not None:
        return ApprovalVerdict(False, False, author.problem)
    return check_approval(
        change.requirement,
        approver,
        requester=change.requester,
        target=change.target,
        submitter=change.submitter,
        approver_groups=groups,
        existing=existing,
        now=now,
        plan_digest=plan_digest(change.plan),
    )


def _approve(
    rt: Runtime, ticket_id: int, command: Command, comment: Comment, author: Author
) -> None:
    found = _waiting_run_or_say(rt, ticket_id, comment)
    if found is None:
        return
    run, ticket = found
    now = rt.clock()
    verdict = _verdict(rt, run, ticket, author, now)
    approved = False
    with rt.db.session() as session:
        _record_approval(
            session,
            run.id,
            comment,
            author,
            verdict,
            "approved" if verdict.accepted else "refused",
            now,
            plan_digest(Plan.from_json(str(run.plan["json"]))),
        )
        if verdict.accepted and verdict.complete:
            approved = compare_and_set(
                session,
                RunRow,
                run.id,
                RunRow.state == RunState.WAITING_APPROVAL,
                state=RunState.APPROVED,
                updated_at=now,
            )
            if approved:
                session.execute(
                    update(TicketRow)
                    .where(TicketRow.id == ticket_id)
                    .values(
                        stage=TicketStage.APPLYING, stage_at=now, outcome=TicketOutcome.APPLYING
                    )
                )
        audit.append(
            session,
            "approval.recorded" if verdict.accepted else "approval.refused",
            actor=author.label,
            ticket_id=ticket_id,
            run_id=run.id,
            data={
                "reason": verdict.reason,
                "complete": verdict.complete,
                "stage": verdict.stage,
                "stages": list(verdict.stages),
            },
        )
        if not verdict.accepted:
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                f"Approval by {author.label} not accepted: {verdict.reason}",
                f"approval-refused-{comment.id}",
            )
        elif not verdict.complete:
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                f"Approval by {author.label} recorded. {verdict.reason}",
                f"approval-partial-{comment.id}",
            )
    if approved:
        rt.send(ActorName.APPLY_RUN, run.id)


def _record_approval(
    session: Session,
    run_id: int,
    comment: Comment,
    author: Author,
    verdict: ApprovalVerdict,
    answer: str,
    now: dt.datetime,
    digest: str | None,
    reason: str | None = None,
) -> None:
    """
    One approver's answer on a run, once per approver: a repeat comment changes nothing, except
    that a valid approval replaces the same person's earlier refused one, so the record shows
    the approval that let the run apply (the refusal stays in the audit log).
    """
    values = {
        "run_id": run_id,
        "approver": author.label,
        "directory_user": author.user.id if author.user else None,
        "directory_login": author.user.login if author.user else None,
        "stage": verdict.stage or 0,
        "stages": list(verdict.stages) or None,
        "plan_digest": digest,
        "verdict": answer,
        "reason": reason if reason is not None else verdict.reason,
        "source": f"comment:{comment.id}",
        "at": now,
    }
    if insert_ignore(session, ApprovalRow, values, ("run_id", "approver")) or answer != "approved":
        return
    session.execute(
        update(ApprovalRow)
        .where(
            ApprovalRow.run_id == run_id,
            ApprovalRow.approver == author.label,
            ApprovalRow.verdict == "refused",
        )
        .values({k: v for k, v in values.items() if k not in ("run_id", "approver")})
    )


def declined_reply(template: str | None, reason: str | None) -> str:
    """The requester's reply to an approver's ``/reject`` (the deployment's wording, if any)."""
    if template is None:
        said = f" Reason: {reason}" if reason else ""
        return f"Your request was reviewed and declined.{said}"
    return render(template, {"reason": reason or ""}, where="playbooks.replies.templates.declined")


def _reject(
    rt: Runtime, ticket_id: int, command: Command, comment: Comment, author: Author
) -> None:
    found = _waiting_run_or_say(rt, ticket_id, comment)
    if found is None:
        return
    run, ticket = found
    now = rt.clock()
    verdict = _verdict(rt, run, ticket, author, now)
    with rt.db.session() as session:
        if not verdict.accepted:
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                f"Rejection by {author.label} not accepted: {verdict.reason}",
                f"reject-refused-{comment.id}",
            )
            audit.append(
                session,
                "rejection.refused",
                actor=author.label,
                ticket_id=ticket_id,
                run_id=run.id,
                data={"reason": verdict.reason},
            )
            return
        if not compare_and_set(
            session,
            RunRow,
            run.id,
            RunRow.state == RunState.WAITING_APPROVAL,
            state=RunState.REJECTED,
            updated_at=now,
        ):
            return
        _record_approval(
            session, run.id, comment, author, verdict, "rejected", now, None, command.reason
        )
        session.execute(
            update(TicketRow)
            .where(TicketRow.id == ticket_id)
            .values(
                stage=TicketStage.DONE, stage_at=now, outcome=TicketOutcome.REJECTED, done_at=now
            )
        )
        queue_writeback(
            rt,
            session,
            ticket,
            OutboxKind.INTERNAL_NOTE,
            f"Rejected by {author.label}."
            + (f" Reason: {command.reason}" if command.reason else ""),
            f"rejected-note-{run.id}",
        )
        replies = rt.settings.playbooks.replies
        if replies.is_public("declined"):
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.PUBLIC_REPLY,
                declined_reply(replies.templates.get("declined"), command.reason),
                f"rejected-{run.id}",
            )
        queue_state(rt, session, ticket, TicketOutcome.REJECTED)
        audit.append(
            session,
            "run.rejected",
            actor=author.label,
            ticket_id=ticket_id,
            run_id=run.id,
            data={"reason": command.reason},
        )


def _note(rt: Runtime, ticket_id: int, body: str, purpose: str) -> None:
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        queue_writeback(rt, session, ticket, OutboxKind.INTERNAL_NOTE, body, purpose)


def _flush(rt: Runtime, ticket_id: int) -> None:
    with rt.db.session() as session:
        outbox = pending_outbox_ids(session, ticket_id)
    send_outbox(rt, ticket_id, outbox)


HANDLERS: dict[str, Callable[[Runtime, int, Command, Comment, Author], None]] = {
    "approve": _approve,
    "reject": _reject,
    "intent": correct_intent,
    "retry": retry_ticket,
    "extend": change_expiry,
    "revoke-now": change_expiry,
}
