"""
From the database to the dashboard's records (``sla.report``), with a few set-based queries.

Only the rows that can change a figure of the period are read: tickets created or finished in
it, and tickets with a clock that is still active, stopped in it, or breached in it. Each query
selects only the columns the figures need; nothing is read ticket by ticket, so a page over
100,000 tickets costs four queries. The arithmetic is ``sla.report.dashboard_figures`` (pure).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, type_coerce, union
from sqlalchemy.orm import Session

from sla.clock import Stage
from sla.config import parse_goal_duration
from sla.report import (
    ClockRecord,
    Compliance,
    Dashboard,
    GroupBy,
    Period,
    TicketRecord,
    dashboard_figures,
)
from sla.timer import Threshold
from worker.db import ApprovalRow, RunRow, SlaClockRow, TicketRow, UTCDateTime
from worker.runtime import Runtime

GROUPS: tuple[GroupBy, ...] = ("desk", "intent", "priority", "team", "metric")
ACTIVE = (str(Stage.RUNNING), str(Stage.PAUSED))
_STAGES = {str(stage): stage for stage in Stage}
AUTOMATED_RUN_STATES = ("applied", "expired", "expiry_failed")
"""A run in one of these states changed the directory as planned: deskpilot did the work."""


@dataclass(frozen=True)
class DashboardView:
    """The figures of one period: the main ``Dashboard`` and compliance for every grouping."""

    period: Period
    now: dt.datetime
    figures: Dashboard
    compliance: dict[GroupBy, tuple[Compliance, ...]]
    tickets: int


def thresholds(rt: Runtime) -> tuple[Threshold, ...]:
    """The default at-risk thresholds of the ``sla.at_risk`` configuration."""
    return tuple(
        Threshold(percent=r.percent)
        if r.percent is not None
        else Threshold(time_left_seconds=parse_goal_duration(r.time_left or 0))
        for r in rt.settings.sla.at_risk
    )


def _created() -> ColumnElement[Any]:
    return func.coalesce(TicketRow.desk_created_at, TicketRow.first_seen_at)


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _relevant(period: Period) -> ColumnElement[bool]:
    """A ticket created or finished in the period, or a clock that can count in it."""
    return or_(
        _in(_created(), period),
        _in(TicketRow.done_at, period),
        SlaClockRow.stage.in_(ACTIVE),
        _in(SlaClockRow.stopped_at, period),
        and_(SlaClockRow.breached, _in(SlaClockRow.breach_at, period)),
    )


def _relevant_ids(period: Period) -> Any:
    """
    The ids of relevant tickets, each part answered by an index (no scan of every clock).

    Tickets created in the period (``ix_tickets_created``, ``ix_tickets_seen``), finished in it
    (``ix_tickets_done``), with a clock still active (``ix_sla_stage``), stopped in it
    (``ix_sla_stopped``) or breached in it (``ix_sla_breach``).
    """
    created = or_(
        _in(TicketRow.desk_created_at, period),
        and_(TicketRow.desk_created_at.is_(None), _in(TicketRow.first_seen_at, period)),
    )
    return union(
        select(TicketRow.id).where(created),
        select(TicketRow.id).where(_in(TicketRow.done_at, period)),
        select(SlaClockRow.ticket_id).where(SlaClockRow.stage.in_(ACTIVE)),
        select(SlaClockRow.ticket_id).where(_in(SlaClockRow.stopped_at, period)),
        select(SlaClockRow.ticket_id).where(
            SlaClockRow.breached.is_(True), _in(SlaClockRow.breach_at, period)
        ),
    )


def _ticket_rows(session: Session, ids: Any) -> Sequence[Any]:
    """The relevant tickets' columns, with their creation time read once (one typed column)."""
    query = select(
        TicketRow.id, TicketRow.desk, TicketRow.key, TicketRow.url, TicketRow.intent,
        TicketRow.priority, TicketRow.team,
        type_coerce(_created(), UTCDateTime()), TicketRow.outcome, TicketRow.done_at,
    ).where(TicketRow.id.in_(ids))  # fmt: skip
    return session.execute(query).all()


