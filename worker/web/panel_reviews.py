"""
The access-review panel on ``/dashboard``: each open campaign's completion, from the same
``worker.reports.reviews.campaigns`` as ``/dashboard/reviews``, ``deskpilot reviews status`` and
the ``deskpilot_review_*`` gauges, so the four always agree.
"""

from __future__ import annotations

import datetime as dt

from sla.report import Period
from worker.reports.reviews import CampaignProgress, campaigns
from worker.runtime import Runtime
from worker.web.dashboard import duration
from worker.web.dashboard_panels import Figure, Panel, PanelContent, PanelTable, Tone

HEADER = (
    "Campaign", "Due", "Decided", "Items", "Decided %", "Reviewers complete", "Reviewers",
    "Overdue", "Revocation %", "Median time to decide",
)  # fmt: skip


def _percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f} %"


def _row(c: CampaignProgress) -> tuple[object, ...]:
    p = c.progress
    return (
        f"{c.title} ({c.name} #{c.id})", c.due_at.strftime("%Y-%m-%d %H:%M"), p.decided, p.items,
        _percent(p.decided_ratio), p.reviewers_complete, p.reviewers, p.overdue,
        _percent(p.revocation_ratio), duration(p.decide_median_s),
    )  # fmt: skip


def review_panel(rt: Runtime, period: Period, now: dt.datetime) -> PanelContent:
    """Open campaigns as of ``now`` (the dashboard's period does not apply: a campaign is open)."""
    del period
    with rt.db.session() as session:
        found = campaigns(session, now, active_only=True)
    link = "/dashboard/reviews"
    if not found:
        return PanelContent(note="No access review campaign is open.", link=link,
                            link_text="all campaigns")  # fmt: skip
    items = sum(c.progress.items for c in found)
    decided = sum(c.progress.decided for c in found)
    overdue = sum(c.progress.overdue for c in found)
    reviewers = sum(c.progress.reviewers for c in found)
    complete = sum(c.progress.reviewers_complete for c in found)
    tone: Tone = "bad" if overdue else ("good" if decided == items else "")
    return PanelContent(
        figures=(
            Figure("Open campaigns", str(len(found))),
            Figure(
                "Items decided",
                f"{decided} / {items}",
                _percent(decided / items if items else None),
            ),
            Figure("Reviewers complete", f"{complete} / {reviewers}"),
            Figure("Overdue items", str(overdue), "still open past the due date", tone),
        ),
        table=PanelTable(HEADER, tuple(_row(c) for c in found)),
        note="Recounted from the items of each open campaign, like /dashboard/reviews and /metrics.",
        link=link,
        link_text="all campaigns",
    )


PANEL = Panel(key="reviews", title="Access reviews", build=review_panel, order=30)
