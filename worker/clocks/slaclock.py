"""
Keeping the SLA clocks: recompute a ticket's clocks from its events, store them, schedule timers.

The arithmetic is ``sla`` (pure). Here: read the events, store each metric's state for the
dashboard, and keep exactly the durable timers the clocks need now — a paused or re-targeted clock
cancels the timers it no longer needs. A timer that fires re-evaluates the clock before acting.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Protocol, cast

import structlog
from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.orm import Session

from intake.model import Priority, TicketEvent
from playbooks.outbox import OutboxKind
from playbooks.reviews.campaign import REVIEW_INTENT
from sla.breach import bumped_priority, notify_payload
from sla.clock import ClockResult
from sla.definition import BreachAction, Policy, Routing
from sla.feed import evaluate_ticket
from sla.timer import Due, is_at_risk, next_instants
from worker.db import audit
from worker.db.records import SlaClockRow
from worker.db.store import Executor, core, event_from_json, insert_ignore
from worker.db.tables import TicketEventRow, TicketRow, TimerRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.sla")

_CLOCKS = cast(Table, SlaClockRow.__table__)
_TIMERS = cast(Table, TimerRow.__table__)
_CLOCK_VALUES = (
    "policy",
    "stage",
    "goal_s",
    "elapsed_s",
    "remaining_s",
    "breach_at",
    "breached",
    "stopped_at",
    "computed_at",
)
_UPDATE_CLOCK = (
    update(_CLOCKS)
    .where(_CLOCKS.c.ticket_id == bindparam("b_ticket"), _CLOCKS.c.metric == bindparam("b_metric"))
    .values({name: bindparam(name) for name in _CLOCK_VALUES})
)
"""Built once: constructing a statement costs more than running it."""

_EVENTS_TABLE = cast(Table, TicketEventRow.__table__)
_EVENTS = (
    select(_EVENTS_TABLE.c.data)
    .where(_EVENTS_TABLE.c.ticket_id == bindparam("b_ticket"))
    .order_by(_EVENTS_TABLE.c.at, _EVENTS_TABLE.c.seq)
)
_TICKETS = cast(Table, TicketRow.__table__)
_SUBJECT = select(
    _TICKETS.c.id,
    _TICKETS.c.desk,
    _TICKETS.c.intent,
    _TICKETS.c.priority,
    _TICKETS.c.team,
    _TICKETS.c.requester,
    _TICKETS.c.snapshot["organisation"].as_string().label("organisation"),
).where(_TICKETS.c.id == bindparam("b_ticket"))
_STORED = select(_CLOCKS.c.metric).where(_CLOCKS.c.ticket_id == bindparam("b_ticket"))
_PENDING_TIMERS = select(_TIMERS.c.ref, _TIMERS.c.id).where(
    _TIMERS.c.ticket_id == bindparam("b_ticket"),
    _TIMERS.c.kind == "sla",
    _TIMERS.c.state == "pending",
)

_GRACE = dt.timedelta(seconds=1)


class SlaSubject(Protocol):
    """What the clocks need of a ticket row (a ``TicketRow`` or a Core row of these columns)."""

    id: int
    desk: str
    intent: str | None
    priority: str
    team: str | None
    requester: str | None


def routing_of(ticket: SlaSubject) -> Routing:
    """The organisation, group and customer SLA policies may match on."""
    organisation = getattr(ticket, "organisation", None)
    if organisation is None and isinstance(getattr(ticket, "snapshot", None), dict):
        organisation = ticket.snapshot.get("organisation")  # type: ignore[attr-defined]
    return Routing.of(organisation=organisation, group=ticket.team, customer=[ticket.requester])


def evaluate(
    rt: Runtime, db: Executor, ticket: SlaSubject, now: dt.datetime
) -> tuple[Mapping[str, ClockResult], Policy | None]:
    """Every metric's clock for ``ticket`` now, and the policy that sets its goals."""
    rows = core(db).scalars(_EVENTS, {"b_ticket": ticket.id}).all()
    events: list[TicketEvent] = [event_from_json(data) for data in rows]
    defs = rt.sla_definitions()
    priority = Priority(ticket.priority)
    routing = routing_of(ticket)
    results = evaluate_ticket(defs, ticket.desk, ticket.intent, events, now, routing=routing)
    return results, defs.select_policy(ticket.desk, ticket.intent, priority, routing)


