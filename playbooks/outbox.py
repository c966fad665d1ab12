"""
What a decision writes back to the ticket: the kinds of writeback and the notes of a run.

The values are the strings stored in the database (``outbox.kind``, and the purpose that starts
each note's idempotency marker), so rows written before these types existed read the same.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

__all__ = ["Note", "NotePurpose", "OutboxKind"]


class OutboxKind(enum.StrEnum):
    """One kind of writeback to a desk."""

    INTERNAL_NOTE = "internal_note"
    """A comment only agents see."""
    PUBLIC_REPLY = "public_reply"
    """A comment the requester reads."""
    TRANSITION = "transition"
    """A status change; the body is the target status category."""
    FIELD = "field"
    """The desk's state field; the body is the outcome."""
    PRIORITY = "priority"
    """A priority change; the body is the new priority."""
    ASSIGN = "assign"
    """A reassignment; the body is the team."""
    NOTIFY = "notify"
    """A webhook notification (an SLA breach action); the body names the configured action."""


class NotePurpose(enum.StrEnum):
    """Why a note is written: with the run's id, the note's idempotency key."""

    ASK = "ask"
    NOTHING_TO_DO = "nothing-to-do"
    PLAN = "plan"
    RESOLVE = "resolve"
    ESCALATED = "escalated"
    ESCALATED_PUBLIC = "escalated-public"
    APPROVAL_REQUEST = "approval-request"
    APPROVAL_PENDING = "approval-pending"
    REFUSED = "refused"
    REFUSED_PUBLIC = "refused-public"
    REJECTED = "rejected"
    REJECTED_PUBLIC = "rejected-public"
    ASK_PLAN = "ask-plan"
    BULK_FILE_PROBLEM = "bulk-file-problem"
    DONE = "done"
    EVIDENCE = "evidence"
    UNVERIFIED = "unverified"
    FAILED = "failed"
    FAILED_PUBLIC = "failed-public"
    UNCERTAIN = "uncertain"
    SUGGESTION = "suggestion"
    NO_PLAYBOOK = "no-playbook"
    PLAYBOOK_ERROR = "playbook-error"
    BULK_FILE = "bulk-file"
    BULK_REPORT = "bulk-report"
    BULK_RESULT = "bulk-result"


class Note(NamedTuple):
    """One writeback a decision asks for."""

    kind: OutboxKind
    body: str
    purpose: NotePurpose
