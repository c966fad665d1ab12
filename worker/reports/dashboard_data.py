"""
From the database to the dashboard's figures, with a few set-based queries.

Only the rows that can change a figure of the period are considered: tickets created or
finished in it, and tickets with a clock that is still active, stopped in it, or breached in it.
Compliance is counted by the database (``worker.reports.dashboard_queries``); Python sees only the active
clocks (at-risk list), the breach instants of the period (trend) and one short row per relevant
ticket (percentiles, automation). The rules are those of ``sla.report`` (pure), whose helpers
build the figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from playbooks.lifecycle import RunState, TicketOutcome
from sla.clock import Stage
from sla.config import parse_goal_duration
from sla.cycle import utc
from sla.report import (
    AtRisk,
    Compliance,
    Dashboard,
    Distribution,
    GroupBy,
    Period,
    at_risk_percent,
    breach_trend,
    distribution,
)
from sla.timer import Threshold
from worker.db.records import SlaClockRow
from worker.db.tables import ApprovalRow, RunRow, TicketRow
from worker.reports.dashboard_queries import (
    ACTIVE,
    active_rows,
    breach_instants,
    compliance_rows,
    instant,
    naive,
    raw,
    relevant_ids,
    resolution_stop,
    ticket_times,
    within,
)
from worker.runtime import Runtime

GROUPS: tuple[GroupBy, ...] = ("desk", "intent", "priority", "team", "metric")
_STAGES = {str(stage): stage for stage in Stage}
AUTOMATED_RUN_STATES = (RunState.APPLIED, RunState.EXPIRED, RunState.EXPIRY_FAILED)
"""A run in one of these states changed the directory as planned: deskpilot did the work."""


@dataclass(frozen=True)
class DashboardView:
    """The figures of one period: the main ``Dashboard`` and compliance for every grouping."""

    period: Period
    now: dt.datetime
    figures: Dashboard
    compliance: dict[GroupBy, tuple[Compliance, ...]]
    tickets: int
    """Relevant tickets: created, finished, or with a clock that counts in the period."""
    volume: int
    """Tickets created in the period (the desks' own creation time when they gave one)."""
    provision: Distribution
    """Time to provision: creation to done, for the tickets deskpilot resolved in the period."""
    team_desks: dict[str, tuple[str, ...]]
    """Team id (as the compliance-by-team rows name it) → the desks it came from."""


def thresholds(rt: Runtime) -> tuple[Threshold, ...]:
    """The default at-risk thresholds of the ``sla.at_risk`` configuration."""
    return tuple(
        Threshold(percent=r.percent)
        if r.percent is not None
        else Threshold(time_left_seconds=parse_goal_duration(r.time_left or 0))
        for r in rt.settings.sla.at_risk
    )


def _approval_waits(session: Session, period: Period) -> dict[int, float]:
    """
    Per ticket that can be resolved in the period (finished in it, or its resolution clock
    stopped in it): the seconds its runs waited from planning to their last approval.
    """
    ids = union(
        select(TicketRow.id).where(within(TicketRow.done_at, period)),
        select(SlaClockRow.ticket_id).where(
            SlaClockRow.metric == "resolution", within(SlaClockRow.stopped_at, period)
        ),
    )
    query = (
        select(RunRow.ticket_id, raw(RunRow.created_at), raw(func.max(ApprovalRow.at)))
        .join(ApprovalRow, ApprovalRow.run_id == RunRow.id)
        .where(ApprovalRow.verdict == "approved", RunRow.ticket_id.in_(ids))
        .group_by(RunRow.id, RunRow.ticket_id, RunRow.created_at)
    )
    waits: dict[int, float] = defaultdict(float)
    for ticket_id, made, approved in session.execute(query):
        start, end = instant(made), instant(approved)
        if start is not None and end is not None:
            waits[ticket_id] += max(0.0, (end - start).total_seconds())
    return waits


@dataclass
class _Durations:
    """The ticket-level figures of a period, filled by ``_durations``."""

    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    approval_wait: list[float] = field(default_factory=list)
    provision: list[float] = field(default_factory=list)
    resolved: int = 0
    by_automation: int = 0
    created: int = 0


def _durations(rows: Sequence[Any], period: Period, waits: dict[int, float]) -> _Durations:
    """
    Response and resolution times, automation and approval waits (as ``sla.report`` does).

    A ticket counts as resolved by deskpilot when its outcome is *resolved*, it finished in the
    period, and one of its runs reached an ``AUTOMATED_RUN_STATES`` state. Instants are compared
    as naive UTC datetimes: the same figures, without a time zone on every value.
    """
    out, begin, end = _Durations(), naive(period.start), naive(period.end)
    assert begin is not None and end is not None
    for ticket_id, made, outcome, done, response, resolution, ran in rows:
        start, finished = naive(made), naive(done)
        assert start is not None  # first_seen_at is never NULL
        out.created += begin <= start < end
        if begin <= start < end and response is not None:
            out.first_response.append((naive(response) - start).total_seconds())  # type: ignore[operator]
        stop = resolution_stop(outcome, finished, naive(resolution))
        if stop is not None and begin <= stop < end:
            out.resolution.append((stop - start).total_seconds())
            out.resolved += 1
            in_period = finished is not None and begin <= finished < end
            automated = bool(ran) and outcome == TicketOutcome.RESOLVED and in_period
            out.by_automation += automated
            if automated and finished is not None:
                out.provision.append((finished - start).total_seconds())
            if waits.get(ticket_id, 0.0) > 0:
                out.approval_wait.append(waits[ticket_id])
    return out


def _name(value: str | None) -> str:
    return "(none)" if value is None else value


def _team_desks(rows: Sequence[Any]) -> dict[str, tuple[str, ...]]:
    """Each team of the compliance rows and the desks whose tickets named it."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row[3] is not None:
            found[row[3]].add(row[0])
    return {team: tuple(sorted(desks)) for team, desks in found.items()}


def _roll_up(rows: Sequence[Any]) -> dict[GroupBy, tuple[Compliance, ...]]:
    """Compliance per desk, intent, priority, team and metric from the combined groups."""
    sums: dict[GroupBy, dict[str, list[int]]] = {group: {} for group in GROUPS}
    for row in rows:
        for i, group in enumerate(GROUPS):
            total = sums[group].setdefault(_name(row[i]), [0, 0, 0, 0])
            for j in range(4):
                total[j] += int(row[5 + j])
    return {
        group: tuple(Compliance(g, *n) for g, n in sorted(sums[group].items())) for group in GROUPS
    }


def _active(rows: Sequence[Any], risk: tuple[Threshold, ...]) -> tuple[int, tuple[AtRisk, ...]]:
    """The number of active clocks past their goal, and the at-risk list (soonest first)."""
    breached, at_risk = 0, []
    for desk, key, url, metric, stage, goal, elapsed, left, breach_at, late in rows:
        if late:
            breached += 1
            continue
        percent = at_risk_percent(goal, elapsed, left, risk)
        if percent is not None:
            at_risk.append(
                AtRisk(desk, key, url, metric, _STAGES[stage], left, instant(breach_at), percent)
            )
    return breached, tuple(sorted(at_risk, key=lambda r: (r.remaining_seconds, r.desk, r.key)))


def dashboard_view(rt: Runtime, period: Period, now: dt.datetime) -> DashboardView:
    """
    Every figure of the dashboard for ``period`` as of ``now``.

    Compliance is counted by the database (``worker.reports.dashboard_queries``); the at-risk list, the
    breach trend and the percentiles come from the few rows they need, through ``sla.report``.
    """
    span, now = Period(utc(period.start), utc(period.end)), utc(now)
    ids = relevant_ids(span)
    with rt.db.session() as session:
        times = ticket_times(session, ids, AUTOMATED_RUN_STATES)
        groups = compliance_rows(session, span, now, [row[0] for row in times])
        active = active_rows(session, now)
        trend = Counter(instant(at).date() for at in breach_instants(session, span, now))  # type: ignore[union-attr]
        spans = _durations(times, span, _approval_waits(session, span))
    compliance = _roll_up(groups)
    breached, at_risk = _active(active, thresholds(rt))
    figures = Dashboard(
        compliance["desk"], breached, at_risk, breach_trend(span, trend),
        distribution(spans.first_response), distribution(spans.resolution), spans.resolved,
        spans.by_automation, distribution(spans.approval_wait),
    )  # fmt: skip
    return DashboardView(
        period, now, figures, compliance, len(times), spans.created,
        distribution(spans.provision), _team_desks(groups),
    )  # fmt: skip


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
