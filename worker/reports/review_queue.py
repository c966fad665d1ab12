"""
The review queue's query: one page of runs with their ticket, classification and nearest SLA
breach, filtered and searched in the database (never by loading every run).

Tickets deskpilot classified but never planned a run for (escalated before a plan, not an account
request, a suggestion, a refusal) are in the queue too, one row each, without a playbook: an
agent may still need to correct their intent or retry them. Both kinds are one ``UNION ALL`` the
filters and the sort apply to.

Sorted by SLA urgency by default: rows whose ticket has a running clock come first, the nearest
breach first; then the rest, most recently changed first. Every filter is a column the indexes
of ``0008_review_queue_indexes`` (and the earlier ones) cover.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    String,
    Subquery,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from playbooks.lifecycle import RunState, TicketOutcome
from worker.db.records import SlaClockRow
from worker.db.tables import ClassificationRow, RunRow, TicketRow

State = Literal["", "waiting", "applied", "failed", "escalated", "low_confidence", "no_run"]
STATES: dict[str, str] = {
    "waiting": "Waiting for approval",
    "applied": "Applied",
    "failed": "Failed",
    "escalated": "Escalated",
    "low_confidence": "Low confidence",
    "no_run": "No run yet",
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

    run_id: int | None
    """None for a ticket deskpilot classified but planned no run for."""
    ticket_id: int
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


def _rows() -> Subquery:
    """Every run with its ticket, and every classified ticket without a run, as one table."""
    intent = func.coalesce(ClassificationRow.corrected_intent, ClassificationRow.intent)
    runs = (
        select(
            RunRow.id.label("run_id"), TicketRow.id.label("ticket_id"), TicketRow.key,
            TicketRow.url, TicketRow.desk, TicketRow.subject, TicketRow.requester,
            RunRow.playbook, RunRow.intent, RunRow.state, TicketRow.outcome,
            ClassificationRow.confidence, RunRow.updated_at, RunRow.created_at,
            cast(RunRow.plan, String).label("plan"),
        )
        .join(TicketRow, TicketRow.id == RunRow.ticket_id)
        .outerjoin(ClassificationRow, ClassificationRow.ticket_id == RunRow.ticket_id)
    )  # fmt: skip
    no_run = (
        select(
            cast(null(), RunRow.id.type).label("run_id"), TicketRow.id, TicketRow.key,
            TicketRow.url, TicketRow.desk, TicketRow.subject, TicketRow.requester,
            literal("", String).label("playbook"), func.coalesce(TicketRow.intent, intent),
            func.coalesce(TicketRow.outcome, TicketRow.stage), TicketRow.outcome,
            ClassificationRow.confidence, TicketRow.stage_at, TicketRow.first_seen_at,
            literal("", String),
        )
        .join(ClassificationRow, ClassificationRow.ticket_id == TicketRow.id)
        .where(~exists().where(RunRow.ticket_id == TicketRow.id))
    )  # fmt: skip
    return union_all(runs, no_run).subquery("queue_rows")


def _where(f: Filters, r: Any) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.desk:
        where.append(r.desk == f.desk)
    if f.intent:
        where.append(r.intent == f.intent)
    if f.state == "waiting":
        where.append(r.state == RunState.WAITING_APPROVAL)
    elif f.state == "applied":
        where.append(r.state.in_((RunState.APPLIED, RunState.UNVERIFIED)))
    elif f.state == "failed":
        where.append(r.state.in_(FAILED))
    elif f.state == "escalated":
        where.append(r.outcome == TicketOutcome.ESCALATED)
    elif f.state == "low_confidence":
        where.append(r.confidence < LOW_CONFIDENCE)
    elif f.state == "no_run":
        where.append(r.run_id.is_(None))
    if f.band in BANDS:
        low, high = BANDS[f.band]
        where.append(and_(r.confidence >= low, r.confidence < high))
    if f.since is not None:
        where.append(r.created_at >= dt.datetime.combine(f.since, dt.time(), dt.UTC))
    if f.until is not None:
        end = dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        where.append(r.created_at < end)
    needle = f.q.strip().lower()
    if needle:
        like = f"%{needle.replace('%', '').replace('_', '')}%"
        where.append(
            or_(
                func.lower(r.key).like(like),
                func.lower(r.requester).like(like),
                func.lower(r.subject).like(like),
                func.lower(r.playbook).like(like),
                # the plan names the target account and the application (group, licence)
                func.lower(r.plan).like(like),
            )
        )
    return where


def queue_page(session: Session, f: Filters) -> QueuePage:
    """One page of the queue matching ``f``, sorted as it asks (SLA urgency unless told)."""
    breach = _nearest_breach()
    r = _rows()
    where = _where(f, r.c)
    base = (
        select(r, breach.c.breach_at)
        .outerjoin(breach, breach.c.ticket_id == r.c.ticket_id)
        .where(*where)
    )
    total = int(session.scalar(select(func.count()).select_from(r).where(*where)) or 0)
    order: list[Any]
    if f.sort == "newest":
        order = [r.c.updated_at.desc(), r.c.ticket_id.desc(), r.c.run_id.desc()]
    elif f.sort == "oldest":
        order = [r.c.updated_at.asc(), r.c.ticket_id.asc(), r.c.run_id.asc()]
    else:
        order = [
            breach.c.breach_at.is_(None),
            breach.c.breach_at.asc(),
            r.c.updated_at.desc(),
            r.c.ticket_id.desc(),
            r.c.run_id.desc(),
        ]
    size = f.size if f.size in PAGE_SIZES else PAGE_SIZES[0]
    pages = max(1, -(-total // size))
    page = min(max(1, f.page), pages)
    rows = session.execute(base.order_by(*order).offset((page - 1) * size).limit(size)).all()
    items = tuple(
        QueueItem(
            run_id=row.run_id,
            ticket_id=row.ticket_id,
            ticket_key=row.key,
            ticket_url=row.url,
            desk=row.desk,
            subject=row.subject,
            requester=row.requester,
            playbook=row.playbook,
            intent=row.intent or "",
            state=row.state,
            outcome=row.outcome,
            confidence=row.confidence,
            updated_at=_aware(row.updated_at),
            breach_at=_aware(row.breach_at),
        )
        for row in rows
    )
    return QueuePage(items, total, page, size)


def _aware(value: Any) -> Any:
    """A timestamp read through the union (SQLite hands back text or naive values) as aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
