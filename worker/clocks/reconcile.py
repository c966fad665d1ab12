"""
SLA reconciliation: read the desk's own SLA figures and record where they differ from ours.

deskpilot keeps its own clocks (``sla_clocks``); the desk keeps its own. Both should agree, but
calendars, pauses and goal edits on either side make them drift. This job never copies the
desk's values into our clocks: it stores both side by side in ``sla_reconciliation`` so the
dashboard can show the drift and people can fix whichever configuration is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import structlog
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from connectors.desks import DeskSlaValue
from connectors.errors import NotFoundError, NotSupportedError
from playbooks.lifecycle import TicketStage
from sla.drift import compare_breach
from worker.db.records import SlaClockRow, SlaReconciliationRow
from worker.db.store import insert_ignore
from worker.db.tables import TicketRow
from worker.runtime import Runtime
from worker.wiring.desks import ReconcileSlaModel, reconcile_settings

log = structlog.get_logger("deskpilot.reconcile")

DONE_GRACE = dt.timedelta(days=1)
"""Tickets finished less than this long ago are still read, to catch the desk's final figures."""
_UNSUPPORTED_LOGGED: set[str] = set()


def reconcile_desk(rt: Runtime, desk_name: str) -> int:
    """
    Read the desk's SLA figures for up to ``batch`` tickets (least recently checked first).

    Returns the number of tickets checked. A desk that cannot report SLAs is logged once and
    skipped; transient errors propagate so the message is retried.
    """
    options = reconcile_settings(rt.desk_settings(desk_name))
    if options is None:
        return 0
    desk = rt.desks[desk_name]
    checked = 0
    for ticket_id, key in _due_tickets(rt, desk_name, options.batch):
        try:
            values = desk.sla_values(key)
        except NotSupportedError as exc:
            _log_unsupported(desk_name, exc)
            return checked
        except NotFoundError:
            log.warning("reconcile.ticket_not_found", desk=desk_name, ticket=key)
            continue
        _record(rt, ticket_id, values, options)
        checked += 1
    log.info("reconcile.finished", desk=desk_name, checked=checked)
    return checked


def _log_unsupported(desk_name: str, exc: NotSupportedError) -> None:
    if desk_name not in _UNSUPPORTED_LOGGED:
        _UNSUPPORTED_LOGGED.add(desk_name)
        log.warning("reconcile.unsupported", desk=desk_name, reason=str(exc))


def _due_tickets(rt: Runtime, desk_name: str, batch: int) -> list[tuple[int, str]]:
    last = (
        select(
            SlaReconciliationRow.ticket_id,
            func.min(SlaReconciliationRow.checked_at).label("checked_at"),
        )
        .group_by(SlaReconciliationRow.ticket_id)
        .subquery()
    )
    recent = rt.clock() - DONE_GRACE
    query = (
        select(TicketRow.id, TicketRow.key)
        .outerjoin(last, last.c.ticket_id == TicketRow.id)
        .where(TicketRow.desk == desk_name)
        .where(or_(TicketRow.stage != TicketStage.DONE, TicketRow.done_at >= recent))
        .order_by(last.c.checked_at.asc().nulls_first(), TicketRow.id)
        .limit(batch)
    )
    with rt.db.session() as session:
        return [(row.id, row.key) for row in session.execute(query)]


def _record(
    rt: Runtime, ticket_id: int, values: Sequence[DeskSlaValue], options: ReconcileSlaModel
) -> None:
    now = rt.clock()
    with rt.db.session() as session:
        ours = {
            row.metric: row
            for row in session.scalars(
                select(SlaClockRow).where(SlaClockRow.ticket_id == ticket_id)
            )
        }
        for value in values:
            metric = options.metric_map.get(value.metric)
            if metric is None:
                continue
            clock = ours.get(metric)
            row = _row_values(ticket_id, metric, value, clock, options.tolerance_s, now)
            _upsert(session, row)
        _touch_unread(session, ticket_id, now)


def _row_values(
    ticket_id: int,
    metric: str,
    value: DeskSlaValue,
    clock: SlaClockRow | None,
    tolerance_s: float,
    now: dt.datetime,
) -> dict[str, object]:
    ours_at = clock.breach_at if clock is not None else None
    ours_breached = clock.breached if clock is not None else None
    drift = compare_breach(
        value.breach_at, value.breached, ours_at, ours_breached, tolerance_s=tolerance_s
    )
    return {
        "ticket_id": ticket_id,
        "metric": metric,
        "desk_metric": value.metric[:255],
        "desk_breach_at": value.breach_at,
        "desk_breached": value.breached,
        "desk_remaining_s": value.remaining_s,
        "ours_breach_at": ours_at,
        "ours_breached": ours_breached,
        "drift_s": drift.drift_s,
        "drifted": drift.drifted,
        "checked_at": now,
    }


def _upsert(session: Session, row: dict[str, object]) -> None:
    if insert_ignore(session, SlaReconciliationRow, row, ("ticket_id", "metric")):
        return
    session.execute(
        update(SlaReconciliationRow)
        .where(SlaReconciliationRow.ticket_id == row["ticket_id"])
        .where(SlaReconciliationRow.metric == row["metric"])
        .values(**{k: v for k, v in row.items() if k not in ("ticket_id", "metric")})
    )


def _touch_unread(session: Session, ticket_id: int, now: dt.datetime) -> None:
    # Rows of metrics the desk no longer reports keep their values but count as checked, so the
    # ticket moves to the back of the queue instead of being read again every run.
    session.execute(
        update(SlaReconciliationRow)
        .where(SlaReconciliationRow.ticket_id == ticket_id)
        .where(SlaReconciliationRow.checked_at < now)
        .values(checked_at=now)
    )


__all__ = ["reconcile_desk"]
