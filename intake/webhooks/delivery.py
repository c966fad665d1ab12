"""The result of verifying one webhook delivery, before it is stored in the inbox."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VerifiedDelivery:
    """A delivery whose origin was checked and whose envelope was parsed."""

    dedupe_key: str
    """Unique per delivery; the sender's retries of the same delivery share it."""
    event_type: str
    """``jira:issue_created``, ``zen:event-type:ticket.created``, ``trigger``,
    ``servicenow:incident.updated``, ``salesforce:outbound`` …"""
    ticket_ref: str | None
    """The ticket key or id when the envelope shows it."""
    signed: bool = False
    """True when a signature proved the body came from the desk unchanged. An unsigned delivery
    (Jira ``unsigned: true``, a Salesforce Outbound Message checked by organisation id only) is
    only a notification: the worker re-reads the ticket from the desk's API and acts on that."""
    why_notification: str | None = None
    """Why a delivery whose signature verified is still only a notification (a Jira body whose
    signed ``timestamp`` is missing or outside the replay window); None otherwise."""
    response_body: bytes | None = None
    """What to answer instead of the default 202 JSON (Salesforce wants a SOAP ack)."""
    response_media_type: str | None = None