def _clock_rows(session: Session, period: Period, ids: Any) -> Sequence[Any]:
    """The clocks of the relevant tickets that can count in the period (or for a ticket of it)."""
    query = (
        select(
            SlaClockRow.ticket_id, SlaClockRow.metric, SlaClockRow.stage, SlaClockRow.goal_s,
            SlaClockRow.elapsed_s, SlaClockRow.remaining_s, SlaClockRow.breach_at,
            SlaClockRow.breached, SlaClockRow.stopped_at,
        )
        .join(TicketRow, TicketRow.id == SlaClockRow.ticket_id)
        .where(SlaClockRow.ticket_id.in_(ids), _relevant(period))
    )  # fmt: skip
    return session.execute(query).all()


def _automated(session: Session, period: Period) -> set[int]:
    """Tickets resolved in the period whose playbook run was applied: deskpilot did the work."""
    resolved = select(TicketRow.id).where(
        TicketRow.outcome == "resolved", _in(TicketRow.done_at, period)
    )
    query = select(RunRow.ticket_id).where(
        RunRow.ticket_id.in_(resolved), RunRow.state.in_(AUTOMATED_RUN_STATES)
    )
    return set(session.scalars(query))


def _approval_waits(session: Session) -> dict[int, float]:
    """Per ticket: the seconds its runs waited from planning to their last approval."""
    query = (
        select(RunRow.ticket_id, RunRow.created_at, func.max(ApprovalRow.at))
        .join(ApprovalRow, ApprovalRow.run_id == RunRow.id)
        .where(ApprovalRow.verdict == "approved")
        .group_by(RunRow.id, RunRow.ticket_id, RunRow.created_at)
    )
    waits: dict[int, float] = defaultdict(float)
    for ticket_id, created, approved in session.execute(query):
        if approved is not None and created is not None:
            waits[ticket_id] += max(0.0, (_aware(approved) - created).total_seconds())
    return waits


