"""
The dashboard's figures as Prometheus gauges, computed from the database when scraped.

One collector per process, registered once on ``worker.metrics.REGISTRY``; it reads the runtime
of the app installed last. The open-ticket gauges cost one query over the active clocks; the
7-day figures (automation rate, percentiles) are the dashboard's own and are cached for a minute
so a scrape every few seconds stays cheap.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from sla.report import Distribution, Period
from worker.metrics import register_once
from worker.reports.dashboard_data import DashboardView, dashboard_view, open_states
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.dashboard")

CACHE_S = 60.0
WINDOW = dt.timedelta(days=7)


def _gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


def _families() -> dict[str, GaugeMetricFamily]:
    return {
        "up": _gauge("deskpilot_sla_collector_up", "1 if the SLA figures could be read."),
        "open": _gauge(
            "deskpilot_sla_open_tickets",
            "Open tickets by their worst active SLA clock: breached, at_risk, paused, on_track.",
            ("state",),
        ),
        "breached": _gauge(
            "deskpilot_sla_breached_open_clocks", "Active SLA clocks past their goal."
        ),
        "at_risk": _gauge(
            "deskpilot_sla_at_risk_clocks", "Active SLA clocks past an at-risk threshold."
        ),
        "automation": _gauge(
            "deskpilot_sla_automation_ratio_7d",
            "Share of tickets resolved in the last 7 days that deskpilot resolved (0..1).",
        ),
        "resolved": _gauge(
            "deskpilot_sla_resolved_tickets_7d",
            "Tickets resolved in the last 7 days, by deskpilot or by people.",
            ("by",),
        ),
        "first_response": _gauge(
            "deskpilot_sla_first_response_seconds_7d",
            "Time to first response of tickets created in the last 7 days.",
            ("quantile",),
        ),
        "resolution": _gauge(
            "deskpilot_sla_resolution_seconds_7d",
            "Time to resolution of tickets resolved in the last 7 days.",
            ("quantile",),
        ),
        "approval_wait": _gauge(
            "deskpilot_sla_approval_wait_seconds_7d",
            "Time runs waited for their approval (tickets resolved in the last 7 days).",
            ("quantile",),
        ),
    }


def _quantiles(family: GaugeMetricFamily, d: Distribution) -> None:
    for quantile, value in (("0.5", d.p50), ("0.9", d.p90)):
        if value is not None:
            family.add_metric([quantile], value)


class SlaCollector(Collector):
    """Computes the SLA gauges from the database of the current runtime on every scrape."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self._lock = threading.Lock()
        self._cached: tuple[float, DashboardView] | None = None

    def use(self, rt: Runtime) -> None:
        """Read ``rt``'s database from now on."""
        with self._lock:
            self.runtime, self._cached = rt, None

    def describe(self) -> Iterator[Metric]:
        """The metric names, without touching the database."""
        yield from _families().values()

    def _week(self, rt: Runtime, now: dt.datetime) -> DashboardView:
        stamp = now.timestamp()
        with self._lock:
            cached = self._cached
        if cached is not None and 0 <= stamp - cached[0] < CACHE_S:
            return cached[1]
        view = dashboard_view(rt, Period(now - WINDOW, now), now)
        with self._lock:
            self._cached = (stamp, view)
        return view

    def collect(self) -> Iterator[Metric]:
        """Every gauge; ``deskpilot_sla_collector_up`` is 0 when the database did not answer."""
        families, rt = _families(), self.runtime
        if rt is None:
            return
        now = rt.clock()
        try:
            states, week = open_states(rt, now), self._week(rt, now)
        except SQLAlchemyError as exc:
            log.warning("dashboard.metrics_failed", error=type(exc).__name__)
            families["up"].add_metric([], 0)
            yield families["up"]
            return
        families["up"].add_metric([], 1)
        for state, count in states.by_state.items():
            families["open"].add_metric([state], count)
        families["breached"].add_metric([], states.breached_clocks)
        families["at_risk"].add_metric([], states.at_risk_clocks)
        fig = week.figures
        if fig.automation_rate is not None:
            families["automation"].add_metric([], fig.automation_rate / 100)
        families["resolved"].add_metric(["deskpilot"], fig.resolved_by_automation)
        families["resolved"].add_metric(["people"], fig.resolved - fig.resolved_by_automation)
        _quantiles(families["first_response"], fig.first_response)
        _quantiles(families["resolution"], fig.resolution)
        _quantiles(families["approval_wait"], fig.approval_wait)
        yield from families.values()


COLLECTOR = SlaCollector()


def install(rt: Runtime) -> None:
    """Register the collector on ``REGISTRY`` (once per process) and point it at ``rt``."""
    COLLECTOR.use(rt)
    register_once(COLLECTOR)
