"""
What agents do from the review page: confirm an automatic resolution, mark it wrong (a classifier
correction), and roll a run back by applying its compensations as the run phase ``rollback``.

Approve and reject go through the same code as the ``/approve`` and ``/reject`` comments
(``worker.runs.commands``), with the agent's configured desk identity as the author, so the same
checks hold: the identity maps to a directory user, nobody approves what they asked for or typed
in for someone (``playbooks.approval.stake_in``). Rollback is held to the same rule.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.model import Comment, Person
from playbooks.authority import check_rollback
from playbooks.commands import Command, CommandError, parse_command
from playbooks.lifecycle import RunState, StepState
from playbooks.outbox import OutboxKind
from playbooks.planned import Plan, PlannedStep
from playbooks.steps import compensations_for
from worker.db import audit
from worker.db.store import compare_and_set, ticket_from_json
from worker.db.tables import ClassificationRow, CorrectionRow, RunRow, StepRow, TicketRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runs import commands
from worker.runs.authors import actor_of, change_of, refuse, review_author
from worker.runs.corrections import may_correct
from worker.runs.steps import compensate
from worker.runtime import Runtime


class ReviewError(ValueError):
    """An action the review page cannot take (unknown run, wrong state, no desk identity)."""


PAGE_COMMANDS = ("approve", "reject", "intent", "retry")
"""The comment commands the review page sends on an agent's behalf."""
TICKET_COMMANDS = ("intent", "retry")
"""Those it sends for a ticket without a run."""


def decide_run(rt: Runtime, run_id: int, agent: str, identity: str | None, text: str) -> None:
    """
    Run a desk command on run ``run_id``'s ticket as ``agent``: ``/approve``, ``/reject …``,
    ``/intent <name>`` or ``/retry``, through the very handler a desk comment reaches (so the same
    policy checks hold, and a refusal is noted on the ticket and audited the same way).
    """
    command = _page_command(agent, identity, text, PAGE_COMMANDS)
    with rt.db.session() as session:
        run = session.get(RunRow, run_id)
        if run is None:
            raise ReviewError(f"there is no run {run_id}")
        if command.name in ("approve", "reject") and run.state != RunState.WAITING_APPROVAL:
            raise ReviewError(f"run {run_id} is not waiting for an approval")
        ticket_id = run.ticket_id
    _as_comment(rt, ticket_id, agent, identity or "", command, text)


def decide_ticket(rt: Runtime, ticket_id: int, agent: str, identity: str | None, text: str) -> None:
    """``/intent <name>`` or ``/retry`` on a ticket deskpilot planned no run for, as a desk
    comment by ``agent`` would (``decide_run`` for tickets without a run)."""
    command = _page_command(agent, identity, text, TICKET_COMMANDS)
    with rt.db.session() as session:
        if session.get(TicketRow, ticket_id) is None:
            raise ReviewError(f"there is no ticket {ticket_id}")
    _as_comment(rt, ticket_id, agent, identity or "", command, text)


def _page_command(agent: str, identity: str | None, text: str, allowed: tuple[str, ...]) -> Command:
    if not identity:
        raise ReviewError(f"{agent} has no desk_identity configured: approvals need one")
    try:
        command = parse_command(text)
    except CommandError as exc:
        raise ReviewError(str(exc)) from exc
    if command is None or command.name not in allowed:
        raise ReviewError(f"not a command the review page sends: {text!r}")
    return command


def _as_comment(
    rt: Runtime, ticket_id: int, agent: str, identity: str, command: Command, text: str
) -> None:
    with rt.db.session() as session:
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        desk_name = ticket.desk
    comment = Comment(
        id=f"review-{uuid.uuid4().hex[:12]}",
        body=text,
        public=False,
        author=Person(id=agent, email=identity, name=agent, is_agent=True),
    )
    author = review_author(rt, desk_name, identity)
    commands.HANDLERS[command.name](rt, ticket_id, command, comment, author)
    _flush(rt, ticket_id)


def confirm_run(rt: Runtime, run_id: int, agent: str) -> None:
    """Record that an agent checked an automatic resolution and agrees with it."""
    with rt.db.session() as session:
        run = _applied(session.get(RunRow, run_id), run_id)
        run.result = {**(run.result or {}), "confirmed_by": agent}
        audit.append(
            session,
            "review.confirmed",
            actor=agent,
            ticket_id=run.ticket_id,
            run_id=run.id,
            data={"playbook": run.playbook},
        )


