"""
The tables kept beside the ticket pipeline: SLA clocks and reconciliations, the hash-chained audit
log, poll cursors, periodic job slots, sealed secret links, failed logins, dead letters and
refused deliveries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
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


class SlaClockRow(Base):
    """The latest computed state of one SLA clock of one ticket (what the dashboard reads)."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", name="uq_sla_ticket_metric"),
        Index("ix_sla_breach", "breached", "breach_at"),
        Index("ix_sla_stage", "stage"),
        Index("ix_sla_stopped", "stopped_at"),
        Index("ix_sla_running_ticket", "stage", "ticket_id", "breach_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(24))
    goal_s: Mapped[int | None] = mapped_column(Integer)
    elapsed_s: Mapped[float] = mapped_column(Float)
    remaining_s: Mapped[float | None] = mapped_column(Float)
    breach_at: Mapped[dt.datetime | None]
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    stopped_at: Mapped[dt.datetime | None]
    computed_at: Mapped[dt.datetime]


class SlaReconciliationRow(Base):
    """The desk's own value of one SLA metric of a ticket beside ours, as last read."""

    __tablename__ = "sla_reconciliation"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", name="uq_reconcile_ticket_metric"),
        Index("ix_reconcile_drifted", "drifted", "checked_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    desk_metric: Mapped[str] = mapped_column(String(255))
    desk_breach_at: Mapped[dt.datetime | None]
    desk_breached: Mapped[bool] = mapped_column(Boolean)
    desk_remaining_s: Mapped[float | None] = mapped_column(Float)
    ours_breach_at: Mapped[dt.datetime | None]
    ours_breached: Mapped[bool | None] = mapped_column(Boolean)
    drift_s: Mapped[float | None] = mapped_column(Float)
    """Desk breach time minus ours, in seconds; None when either side has none."""
    drifted: Mapped[bool] = mapped_column(Boolean)
    """Breach times more than the tolerance apart, or the breached flags disagree."""
    checked_at: Mapped[dt.datetime]


class AuditRow(Base):
    """Append-only, hash-chained record of every decision, approval and change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_ticket", "ticket_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(BigId)
    run_id: Mapped[int | None] = mapped_column(BigId)
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class PollCursorRow(Base):
    """Where the next poll of a desk starts."""

    __tablename__ = "poll_cursors"

    desk: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    since: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    lease_until: Mapped[dt.datetime | None]
    """Only one poll of a desk runs at a time, however many workers there are."""


class PeriodicSlotRow(Base):
    """One row per periodic job per time slot: whoever inserts it first runs that slot."""

    __tablename__ = "periodic_slots"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimed_by: Mapped[str] = mapped_column(String(128))
    claimed_at: Mapped[dt.datetime]


class SecretLinkRow(Base):
    """A one-time secret (e.g. a temporary password) shown once through a link, then destroyed."""

    __tablename__ = "secret_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_ref: Mapped[str] = mapped_column(String(320))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    viewed_at: Mapped[dt.datetime | None]
    owner_address: Mapped[str | None] = mapped_column(String(320))
    """Where the code proving the owner is sent (``web.owner_proof: email``)."""
    code_hash: Mapped[str | None] = mapped_column(String(64))
    """An HMAC of the latest code sent (never the code)."""
    code_expires_at: Mapped[dt.datetime | None]
    codes_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailureRow(Base):
    """One failed web login (by client address): the sign-in throttle every web worker shares."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_client", "client", "at"),
        Index("ix_login_failures_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)
    """Seconds since the epoch (the web worker's clock)."""


class RevokedSessionRow(Base):
    """A web session ended by ``/logout`` before its cookie expires, shared by every web worker."""

    __tablename__ = "revoked_sessions"
    __table_args__ = (Index("ix_revoked_sessions_expires", "expires_at"),)

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float)
    """When the cookie would have expired anyway (seconds since the epoch); then the row goes."""


class DeadLetterRow(Base):
    """A message that failed for good, kept so nothing disappears silently."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    args: Mapped[list[Any]]
    error: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime]


class RejectedDeliveryRow(Base):
    """
    A webhook request that was refused (bad signature, unreadable, unknown desk, too large), kept
    as received so an admin can see why and replay it once the cause is fixed. Never trusted:
    a replay verifies it again. The newest ``web.keep_rejected`` rows are kept.
    """

    __tablename__ = "rejected_deliveries"
    __table_args__ = (Index("ix_rejected_desk", "desk", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(64))
    """The desk name in the URL (``/hooks/{desk}``), configured or not."""
    received_at: Mapped[dt.datetime]
    status: Mapped[int] = mapped_column(Integer)
    """What the sender was answered (401, 400, 404, 413)."""
    reason: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]]
    """As received, less credentials (Authorization, Cookie)."""
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_size: Mapped[int] = mapped_column(BigInteger)
    """The size received; larger than ``body`` when the body was cut to ``KEEP_BODY_BYTES``."""
    replayed_inbox_id: Mapped[int | None] = mapped_column(BigId)
    """The inbox row a successful replay stored."""
