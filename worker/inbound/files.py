"""
The files on a ticket, for desks whose deliveries do not carry them.

A Jira delivery lists the issue's attachments; a Zendesk event subscription, a ServiceNow Business
Rule and a Salesforce Outbound Message do not, so a CSV attached to a bulk request would never be
seen there. For those desks (``connectors.desks.TicketFiles``) ingestion asks the desk's API for
the ticket's files whenever a delivery brings the ticket or a comment (files come with either),
before the ticket is stored and classified.
"""

from __future__ import annotations

from dataclasses import replace

import structlog

from connectors.desks import MAX_LISTED_FILES, TicketFiles
from connectors.errors import PermanentError
from intake.model import Attachment, EventKind, NormalizedDelivery
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.ingest")

_BRINGS_FILES = frozenset({EventKind.CREATED, EventKind.COMMENT, EventKind.UPDATED})
MAX_FILES = MAX_LISTED_FILES
"""Files kept from one listing, oldest first: anyone who can attach files to a ticket decides how
many there are, and each one is kept in the ticket's snapshot on every delivery. The listing is
asked for one more, which only says that the ticket has more (``attachments.truncated``)."""


def with_files(rt: Runtime, desk_name: str, delivery: NormalizedDelivery) -> NormalizedDelivery:
    """
    ``delivery`` with its ticket's files from the desk's API when the delivery names none and
    could have come with some. A transient desk failure propagates (the message is retried); a
    permanent one keeps the delivery as it is, logged.
    """
    desk = rt.desks.get(desk_name)
    ticket = delivery.ticket
    if (
        ticket.attachments
        or not isinstance(desk, TicketFiles)
        or not any(event.kind in _BRINGS_FILES for event in delivery.events)
    ):
        return delivery
    try:
        files = desk.list_attachments(ticket.key, record_id=ticket.desk_id, limit=MAX_FILES + 1)
    except PermanentError as exc:
        log.warning("attachments.unlisted", desk=desk_name, key=ticket.key, reason=str(exc))
        return delivery
    if not files:
        return delivery
    if len(files) > MAX_FILES:
        log.warning("attachments.truncated", desk=desk_name, key=ticket.key, kept=MAX_FILES)
        files = files[:MAX_FILES]
    attachments = tuple(
        Attachment(id=f.id, filename=f.filename, size=f.size, content_type=f.content_type)
        for f in files
    )
    return replace(delivery, ticket=replace(ticket, attachments=attachments))


__all__ = ["with_files"]
