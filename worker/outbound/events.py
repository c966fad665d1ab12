"""
What a sent writeback leaves on the ticket: a ticket event in deskpilot's own name, so the SLA
clocks and the ticket's history see it at once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from intake.model import Comment, EventKind, Person, Priority, StatusCategory, TicketEvent
from playbooks.outbox import OutboxKind
from worker.db.store import event_to_json, insert_ignore
from worker.db.tables import TicketEventRow

__all__ = ["AUTOMATION_ID", "record_sent_as_event"]

AUTOMATION_ID = "deskpilot"
"""The author id of deskpilot's own events (the dashboard tells them from people's)."""


def record_sent_as_event(
    connection: Connection,
    ticket_id: int,
    outbox_id: int,
    kind: str,
    body: str,
    marker: str,
    now: dt.datetime,
) -> None:
    """
    Record a writeback the desk accepted as the ticket's event (once: keyed by its marker).

    What deskpilot wrote is a ticket event like any agent's: it stops the first-response clock
    and resolves the ticket without waiting for the desk to echo it back by webhook.
    """
    if kind in (OutboxKind.FIELD, OutboxKind.ASSIGN, OutboxKind.NOTIFY, OutboxKind.ATTACHMENT):
        return  # bookkeeping, an assignee the desk's echo reports, a message elsewhere, a file
    author = Person(id=AUTOMATION_ID, name="deskpilot", is_agent=True)
    if kind == OutboxKind.PRIORITY:
        event = TicketEvent(
            EventKind.PRIORITY, now, f"deskpilot:{marker}", actor=author,
            priority=Priority(body),
        )  # fmt: skip
    elif kind == OutboxKind.TRANSITION:
        try:
            status = StatusCategory(body)
        except ValueError:
            return
        event = TicketEvent(
            EventKind.STATUS, now, f"deskpilot:{marker}", actor=author, status=status
        )
    else:
        comment = Comment(
            f"deskpilot:{outbox_id}", body, kind == OutboxKind.PUBLIC_REPLY, author, now
        )
        event = TicketEvent(
            EventKind.COMMENT, now, f"deskpilot:{marker}", actor=author, comment=comment
        )
    insert_ignore(
        connection,
        TicketEventRow,
        {
            "ticket_id": ticket_id,
            "desk_event_id": event.desk_event_id[:255],
            "kind": event.kind.value,
            "at": now,
            "seq": 0,
            "data": event_to_json(event),
            "handled": True,
        },
        ("ticket_id", "desk_event_id"),
    )
