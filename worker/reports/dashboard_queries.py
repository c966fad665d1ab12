"""
The dashboard's set-based queries: compliance counted by the database, the rest read raw.

Compliance is one ``GROUP BY`` over desk, intent, priority, team and metric with a
``SUM(CASE …)`` per count, so no clock of the period travels to Python. The few rows Python still
needs (active clocks for the at-risk list, breach instants for the trend, ticket times for the
percentiles) are read with their timestamps as the driver hands them over (``type_coerce`` to
``String`` skips SQLAlchemy's per-value conversion, which cost more than the SQL itself) and
parsed by ``instant`` only where a figure needs them. The rules match ``sla.report``'s
``_Accumulator`` clause for clause; tests/e2e/test_dashboard.py checks them on a hand-worked seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, func, or_, select, type_coerce, union
from sqlalchemy.orm import Session, aliased

from playbooks.lifecycle import TicketOutcome
from sla.clock import Stage
from sla.report import Period
from worker.db.records import SlaClockRow
from worker.db.tables import RunRow, TicketRow

ACTIVE = (str(Stage.RUNNING), str(Stage.PAUSED))


def instant(value: str | dt.datetime | None) -> dt.datetime | None:
    """A raw timestamp (SQLite text, naive = UTC; or a driver's datetime) as an aware UTC one."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def naive(value: str | dt.datetime | None) -> dt.datetime | None:
    """A raw timestamp as a naive UTC datetime: ``instant`` without the time zone, for sums."""
    if value is None:
        return None
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def resolution_stop(
    outcome: str | None, done: dt.datetime | None, resolution: dt.datetime | None
) -> dt.datetime | None:
    """When a ticket counts as resolved: its resolution clock's stop, else done when resolved."""
    if resolution is not None:
        return resolution
    return done if outcome == TicketOutcome.RESOLVED else None


def raw(column: Any) -> ColumnElement[Any]:
    """``column`` read without its type's result conversion (see ``instant``)."""
    return type_coerce(column, String())


def created() -> ColumnElement[Any]:
    """A ticket's creation: the desk's own time, else when deskpilot first saw it."""
    return func.coalesce(TicketRow.desk_created_at, TicketRow.first_seen_at)


def within(column: Any, period: Period) -> ColumnElement[bool]:
    """``column`` in ``[start, end)``."""
    return and_(column >= period.start, column < period.end)


def relevant_ids(period: Period) -> Any:
    """
    The ids of relevant tickets, each part answered by an index (no scan of every clock).

    Tickets created in the period (``ix_tickets_created``, ``ix_tickets_seen``), finished in it
    (``ix_tickets_done``), with a clock still active (``ix_sla_stage``), stopped in it
    (``ix_sla_stopped``) or breached in it (``ix_sla_breach``).
    """
    made = or_(
        within(TicketRow.desk_created_at, period),
        and_(TicketRow.desk_created_at.is_(None), within(TicketRow.first_seen_at, period)),
    )
    return union(
        select(TicketRow.id).where(made),
        select(TicketRow.id).where(within(TicketRow.done_at, period)),
        select(SlaClockRow.ticket_id).where(SlaClockRow.stage.in_(ACTIVE)),
        select(SlaClockRow.ticket_id).where(within(SlaClockRow.stopped_at, period)),
        select(SlaClockRow.ticket_id).where(
            SlaClockRow.breached.is_(True), within(SlaClockRow.breach_at, period)
        ),
    )


def _relevant_clock(period: Period) -> ColumnElement[bool]:
    """A clock that can count in the period, or belongs to a ticket created or finished in it."""
    return or_(
        within(created(), period),
        within(TicketRow.done_at, period),
        SlaClockRow.stage.in_(ACTIVE),
        within(SlaClockRow.stopped_at, period),
        and_(SlaClockRow.breached.is_(True), within(SlaClockRow.breach_at, period)),
    )


def breached_by(now: dt.datetime) -> ColumnElement[bool]:
    """Breached, or running past its breach instant before the breach timer fired."""
    return or_(
        SlaClockRow.breached.is_(True),
        and_(SlaClockRow.stage == str(Stage.RUNNING), SlaClockRow.breach_at <= now),
    )


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


CHUNK = 5_000
"""Ticket ids per compliance query: well under every driver's limit of bound parameters."""


def compliance_rows(
    session: Session, period: Period, now: dt.datetime, ids: Sequence[int]
) -> list[Any]:
    """
    (desk, intent, priority, team, metric, met, breached_completed, breached_open, cancelled).

    ``ids`` are the relevant tickets, already read once (``ticket_times``); they are passed in
    chunks, so a group can come back once per chunk (``_roll_up`` sums them).
    """
    stopped = within(SlaClockRow.stopped_at, period)
    done = and_(
        SlaClockRow.stage == str(Stage.COMPLETED), stopped,
        SlaClockRow.goal_s.is_not(None), SlaClockRow.goal_s != 0,
    )  # fmt: skip
    keys = (TicketRow.desk, TicketRow.intent, TicketRow.priority, TicketRow.team)
    query = (
        select(
            *keys, SlaClockRow.metric,
            _count(and_(done, SlaClockRow.breached.is_not(True))),
            _count(and_(done, SlaClockRow.breached.is_(True))),
            _count(and_(SlaClockRow.stage.in_(ACTIVE), breached_by(now),
                        within(SlaClockRow.breach_at, period))),
            _count(and_(SlaClockRow.stage == str(Stage.CANCELLED), stopped)),
        )
        .join(TicketRow, TicketRow.id == SlaClockRow.ticket_id)
        .where(_relevant_clock(period))
        .group_by(*keys, SlaClockRow.metric)
    )  # fmt: skip
    rows: list[Any] = []
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        rows.extend(session.execute(query.where(SlaClockRow.ticket_id.in_(chunk))).all())
    return rows


def active_rows(session: Session, now: dt.datetime) -> Sequence[Any]:
    """Every active clock: desk, key, url, metric, stage, goal, elapsed, left, breach_at, breached."""
    query = select(
        TicketRow.desk, TicketRow.key, TicketRow.url, SlaClockRow.metric, SlaClockRow.stage,
        SlaClockRow.goal_s, SlaClockRow.elapsed_s, SlaClockRow.remaining_s,
        raw(SlaClockRow.breach_at).label("breach"), case((breached_by(now), 1), else_=0),
    ).join(TicketRow, TicketRow.id == SlaClockRow.ticket_id).where(
        SlaClockRow.stage.in_(ACTIVE)
    )  # fmt: skip
    return session.execute(query).all()


def breach_instants(session: Session, period: Period, now: dt.datetime) -> list[Any]:
    """The raw breach instants of the clocks that breached in the period."""
    query = select(raw(SlaClockRow.breach_at)).where(
        breached_by(now), within(SlaClockRow.breach_at, period)
    )
    return list(session.scalars(query))


def ticket_times(session: Session, ids: Any, automated: Sequence[str]) -> Sequence[Any]:
    """
    Per relevant ticket: id, created, outcome, done_at, first response and resolution stops,
    and whether a run of the ticket reached one of the ``automated`` states.
    """
    ran = (
        select(RunRow.id)
        .where(RunRow.ticket_id == TicketRow.id, RunRow.state.in_(automated))
        .exists()
    )
    response, resolution = aliased(SlaClockRow), aliased(SlaClockRow)

    def stop(clock: Any, metric: str) -> ColumnElement[bool]:
        return and_(
            clock.ticket_id == TicketRow.id, clock.metric == metric,
            clock.stage == str(Stage.COMPLETED),
        )  # fmt: skip

    query = (
        select(
            TicketRow.id, raw(created()).label("created"), TicketRow.outcome,
            raw(TicketRow.done_at).label("done"), raw(response.stopped_at).label("response"),
            raw(resolution.stopped_at).label("resolution"), ran,
        )
        .outerjoin(response, stop(response, "first_response"))
        .outerjoin(resolution, stop(resolution, "resolution"))
        .where(TicketRow.id.in_(ids))
    )  # fmt: skip
    return session.execute(query).all()
