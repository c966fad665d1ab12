"""
Where a ticket and its playbook run stand: the states deskpilot records, as types.

The values are the strings stored in the database (``tickets.stage``, ``tickets.outcome``,
``runs.state``, ``run_steps.state``), so a row written before these types existed reads the same.
"""

from __future__ import annotations

import enum

__all__ = ["RunState", "StepState", "TicketOutcome", "TicketStage"]


class TicketStage(enum.StrEnum):
    """Where a ticket is in the pipeline."""

    RECEIVED = "received"
    PROCESSING = "processing"
    APPLYING = "applying"
    WAITING_APPROVAL = "waiting_approval"
    SCHEDULED = "scheduled"
    DONE = "done"


class TicketOutcome(enum.StrEnum):
    """What deskpilot made of a ticket (shown to agents; written to the desk's state field)."""

    RESOLVED = "resolved"
    APPLYING = "applying"
    SCHEDULED = "scheduled"
    WAITING_APPROVAL = "waiting_approval"
    WAITING_REQUESTER = "waiting_requester"
    ESCALATED = "escalated"
    NOT_ACCOUNT = "not_account"
    REJECTED = "rejected"


class RunState(enum.StrEnum):
    """The life of one playbook run."""

    WAITING_APPROVAL = "waiting_approval"
    APPROVED = "approved"
    APPLYING = "applying"
    SCHEDULED = "scheduled"
    APPLIED = "applied"
    UNVERIFIED = "unverified"
    PARTIAL = "partial"
    """A bulk run in which some rows failed."""
    COMPENSATED = "compensated"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    """Time-bound access ended and was removed."""
    EXPIRY_FAILED = "expiry_failed"
    CLOSED = "closed"
    """A plan that needed nothing applied (a question, an escalation, nothing to do)."""
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_FAILED = "rollback_failed"


class StepState(enum.StrEnum):
    """One recorded step (apply, compensate or rollback phase) of a run."""

    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    PENDING = "pending"
    """The system answered "not now": nothing happened, the step runs again."""
    UNCERTAIN = "uncertain"