def update_sla(rt: Runtime, ticket_id: int) -> int:
    """Recompute ticket ``ticket_id``'s clocks and timers; returns the number of clocks kept."""
    now = rt.clock()
    with rt.db.connect() as connection:
        # Core reads of the few columns needed: this runs after every change to every ticket.
        ticket = connection.execute(_SUBJECT, {"b_ticket": ticket_id}).first()
        if ticket is None or ticket.intent == REVIEW_INTENT:  # deskpilot's own review ticket
            return 0
        results, policy = evaluate(rt, connection, ticket, now)
        stored = set(connection.scalars(_STORED, {"b_ticket": ticket_id}))
        wanted: dict[str, tuple[str, Due]] = {}
        updates: list[dict[str, object]] = []
        kept = 0
        for metric, result in results.items():
            if result.last is None:
                continue
            _store_clock(
                connection, ticket_id, metric, result, policy, now, metric in stored, updates
            )
            wanted.update(_wanted_timers(ticket_id, metric, result, policy, now))
            kept += 1
        if updates:
            connection.execute(_UPDATE_CLOCK, updates)
        _reschedule(connection, ticket_id, wanted)
    return kept


def _store_clock(
    db: Executor,
    ticket_id: int,
    metric: str,
    result: ClockResult,
    policy: Policy | None,
    now: dt.datetime,
    exists: bool,
    batch: list[dict[str, object]] | None = None,
) -> None:
    """Insert or update one metric's row; updates go to ``batch`` (one executemany) if given."""
    last = result.last
    assert last is not None
    values = {
        "policy": policy.name if policy else "",
        "stage": str(last.stage),
        "goal_s": int(last.goal_seconds) if last.goal_seconds is not None else None,
        "elapsed_s": last.business_elapsed_seconds,
        "remaining_s": last.remaining_seconds,
        "breach_at": result.worker_breach_at,
        "breached": last.breached,
        "stopped_at": last.stopped_at,
        "computed_at": now,
    }
    connection = core(db)
    if not exists:
        insert_ignore(
            connection,
            SlaClockRow,
            {"ticket_id": ticket_id, "metric": metric, **values},
            ("ticket_id", "metric"),
        )
        return
    params: dict[str, object] = {"b_ticket": ticket_id, "b_metric": metric, **values}
    if batch is None:
        connection.execute(_UPDATE_CLOCK, params)
    else:
        batch.append(params)


def _wanted_timers(
    ticket_id: int, metric: str, result: ClockResult, policy: Policy | None, now: dt.datetime
) -> dict[str, tuple[str, Due]]:
    # A clock stopped exactly at its breach instant met its goal, so the timer looks just after.
    thresholds = policy.thresholds if policy else ()
    return {
        f"{ticket_id}:{metric}:{due.kind}:{due.at.isoformat()}": (
            metric,
            due._replace(at=due.at + _GRACE),
        )
        for due in next_instants(result, thresholds, now)
    }


def _reschedule(connection: Connection, ticket_id: int, wanted: dict[str, tuple[str, Due]]) -> None:
    """Keep exactly the wanted timers pending: cancel the others, add the missing ones."""
    pending: dict[str, int] = {
        ref: timer_id
        for ref, timer_id in connection.execute(_PENDING_TIMERS, {"b_ticket": ticket_id})
    }
    moot = [timer_id for ref, timer_id in pending.items() if ref not in wanted]
    if moot:
        connection.execute(update(_TIMERS).where(_TIMERS.c.id.in_(moot)).values(state="cancelled"))
    for ref, (metric, due) in wanted.items():
        if ref in pending:
            continue
        insert_ignore(
            connection,
            TimerRow,
            {
                "kind": "sla",
                "ref": ref,
                "ticket_id": ticket_id,
                "run_id": None,
                "due_at": due.at,
                "state": "pending",
                "payload": {"metric": metric, "due": due.kind},
            },
            ("kind", "ref"),
        )


