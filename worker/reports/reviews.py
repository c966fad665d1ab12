"""
Reading access reviews back: a campaign's progress (``playbooks.reviews.progress``) from its item
rows, and its evidence export (``playbooks.reviews.evidence``) from its audit entries only, so a
regenerated export is byte-identical and any edit of the log shows in ``deskpilot audit verify``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from playbooks.reviews.evidence import Event, render
from playbooks.reviews.progress import ItemFacts, Progress, progress
from worker.db import audit
from worker.db.records import AuditRow
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow


class UnknownCampaignError(LookupError):
    """No campaign run has that id."""


@dataclass(frozen=True)
class CampaignProgress:
    """One campaign run and its figures."""

    id: int
    name: str
    title: str
    state: str
    started_at: dt.datetime
    due_at: dt.datetime
    closes_at: dt.datetime
    population: dict[str, object]
    progress: Progress


def campaign_progress(
    session: Session, campaign: ReviewCampaignRow, now: dt.datetime
) -> CampaignProgress:
    """The figures of ``campaign`` as of ``now``."""
    rows = session.execute(
        select(
            ReviewItemRow.reviewer, ReviewItemRow.state, ReviewItemRow.flagged,
            ReviewItemRow.decided_at, ReviewItemRow.removal, ReviewItemRow.removed_at,
        ).where(ReviewItemRow.campaign_id == campaign.id)
    ).all()  # fmt: skip
    facts = [ItemFacts(*row) for row in rows]
    return CampaignProgress(
        campaign.id, campaign.name, campaign.title, campaign.state, campaign.started_at,
        campaign.due_at, campaign.closes_at, dict(campaign.population),
        progress(facts, campaign.started_at, campaign.due_at, now),
    )  # fmt: skip


def campaigns(
    session: Session, now: dt.datetime, *, active_only: bool = False
) -> list[CampaignProgress]:
    """Every campaign run (or only the active ones), newest first, with its figures."""
    query = select(ReviewCampaignRow).order_by(
        ReviewCampaignRow.started_at.desc(), ReviewCampaignRow.id.desc()
    )
    if active_only:
        query = query.where(ReviewCampaignRow.state == "active")
    return [campaign_progress(session, c, now) for c in session.scalars(query)]


def find_campaign(session: Session, campaign_id: int) -> ReviewCampaignRow:
    """Campaign run ``campaign_id``; ``UnknownCampaignError`` when there is none."""
    found = session.get(ReviewCampaignRow, campaign_id)
    if found is None:
        raise UnknownCampaignError(f"no access review campaign {campaign_id}")
    return found


def campaign_events(session: Session, campaign_id: int) -> list[Event]:
    """The audit entries of campaign ``campaign_id`` (``review.*``), in chain order."""
    return [
        Event(
            row.id,
            row.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            row.actor,
            row.action,
            row.data,
            row.hash,
        )
        for row in audit.entries(session, AuditRow.action.like("review.%"))
        if (row.data or {}).get("campaign_id") == campaign_id
    ]


def export_campaign(session: Session, campaign_id: int) -> dict[str, bytes]:
    """The evidence files of campaign ``campaign_id`` with their ``manifest.sha256``."""
    find_campaign(session, campaign_id)
    return render(campaign_events(session, campaign_id))
