"""
The access reviews' tables: a campaign run with its population, its review tickets, and one row
per (user, entitlement) item with its decisions and its removal. What happened, with who and
when, is also in the audit log (``review.*`` entries): the evidence export is built from there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from worker.db.base import Base, BigId


class ReviewCampaignRow(Base):
    """One run of a campaign definition (a recurring campaign has one per start)."""

    __tablename__ = "review_campaigns"
    __table_args__ = (
        UniqueConstraint("name", "started_at", name="uq_review_campaigns_start"),
        Index("ix_review_campaigns_state", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    desk: Mapped[str] = mapped_column(String(64))
    directory: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    """The campaign as loaded (``Campaign.model_dump``), so later edits do not change this run."""
    population: Mapped[dict[str, Any]]
    """Source, query, row count, digest and extraction time of the population read."""
    state: Mapped[str] = mapped_column(String(16), default="active")
    """active → closed."""
    started_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    started_by: Mapped[str] = mapped_column(String(320))


class ReviewTicketRow(Base):
    """One review ticket on the desk: a reviewer's items (per application when so defined)."""

    __tablename__ = "review_tickets"
    __table_args__ = (
        UniqueConstraint(
            "campaign_id", "reviewer", "application", "level", name="uq_review_tickets_reviewer"
        ),
        Index("ix_review_tickets_ticket", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaigns.id", ondelete="CASCADE"))
    reviewer: Mapped[str] = mapped_column(String(320))
    reviewer_email: Mapped[str | None] = mapped_column(String(320))
    application: Mapped[str] = mapped_column(String(255), default="")
    """The application (per reviewer and application), else empty."""
    level: Mapped[int] = mapped_column(Integer, default=1)
    desk: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(128))
    """The desk's key once created (None: not created yet; creation is retried)."""
    url: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    """open → complete (every item decided) | closed (the campaign closed)."""
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]


class ReviewItemRow(Base):
    """One (user, entitlement) of a campaign, its reviewer, its decisions and its removal."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number", name="uq_review_items_number"),
        UniqueConstraint("campaign_id", "subject_id", "entitlement", name="uq_review_items_pair"),
        Index("ix_review_items_state", "campaign_id", "state"),
        Index("ix_review_items_removal", "removal", "decided_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("review_campaigns.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[str] = mapped_column(String(320))
    subject_login: Mapped[str] = mapped_column(String(320))
    subject_names: Mapped[list[Any]]
    entitlement: Mapped[str] = mapped_column(String(320))
    """``group:NAME`` or ``licence:ID``."""
    application: Mapped[str | None] = mapped_column(String(255))
    reviewer: Mapped[str] = mapped_column(String(320))
    rule: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    second_level: Mapped[str | None] = mapped_column(String(320))
    recommendation: Mapped[str | None] = mapped_column(String(16))
    recommendation_reason: Mapped[str] = mapped_column(Text, default="")
    review_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_tickets.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """pending → confirming → kept | revoked (``playbooks.reviews.decisions.ItemState``)."""
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    first: Mapped[dict[str, Any] | None]
    """The first-level decision when a second level confirms it."""
    verdict: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[dt.datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    removal: Mapped[str] = mapped_column(String(16), default="none")
    """none → pending → removing → verified | failed."""
    run_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_runs.id", ondelete="SET NULL"))
    removed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
