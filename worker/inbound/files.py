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
from typing import cast

import structlog
from sqlalchemy import Connection, Table, select

from connectors.desks import MAX_LISTED_FILES, TicketFiles
from connectors.errors import PermanentError
from intake.model import Attachment, EventKind, NormalizedDelivery, Ticket
from worker.db import audit
from worker.db.records import AuditRow
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.ingest")

_BRINGS_FILES = frozenset({EventKind.CREATED, EventKind.COMMENT, EventKind.UPDATED})
MAX_FILES = MAX_LISTED_FILES
"""Files kept from one listing, oldest first: anyone who can attach files to a ticket decides how
many there are, and each one is kept in the ticket's snapshot on every delivery. The listing is
asked for one more, which only says that the ticket has more (``Ticket.files_unread``)."""
FILES_BOUND = f"{MAX_FILES} files"
"""``Ticket.files_unread`` when the ticket has more files than ``MAX_FILES``."""


def with_files(rt: Runtime, desk_name: str, delivery: NormalizedDelivery) -> NormalizedDelivery:
    """
    ``delivery`` with its ticket's files from the desk's API when the delivery names none and
    could have come with some, and with the bound that stopped the listing when the ticket has
    files beyond it (``Ticket.files_unread``, logged as ``attachments.truncated``). A transient
    desk failure propagates (the message is retried); a permanent one keeps the delivery as it
    is, logged.
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
        listing = desk.list_attachments(ticket.key, record_id=ticket.desk_id, limit=MAX_FILES + 1)
    except PermanentError as exc:
        log.warning("attachments.unlisted", desk=desk_name, key=ticket.key, reason=str(exc))
        return delivery
    files, bound = listing.files, listing.stopped_at
    if len(files) > MAX_FILES:
        files, bound = files[:MAX_FILES], FILES_BOUND
    if bound is not None:
        log.warning(
            "attachments.truncated", desk=desk_name, key=ticket.key, bound=bound, kept=len(files)
        )
    if not files and bound is None:
        return delivery
    attachments = tuple(
        Attachment(id=f.id, filename=f.filename, size=f.size, content_type=f.content_type)
        for f in files
    )
    return replace(delivery, ticket=replace(ticket, attachments=attachments, files_unread=bound))


FILES_UNREAD_ACTION = "ticket.files_unread"


def record_unread_files(connection: Connection, ticket_id: int, ticket: Ticket) -> None:
    """An audit entry when the desk's listing stopped at a bound before the ticket's last file,
    once per ticket and bound: the listing is asked for on every delivery that can bring files,
    and a delivery that cannot (a status change) stores the ticket without them in between."""
    if ticket.files_unread is None:
        return
    entries = connection.scalars(
        select(_AUDIT.c.data).where(
            _AUDIT.c.ticket_id == ticket_id, _AUDIT.c.action == FILES_UNREAD_ACTION
        )
    )
    if any((data or {}).get("bound") == ticket.files_unread for data in entries):
        return
    audit.append(
        connection,
        FILES_UNREAD_ACTION,
        actor="deskpilot",
        ticket_id=ticket_id,
        data={
            "desk": ticket.desk,
            "key": ticket.key,
            "bound": ticket.files_unread,
            "read": len(ticket.attachments),
        },
    )


_AUDIT = cast(Table, AuditRow.__table__)


__all__ = ["FILES_UNREAD_ACTION", "record_unread_files", "with_files"]
