"""
Removing what a review revoked, proven: each revoked item becomes an ``access-revoke`` playbook
run on its review ticket, applied exactly once through the run-step executor (the step's
idempotency key survives retries and restarts) and verified by reading the directory back.

The ``review_removal`` timer is due when the decision is recorded, so the removal happens on the
next timer tick (well inside 24 hours); a transient failure reschedules it. A removal that fails
for good, or that the directory does not confirm, reopens the review ticket with a note.
"""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.errors import PermanentError, UnavailableError
from playbooks.lifecycle import RunState
from playbooks.outbox import OutboxKind
from playbooks.planned import Account, Plan, PlannedStep
from playbooks.resolve import Escalate
from playbooks.state import describe, read_state
from playbooks.steps import Verification, verify_step
from worker.db import audit
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow, ReviewTicketRow
from worker.db.store import compare_and_set, insert_ignore
from worker.db.tables import RunRow, TicketRow, TimerRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runs.steps import StepFailedError, run_step
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.reviews")
PLAYBOOK = "access-revoke"
DONE = ("verified", "failed")


def remove_reviewed(rt: Runtime, timer_id: int) -> None:
    """The removal a ``review_removal`` timer stands for (nothing if already done)."""
    with rt.db.session() as session:
        timer = session.get(TimerRow, timer_id)
        assert timer is not None
        item = session.get(ReviewItemRow, int(timer.payload["item_id"]))
        if item is None or item.removal in DONE or item.state != "revoked":
            return
        campaign = session.get(ReviewCampaignRow, item.campaign_id)
        review = (
            session.get(ReviewTicketRow, item.review_ticket_id) if item.review_ticket_id else None
        )
        assert campaign is not None
        if review is None or review.ticket_id is None:
            raise UnavailableError(
                "the review ticket is not open on the desk yet", system="reviews"
            )
        ticket = session.get(TicketRow, review.ticket_id)
        assert ticket is not None
        session.expunge_all()
    # The directory is read (to plan the step) outside any database transaction.
    try:
        planned = _plan(rt, item, campaign, ticket)
    except PermanentError as exc:  # the account or the directory is gone: nothing to run
        _record(rt, item.id, None, ticket, None, Verification(False, str(exc)), str(exc))
        return
    with rt.db.session() as session:
        run = _run(rt, session, item, ticket, planned)
        compare_and_set(session, ReviewItemRow, item.id, ReviewItemRow.removal == item.removal,
                        removal="removing", run_id=run.id)  # fmt: skip
        session.expunge_all()
    step = Plan.from_json(str(run.plan["json"])).steps[0]
    problem = None
    try:
        run_step(rt, run, ticket, step, "apply")
        verification = verify_step(step, rt.directories)
    except StepFailedError as exc:
        problem = str(exc.error)
        verification = Verification(False, problem)
    except PermanentError as exc:  # reading back failed for good
        problem = str(exc)
        verification = Verification(False, problem)
    _record(rt, item.id, run.id, ticket, step, verification, problem)


def _plan(rt: Runtime, item: ReviewItemRow, campaign: ReviewCampaignRow, ticket: TicketRow) -> Plan:
    """The removal's plan, from the directory's state now."""
    now = rt.clock()
    directory = rt.directories[campaign.directory]
    kind, key = item.entitlement.split(":", 1)
    step_kind = "remove_from_group" if kind == "group" else "remove_license"
    params = {"group": key} if kind == "group" else {"license": key}
    user = directory.get_user(item.subject_id)
    account = Account.of(user, campaign.directory)
    state = read_state(step_kind, directory, user, params)
    before, after, changed = state if not isinstance(state, Escalate) else ({}, {}, True)
    step = PlannedStep(
        index=0, step_id="revoke", kind=step_kind, directory=campaign.directory, target=account,
        description=describe(step_kind, account.label, params), params=params, before=before,
        after=after, changed=changed, compensate="none", item=item.application or item.entitlement,
    )  # fmt: skip
    return Plan(
        playbook=PLAYBOOK, title=f"Remove access revoked in review {campaign.title}", kind="apply",
        created_at=now, ticket=ticket.key, intent="access_revoke", target=account,
        application=item.application, items=(step.item or item.entitlement,), steps=(step,),
        reason=f"access review {campaign.name} item {item.number}: {item.reason or ''}",
    )  # fmt: skip


def _run(
    rt: Runtime, session: Session, item: ReviewItemRow, ticket: TicketRow, plan: Plan
) -> RunRow:
    """The item's removal run (once: its attempt is the item's number on the review ticket);
    a run planned by an earlier attempt is kept as it was."""
    now = rt.clock()
    values = {
        "ticket_id": ticket.id, "attempt": item.number, "playbook": PLAYBOOK,
        "intent": "access_revoke", "state": RunState.APPLYING, "plan": {"json": plan.to_json()},
        "decision": {"json": "null", "review_item": item.id}, "created_at": now, "updated_at": now,
    }  # fmt: skip
    insert_ignore(session, RunRow, values, ("ticket_id", "attempt"))
    return session.scalars(
        select(RunRow).where(RunRow.ticket_id == ticket.id, RunRow.attempt == item.number)
    ).one()


def _record(
    rt: Runtime,
    item_id: int,
    run_id: int | None,
    ticket: TicketRow,
    step: PlannedStep | None,
    verification: Verification,
    problem: str | None,
) -> None:
    """The removal's outcome: item, run, audit entry, a note; a failure reopens the ticket."""
    now = rt.clock()
    ok = problem is None and verification.ok
    with rt.db.session() as session:
        item = session.get(ReviewItemRow, item_id)
        trow = session.get(TicketRow, ticket.id)
        assert item is not None
        assert trow is not None
        what = (
            step.description
            if step is not None
            else f"removing {item.entitlement} of {item.subject_login}"
        )
        item.removal, item.removed_at = ("verified" if ok else "failed"), now
        run = session.get(RunRow, run_id) if run_id is not None else None
        if run is not None:
            run.state = (
                RunState.APPLIED if ok else RunState.FAILED if problem else RunState.UNVERIFIED
            )
            run.updated_at, run.result = now, {"verified": ok, "detail": verification.detail}
        audit.append(
            session, "review.removal", actor="deskpilot", ticket_id=trow.id, run_id=run_id,
            data={
                "campaign_id": item.campaign_id, "item": item.number, "run_id": run_id,
                "step": what, "changed": step.changed if step is not None else None,
                "verified": ok, "detail": verification.detail,
            },
            at=now,
        )  # fmt: skip
        if ok:
            body = f"#{item.number}: {what} - done and read back ({verification.detail})."
            queue_writeback(
                rt, session, trow, OutboxKind.INTERNAL_NOTE, body, f"review-removed-{item.id}"
            )
        else:
            body = (
                f"#{item.number}: {what} could not be confirmed: {verification.detail}. "
                "This review is reopened; please check the account."
            )
            queue_writeback(
                rt,
                session,
                trow,
                OutboxKind.INTERNAL_NOTE,
                body,
                f"review-removal-failed-{item.id}",
            )
            queue_writeback(
                rt, session, trow, OutboxKind.TRANSITION, "in_progress", f"review-reopen-{item.id}"
            )
            review = (
                session.get(ReviewTicketRow, item.review_ticket_id)
                if item.review_ticket_id
                else None
            )
            if review is not None:
                review.state = "open"
        outbox = pending_outbox_ids(session, trow.id)
    send_outbox(rt, trow.id, outbox)
