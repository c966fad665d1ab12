"""
ServiceNow deliveries (our Business Rule's JSON, or a polled Table API record) → tickets.

Records may be plain (``"state": "2"``, references as ``{"link", "value"}``) or
``sysparm_display_value=all`` (``{"value", "display_value"}`` per field); both are read.

Event ids (a record version is ``sys_id`` + ``sys_mod_count``, which both paths see):

* ``created:<sys_id>``                   CREATED (status only when ``sys_mod_count`` is 0)
* ``<sys_id>:<sys_mod_count>``           STATUS snapshot of that version (mod count > 0),
  carrying status, priority and assignee after the update
* ``journal:<sys_journal_field sys_id>`` COMMENT (``comments`` public, ``work_notes`` internal)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from intake.model import (
    Comment,
    EventKind,
    NormalizedDelivery,
    Person,
    Priority,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from intake.normalize.mapping import priority_override, status_override
from intake.normalize.options import IntakeOptions
from intake.normalize.own_text import own_text_plain
from intake.normalize.poll import as_poll_form
from intake.normalize.sequence import numbered
from intake.webhooks.errors import MalformedPayloadError
from intake.webhooks.node import Node

_INCIDENT: Mapping[str, StatusCategory] = {
    "1": StatusCategory.NEW,
    "2": StatusCategory.IN_PROGRESS,
    "3": StatusCategory.PENDING_OTHER,
    "6": StatusCategory.RESOLVED,
    "7": StatusCategory.CLOSED,
    "8": StatusCategory.CANCELLED,
}
_AWAITING_CALLER = "1"
_REQUEST_ITEM: Mapping[str, StatusCategory] = {
    "-5": StatusCategory.PENDING_OTHER,
    "1": StatusCategory.OPEN,
    "2": StatusCategory.IN_PROGRESS,
    "3": StatusCategory.CLOSED,
    "4": StatusCategory.CLOSED,
    "7": StatusCategory.CANCELLED,
}
_PRIORITIES: Mapping[str, Priority] = {
    "1": Priority.URGENT,
    "2": Priority.HIGH,
    "3": Priority.NORMAL,
    "4": Priority.LOW,
    "5": Priority.LOW,
}
_PREFIXES = {"INC": "incident", "RITM": "sc_req_item", "REQ": "sc_request"}


def value(node: Node) -> str | None:
    """A field's stored value, whatever the representation."""
    if node.is_object():
        return node.get("value").text()
    return node.text()


def instant(node: Node) -> datetime | None:
    """A date-time field's stored value (UTC ``YYYY-MM-DD HH:MM:SS``) as an aware datetime."""
    return (node.get("value") if node.is_object() else node).instant()


def display(node: Node) -> str | None:
    """A field's display value when the record has one, else its stored value."""
    if node.is_object():
        return node.get("display_value").text() or node.get("value").text()
    return node.text()


def snow_status(
    table: str, record: Node, options: IntakeOptions
) -> tuple[StatusCategory, str | None]:
    """Map ``state`` (incident 1..8, sc_req_item -5..7); approvals and hold reasons refine it."""
    state = value(record.get("state"))
    raw = display(record.get("state"))
    override = status_override(options, raw) or status_override(options, state)
    if override is not None:
        return override, raw
    table_map = _REQUEST_ITEM if table == "sc_req_item" else _INCIDENT
    status = table_map.get(state or "", StatusCategory.OPEN)
    if (
        status == StatusCategory.PENDING_OTHER
        and value(record.get("hold_reason")) == _AWAITING_CALLER
    ):
        status = StatusCategory.PENDING_REQUESTER
    if not status.is_done and value(record.get("approval")) == "requested":
        status = StatusCategory.PENDING_APPROVAL
    return status, raw


def snow_priority(record: Node, options: IntakeOptions) -> tuple[Priority, str | None]:
    """Map ``priority`` 1 (critical) .. 5 (planning); display values ``"1 - Critical"`` too."""
    raw = display(record.get("priority"))
    override = priority_override(options, raw)
    if override is not None:
        return override, raw
    digit = (value(record.get("priority")) or "").strip()[:1]
    return _PRIORITIES.get(digit, Priority.NORMAL), raw


def _user(node: Node, record: Node, field: str) -> Person | None:
    """A user from a top-level object (BR / poll lookup) or the record's (dot-walked) fields."""
    if node.is_object():
        ident = node.get("sys_id").text() or node.get("user_name").text()
        email = node.get("email").text()
        if ident or email:
            return Person(id=ident or email or "", email=email, name=node.get("name").text())
    ident = value(record.get(field))
    email = value(record.get(f"{field}.email"))
    if ident is None and email is None:
        return None
    name = value(record.get(f"{field}.name")) or (
        display(record.get(field)) if record.get(field).is_object() else None
    )
    return Person(id=ident or email or "", email=email, name=name if name != ident else None)


def _table(doc: Node, record: Node, number: str) -> str:
    table = doc.get("table").text() or value(record.get("sys_class_name"))
    if table:
        return table
    prefix = number.rstrip("0123456789")
    if prefix in _PREFIXES:
        return _PREFIXES[prefix]
    raise MalformedPayloadError("missing required field $.table (or $.record.sys_class_name)")


def _requester_field(table: str) -> str:
    return "requested_for" if table in ("sc_req_item", "sc_request") else "caller_id"


UNVERIFIED_CONTACT_TYPES = frozenset({"email"})
"""``contact_type`` values whose caller nobody verified (the record came from an e-mail)."""


