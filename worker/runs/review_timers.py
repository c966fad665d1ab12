"""The access reviews' durable timers (``worker.queue.timers`` fires them)."""

from __future__ import annotations

from collections.abc import Callable

from playbooks.reviews.campaign import Campaign
from worker.db.review_tables import ReviewCampaignRow
from worker.db.tables import TimerRow
from worker.runs.review_nudge import fire_review_nudge
from worker.runs.review_remove import remove_reviewed
from worker.runs.review_start import open_tickets, start_campaign
from worker.runtime import Runtime


def _campaign_id(rt: Runtime, timer_id: int) -> int:
    with rt.db.session() as session:
        timer = session.get(TimerRow, timer_id)
        assert timer is not None
        return int(timer.payload["campaign_id"])


def open_review_tickets(rt: Runtime, timer_id: int) -> None:
    """Open the review tickets not opened yet (a transient desk error reschedules the timer)."""
    open_tickets(rt, _campaign_id(rt, timer_id))


def restart_campaign(rt: Runtime, timer_id: int) -> None:
    """Start a recurring campaign again, from the definition its last run stored."""
    with rt.db.session() as session:
        found = session.get(ReviewCampaignRow, _campaign_id(rt, timer_id))
        assert found is not None
        definition = Campaign.model_validate(found.definition)
    start_campaign(rt, definition, started_by="deskpilot (recurrence)")


REVIEW_TIMERS: dict[str, Callable[[Runtime, int], None]] = {
    "review_open": open_review_tickets,
    "review_nudge": fire_review_nudge,
    "review_removal": remove_reviewed,
    "review_recur": restart_campaign,
}
