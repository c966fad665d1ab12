"""
Salesforce Service Cloud Cases: Outbound Messages (SOAP) or polled SOQL records → tickets.

An Outbound Message carries only the current field values, so ids are built from the record:

* ``created:<case id>``             CREATED (status only while CreatedDate == LastModifiedDate)
* ``<case id>:<SystemModstamp>``    STATUS snapshot of that version
* ``comment:<CaseComment id>``      COMMENT (``IsPublished`` → public), poll form only

Statuses: Salesforce's default Case statuses (New, Working, Escalated, On Hold, Closed) and the
usual custom ones map by name; ``options.inbound_status_map`` overrides; an unknown status of a
case with ``IsClosed`` true is CLOSED, otherwise OPEN. Set the Outbound Message to send at least
Id, CaseNumber, Subject, Description, Status, Priority, Type, Reason, ContactId, ContactEmail,
SuppliedEmail, SuppliedName, OwnerId, CreatedDate, LastModifiedDate, SystemModstamp, IsClosed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from intake.model import (
    Comment,
    EventKind,
    NormalizedDelivery,
    Person,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from intake.normalize.mapping import priority_by_name, status_by_name
from intake.normalize.options import IntakeOptions
from intake.normalize.own_text import own_text_plain
from intake.normalize.poll import as_poll_form
from intake.normalize.sequence import numbered
from intake.webhooks.errors import MalformedPayloadError, UnsupportedEventError
from intake.webhooks.node import Node, parse_json
from intake.webhooks.soap import parse_outbound_message

_EXTRA_STATUSES: Mapping[str, StatusCategory] = {
    "working": StatusCategory.IN_PROGRESS,
    "waiting on customer": StatusCategory.PENDING_REQUESTER,
    "awaiting customer": StatusCategory.PENDING_REQUESTER,
}


def normalize_salesforce_all(
    desk_name: str, body: bytes, base_url: str | None, options: IntakeOptions
) -> tuple[NormalizedDelivery, ...]:
    """Every Case an Outbound Message (up to 100 notifications) or a poll form shows."""
    if body.lstrip()[:1] == b"<":
        message = parse_outbound_message(body)
        where = "/Envelope/Body/notifications/Notification"
        results = []
        for index, notification in enumerate(message.notifications):
            sobject = notification.sobject
            if sobject.type not in (None, "Case"):
                raise UnsupportedEventError(f"{where}[{index + 1}] is a {sobject.type}, not a Case")
            record = Node(dict(sobject.fields), f"{where}[{index + 1}]/sObject")
            results.append(_delivery(desk_name, record, None, Node(None), base_url, options))
        return tuple(results)
    doc = parse_json(body)
    poll = as_poll_form(doc)
    if poll is None:
        raise MalformedPayloadError("expected an Outbound Message (XML) or the poll form ($.kind)")
    return (_delivery(desk_name, poll.record, poll.comments, poll.document, base_url, options),)


def normalize_salesforce(
    desk_name: str, body: bytes, base_url: str | None, options: IntakeOptions
) -> NormalizedDelivery:
    """The one Case a delivery shows; MalformedPayloadError when it batches several."""
    deliveries = normalize_salesforce_all(desk_name, body, base_url, options)
    if len(deliveries) != 1:
        raise MalformedPayloadError(
            f"the Outbound Message holds {len(deliveries)} notifications; use normalize_deliveries"
        )
    return deliveries[0]


def case_status(record: Node, options: IntakeOptions) -> StatusCategory:
    """Map ``Status`` by name (override, well-known, Salesforce defaults), then ``IsClosed``."""
    raw = record.get("Status").text()
    mapped = status_by_name(options, raw) or _EXTRA_STATUSES.get((raw or "").strip().lower())
    if mapped is not None:
        return mapped
    return StatusCategory.CLOSED if record.get("IsClosed").flag() else StatusCategory.OPEN


def _requester(record: Node, document: Node) -> Person:
    contact = (
        record.get("Contact") if record.get("Contact").is_object() else document.get("requester")
    )
    verified_email = record.get("ContactEmail").text() or (
        contact.get("Email").text() or contact.get("email").text() if contact.is_object() else None
    )
    # SuppliedEmail is whatever a web form or an e-mail's From said: nobody verified it.
    email = verified_email or record.get("SuppliedEmail").text()
    ident = record.get("ContactId").text() or email
    if ident is None:
        raise MalformedPayloadError(
            f"missing required field {record.path}.ContactEmail (or SuppliedEmail)"
        )
    name = record.get("SuppliedName").text()
    if contact.is_object():
        name = contact.get("Name").text() or contact.get("name").text() or name
    return Person(id=ident, email=email, name=name, is_agent=False, verified=bool(verified_email))


def _creator(record: Node) -> Person | None:
    """The user who created the Case (an agent, say) when a Contact is whom it is for."""
    created_by = record.get("CreatedById").text()
    if created_by is None or created_by == record.get("ContactId").text():
        return None
    return Person(id=created_by)


def _owner(record: Node) -> Person | None:
    owner_id = record.get("OwnerId").text()
    owner = record.get("Owner")
    if owner_id is None or owner_id.startswith("00G"):  # 00G… is a queue, not a user
        return None
    return Person(
        id=owner_id, email=owner.get("Email").text(), name=owner.get("Name").text(), is_agent=True
    )


def build_ticket(
    desk_name: str, record: Node, document: Node, base_url: str | None, options: IntakeOptions
) -> Ticket:
    """The ticket one Case record shows."""
    case_id = record.req("Id").req_text()
    status_raw, priority_raw = record.get("Status").text(), record.get("Priority").text()
    owner_id = record.get("OwnerId").text() or ""
    return Ticket(
        desk=desk_name,
        desk_type="salesforce",
        key=record.get("CaseNumber").text() or case_id,
        subject=record.get("Subject").text() or "",
        description=record.get("Description").text() or "",
        requester=_requester(record, document),
        submitter=_creator(record),
        status=case_status(record, options),
        priority=priority_by_name(options, priority_raw),
        url=f"{base_url.rstrip('/')}/lightning/r/Case/{case_id}/view" if base_url else None,
        status_raw=status_raw,
        priority_raw=priority_raw,
        request_type=record.get("Type").text() or record.get("Reason").text(),
        assignee=_owner(record),
        team=owner_id if owner_id.startswith("00G") else None,
        custom_fields=_custom_fields(record),
        created_at=record.get("CreatedDate").instant(),
        updated_at=record.get("LastModifiedDate").instant()
        or record.get("SystemModstamp").instant(),
        desk_id=case_id,
        organisation=record.get("AccountId").text(),
    )


def _custom_fields(record: Node) -> dict[str, str]:
    result = {}
    for name in record.member_names():
        if name.endswith("__c") or name in ("Reason", "Origin"):
            node = record.get(name)
            text = None if node.is_object() or isinstance(node.value, list) else node.text()
            if text:
                result[name] = text
    return result


def case_comment(node: Node) -> Comment:
    """A CaseComment; ``IsPublished`` true means the contact can see it."""
    creator = node.get("CreatedBy")
    author_id = node.get("CreatedById").text()
    author = (
        Person(id=author_id, name=creator.get("Name").text(), email=creator.get("Email").text())
        if author_id
        else None
    )
    body = node.get("CommentBody").text() or ""
    return Comment(
        id=node.req("Id").req_text(),
        body=body,
        public=node.get("IsPublished").flag() is True,
        author=author,
        created_at=node.get("CreatedDate").instant(),
        own_text=own_text_plain(body),
    )


def _delivery(
    desk_name: str,
    record: Node,
    comments: tuple[Node, ...] | None,
    document: Node,
    base_url: str | None,
    options: IntakeOptions,
) -> NormalizedDelivery:
    ticket = build_ticket(desk_name, record, document, base_url, options)
    created = ticket.created_at
    if created is None:
        raise MalformedPayloadError(f"missing required field {record.path}.CreatedDate")
    unchanged = ticket.updated_at in (None, created)
    events = [
        TicketEvent(
            EventKind.CREATED,
            created,
            f"created:{ticket.desk_id}",
            actor=ticket.requester,
            status=ticket.status if unchanged else None,
        )
    ]
    stamp = record.get("SystemModstamp").instant() or ticket.updated_at
    if not unchanged and stamp is not None:
        events.append(
            TicketEvent(
                EventKind.STATUS,
                stamp,
                f"{ticket.desk_id}:{stamp.isoformat()}",
                status=ticket.status,
                priority=ticket.priority,
                assignee=ticket.assignee,
            )
        )
    parsed = tuple(case_comment(c) for c in comments or ())
    events.extend(
        TicketEvent(
            EventKind.COMMENT, c.created_at or created, f"comment:{c.id}", actor=c.author, comment=c
        )
        for c in parsed
    )
    return NormalizedDelivery(replace(ticket, comments=parsed), numbered(events))