def mark_wrong(rt: Runtime, run_id: int, agent: str, identity: str | None, intent: str) -> bool:
    """
    Record a classifier correction for the run's ticket (``intent`` is what it really was).

    Held to the same correction policy as the desk's ``/intent`` (an agent, never the ticket's
    requester), with the agent known by their token's ``desk_identity``; a refusal is noted on
    the ticket and audited, and nothing is recorded. Returns whether the correction was kept.
    """
    if not identity:
        raise ReviewError(f"{agent} has no desk_identity configured: corrections need one")
    now = rt.clock()
    with rt.db.session() as session:
        run = _applied(session.get(RunRow, run_id), run_id)
        ticket = session.get(TicketRow, run.ticket_id)
        assert ticket is not None
        author = review_author(rt, ticket.desk, identity)
        if not may_correct(
            rt, session, ticket, "intent", author, f"wrong-refused-{run.id}-{now.timestamp()}",
            run_id=run.id,
        ):  # fmt: skip
            return False
        snapshot = ticket_from_json(ticket.snapshot)
        session.add(
            CorrectionRow(
                ticket_id=ticket.id,
                subject=snapshot.subject,
                body=snapshot.description,
                intent=intent,
                corrected_by=agent,
                source="review",
                at=now,
            )
        )
        session.execute(
            update(ClassificationRow)
            .where(ClassificationRow.ticket_id == ticket.id)
            .values(corrected_intent=intent, corrected_by=agent)
        )
        run.result = {**(run.result or {}), "marked_wrong_by": agent, "intent": intent}
        audit.append(
            session,
            "review.marked_wrong",
            actor=agent,
            ticket_id=ticket.id,
            run_id=run.id,
            data={"intent": intent, "was": run.intent, "identity": identity},
        )
    _flush(rt, run.ticket_id)
    return True


def rollback_plan(rt: Runtime, run_id: int) -> tuple[PlannedStep, ...]:
    """The compensations that would undo run ``run_id``'s completed changes, last first."""
    with rt.db.session() as session:
        run = _applied(session.get(RunRow, run_id), run_id)
        return compensations_for(_completed(session, run))


def roll_back(rt: Runtime, run_id: int, agent: str, identity: str | None) -> list[str]:
    """
    Apply the compensations of run ``run_id`` once (phase ``rollback``); returns what failed.

    Only someone eligible to approve that change, and never its requester, whoever typed it in
    for them, or its target, may roll it back (``playbooks.authority.check_rollback``); the agent is known by the ``desk_identity``
    configured for their token. A refusal is noted on the ticket, audited and raised.
    """
    _check_rollback(rt, run_id, agent, identity)
    with rt.db.session() as session:
        run = _applied(session.get(RunRow, run_id), run_id)
        if not compare_and_set(
            session, RunRow, run_id, RunRow.state == run.state, state=RunState.ROLLING_BACK
        ):
            raise ReviewError(f"run {run_id} changed meanwhile")
        ticket = session.get(TicketRow, run.ticket_id)
        assert ticket is not None
        done = _completed(session, run)
    errors = compensate(rt, run, ticket, done, "rollback")
    with rt.db.session() as session:
        row = session.get(RunRow, run_id)
        trow = session.get(TicketRow, ticket.id)
        assert row is not None and trow is not None
        row.state = RunState.ROLLED_BACK if not errors else RunState.ROLLBACK_FAILED
        row.updated_at = rt.clock()
        undone = "\n".join(f"- {s.description}" for s in compensations_for(done))
        problems = "".join(f"\n- could not undo: {e}" for e in errors)
        body = f"**deskpilot · rolled back by {agent}**\n\n{undone}{problems}\n"
        queue_writeback(rt, session, trow, OutboxKind.INTERNAL_NOTE, body, f"rollback-{row.id}")
        audit.append(
            session,
            f"run.{row.state}",
            actor=agent,
            ticket_id=trow.id,
            run_id=row.id,
            data={"errors": errors},
        )
    _flush(rt, ticket.id)
    return errors


def _check_rollback(rt: Runtime, run_id: int, agent: str, identity: str | None) -> None:
    if not identity:
        raise ReviewError(f"{agent} has no desk_identity configured: rollbacks need one")
    with rt.db.session() as session:
        run = _applied(session.get(RunRow, run_id), run_id)
        ticket = session.get(TicketRow, run.ticket_id)
        assert ticket is not None
        author = review_author(rt, ticket.desk, identity)
        change = change_of(rt, run, ticket)
        problem = check_rollback(
            actor_of(rt, ticket.desk, author),
            change.requirement,
            requester=change.requester,
            target=change.target,
            policy=rt.settings.playbooks.commands,
            submitter=change.submitter,
        )
        if problem is None:
            return
        purpose = f"rollback-refused-{run.id}-{uuid.uuid4().hex[:8]}"
        refuse(
            rt,
            session,
            ticket,
            command="rollback",
            author=author.label,
            reason=problem,
            purpose=purpose,
            run_id=run.id,
        )
        ticket_id = ticket.id
    _flush(rt, ticket_id)
    raise ReviewError(problem)


def _applied(run: RunRow | None, run_id: int) -> RunRow:
    if run is None or run.state not in (RunState.APPLIED, RunState.UNVERIFIED):
        raise ReviewError(f"run {run_id} was not applied automatically")
    return run


def _completed(session: Session, run: RunRow) -> list[PlannedStep]:
    plan = Plan.from_json(str(run.plan["json"]))
    done = set(
        session.scalars(
            select(StepRow.idx).where(
                StepRow.run_id == run.id,
                StepRow.phase == "apply",
                StepRow.state == StepState.DONE,
                StepRow.changed.is_(True),
            )
        )
    )
    return [s for s in plan.changes if s.index in done]


def _flush(rt: Runtime, ticket_id: int) -> None:
    with rt.db.session() as session:
        outbox = pending_outbox_ids(session, ticket_id)
    send_outbox(rt, ticket_id, outbox)
