"""
What a decision writes back to the ticket: the kinds of writeback and the notes of a run.

The values are the strings stored in the database (``outbox.kind``, and the purpose that starts
each note's idempotency marker), so rows written before these types existed read the same.
"""

from __future__ import annotations

import enum
import json
import re
from typing import NamedTuple

__all__ = ["Note", "NotePurpose", "OutboxKind", "file_note", "file_stem"]


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
    ATTACHMENT = "attachment"
    """A file on the ticket; the body is JSON: ``filename``, ``media_type``, ``text``."""


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
    BULK_REPORT_FILE = "bulk-report-file"
    BULK_RESULT_FILE = "bulk-result-file"


class Note(NamedTuple):
    """One writeback a decision asks for."""

    kind: OutboxKind
    body: str
    purpose: NotePurpose


def file_note(filename: str, text: str, purpose: NotePurpose, media_type: str = "text/csv") -> Note:
    """
    A file to attach to the ticket (UTF-8), as a writeback like the notes.

    Args:
        filename: a plain file name (letters, digits, ``.``, ``_``, ``-``): the desk keeps one
            file of that name per ticket.
        text: the file's content.
        purpose: its idempotency purpose.
        media_type: its MIME type.
    """
    body = json.dumps({"filename": filename, "media_type": media_type, "text": text})
    return Note(OutboxKind.ATTACHMENT, body, purpose)


def file_stem(name: str, fallback: str = "file") -> str:
    """``name`` without its extension, reduced to letters, digits, ``.``, ``_`` and ``-``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.rsplit(".", 1)[0]).strip("-._")
    return stem[:80] or fallback
