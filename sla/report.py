"""
The figures of the team-lead dashboard, from plain records (pure, one pass over the tickets).

Compliance counts COMPLETED cycles by stop date *and* cycles breached but still open by breach
date, which the desks' own reports leave out (research/sla.md §5.2); cancelled cycles are shown
beside it, never in it. Response and resolution times are reported as p50/p90, not means.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from sla.clock import CycleResult, Stage
from sla.cycle import utc
from sla.timer import Threshold

GroupBy = Literal["desk", "intent", "priority", "team", "metric"]


@dataclass(frozen=True)
class ClockRecord:
    """One cycle of one metric of a ticket, as stored by the worker."""

    metric: str
    stage: Stage
    goal_seconds: float | None
    business_elapsed_seconds: float
    remaining_seconds: float | None
    breach_at: datetime | None
    breached: bool
    started_at: datetime
    stopped_at: datetime | None = None
    cycle: int = 1

    @classmethod
    def from_cycle(cls, metric: str, cycle: CycleResult) -> ClockRecord:
        """The record of an evaluated cycle."""
        return cls(
            metric, cycle.stage, cycle.goal_seconds, cycle.business_elapsed_seconds,
            cycle.remaining_seconds, cycle.breach_at, cycle.breached, cycle.started_at,
            cycle.stopped_at, cycle.number,
        )  # fmt: skip


@dataclass(frozen=True)
class TicketRecord:
    """What the dashboard knows of one ticket."""

    desk: str
    key: str
    url: str | None
    intent: str | None
    priority: str | None
    team: str | None
    created_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by_automation: bool = False
    approval_wait_s: float = 0.0
    clocks: tuple[ClockRecord, ...] = ()


@dataclass(frozen=True)
class Period:
    """``[start, end)``, aware instants."""

    start: datetime
    end: datetime

    def __contains__(self, instant: object) -> bool:
        return isinstance(instant, datetime) and self.start <= instant < self.end


@dataclass(frozen=True)
class Compliance:
    """Met vs breached for one group; ``percent`` is None when nothing counted."""

    group: str
    met: int
    breached_completed: int
    breached_open: int
    cancelled: int

    @property
    def percent(self) -> float | None:
        """Met over met + every breach (open ones included)."""
        total = self.met + self.breached_completed + self.breached_open
        return None if total == 0 else 100.0 * self.met / total


@dataclass(frozen=True)
class AtRisk:
    """An active clock close to its goal; ``breach_at`` drives a live countdown (None = paused)."""

    desk: str
    key: str
    url: str | None
    metric: str
    stage: Stage
    remaining_seconds: float
    breach_at: datetime | None
    percent: float


@dataclass(frozen=True)
class Distribution:
    """Percentiles of a duration in seconds (None when there is no data)."""

    count: int
    p50: float | None
    p90: float | None
    p95: float | None


@dataclass(frozen=True)
class Dashboard:
    """Everything the team-lead page shows for a period."""

    compliance: tuple[Compliance, ...]
    active_breached: int
    at_risk: tuple[AtRisk, ...]
    breach_trend: tuple[tuple[date, int], ...]
    first_response: Distribution
    resolution: Distribution
    resolved: int
    resolved_by_automation: int
    approval_wait: Distribution

    @property
    def automation_rate(self) -> float | None:
        """Share of resolved tickets that deskpilot resolved (percent)."""
        return None if self.resolved == 0 else 100.0 * self.resolved_by_automation / self.resolved


def distribution(values: Sequence[float]) -> Distribution:
    """
    p50/p90/p95 of ``values`` (linear interpolation between closest ranks).

    Args:
        values: durations in seconds.
    """
    if not values:
        return Distribution(0, None, None, None)
    if len(values) == 1:
        return Distribution(1, values[0], values[0], values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return Distribution(len(values), cuts[49], cuts[89], cuts[94])


@dataclass
class _Tally:
    met: int = 0
    breached_completed: int = 0
    breached_open: int = 0
    cancelled: int = 0


@dataclass
class _Accumulator:
    period: Period
    now: datetime
    thresholds: Sequence[Threshold]
    group_by: GroupBy
    tallies: dict[str, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    trend: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    at_risk: list[AtRisk] = field(default_factory=list)
    active_breached: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    approval_wait: list[float] = field(default_factory=list)
    resolved: int = 0
    by_automation: int = 0

    def add(self, ticket: TicketRecord) -> None:
        if ticket.created_at in self.period and ticket.first_response_at is not None:
            self.first_response.append(
                (ticket.first_response_at - ticket.created_at).total_seconds()
            )
        if ticket.resolved_at in self.period and ticket.resolved_at is not None:
            self.resolution.append((ticket.resolved_at - ticket.created_at).total_seconds())
            self.resolved += 1
            self.by_automation += ticket.resolved_by_automation
            if ticket.approval_wait_s > 0:
                self.approval_wait.append(ticket.approval_wait_s)
        for clock in ticket.clocks:
            self._clock(ticket, clock)

    def _clock(self, ticket: TicketRecord, clock: ClockRecord) -> None:
        tally = self.tallies[_group(ticket, clock, self.group_by)]
        if clock.breached and clock.breach_at in self.period:
            self.trend[clock.breach_at.date()] += 1  # type: ignore[union-attr]
        if clock.stage is Stage.CANCELLED and clock.stopped_at in self.period:
            tally.cancelled += 1
        elif (
            clock.stage is Stage.COMPLETED
            and clock.stopped_at in self.period
            and clock.goal_seconds
        ):
            if clock.breached:
                tally.breached_completed += 1
            else:
                tally.met += 1
        elif clock.stage.active and clock.breached:
            self.active_breached += 1
            tally.breached_open += clock.breach_at in self.period
        elif clock.stage.active:
            self._risk(ticket, clock)

    def _risk(self, ticket: TicketRecord, clock: ClockRecord) -> None:
        percent = at_risk_percent(
            clock.goal_seconds, clock.business_elapsed_seconds, clock.remaining_seconds,
            self.thresholds,
        )  # fmt: skip
        if percent is not None and clock.remaining_seconds is not None:
            self.at_risk.append(
                AtRisk(ticket.desk, ticket.key, ticket.url, clock.metric, clock.stage,
                       clock.remaining_seconds, clock.breach_at, percent)
            )  # fmt: skip


def at_risk_percent(
    goal_seconds: float | None,
    elapsed_seconds: float,
    remaining_seconds: float | None,
    thresholds: Sequence[Threshold],
) -> float | None:
    """
    The percent of its goal an active, unbreached clock has used, if it is past a threshold.

    Args:
        goal_seconds: the clock's goal (None or 0: no goal, never at risk).
        elapsed_seconds: business time used.
        remaining_seconds: business time left (None: unknown, never at risk).
        thresholds: at-risk thresholds; crossing any one of them is enough.

    Returns:
        The percent used when the clock is at risk, otherwise None.
    """
    if not goal_seconds or remaining_seconds is None:
        return None
    goal, used = timedelta(seconds=goal_seconds), timedelta(seconds=elapsed_seconds)
    if any(used >= t.used_at(goal) for t in thresholds):
        return 100.0 * elapsed_seconds / goal_seconds
    return None


def breach_trend(period: Period, per_day: Mapping[date, int]) -> tuple[tuple[date, int], ...]:
    """
    One ``(day, breaches)`` pair per UTC day the period touches, zero where nothing breached.

    Args:
        period: the reporting period (aware instants).
        per_day: breaches counted by the UTC day of their breach instant.
    """
    start, end = utc(period.start), utc(period.end)
    days = (end - start).days + 1
    return tuple(
        (day, per_day.get(day, 0))
        for day in (start.date() + timedelta(days=i) for i in range(days))
        if day <= end.date()
    )


def _group(ticket: TicketRecord, clock: ClockRecord, group_by: GroupBy) -> str:
    value = clock.metric if group_by == "metric" else getattr(ticket, group_by)
    return str(value) if value is not None else "(none)"


def dashboard_figures(
    tickets: Iterable[TicketRecord],
    period: Period,
    now: datetime,
    thresholds: Sequence[Threshold] = (Threshold(percent=75), Threshold(time_left_seconds=1800)),
    group_by: GroupBy = "desk",
) -> Dashboard:
    """
    Every dashboard figure in one pass over the tickets.

    Args:
        tickets: ticket records (any number; each is visited once).
        period: the reporting period (compliance by stop or breach instant, trend by breach day,
            response times by creation, resolution figures by resolution instant).
        now: when the figures are computed (the at-risk list is as of the records).
        thresholds: at-risk thresholds.
        group_by: compliance grouped by desk, intent, priority, team or metric.
    """
    acc = _Accumulator(Period(utc(period.start), utc(period.end)), utc(now), thresholds, group_by)
    for ticket in tickets:
        acc.add(ticket)
    trend = breach_trend(acc.period, acc.trend)
    return Dashboard(
        compliance=tuple(
            Compliance(g, t.met, t.breached_completed, t.breached_open, t.cancelled)
            for g, t in sorted(acc.tallies.items())
        ),
        active_breached=acc.active_breached,
        at_risk=tuple(sorted(acc.at_risk, key=lambda r: (r.remaining_seconds, r.desk, r.key))),
        breach_trend=trend,
        first_response=distribution(acc.first_response),
        resolution=distribution(acc.resolution),
        resolved=acc.resolved,
        resolved_by_automation=acc.by_automation,
        approval_wait=distribution(acc.approval_wait),
    )
