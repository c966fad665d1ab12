"""
Durable timers: SLA warnings and breaches, the end of time-bound access.

A timer is a row with ``due_at``; the ``fire_timers`` tick (every ``runtime.timer_tick_s``, one
process per slot) claims the rows that are due — the cost grows with the timers due, not with
the open tickets — and re-checks each before acting: the ticket may have been paused, resolved or
re-targeted, the access extended or already removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import structlog
from sqlalchemy import select

from connectors.errors import TransientError
from playbooks.expiry import ExpiryPhase, expiry_phase
from playbooks.lifecycle import RunState
from playbooks.outbox import OutboxKind
from playbooks.planned import Plan, PlannedStep
from playbooks.steps import revocation_steps, verify_step
from playbooks.template import render
from worker.clocks.slaclock import fire_sla_timer
from worker.db import audit
from worker.db.store import compare_and_set
from worker.db.tables import RunRow, TicketRow, TimerRow
from worker.metrics import TIMERS_FIRED
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runs.review_timers import REVIEW_TIMERS
from worker.runs.scheduled import apply_when_due
from worker.runs.steps import StepFailedError, run_step
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.timers")

BATCH = 500
EXPIRED_REPLY = "The temporary access granted on this ticket has now ended."
RETRY_AFTER = dt.timedelta(seconds=60)


def fire_timers(rt: Runtime) -> int:
    """Fire every timer that is due now; returns how many fired."""
    now = rt.clock()
    with rt.db.session() as session:
        query = (
            select(TimerRow.id, TimerRow.kind)
            .where(TimerRow.state == "pending", TimerRow.due_at <= now)
            .order_by(TimerRow.due_at)
            .limit(BATCH)
        )
        if not rt.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        due = session.execute(query).all()
    fired = 0
    for timer_id, kind in due:
        with rt.db.session() as session:
            if not compare_and_set(
                session,
                TimerRow,
                timer_id,
                TimerRow.state == "pending",
                state="fired",
                fired_at=now,
            ):
                continue
        try:
            HANDLERS[kind](rt, timer_id)
        except TransientError as exc:
            _reschedule(rt, timer_id, now + RETRY_AFTER)
            log.warning("timer.retry", timer_id=timer_id, kind=kind, error=str(exc))
            continue
        TIMERS_FIRED.labels(kind).inc()
        fired += 1
    return fired


def _reschedule(rt: Runtime, timer_id: int, due_at: dt.datetime) -> None:
    with rt.db.session() as session:
        compare_and_set(
            session,
            TimerRow,
            timer_id,
            TimerRow.state == "fired",
            state="pending",
            due_at=due_at,
            fired_at=None,
        )


def expire_access(rt: Runtime, timer_id: int) -> None:
    """End a time-bound grant: re-read the directory, remove what is there, verify, note the ticket."""
    with rt.db.session() as session:
        timer = session.get(TimerRow, timer_id)
        assert timer is not None and timer.run_id is not None
        run = session.get(RunRow, timer.run_id)
        assert run is not None
        ticket = session.get(TicketRow, run.ticket_id)
        assert ticket is not None
    plan = Plan.from_json(str(run.plan["json"]))
    payload = timer.payload or {}
    ended = [int(i) for i in payload.get("ended", [])]
    ends = {int(i): dt.datetime.fromisoformat(e) for i, e in payload.get("ends", {}).items()}
    phase = expiry_phase(plan, timer.due_at, ended, ends)
    whole = not ended and phase.next_due is None  # one end for everything (the usual case)
    steps = revocation_steps(plan, rt.directories, None if whole else phase.ending)
    errors = []
    for step in steps:
        try:
            run_step(rt, run, ticket, step, "revoke")
        except StepFailedError as exc:
            errors.append(str(exc))
    failures = [
        f"{s.description}: {r.detail}"
        for s in steps
        if not (r := verify_step(s, rt.directories)).ok
    ]
    if phase.next_due is not None and not (errors or failures):
        _record_partial_expiry(rt, timer_id, run, ticket, plan, steps, phase, ended)
        return
    _record_expiry(rt, run, ticket, steps, errors + failures)


def _record_partial_expiry(
    rt: Runtime,
    timer_id: int,
    run: RunRow,
    ticket: TicketRow,
    plan: Plan,
    steps: tuple[PlannedStep, ...],
    phase: ExpiryPhase,
    ended: list[int],
) -> None:
    """Some items of the run ended; the timer is set again for the next ones (same run)."""
    assert phase.next_due is not None
    now = rt.clock()
    items = sorted({s.item or s.description for s in plan.steps if s.index in phase.ending})
    later = sorted(
        {s.item or s.description for s in plan.steps if s.until and s.index not in phase.ending}
        - set(items)
    )
    with rt.db.session() as session:
        timer, row = session.get(TimerRow, timer_id), session.get(RunRow, run.id)
        trow = session.get(TicketRow, ticket.id)
        assert timer is not None and row is not None and trow is not None
        timer.state, timer.due_at, timer.fired_at = "pending", phase.next_due, None
        timer.payload = {**(timer.payload or {}), "ended": sorted({*ended, *phase.ending})}
        row.expires_at, row.updated_at = phase.next_due, now
        body = (
            f"Time-bound access to {', '.join(items)} ended as planned ({len(steps)} change(s) "
            f"checked and removed); {', '.join(later) or 'the rest'} continues until "
            f"{phase.next_due:%Y-%m-%d %H:%M} UTC."
        )
        queue_writeback(
            rt, session, trow, OutboxKind.INTERNAL_NOTE, body, f"expired-{row.id}-{len(ended)}"
        )
        audit.append(
            session,
            "access.partly_expired",
            actor="deskpilot",
            ticket_id=trow.id,
            run_id=row.id,
            data={"ended": sorted(phase.ending), "next_due": phase.next_due.isoformat()},
        )
        outbox = pending_outbox_ids(session, trow.id)
    send_outbox(rt, trow.id, outbox)


def _record_expiry(
    rt: Runtime, run: RunRow, ticket: TicketRow, steps: tuple[object, ...], problems: list[str]
) -> None:
    now = rt.clock()
    with rt.db.session() as session:
        row = session.get(RunRow, run.id)
        trow = session.get(TicketRow, ticket.id)
        assert row is not None and trow is not None
        row.state = RunState.EXPIRED if not problems else RunState.EXPIRY_FAILED
        row.updated_at = now
        if problems:
            body = "Time-bound access could not be fully removed; please check:\n" + "\n".join(
                f"- {p}" for p in problems
            )
        else:
            body = f"Time-bound access from this ticket ended as planned ({len(steps)} change(s) checked and removed)."
        queue_writeback(rt, session, trow, OutboxKind.INTERNAL_NOTE, body, f"expired-{row.id}")
        replies = rt.settings.playbooks.replies
        if not problems and replies.is_public("expired"):
            template = replies.templates.get("expired", EXPIRED_REPLY)
            text = render(
                template, {"ticket": trow.key}, where="playbooks.replies.templates.expired"
            )
            queue_writeback(
                rt, session, trow, OutboxKind.PUBLIC_REPLY, text, f"expired-public-{row.id}"
            )
        audit.append(
            session,
            "access.expired" if not problems else "access.expiry_failed",
            actor="deskpilot",
            ticket_id=trow.id,
            run_id=row.id,
            data={"problems": problems},
        )
        outbox = pending_outbox_ids(session, trow.id)
    send_outbox(rt, trow.id, outbox)


HANDLERS: dict[str, Callable[[Runtime, int], None]] = {
    "access_expiry": expire_access,
    "apply_at": apply_when_due,
    "sla": fire_sla_timer,
    **REVIEW_TIMERS,
}
