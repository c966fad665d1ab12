"""
The access reviews' durable timers (``worker.queue.timers`` fires them).

A transient error propagates (the tick fires the timer again a minute later). A permanent one —
a desk that refuses the ticket, a directory that no longer answers for the scope — is recorded
in the audit log for the campaign (``review.failed``, shown in its evidence) and logged, so one
broken campaign never stops the tick for the other timers.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from connectors.errors import TransientError
from playbooks.reviews.campaign import CampaignError
from worker.db import audit
from worker.db.review_tables import ReviewCampaignRow
from worker.db.tables import TimerRow
from worker.runs.review_nudge import fire_review_nudge
from worker.runs.review_remove import remove_reviewed
from worker.runs.review_start import (
    START_ERRORS,
    ReviewStartError,
    open_tickets,
    start_campaign,
)
from worker.runtime import Runtime
from worker.wiring.campaigns import current_definition

log = structlog.get_logger("deskpilot.reviews")


def _payload(rt: Runtime, timer_id: int) -> tuple[str, dict[str, object]]:
    with rt.db.session() as session:
        timer = session.get(TimerRow, timer_id)
        assert timer is not None
        return timer.kind, dict(timer.payload)


def _failed(rt: Runtime, timer_id: int, error: Exception) -> None:
    kind, payload = _payload(rt, timer_id)
    log.error("review.timer_failed", timer_id=timer_id, kind=kind, error=str(error))
    with rt.db.session() as session:
        audit.append(session, "review.failed", actor="deskpilot", at=rt.clock(),
                     data={**payload, "timer": kind, "error": str(error)[:2000]})  # fmt: skip


def open_review_tickets(rt: Runtime, timer_id: int) -> None:
    """Open the review tickets not opened yet (a transient desk error reschedules the timer)."""
    _, payload = _payload(rt, timer_id)
    open_tickets(rt, int(str(payload["campaign_id"])))


def restart_campaign(rt: Runtime, timer_id: int) -> None:
    """
    Start a recurring campaign again from its file as it reads now (an edit takes effect at the
    next occurrence); an invalid file starts nothing and its problems are recorded.
    """
    _, payload = _payload(rt, timer_id)
    with rt.db.session() as session:
        found = session.get(ReviewCampaignRow, int(str(payload["campaign_id"])))
        assert found is not None
        name, source = found.name, found.definition.get("source")
    try:
        campaign, text = current_definition(rt.settings, name, source)
    except CampaignError as exc:
        raise ReviewStartError([
            f"campaign `{name}` not started again: its definition is invalid "
            "(`deskpilot check` lists the same problems)", *exc.problems,
        ]) from None  # fmt: skip
    start_campaign(rt, campaign, started_by="deskpilot (recurrence)", text=text)


def _guarded(handler: Callable[[Runtime, int], None]) -> Callable[[Runtime, int], None]:
    def run(rt: Runtime, timer_id: int) -> None:
        try:
            handler(rt, timer_id)
        except TransientError:
            raise  # the tick fires the timer again
        except START_ERRORS as exc:  # permanent: recorded, and the tick goes on
            _failed(rt, timer_id, exc)

    run.__name__ = handler.__name__
    return run


REVIEW_TIMERS: dict[str, Callable[[Runtime, int], None]] = {
    "review_open": _guarded(open_review_tickets),
    "review_nudge": _guarded(fire_review_nudge),
    "review_removal": _guarded(remove_reviewed),
    "review_recur": _guarded(restart_campaign),
}
