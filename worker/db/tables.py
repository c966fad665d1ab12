"""
The ticket's tables: what was received, the ticket and its events, how it was classified, its
playbook runs with their steps and approvals, the writebacks it is owed and its timers.

A broker message only says "look at row N"; everything an actor needs is in these rows, so losing
the broker's data delays a ticket but never loses it. The schema's history is in Alembic
(``worker/db/migrations``); ``test_migrations`` checks the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from worker.db.base import Base, BigId


class InboxItem(Base):
    """One delivery as received (webhook or poll), kept verbatim until it is ingested."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("desk", "dedupe_key", name="uq_inbox_desk_dedupe"),
        Index("ix_inbox_state", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str] = mapped_column(String(128))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16), default="received")
    """received → ingested | ignored | failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(BigId)
    updated_at: Mapped[dt.datetime]
    why_notification: Mapped[str | None] = mapped_column(Text)
    """Why a delivery was only a notification (source ``notification``); kept whatever its end."""


class TicketRow(Base):
    """A ticket deskpilot has seen, its latest normalised snapshot and where the pipeline is."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("desk", "key", name="uq_tickets_desk_key"),
        Index("ix_tickets_stage", "stage", "stage_at"),
        Index("ix_tickets_done", "done_at"),
        Index("ix_tickets_created", "desk_created_at"),
        Index("ix_tickets_seen", "first_seen_at"),
        Index("ix_tickets_requester", "requester"),
        Index("ix_tickets_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(64))
    desk_type: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    requester: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(128))
    request_type: Mapped[str | None] = mapped_column(String(255))
    snapshot: Mapped[dict[str, Any]]
    desk_created_at: Mapped[dt.datetime | None]
    desk_updated_at: Mapped[dt.datetime | None]
    first_seen_at: Mapped[dt.datetime]
    stage: Mapped[str] = mapped_column(String(24), default="received")
    """received → classified → planned → waiting_approval/applying → done (see pipeline.STAGES)."""
    stage_at: Mapped[dt.datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """The message processing the ticket (``worker.queue.claim``); its retry takes it back."""
    intent: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    """resolved | waiting_approval | escalated | not_account | suggested | refused."""
    done_at: Mapped[dt.datetime | None]


class TicketEventRow(Base):
    """A normalised ticket event, unique per the desk's own event id."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "desk_event_id", name="uq_events_ticket_desk_event"),
        Index("ix_events_ticket_at", "ticket_id", "at", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    desk_event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime]
    seq: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]]
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    """Set once the pipeline has acted on it (commands in comments are run once)."""


class ClassificationRow(Base):
    """What deskpilot understood a ticket to ask for, and any agent's correction."""

    __tablename__ = "classifications"
    __table_args__ = (Index("ix_classifications_confidence", "confidence"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    intent: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    top: Mapped[list[Any]]
    entities: Mapped[dict[str, Any]]
    route: Mapped[str] = mapped_column(String(16))
    auto: Mapped[bool] = mapped_column(Boolean)
    gate_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    corrected_intent: Mapped[str | None] = mapped_column(String(64))
    corrected_by: Mapped[str | None] = mapped_column(String(320))


class CorrectionRow(Base):
    """A labelled example from an agent's correction, for evaluation and retraining."""

    __tablename__ = "classifier_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(64))
    corrected_by: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]


class RunRow(Base):
    """One playbook run for a ticket: its plan, decision and state."""

    __tablename__ = "playbook_runs"
    __table_args__ = (
        UniqueConstraint("ticket_id", "attempt", name="uq_runs_ticket_attempt"),
        Index("ix_runs_state", "state", "updated_at"),
        Index("ix_runs_intent", "intent", "updated_at"),
        Index("ix_runs_updated", "updated_at"),
        Index("ix_runs_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    playbook: Mapped[str] = mapped_column(String(128))
    intent: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(24))
    """planned → waiting_approval → approved → applying → applied | failed → compensated; rejected."""
    plan: Mapped[dict[str, Any]]
    decision: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any] | None]
    expires_at: Mapped[dt.datetime | None]
    """For time-bound access: when the grant is revoked."""
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """The message applying the run (``worker.queue.claim``); its retry takes it back."""


class StepRow(Base):
    """One step of a run, recorded before (started) and after (done/failed) it touches a system."""

    __tablename__ = "run_steps"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_steps_idempotency"),
        Index("ix_steps_run", "run_id", "idx", "phase"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(16), default="apply")
    """apply | compensate | revoke."""
    idempotency_key: Mapped[str] = mapped_column(String(255))
    operation: Mapped[str] = mapped_column(String(64))
    system: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(16))
    """started → done | failed."""
    changed: Mapped[bool | None] = mapped_column(Boolean)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    verified: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


class ApprovalRow(Base):
    """An approval or rejection of a run, with who gave it and where."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("run_id", "approver", name="uq_approvals_run_approver"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    approver: Mapped[str] = mapped_column(String(320))
    directory_user: Mapped[str | None] = mapped_column(String(320))
    directory_login: Mapped[str | None] = mapped_column(String(320))
    stage: Mapped[int] = mapped_column(Integer, default=0)
    """Which approval stage this approval counts for (N of M, manager then security…)."""
    stages: Mapped[list[int] | None] = mapped_column(JSON)
    """Every stage it counts for (one per catalogue item its approver may approve)."""
    plan_digest: Mapped[str | None] = mapped_column(String(64))
    """The plan version approved (``playbooks.planned.plan_digest``)."""
    verdict: Mapped[str] = mapped_column(String(16))
    """approved | rejected | refused (not allowed to approve)."""
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]


class OutboxRow(Base):
    """Something to write back to a desk, written exactly once (the marker is the idempotency key)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("marker", name="uq_outbox_marker"),
        Index("ix_outbox_state", "state", "updated_at"),
        Index("ix_outbox_ticket", "ticket_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    desk: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    """internal_note | public_reply | transition."""
    body: Mapped[str] = mapped_column(Text)
    marker: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """pending → sent | failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    desk_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """The message sending the row (``worker.queue.claim``); its retry takes it back."""


class TimerRow(Base):
    """A durable timer (SLA warning or breach, access expiry), fired by the tick, re-checked first."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_timers_kind_ref"),
        Index("ix_timers_due", "state", "due_at"),
        Index("ix_timers_ticket", "ticket_id", "kind", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(255))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    due_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """pending → fired | cancelled."""
    payload: Mapped[dict[str, Any]]
    fired_at: Mapped[dt.datetime | None]