def _aware(value: dt.datetime) -> dt.datetime:
    """``max()`` over a column bypasses the column type on SQLite: read naive values as UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _clock(row: Any, started: dt.datetime, now: dt.datetime) -> ClockRecord:
    _, metric, stage, goal, elapsed, remaining, breach_at, breached, stopped = row
    stage = _STAGES[stage]
    if stage is Stage.RUNNING and breach_at is not None and breach_at <= now:
        breached = True  # its breach timer has not fired yet: the goal is gone all the same
        remaining = -(now - breach_at).total_seconds()
    return ClockRecord(
        metric, stage, goal, elapsed, remaining, breach_at, bool(breached), started, stopped
    )


def _ticket(row: Any, clocks: list[ClockRecord], wait: float, automated: bool) -> TicketRecord:
    _, desk, key, url, intent, priority, team, created, outcome, done_at = row
    first_response_at = resolved_at = None
    for clock in clocks:
        if clock.stage is Stage.COMPLETED and clock.metric == "first_response":
            first_response_at = clock.stopped_at
        elif clock.stage is Stage.COMPLETED and clock.metric == "resolution":
            resolved_at = clock.stopped_at
    if resolved_at is None and outcome == "resolved":
        resolved_at = done_at
    return TicketRecord(
        desk, key, url, intent, priority, team, created, first_response_at, resolved_at,
        automated and outcome == "resolved", wait, tuple(clocks),
    )  # fmt: skip


def load_records(rt: Runtime, period: Period, now: dt.datetime) -> list[TicketRecord]:
    """
    Every ticket that can change a figure of ``period``, as ``sla.report`` records.

    A clock that can count neither in the period nor for a ticket created in it (an old,
    completed one) is left out: it changes no figure. The relevant tickets are found through
    indexes (``_relevant_ids``); tickets and clocks are then read once each.
    """
    ids = _relevant_ids(period)
    with rt.db.session() as session:
        tickets = _ticket_rows(session, ids)
        rows = _clock_rows(session, period, ids)
        waits = _approval_waits(session)
        automated = _automated(session, period)
    started = {t[0]: t[7] for t in tickets}
    clocks: dict[int, list[ClockRecord]] = defaultdict(list)
    for row in rows:
        clocks[row[0]].append(_clock(row, started[row[0]], now))
    return [
        _ticket(t, clocks.get(t[0], []), waits.get(t[0], 0.0), t[0] in automated)
        for t in tickets
    ]


_SEP = "\x1f"


def _name(value: str | None) -> str:
    return "(none)" if value is None else value


def _per_clock(records: Sequence[TicketRecord]) -> list[TicketRecord]:
    """
    One record per clock, grouped under a key naming desk, intent, priority, team and metric.

    The ticket-level figures (response and resolution times, automation, approval wait) stay on
    the first piece only, so one pass of ``dashboard_figures`` yields every figure once and the
    compliance of every combination, which ``_roll_up`` sums per dimension.
    """
    pieces = []
    for r in records:
        key = _SEP.join(_name(v) for v in (r.desk, r.intent, r.priority, r.team)) + _SEP
        clocks = r.clocks or (None,)
        first = clocks[0]
        pieces.append(
            TicketRecord(
                r.desk, r.key, r.url, r.intent, r.priority,
                key + (first.metric if first else "(none)"), r.created_at, r.first_response_at,
                r.resolved_at, r.resolved_by_automation, r.approval_wait_s,
                (first,) if first else (),
            )
        )  # fmt: skip
        pieces.extend(
            TicketRecord(r.desk, r.key, r.url, r.intent, r.priority, key + c.metric,
                         r.created_at, clocks=(c,))
            for c in r.clocks[1:]
        )  # fmt: skip
    return pieces


def _roll_up(rows: Sequence[Compliance], index: int) -> tuple[Compliance, ...]:
    sums: dict[str, list[int]] = {}
    for c in rows:
        total = sums.setdefault(c.group.split(_SEP)[index], [0, 0, 0, 0])
        for i, n in enumerate((c.met, c.breached_completed, c.breached_open, c.cancelled)):
            total[i] += n
    return tuple(Compliance(g, *n) for g, n in sorted(sums.items()))


def dashboard_view(rt: Runtime, period: Period, now: dt.datetime) -> DashboardView:
    """Every figure of the dashboard for ``period`` as of ``now`` (one pass over the records)."""
    records = load_records(rt, period, now)
    combined = dashboard_figures(_per_clock(records), period, now, thresholds(rt), "team")
    compliance = {group: _roll_up(combined.compliance, i) for i, group in enumerate(GROUPS)}
    return DashboardView(
        period, now, replace(combined, compliance=compliance["desk"]), compliance, len(records)
    )


@dataclass(frozen=True)
class OpenStates:
    """Open SLA clocks right now, for the Prometheus gauges."""

    by_state: dict[str, int]
    """``breached``, ``at_risk``, ``on_track``, ``paused`` → number of open tickets (worst clock)."""
    breached_clocks: int
    at_risk_clocks: int


_ORDER = ("on_track", "paused", "at_risk", "breached")


def _state(row: Any, now: dt.datetime, risk: tuple[Threshold, ...]) -> str:
    if row.breached or (
        row.stage == Stage.RUNNING and row.breach_at is not None and row.breach_at <= now
    ):
        return "breached"
    if row.goal_s:
        goal, used = dt.timedelta(seconds=row.goal_s), dt.timedelta(seconds=row.elapsed_s)
        if any(used >= t.used_at(goal) for t in risk):
            return "at_risk"
    return "paused" if row.stage == Stage.PAUSED else "on_track"


def open_states(rt: Runtime, now: dt.datetime) -> OpenStates:
    """Open tickets by their worst active clock, and the breached and at-risk clock counts."""
    query = select(
        SlaClockRow.ticket_id,
        SlaClockRow.stage,
        SlaClockRow.goal_s,
        SlaClockRow.elapsed_s,
        SlaClockRow.breach_at,
        SlaClockRow.breached,
    ).where(SlaClockRow.stage.in_(ACTIVE))
    with rt.db.session() as session:
        rows = session.execute(query).all()
    risk, worst = thresholds(rt), dict[int, int]()
    counts = dict.fromkeys(_ORDER, 0)
    for row in rows:
        state = _state(row, now, risk)
        counts[state] += 1
        worst[row.ticket_id] = max(worst.get(row.ticket_id, 0), _ORDER.index(state))
    tickets = dict.fromkeys(_ORDER, 0)
    for rank in worst.values():
        tickets[_ORDER[rank]] += 1
    return OpenStates(tickets, counts["breached"], counts["at_risk"])
