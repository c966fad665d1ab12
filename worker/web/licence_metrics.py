"""
The licence position as Prometheus gauges, read from the latest stored monthly report on scrape.

``deskpilot_licence_seats{vendor, sku, state}`` with state ``total`` (purchased), ``assigned``,
``used`` (active within the threshold), ``unused``, ``leaver`` and ``unassigned``;
``deskpilot_licence_waste{vendor, sku, currency}`` per billing period; and when the figures were
taken. One collector per process, registered once on ``worker.metrics.REGISTRY``.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from worker.metrics import register_once
from worker.reports.licences import latest_positions
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.licences")


def _families() -> dict[str, GaugeMetricFamily]:
    return {
        "up": GaugeMetricFamily(
            "deskpilot_licence_collector_up", "1 if the licence position could be read."
        ),
        "seats": GaugeMetricFamily(
            "deskpilot_licence_seats",
            "Seats per vendor and SKU in the latest licence report: total (purchased), "
            "assigned, used, unused, leaver, unassigned.",
            labels=["vendor", "sku", "state"],
        ),
        "waste": GaugeMetricFamily(
            "deskpilot_licence_waste",
            "Cost per billing period of unassigned, unused and leaver seats.",
            labels=["vendor", "sku", "currency"],
        ),
        "taken": GaugeMetricFamily(
            "deskpilot_licence_report_timestamp_seconds",
            "When the latest licence report read the vendors (Unix time).",
        ),
    }


class LicenceCollector(Collector):
    """Reads the latest licence position of the current runtime on every scrape."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def describe(self) -> Iterator[Metric]:
        """The metric names, without touching the database."""
        yield from _families().values()

    def collect(self) -> Iterator[Metric]:
        """Every gauge; ``deskpilot_licence_collector_up`` is 0 when the database did not answer."""
        families, rt = _families(), self.runtime
        if rt is None:
            return
        try:
            rows = latest_positions(rt)
        except SQLAlchemyError as exc:
            log.warning("licences.metrics_failed", error=type(exc).__name__)
            families["up"].add_metric([], 0)
            yield families["up"]
            return
        families["up"].add_metric([], 1)
        for r in rows:
            for state, value in (
                ("total", r.purchased), ("assigned", r.assigned), ("used", r.active),
                ("unused", r.unused), ("leaver", r.leaver), ("unassigned", r.unassigned),
            ):  # fmt: skip
                families["seats"].add_metric([r.vendor, r.sku, state], value)
            families["waste"].add_metric([r.vendor, r.sku, r.currency], float(r.waste))
        if rows:
            families["taken"].add_metric([], max(r.taken_at for r in rows).timestamp())
        yield from families.values()


COLLECTOR = LicenceCollector()


def install(rt: Runtime) -> None:
    """Register the collector on ``REGISTRY`` (once per process) and point it at ``rt``."""
    COLLECTOR.runtime = rt
    register_once(COLLECTOR)
