"""
Desk vocabulary → deskpilot vocabulary, with the admin's overrides.

The overrides are ``options.inbound_status_map`` and ``options.priority_map`` (desk name →
deskpilot value), validated when the configuration is loaded and handed over as
``IntakeOptions``. Names compare case-insensitively; overrides win over the built-in tables.
"""

from __future__ import annotations

from collections.abc import Mapping

from intake.model import Priority, StatusCategory
from intake.normalize.options import IntakeOptions


def status_override(options: IntakeOptions, raw: str | None) -> StatusCategory | None:
    """The admin's status category for desk status ``raw``, if they configured one."""
    if raw is None:
        return None
    return options.statuses.get(raw.strip().lower())


def priority_override(options: IntakeOptions, raw: str | None) -> Priority | None:
    """The admin's priority for desk priority ``raw``, if they configured one."""
    if raw is None:
        return None
    return options.priorities.get(raw.strip().lower())


WELL_KNOWN_STATUSES: Mapping[str, StatusCategory] = {
    "new": StatusCategory.NEW,
    "to do": StatusCategory.NEW,
    "backlog": StatusCategory.NEW,
    "open": StatusCategory.OPEN,
    "reopened": StatusCategory.OPEN,
    "waiting for support": StatusCategory.OPEN,
    "in progress": StatusCategory.IN_PROGRESS,
    "work in progress": StatusCategory.IN_PROGRESS,
    "escalated": StatusCategory.IN_PROGRESS,
    "waiting for customer": StatusCategory.PENDING_REQUESTER,
    "waiting for reporter": StatusCategory.PENDING_REQUESTER,
    "pending customer": StatusCategory.PENDING_REQUESTER,
    "awaiting user info": StatusCategory.PENDING_REQUESTER,
    "waiting for approval": StatusCategory.PENDING_APPROVAL,
    "pending approval": StatusCategory.PENDING_APPROVAL,
    "awaiting approval": StatusCategory.PENDING_APPROVAL,
    "pending": StatusCategory.PENDING_OTHER,
    "on hold": StatusCategory.PENDING_OTHER,
    "waiting for vendor": StatusCategory.PENDING_OTHER,
    "waiting for third party": StatusCategory.PENDING_OTHER,
    "resolved": StatusCategory.RESOLVED,
    "done": StatusCategory.RESOLVED,
    "completed": StatusCategory.RESOLVED,
    "closed": StatusCategory.CLOSED,
    "canceled": StatusCategory.CANCELLED,
    "cancelled": StatusCategory.CANCELLED,
    "declined": StatusCategory.CANCELLED,
    "rejected": StatusCategory.CANCELLED,
    "won't do": StatusCategory.CANCELLED,
}
"""Status names used by Jira/JSM templates and Salesforce's default Case statuses."""

WELL_KNOWN_PRIORITIES: Mapping[str, Priority] = {
    "highest": Priority.URGENT,
    "blocker": Priority.URGENT,
    "critical": Priority.URGENT,
    "urgent": Priority.URGENT,
    "high": Priority.HIGH,
    "major": Priority.HIGH,
    "medium": Priority.NORMAL,
    "normal": Priority.NORMAL,
    "moderate": Priority.NORMAL,
    "low": Priority.LOW,
    "lowest": Priority.LOW,
    "minor": Priority.LOW,
    "trivial": Priority.LOW,
    "planning": Priority.LOW,
}


def status_by_name(options: IntakeOptions, raw: str | None) -> StatusCategory | None:
    """Override, then the well-known names; None when the name means nothing to us."""
    override = status_override(options, raw)
    if override is not None or raw is None:
        return override
    return WELL_KNOWN_STATUSES.get(raw.strip().lower())


def priority_by_name(options: IntakeOptions, raw: str | None) -> Priority:
    """Override, then the well-known names, else NORMAL."""
    override = priority_override(options, raw)
    if override is not None:
        return override
    return WELL_KNOWN_PRIORITIES.get((raw or "").strip().lower(), Priority.NORMAL)