def build_ticket(
    desk_name: str, doc: Node, record: Node, base_url: str | None, options: IntakeOptions
) -> Ticket:
    """The ticket a record (and the BR's ``requester``/``assigned_to`` objects) show."""
    number = _required(record, "number")
    sys_id = _required(record, "sys_id")
    table = _table(doc, record, number)
    field = _requester_field(table)
    subject = _user(doc.get("requester"), record, field) or _user(Node(None), record, "opened_by")
    if subject is None:
        raise MalformedPayloadError(f"missing required field {record.path}.{field}")
    requester, extra = _asker(doc, table, subject)
    if value(record.get("contact_type")) in UNVERIFIED_CONTACT_TYPES:
        # An inbound e-mail action took the caller from the From: header, which anyone writes.
        requester = replace(requester, verified=False)
    status, status_raw = snow_status(table, record, options)
    priority, priority_raw = snow_priority(record, options)
    return Ticket(
        desk=desk_name,
        desk_type="servicenow",
        key=number,
        subject=display(record.get("short_description")) or "",
        description=display(record.get("description")) or "",
        requester=requester,
        status=status,
        priority=priority,
        url=f"{base_url.rstrip('/')}/{table}.do?sys_id={sys_id}" if base_url else None,
        status_raw=status_raw,
        priority_raw=priority_raw,
        request_type=display(record.get("cat_item")) or display(record.get("category")),
        assignee=_user(doc.get("assigned_to"), record, "assigned_to"),
        team=display(record.get("assignment_group")),
        labels=tuple(
            t.strip() for t in (display(record.get("sys_tags")) or "").split(",") if t.strip()
        ),
        custom_fields={**_custom_fields(record), **extra},
        created_at=instant(record.get("sys_created_on")),
        updated_at=instant(record.get("sys_updated_on")),
        desk_id=sys_id,
        organisation=display(record.get("company")),
    )


def _asker(doc: Node, table: str, subject: Person) -> tuple[Person, dict[str, str]]:
    """
    Who asked, and the person a requested item is for when that is someone else.

    On a requested item ``requested_for`` is the person the request is for, not necessarily
    who raised it: when the body names ``opened_by`` (an object with an e-mail) and it is
    another person, they are the requester and ``requested_for`` becomes the "Requested for"
    field the planner reads the target from.
    """
    if table not in ("sc_req_item", "sc_request"):
        return subject, {}
    opener = _user(doc.get("opened_by"), Node(None), "opened_by")
    if opener is None or opener.email is None or _same(opener, subject):
        return subject, {}
    return opener, {"Requested for": subject.email or subject.name or subject.id}


def _same(one: Person, other: Person) -> bool:
    if one.email and other.email:
        return one.email.casefold() == other.email.casefold()
    return one.id == other.id


def _required(record: Node, field: str) -> str:
    text = value(record.get(field))
    if text is None:
        raise MalformedPayloadError(f"missing required field {record.path}.{field}")
    return text


def _custom_fields(record: Node) -> dict[str, str]:
    """``u_*`` fields, plus the catalog variables a Business Rule may send as ``variables.*``."""
    result = {}
    for name in record.member_names():
        if name.startswith(("u_", "variables.")):
            text = display(record.get(name))
            if text:
                result[name] = text
    return result


def journal_comment(node: Node) -> Comment:
    """A ``sys_journal_field`` row: ``comments`` are public, ``work_notes`` internal."""
    element = value(node.get("element")) or "comments"
    author = value(node.get("sys_created_by"))
    body = display(node.get("value")) or ""
    return Comment(
        id=_required(node, "sys_id"),
        body=body,
        public=element == "comments",
        author=Person(id=author) if author else None,
        created_at=instant(node.get("sys_created_on")),
        own_text=own_text_plain(body),
    )


def normalize_servicenow(
    desk_name: str, doc: Node, base_url: str | None, options: IntakeOptions
) -> NormalizedDelivery:
    """Normalise a ServiceNow Business Rule body or poll form (see :mod:`intake.normalize`)."""
    poll = as_poll_form(doc)
    record = poll.record if poll is not None else doc.req("record")
    journal = poll.comments if poll is not None else tuple(doc.get("journal").items())
    ticket = build_ticket(desk_name, doc, record, base_url, options)
    comments = tuple(journal_comment(j) for j in journal or ())
    if comments:
        ticket = replace(ticket, comments=comments)
    mod_count = value(record.get("sys_mod_count")) or value(doc.get("sys_mod_count")) or "0"
    return NormalizedDelivery(ticket, numbered(_events(ticket, mod_count, comments)))


def _events(ticket: Ticket, mod_count: str, comments: tuple[Comment, ...]) -> list[TicketEvent]:
    created = ticket.created_at
    if created is None:
        raise MalformedPayloadError("missing required field $.record.sys_created_on")
    first = mod_count == "0"
    events = [
        TicketEvent(
            EventKind.CREATED,
            created,
            f"created:{ticket.desk_id}",
            actor=ticket.requester,
            status=ticket.status if first else None,
        )
    ]
    if not first:
        at = ticket.updated_at or created
        events.append(
            TicketEvent(
                EventKind.STATUS,
                at,
                f"{ticket.desk_id}:{mod_count}",
                status=ticket.status,
                priority=ticket.priority,
                assignee=ticket.assignee,
            )
        )
    events.extend(
        TicketEvent(
            EventKind.COMMENT, c.created_at or created, f"journal:{c.id}", actor=c.author, comment=c
        )
        for c in comments
    )
    return events
