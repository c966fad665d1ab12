"""
Ingest: turn a stored delivery into the ticket and its events, once.

Runs for every inbox row (webhook or poll). The ticket snapshot only moves forward (an older
delivery arriving late never overwrites a newer one), events are unique per the desk's own event
id, and what follows (processing a new ticket, running a command from a comment, recomputing the
SLA clocks) is decided from what was new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import structlog
from pydantic import TypeAdapter
from sqlalchemy import Connection, Table, bindparam, select, update

from connectors.desks import RequestChannels, TicketAgents
from connectors.errors import PermanentError
from intake.model import EventKind, NormalizedDelivery, Person, Ticket, TicketEvent
from intake.normalize import normalize_deliveries
from intake.webhooks import UnsupportedEventError, WebhookError
from worker.db import audit
from worker.db.store import (
    event_to_json,
    insert_ignore,
    insert_ignore_id,
    ticket_to_json,
)
from worker.db.tables import InboxItem, TicketEventRow, TicketRow
from worker.inbound.files import record_unread_files, with_files
from worker.inbound.notification import mark_inbox, reread
from worker.queue.names import ActorName
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.ingest")


@dataclass(frozen=True)
class Ingested:
    """What one ingestion found new."""

    ticket_id: int
    new_ticket: bool
    new_events: tuple[TicketEvent, ...]


def ingest(rt: Runtime, inbox_id: int) -> list[Ingested]:
    """Normalise inbox row ``inbox_id`` into its tickets and events; empty if already done."""
    with rt.db.connect() as connection:
        item = connection.execute(_ITEM, {"b_id": inbox_id}).first()
    if item is None or item.state != "received":
        return []
    deliveries = _normalize(rt, inbox_id, item.desk, item.body)
    if deliveries is not None and item.source == "notification":
        deliveries = reread(
            rt, inbox_id, item.desk, deliveries, lambda b: _normalize(rt, inbox_id, item.desk, b)
        )
    if deliveries is None:
        return []
    # Desk look-ups happen before the transaction: no row lock is held across an HTTP call.
    deliveries = [
        _with_comment_agents(rt, item.desk, _with_requester_email(rt, item.desk, d))
        for d in deliveries
    ]
    deliveries = [
        with_files(rt, item.desk, _with_request_channel(rt, item.desk, d)) for d in deliveries
    ]
    with rt.db.connect() as connection:
        lock = _STATE if rt.db.is_sqlite else _STATE.with_for_update()
        if connection.scalar(lock, {"b_id": inbox_id}) != "received":
            return []
        results = [_store(rt, connection, delivery) for delivery in deliveries]
        connection.execute(
            _INGESTED,
            {
                "b_id": inbox_id,
                "updated_at": rt.clock(),
                "ticket_id": results[0].ticket_id if results else None,
            },
        )
    for result in results:
        _follow_up(rt, result)
    return results


_INBOX = cast(Table, InboxItem.__table__)
_TICKETS = cast(Table, TicketRow.__table__)
_ITEM = select(_INBOX.c.state, _INBOX.c.desk, _INBOX.c.body, _INBOX.c.source).where(
    _INBOX.c.id == bindparam("b_id")
)
_STATE = select(_INBOX.c.state).where(_INBOX.c.id == bindparam("b_id"))
_INGESTED = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("b_id"))
    .values(state="ingested", updated_at=bindparam("updated_at"), ticket_id=bindparam("ticket_id"))
)
_KNOWN = select(
    _TICKETS.c.id, _TICKETS.c.url, _TICKETS.c.desk_updated_at, _TICKETS.c.snapshot
).where(_TICKETS.c.desk == bindparam("b_desk"), _TICKETS.c.key == bindparam("b_key"))
_SEEN = select(_TICKETS.c.id).where(
    _TICKETS.c.desk == bindparam("b_desk"), _TICKETS.c.key == bindparam("b_key")
)
"""Statements built once: ingestion runs for every delivery."""


def _normalize(
    rt: Runtime, inbox_id: int, desk_name: str, body: bytes
) -> list[NormalizedDelivery] | None:
    """The deliveries a stored body holds; None (and the row marked) when there are none."""
    desk = rt.desk_settings(desk_name)
    try:
        return list(
            normalize_deliveries(
                desk.type,
                desk.name,
                body,
                base_url=desk.base_url,
                options={k: str(v) for k, v in desk.options.items() if isinstance(v, str)},
            )
        )
    except UnsupportedEventError as exc:
        # A genuine delivery that is not about a ticket (a user or messaging event): kept, ignored.
        mark_inbox(rt, inbox_id, "ignored", str(exc))
    except WebhookError as exc:
        mark_inbox(rt, inbox_id, "failed", str(exc))
        log.error("inbox.unreadable", inbox_id=inbox_id, desk=desk_name, reason=str(exc))
    return None


def _with_requester_email(
    rt: Runtime, desk_name: str, delivery: NormalizedDelivery
) -> NormalizedDelivery:
    """
    ``delivery`` with its requester's e-mail filled in from the desk's user API when the payload
    named them by id only (Zendesk event subscriptions, some Jira deliveries), and marked
    unverified when the desk says it never verified that address (Zendesk ``verified: false``).

    A transient desk failure propagates (the message is retried); a permanent one keeps the
    ticket without an address, which the playbooks then escalate.
    """
    person = delivery.ticket.requester
    desk = rt.desks.get(desk_name)
    if person.email or not person.id or desk is None:
        return delivery
    try:
        found = desk.find_person(person.id)
    except PermanentError as exc:
        log.warning(
            "requester.unresolved", desk=desk_name, key=delivery.ticket.key, reason=str(exc)
        )
        return delivery
    if not found.email:
        return delivery
    verified = person.verified and found.email_verified is not False
    requester = replace(person, email=found.email, verified=verified)
    return replace(delivery, ticket=replace(delivery.ticket, requester=requester))


def _with_request_channel(
    rt: Runtime, desk_name: str, delivery: NormalizedDelivery
) -> NormalizedDelivery:
    """
    ``delivery`` with its requester marked unverified when the desk records, apart from the
    ticket, that it came through a channel that verifies nobody (JSM: an e-mail request, whose
    reporter was made from the From: header, or the anonymous portal). Asked once, at first
    receipt (the requester is pinned then), and only where the site does not trust such
    channels (``unverified_requesters: trusted``).
    """
    person = delivery.ticket.requester
    desk = rt.desks.get(desk_name)
    settings = rt.desk_settings(desk_name)
    if (
        not person.verified
        or settings.unverified_requesters == "trusted"
        or not isinstance(desk, RequestChannels)
    ):
        return delivery
    with rt.db.connect() as connection:
        known = connection.execute(
            _SEEN, {"b_desk": delivery.ticket.desk, "b_key": delivery.ticket.key}
        ).first()
    if known is not None:
        return delivery
    try:
        unverified = desk.raised_by_unverified_channel(delivery.ticket.key)
    except PermanentError as exc:
        log.warning("requester.channel_unknown", desk=desk_name, reason=str(exc))
        unverified = None
    if not unverified:
        return delivery
    log.info("requester.unverified_channel", desk=desk_name, key=delivery.ticket.key)
    requester = replace(person, verified=False)
    return replace(delivery, ticket=replace(delivery.ticket, requester=requester))


def _with_comment_agents(
    rt: Runtime, desk_name: str, delivery: NormalizedDelivery
) -> NormalizedDelivery:
    """
    ``delivery`` with each comment author's agent flag from the desk's user API when the payload
    does not say (Jira, ServiceNow): the SLA clocks count a public reply as the first response
    only when an agent wrote it. Answers are the desk client's cached ``find_person``, then,
    where the user record does not say, its cached ``TicketAgents.is_agent_on`` (the JSM
    project's agent permission, a ServiceNow fulfiller role); a
    permanent failure leaves the flag unknown (the comment then counts as the requester's), a
    transient one propagates (the message is retried).
    """
    desk = rt.desks.get(desk_name)
    if desk is None:
        return delivery
    events = []
    for event in delivery.events:
        author = event.comment.author if event.comment else None
        if event.comment is None or author is None or author.is_agent is not None or not author.id:
            events.append(event)
            continue
        try:
            is_agent = desk.find_person(author.id).is_agent
            if is_agent is None and isinstance(desk, TicketAgents):
                is_agent = desk.is_agent_on(delivery.ticket.key, author.id)
        except PermanentError as exc:
            log.info("comment_author.unresolved", desk=desk_name, reason=str(exc))
            events.append(event)
            continue
        comment = replace(event.comment, author=replace(author, is_agent=is_agent))
        events.append(replace(event, comment=comment))
    return replace(delivery, events=tuple(events))


def _store(rt: Runtime, connection: Connection, delivery: NormalizedDelivery) -> Ingested:
    ticket = delivery.ticket
    now = rt.clock()
    ticket_id = insert_ignore_id(
        connection, TicketRow, _ticket_values(ticket, now), ("desk", "key")
    )
    new_ticket = ticket_id is not None
    if ticket_id is not None:
        audit.append(
            connection,
            "ticket.received",
            actor=ticket.requester.email or ticket.requester.id or "unknown",
            ticket_id=ticket_id,
            data={"desk": ticket.desk, "key": ticket.key, "request_type": ticket.request_type},
        )
    if ticket_id is None:  # seen before: refresh the snapshot if this delivery is newer
        row = connection.execute(_KNOWN, {"b_desk": ticket.desk, "b_key": ticket.key}).one()
        if not delivery.partial and _is_newer(ticket, row.desk_updated_at):
            ticket = _pinned(ticket, row.snapshot)
            connection.execute(
                update(_TICKETS).where(_TICKETS.c.id == row.id).values(_refreshed(ticket, row.url))
            )
        ticket_id = int(row.id)
    record_unread_files(connection, ticket_id, delivery.ticket)  # whatever the snapshot does
    new_events = _store_events(connection, ticket_id, delivery.events)
    return Ingested(ticket_id, new_ticket, new_events)


_PERSON: TypeAdapter[Person] = TypeAdapter(Person)


def _pinned(ticket: Ticket, stored: Mapping[str, Any] | None) -> Ticket:
    """
    ``ticket`` with the requester pinned at first receipt: once a delivery named who asked,
    later snapshots never change it (an update that hides the reporter's address, or names
    someone else, does not make the same person a "different" approver). The person who typed
    it in for them is kept when a later, abbreviated delivery does not say.
    """
    submitter = (stored or {}).get("submitter")
    if ticket.submitter is None and isinstance(submitter, Mapping):
        ticket = replace(ticket, submitter=_PERSON.validate_python(submitter))
    found = (stored or {}).get("requester")
    if not isinstance(found, Mapping):
        return ticket
    first = _PERSON.validate_python(found)
    if not (first.id or first.email):
        return ticket
    return replace(ticket, requester=first)


def _ticket_values(ticket: Ticket, now: object) -> dict[str, object]:
    return {
        "desk": ticket.desk,
        "desk_type": ticket.desk_type,
        "key": ticket.key,
        "url": ticket.url,
        "subject": ticket.subject[:2000],
        "requester": ticket.requester.email or ticket.requester.id,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "team": ticket.team,
        "request_type": ticket.request_type,
        "snapshot": ticket_to_json(ticket),
        "desk_created_at": ticket.created_at,
        "desk_updated_at": ticket.updated_at,
        "first_seen_at": now,
        "stage": "received",
        "stage_at": now,
    }


def _is_newer(ticket: Ticket, stored_updated_at: dt.datetime | None) -> bool:
    if ticket.updated_at is None or stored_updated_at is None:
        return True
    return ticket.updated_at >= stored_updated_at


def _refreshed(ticket: Ticket, url: str | None) -> dict[str, object]:
    return {
        "snapshot": ticket_to_json(ticket),
        "subject": ticket.subject[:2000],
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "team": ticket.team,
        "url": ticket.url or url,
        "request_type": ticket.request_type,
        "desk_updated_at": ticket.updated_at,
    }


def _store_events(
    connection: Connection, ticket_id: int, events: Sequence[TicketEvent]
) -> tuple[TicketEvent, ...]:
    new: list[TicketEvent] = []
    for event in events:
        inserted = insert_ignore(
            connection,
            TicketEventRow,
            {
                "ticket_id": ticket_id,
                "desk_event_id": event.desk_event_id[:255],
                "kind": event.kind.value,
                "at": event.at,
                "seq": event.seq,
                "data": event_to_json(event),
                "handled": False,
            },
            ("ticket_id", "desk_event_id"),
        )
        if inserted:
            new.append(event)
    return tuple(new)


def _follow_up(rt: Runtime, result: Ingested) -> None:
    if result.new_events:
        rt.send(ActorName.UPDATE_SLA, result.ticket_id)
    if result.new_ticket:
        rt.send(ActorName.PROCESS_TICKET, result.ticket_id)
    if any(e.kind is EventKind.COMMENT for e in result.new_events) and not result.new_ticket:
        rt.send(ActorName.HANDLE_COMMENTS, result.ticket_id)