def fire_sla_timer(rt: Runtime, timer_id: int) -> None:
    """Re-check the clock behind a due SLA timer; if it really is at risk or breached, act."""
    now = rt.clock()
    with rt.db.session() as session:
        timer = session.get(TimerRow, timer_id)
        assert timer is not None and timer.ticket_id is not None
        ticket = session.get(TicketRow, timer.ticket_id)
        assert ticket is not None
        metric, due = str(timer.payload["metric"]), str(timer.payload["due"])
        results, policy = evaluate(rt, session, ticket, now)
        result = results.get(metric)
        if result is None or result.last is None:
            return
        exists = session.scalar(
            select(_CLOCKS.c.id).where(_CLOCKS.c.ticket_id == ticket.id, _CLOCKS.c.metric == metric)
        )
        _store_clock(session, ticket.id, metric, result, policy, now, exists is not None)
        if due == "breach" and result.breached:
            _on_breach(rt, session, ticket, metric, result, policy)
        elif due.startswith("at_risk") and is_at_risk(result, policy.thresholds if policy else ()):
            left = dt.timedelta(seconds=int(result.last.remaining_seconds or 0))
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                f"SLA at risk: **{metric.replace('_', ' ')}** has {left} of business time left "
                f"(breach at {result.worker_breach_at:%Y-%m-%d %H:%M} UTC).",
                f"sla-{timer.ref}",
            )
        else:
            log.info("sla.timer_moot", ticket=ticket.key, metric=metric, due=due)
            return
        outbox = pending_outbox_ids(session, ticket.id)
    send_outbox(rt, ticket.id, outbox)


def _on_breach(
    rt: Runtime,
    session: Session,
    ticket: TicketRow,
    metric: str,
    result: ClockResult,
    policy: Policy | None,
) -> None:
    audit.append(
        session,
        "sla.breached",
        actor="deskpilot",
        ticket_id=ticket.id,
        data={
            "metric": metric,
            "breach_at": str(result.breach_at),
            "policy": policy.name if policy else None,
        },
    )
    actions = policy.on_breach if policy else ()
    body = f"SLA breached: **{metric.replace('_', ' ')}** (goal missed at {result.worker_breach_at:%Y-%m-%d %H:%M} UTC)."
    queue_writeback(
        rt,
        session,
        ticket,
        OutboxKind.INTERNAL_NOTE,
        body,
        f"sla-breach-{metric}-{result.last.number if result.last else 0}",
    )
    cycle = result.last.number if result.last else 0
    for index, action in enumerate(actions):
        if action.action == "internal_note" and action.note:
            queue_writeback(
                rt,
                session,
                ticket,
                OutboxKind.INTERNAL_NOTE,
                action.note,
                f"sla-breach-note-{metric}",
            )
        elif action.action == "notify" and action.url and policy is not None:
            payload = notify_payload(
                desk=ticket.desk,
                ticket=ticket.key,
                url=ticket.url,
                metric=metric,
                breach_at=result.breach_at,
            )
            # The webhook URL may hold a token: the row names the configured action instead.
            body = json.dumps({"policy": policy.name, "action": index, "payload": payload})
            purpose = f"sla-breach-notify-{metric}-{cycle}-{index}"
            queue_writeback(rt, session, ticket, OutboxKind.NOTIFY, body, purpose)
        else:
            _desk_action(rt, session, ticket, action, f"{metric}-{cycle}")


def _desk_action(
    rt: Runtime, session: Session, ticket: TicketRow, action: BreachAction, breach: str
) -> None:
    """``priority_bump`` (one step up) and ``reassign`` through the outbox, once per breach."""
    if action.action == "reassign" and action.team:
        queue_writeback(
            rt, session, ticket, OutboxKind.ASSIGN, action.team, f"sla-breach-assign-{breach}"
        )
    elif action.action == "priority_bump" and (higher := bumped_priority(ticket.priority)):
        queue_writeback(
            rt, session, ticket, OutboxKind.PRIORITY, higher, f"sla-breach-priority-{breach}"
        )
