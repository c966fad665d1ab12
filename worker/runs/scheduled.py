"""
Runs that must wait for a date: an offboarding approved before the leaver's last day.

A plan with ``not_before`` in the future is not applied when it is approved: the run moves to
``scheduled`` with a durable timer (kind ``apply_at``, ref ``run:{id}``) due on that date. When
the timer fires, the run goes back to ``approved`` and ``apply_run`` is enqueued — the same path
as an approval, so the apply is claimed (and done) once.
"""

from __future__ import annotations

import datetime as dt

import structlog
from sqlalchemy import update

from playbooks.lifecycle import RunState, TicketOutcome, TicketStage
from playbooks.outbox import OutboxKind
from playbooks.planned import Plan
from worker.db import audit
from worker.db.store import compare_and_set, insert_ignore
from worker.db.tables import RunRow, TicketRow, TimerRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.queue.names import ActorName
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.scheduled")

TIMER_KIND = "apply_at"


def due_later(plan: Plan, now: dt.datetime) -> dt.datetime | None:
    """
    When ``plan`` may be applied, if that is still ahead of ``now``; else None.

    A playbook's ``apply_at`` date means "on that day" (a leaver's last day resolves to its last
    second): the run is due from the start of that day, in the date's own time zone.
    """
    if plan.not_before is None:
        return None
    start = plan.not_before.replace(hour=0, minute=0, second=0, microsecond=0)
    return start if start > now else None


def schedule_run(rt: Runtime, run_id: int, ticket_id: int, not_before: dt.datetime) -> RunState:
    """Park a claimed run (state ``applying``) until ``not_before``; returns ``scheduled``."""
    now = rt.clock()
    with rt.db.session() as session:
        compare_and_set(
            session,
            RunRow,
            run_id,
            RunRow.state == RunState.APPLYING,
            state=RunState.SCHEDULED,
            updated_at=now,
        )
        ticket = session.get(TicketRow, ticket_id)
        assert ticket is not None
        ticket.stage, ticket.stage_at = TicketStage.SCHEDULED, now
        ticket.outcome = TicketOutcome.SCHEDULED
        insert_ignore(
            session,
            TimerRow,
            {
                "kind": TIMER_KIND,
                "ref": f"run:{run_id}",
                "ticket_id": ticket_id,
                "run_id": run_id,
                "due_at": not_before,
                "state": "pending",
                "payload": {},
            },
            ("kind", "ref"),
        )
        body = (
            f"Approved. Nothing changes before {not_before:%Y-%m-%d %H:%M %Z}: deskpilot applies "
            "this plan then, after reading the directory again."
        )
        queue_writeback(rt, session, ticket, OutboxKind.INTERNAL_NOTE, body, f"scheduled-{run_id}")
        audit.append(
            session,
            "run.scheduled",
            actor="deskpilot",
            ticket_id=ticket_id,
            run_id=run_id,
            data={"not_before": not_before.isoformat()},
        )
        outbox = pending_outbox_ids(session, ticket_id)
    send_outbox(rt, ticket_id, outbox)
    log.info("run.scheduled", run_id=run_id, not_before=not_before.isoformat())
    return RunState.SCHEDULED


def apply_when_due(rt: Runtime, timer_id: int) -> None:
    """The ``apply_at`` timer: a scheduled run becomes approved again and is enqueued to apply."""
    now = rt.clock()
    with rt.db.session() as session:
        timer = session.get(TimerRow, timer_id)
        assert timer is not None and timer.run_id is not None
        run_id = timer.run_id
        released = compare_and_set(
            session,
            RunRow,
            run_id,
            RunRow.state == RunState.SCHEDULED,
            state=RunState.APPROVED,
            updated_at=now,
        )
        if released:
            session.execute(
                update(TicketRow)
                .where(TicketRow.id == timer.ticket_id)
                .values(stage=TicketStage.APPLYING, stage_at=now, outcome=TicketOutcome.APPLYING)
            )
    if released:
        rt.send(ActorName.APPLY_RUN, run_id)
    else:
        log.info("timer.apply_at.skipped", run_id=run_id, reason="run is no longer scheduled")
