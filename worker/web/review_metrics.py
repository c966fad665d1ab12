"""
Access reviews' progress as Prometheus gauges, recomputed from the items of the active campaigns
on every scrape (``worker.reports.reviews``), so they always equal a recount of the rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from worker.metrics import register_once
from worker.reports.reviews import CampaignProgress, campaigns
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.reviews")


def _families() -> dict[str, GaugeMetricFamily]:
    def gauge(name: str, doc: str, *labels: str) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, doc, labels=["campaign", *labels])

    return {
        "items": gauge("deskpilot_review_items", "Items of active campaigns by state: decided, open, flagged.", "state"),
        "decided": gauge("deskpilot_review_decided_ratio", "Share of items a reviewer decided (0..1)."),
        "reviewers": gauge("deskpilot_review_reviewers", "Reviewers by state: complete, open.", "state"),
        "overdue": gauge("deskpilot_review_overdue_items", "Items still open past the due date."),
        "decide": gauge("deskpilot_review_time_to_decide_seconds", "Time from the start to a reviewer's decision.", "stat"),
        "revocation": gauge("deskpilot_review_revocation_ratio", "Share of final decisions that revoke (0..1)."),
        "removals": gauge("deskpilot_review_removals", "Removals by state: verified, failed, pending, on_time (within 24 h).", "state"),
    }  # fmt: skip


class ReviewCollector(Collector):
    """Computes the review gauges from the current runtime's database on every scrape."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def use(self, rt: Runtime) -> None:
        """Read ``rt``'s database from now on."""
        self.runtime = rt

    def describe(self) -> Iterator[Metric]:
        """The metric names, without touching the database."""
        yield from _families().values()

    def collect(self) -> Iterator[Metric]:
        """Every gauge for every active campaign (nothing when the database does not answer)."""
        rt = self.runtime
        if rt is None:
            return
        try:
            with rt.db.session() as session:
                found = campaigns(session, rt.clock(), active_only=True)
        except SQLAlchemyError as exc:
            log.warning("reviews.metrics_failed", error=type(exc).__name__)
            return
        families = _families()
        for campaign in found:
            _add(families, campaign)
        yield from families.values()


def _add(families: dict[str, GaugeMetricFamily], campaign: CampaignProgress) -> None:
    name, p = f"{campaign.name}#{campaign.id}", campaign.progress
    for state, value in (("decided", p.decided), ("open", p.open), ("flagged", p.flagged)):
        families["items"].add_metric([name, state], value)
    if p.decided_ratio is not None:
        families["decided"].add_metric([name], p.decided_ratio)
    families["reviewers"].add_metric([name, "complete"], p.reviewers_complete)
    families["reviewers"].add_metric([name, "open"], p.reviewers - p.reviewers_complete)
    families["overdue"].add_metric([name], p.overdue)
    for stat, seconds in (("mean", p.decide_mean_s), ("median", p.decide_median_s)):
        if seconds is not None:
            families["decide"].add_metric([name, stat], seconds)
    if p.revocation_ratio is not None:
        families["revocation"].add_metric([name], p.revocation_ratio)
    removals = (("verified", p.removals_verified), ("failed", p.removals_failed),
                ("pending", p.removals_pending), ("on_time", p.removals_on_time))  # fmt: skip
    for state, value in removals:
        families["removals"].add_metric([name, state], value)


COLLECTOR = ReviewCollector()


def install_collector(rt: Runtime) -> None:
    """Register the collector on ``REGISTRY`` (once per process) and point it at ``rt``."""
    COLLECTOR.use(rt)
    register_once(COLLECTOR)
