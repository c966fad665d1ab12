"""
The dashboard's trend charts: breaches, automation rate and time to resolve, one point per day.

Over the last 30 or 90 days up to now, with two indexed reads: the breach instants of the span
(``ix_sla_breach``) and one short row per ticket resolved in it (``ix_tickets_done``, and
``ix_sla_stopped`` for resolution clocks), the same rows and rules as the dashboard's own
percentiles and automation rate (``worker.reports.dashboard_data``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select, union

from playbooks.lifecycle import TicketOutcome
from sla.cycle import utc
from sla.report import Distribution, Period, breach_trend, distribution
from worker.db.records import SlaClockRow
from worker.db.tables import TicketRow
from worker.reports.dashboard_queries import (
    breach_instants,
    instant,
    naive,
    resolution_stop,
    ticket_times,
    within,
)
from worker.runtime import Runtime

SPANS = (30, 90)
"""The spans the charts offer, in days (``?trend=90``); the first is the default."""


@dataclass(frozen=True)
class DayPoint:
    """One UTC day of the trend charts."""

    day: dt.date
    breaches: int
    resolved: int
    automated: int
    resolve: Distribution
    """Creation to resolution of the tickets resolved that day (p50, p90)."""

    @property
    def automation_rate(self) -> float | None:
        """Percent of the day's resolved tickets that deskpilot resolved; None when none were."""
        return None if not self.resolved else 100.0 * self.automated / self.resolved


@dataclass(frozen=True)
class Trends:
    """The points of the trend charts, oldest day first."""

    days: int
    points: tuple[DayPoint, ...]


def trends(rt: Runtime, days: int, now: dt.datetime, automated: tuple[str, ...]) -> Trends:
    """
    The last ``days`` UTC days up to ``now`` (today included), one ``DayPoint`` each.

    ``automated`` are the run states in which deskpilot did the work
    (``dashboard_data.AUTOMATED_RUN_STATES``).
    """
    now = utc(now)
    first = dt.datetime.combine(now.date() - dt.timedelta(days=days - 1), dt.time(), dt.UTC)
    span = Period(first, now)
    ids = union(
        select(TicketRow.id).where(within(TicketRow.done_at, span)),
        select(SlaClockRow.ticket_id).where(
            SlaClockRow.metric == "resolution", within(SlaClockRow.stopped_at, span)
        ),
    )
    with rt.db.session() as session:
        breaches = Counter(instant(at).date() for at in breach_instants(session, span, now))  # type: ignore[union-attr]
        rows = ticket_times(session, ids, automated)
    begin, end = naive(span.start), naive(span.end)
    assert begin is not None and end is not None
    spans: dict[dt.date, list[float]] = defaultdict(list)
    by_us: Counter[dt.date] = Counter()
    for _, made, outcome, done, _response, resolution, ran in rows:
        start, finished = naive(made), naive(done)
        stop = resolution_stop(outcome, finished, naive(resolution))
        if start is None or stop is None or not begin <= stop < end:
            continue
        spans[stop.date()].append((stop - start).total_seconds())
        by_us[stop.date()] += (
            bool(ran) and outcome == TicketOutcome.RESOLVED and finished is not None
        )
    points = tuple(
        DayPoint(day, n, len(spans[day]), by_us[day], distribution(spans[day]))
        for day, n in breach_trend(span, breaches)
    )
    return Trends(days, points)
