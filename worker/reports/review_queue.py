"""
The review queue's query: one page of runs with their ticket, classification and nearest SLA
breach, filtered and searched in the database (never by loading every run).

Sorted by SLA urgency by default: runs whose ticket has a running clock come first, the nearest
breach first; then the rest, most recently changed first. Every filter is a column the indexes
of ``0008_review_queue_indexes`` (and the earlier ones) cover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, String, Subquery, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from playbooks.lifecycle import RunState, TicketOutcome
from worker.db.records import SlaClockRow
from worker.db.tables import ClassificationRow, RunRow, TicketRow

State = Literal["", "waiting", "applied", "failed", "escalated", "low_confidence"]
STATES: dict[str, str] = {
    "waiting": "Waiting for approval",
    "applied": "Applied",
    "failed": "Failed",
    "escalated": "Escalated",
    "low_confidence": "Low confidence",
}
"""The queue's state filter: value → label."""
FAILED = (
    RunState.FAILED,
    RunState.COMPENSATED,
    RunState.UNCERTAIN,
    RunState.PARTIAL,
    RunState.EXPIRY_FAILED,
    RunState.ROLLBACK_FAILED,
)
BANDS: dict[str, tuple[float, float]] = {
    "high": (0.85, 1.01),
    "medium": (0.6, 0.85),
    "low": (0.0, 0.6),
}
"""Confidence bands: name → [low, high)."""
LOW_CONFIDENCE = BANDS["low"][1]
Sort = Literal["urgency", "newest", "oldest"]
PAGE_SIZES = (25, 50, 100)


@dataclass(frozen=True)
class Filters:
    """What the agent asked the queue for (all optional); ``page`` counts from 1."""

    desk: str = ""
    intent: str = ""
    state: str = ""
    band: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    q: str = ""
    sort: str = "urgency"
    page: int = 1
    size: int = 25


@dataclass(frozen=True)
class QueueItem:
    """One row of the queue."""

    run_id: int
    ticket_key: str
    ticket_url: str | None
    desk: str
    subject: str
    requester: str | None
    playbook: str
    intent: str
    state: str
    outcome: str | None
    confidence: float | None
    updated_at: dt.datetime
    breach_at: dt.datetime | None


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and how many runs match in all."""

    items: tuple[QueueItem, ...]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """How many pages the matching runs fill (at least one)."""
        return max(1, -(-self.total // self.size))


def _nearest_breach() -> Subquery:
    return (
        select(SlaClockRow.ticket_id, func.min(SlaClockRow.breach_at).label("breach_at"))
        .where(SlaClockRow.stage == "running")
        .group_by(SlaClockRow.ticket_id)
        .subquery()
    )


def _where(f: Filters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.desk:
        where.append(TicketRow.desk == f.desk)
    if f.intent:
        where.append(RunRow.intent == f.intent)
    if f.state == "waiting":
        where.append(RunRow.state == RunState.WAITING_APPROVAL)
    elif f.state == "applied":
        where.append(RunRow.state.in_((RunState.APPLIED, RunState.UNVERIFIED)))
    elif f.state == "failed":
        where.append(RunRow.state.in_(FAILED))
    elif f.state == "escalated":
        where.append(TicketRow.outcome == TicketOutcome.ESCALATED)
    elif f.state == "low_confidence":
        where.append(ClassificationRow.confidence < LOW_CONFIDENCE)
    if f.band in BANDS:
        low, high = BANDS[f.band]
        where.append(and_(ClassificationRow.confidence >= low, ClassificationRow.confidence < high))
    if f.since is not None:
        where.append(RunRow.created_at >= dt.datetime.combine(f.since, dt.time(), dt.UTC))
    if f.until is not None:
        end = dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        where.append(RunRow.created_at < end)
    needle = f.q.strip().lower()
    if needle:
        like = f"%{needle.replace('%', '').replace('_', '')}%"
        where.append(
            or_(
                func.lower(TicketRow.key).like(like),
                func.lower(TicketRow.requester).like(like),
                func.lower(TicketRow.subject).like(like),
                func.lower(RunRow.playbook).like(like),
                # the plan names the target account and the application (group, licence)
                func.lower(cast(RunRow.plan, String)).like(like),
            )
        )
    return where


def queue_page(session: Session, f: Filters) -> QueuePage:
    """One page of runs matching ``f``, sorted as it asks (SLA urgency unless told otherwise)."""
    breach = _nearest_breach()
    base = (
        select(RunRow, TicketRow, ClassificationRow.confidence, breach.c.breach_at)
        .join(TicketRow, TicketRow.id == RunRow.ticket_id)
        .outerjoin(ClassificationRow, ClassificationRow.ticket_id == RunRow.ticket_id)
        .outerjoin(breach, breach.c.ticket_id == RunRow.ticket_id)
        .where(*_where(f))
    )
    count = select(func.count()).select_from(
        select(RunRow.id)
        .join(TicketRow, TicketRow.id == RunRow.ticket_id)
        .outerjoin(ClassificationRow, ClassificationRow.ticket_id == RunRow.ticket_id)
        .where(*_where(f))
        .subquery()
    )
    total = int(session.scalar(count) or 0)
    order: list[Any]
    if f.sort == "newest":
        order = [RunRow.updated_at.desc(), RunRow.id.desc()]
    elif f.sort == "oldest":
        order = [RunRow.updated_at.asc(), RunRow.id.asc()]
    else:
        order = [
            breach.c.breach_at.is_(None),
            breach.c.breach_at.asc(),
            RunRow.updated_at.desc(),
            RunRow.id.desc(),
        ]
    size = f.size if f.size in PAGE_SIZES else PAGE_SIZES[0]
    pages = max(1, -(-total // size))
    page = min(max(1, f.page), pages)
    rows = session.execute(base.order_by(*order).offset((page - 1) * size).limit(size)).all()
    items = tuple(
        QueueItem(
            run_id=run.id,
            ticket_key=ticket.key,
            ticket_url=ticket.url,
            desk=ticket.desk,
            subject=ticket.subject,
            requester=ticket.requester,
            playbook=run.playbook,
            intent=run.intent,
            state=run.state,
            outcome=ticket.outcome,
            confidence=confidence,
            updated_at=run.updated_at,
            breach_at=breach_at,
        )
        for run, ticket, confidence, breach_at in rows
    )
    return QueuePage(items, total, page, size)
