"""
Zendesk deliveries → ``NormalizedDelivery``: event subscriptions, our trigger body, polls.

Zendesk tickets have no version counter and event webhooks cannot be replayed by polling, so
ids are built from what both paths see:

* ``created:<ticket id>``                 CREATED (status only while the ticket is unchanged)
* ``status:<ticket id>:<updated_at>``     STATUS snapshot: the status after that update
  (``ticket.status_changed`` events, trigger bodies and polls of an updated ticket)
* ``priority:<ticket id>:<updated_at>``   PRIORITY (``ticket.priority_changed``)
* ``assignee:<ticket id>:<updated_at>``   ASSIGNEE (``ticket.agent_assignment_changed``)
* ``comment:<comment id>``                COMMENT (``ticket.comment_added`` or polled comments)
* ``event:<event id>``                    UPDATED, any other ``ticket.*`` event
* ``deleted:<ticket id>``                 DELETED (``ticket.soft_deleted`` / ``permanently_deleted``)

A STATUS snapshot may repeat the status the ticket already had; consumers treat that as a no-op.
Event-subscription payloads carry ``requester_id`` only (no e-mail): the ticket's requester is
``Person(id=<zendesk user id>)`` and the worker resolves the address through the desk client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from intake.model import (
    Attachment,
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
from intake.normalize.own_text import own_text_html, own_text_plain
from intake.normalize.poll import as_poll_form
from intake.normalize.sequence import numbered
from intake.webhooks.errors import MalformedPayloadError, UnsupportedEventError
from intake.webhooks.node import Node
from intake.webhooks.zendesk import EVENT_PREFIX, event_ticket_id

_STATUSES: Mapping[str, StatusCategory] = {
    "new": StatusCategory.NEW,
    "open": StatusCategory.OPEN,
    "pending": StatusCategory.PENDING_REQUESTER,
    "hold": StatusCategory.PENDING_OTHER,
    "on-hold": StatusCategory.PENDING_OTHER,
    "solved": StatusCategory.RESOLVED,
    "closed": StatusCategory.CLOSED,
    "deleted": StatusCategory.CANCELLED,
}
_PRIORITIES: Mapping[str, Priority] = {
    "low": Priority.LOW,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
}
TRIGGER_SCHEMA = "zendesk.trigger/1"


def zendesk_status(raw: str | None, options: IntakeOptions) -> StatusCategory:
    """Map new/open/pending/hold/solved/closed (any case); unknown → OPEN."""
    override = status_override(options, raw)
    if override is not None:
        return override
    return _STATUSES.get((raw or "").strip().lower(), StatusCategory.OPEN)


def zendesk_priority(raw: str | None, options: IntakeOptions) -> Priority:
    """Map low/normal/high/urgent (any case); none → NORMAL."""
    return priority_override(options, raw) or _PRIORITIES.get(
        (raw or "").strip().lower(), Priority.NORMAL
    )


def normalize_zendesk(
    desk_name: str, doc: Node, base_url: str | None, options: IntakeOptions
) -> NormalizedDelivery:
    """Normalise a Zendesk webhook body or poll form (see :mod:`intake.normalize`)."""
    poll = as_poll_form(doc)
    if poll is not None:
        return _from_poll(desk_name, poll.record, poll.comments, poll.document, base_url, options)
    event_type = doc.get("type").text() or ""
    if event_type.startswith(EVENT_PREFIX):
        return _from_event(desk_name, doc, event_type, base_url, options)
    if doc.get("deskpilot").text() == TRIGGER_SCHEMA or doc.get("ticket").is_object():
        return _from_trigger(desk_name, doc.req("ticket"), base_url, options)
    raise MalformedPayloadError(
        "missing required field $.ticket: trigger bodies must follow the template in docs/webhooks.md"
    )


def _person(ident: Node, email: Node | None = None, name: Node | None = None) -> Person | None:
    text = ident.text()
    mail = email.text() if email is not None else None
    if text is None and mail is None:
        return None
    return Person(id=text or mail or "", email=mail, name=name.text() if name is not None else None)


def _tags(node: Node) -> tuple[str, ...]:
    if isinstance(node.value, str):
        return tuple(node.value.split())
    return tuple(t for tag in node.items() if (t := tag.text()))


def _url(base_url: str | None, ticket_id: str) -> str | None:
    return f"{base_url.rstrip('/')}/agent/tickets/{ticket_id}" if base_url else None


def build_ticket(
    desk_name: str,
    node: Node,
    base_url: str | None,
    options: IntakeOptions,
    *,
    partial: bool = False,
) -> Ticket:
    """A ticket from an event ``detail`` or an API ticket object (same field names, mostly)."""
    ticket_id = node.req("id").req_text()
    requester = _person(node.get("requester_id"))
    submitter = _person(node.get("submitter_id"))
    if requester is None and not partial:
        raise MalformedPayloadError(f"missing required field {node.path}.requester_id")
    status_raw = node.get("status").text()
    priority_raw = node.get("priority").text()
    form = node.get("ticket_form_id").text() or node.get("form_id").text()
    return Ticket(
        desk=desk_name,
        desk_type="zendesk",
        key=ticket_id,
        subject=node.get("subject").text() or node.get("raw_subject").text() or "",
        description=node.get("description").text() or "",
        requester=requester or Person(id=""),
        submitter=submitter if submitter and requester and submitter.id != requester.id else None,
        status=zendesk_status(status_raw, options),
        priority=zendesk_priority(priority_raw, options),
        url=_url(base_url, ticket_id),
        status_raw=status_raw,
        priority_raw=priority_raw,
        request_type=form,
        assignee=_person(node.get("assignee_id")),
        team=node.get("group_id").text(),
        labels=_tags(node.get("tags")),
        custom_fields=_custom_fields(node.get("custom_fields")),
        created_at=node.get("created_at").instant(),
        updated_at=node.get("updated_at").instant(),
        desk_id=ticket_id,
        organisation=node.get("organization_id").text(),
    )


def _custom_fields(node: Node) -> dict[str, str]:
    result = {}
    for item in node.items():
        value = item.get("value")
        text = (
            ", ".join(t for v in value.items() if (t := v.text()))
            if isinstance(value.value, list)
            else value.text()
        )
        if text:
            result[item.req("id").req_text()] = text
    return result


def _snapshot_events(ticket: Ticket) -> list[TicketEvent]:
    """CREATED, and a STATUS snapshot when the ticket changed since creation."""
    created, updated = ticket.created_at, ticket.updated_at
    if created is None:
        raise MalformedPayloadError("missing required field created_at")
    unchanged = updated is None or updated == created
    events = [
        TicketEvent(
            EventKind.CREATED,
            created,
            f"created:{ticket.key}",
            actor=ticket.requester,
            status=ticket.status if unchanged else None,
        )
    ]
    if not unchanged and updated is not None:
        events.append(
            TicketEvent(
                EventKind.STATUS,
                updated,
                f"status:{ticket.key}:{updated.isoformat()}",
                status=ticket.status,
            )
        )
    return events


def _from_event(
    desk_name: str, doc: Node, event_type: str, base_url: str | None, options: IntakeOptions
) -> NormalizedDelivery:
    if event_ticket_id(doc) is None or not event_type.startswith(EVENT_PREFIX + "ticket."):
        raise UnsupportedEventError(f"{event_type} is not a ticket event")
    detail = doc.req("detail")
    partial = detail.get("requester_id").missing or detail.get("subject").missing
    ticket = build_ticket(desk_name, detail, base_url, options, partial=partial)
    at = doc.get("time").instant() or ticket.updated_at
    if at is None:
        raise MalformedPayloadError("missing required field $.time")
    name = event_type.removeprefix(EVENT_PREFIX + "ticket.")
    events = _snapshot_events(ticket)[:1] + _event_specific(name, doc, ticket, at)
    if name == "comment_added":
        comment = events[-1].comment
        ticket = replace(ticket, comments=(comment,) if comment else ())
    return NormalizedDelivery(ticket, numbered(events), partial=partial)


def _event_specific(name: str, doc: Node, ticket: Ticket, at: datetime) -> list[TicketEvent]:
    stamp = (ticket.updated_at or at).isoformat()
    actor = _person(doc.get("detail").get("actor_id"))
    if name == "created":
        return []
    if name in ("status_changed", "custom_status_changed"):
        return [
            TicketEvent(
                EventKind.STATUS,
                at,
                f"status:{ticket.key}:{stamp}",
                actor=actor,
                status=ticket.status,
            )
        ]
    if name == "priority_changed":
        return [
            TicketEvent(
                EventKind.PRIORITY,
                at,
                f"priority:{ticket.key}:{stamp}",
                actor=actor,
                priority=ticket.priority,
            )
        ]
    if name == "agent_assignment_changed":
        return [
            TicketEvent(
                EventKind.ASSIGNEE,
                at,
                f"assignee:{ticket.key}:{stamp}",
                actor=actor,
                assignee=ticket.assignee,
            )
        ]
    if name == "comment_added":
        comment = _event_comment(doc.get("event").req("comment"), at)
        return [
            TicketEvent(
                EventKind.COMMENT,
                at,
                f"comment:{comment.id}",
                actor=comment.author,
                comment=comment,
            )
        ]
    if name in ("soft_deleted", "permanently_deleted"):
        return [TicketEvent(EventKind.DELETED, at, f"deleted:{ticket.key}", actor=actor)]
    return [TicketEvent(EventKind.UPDATED, at, "event:" + doc.req("id").req_text(), actor=actor)]


def _event_comment(node: Node, at: datetime) -> Comment:
    author = node.get("author")
    body = node.get("body").text() or ""
    return Comment(
        id=node.req("id").req_text(),
        body=body,
        public=node.get("is_public").flag() is not False,
        # The payload's address is kept for display only: commands resolve author.id. The
        # event says whether the author is staff (an agent): the SLA's first response needs it.
        author=_staff(_person(author.get("id"), author.get("email"), author.get("name")), author),
        created_at=at,
        own_text=_own_text(node.get("html_body").text(), body),
    )


def _staff(person: Person | None, author: Node) -> Person | None:
    staff = author.get("is_staff").flag()
    return person if person is None or staff is None else replace(person, is_agent=staff)


def _own_text(html: str | None, body: str) -> str:
    """HTML when the desk gives it (``html_body`` keeps blockquotes), else the plain body."""
    return own_text_html(html) if html else own_text_plain(body)


def api_comment(node: Node) -> Comment:
    """A comment from ``/tickets/{id}/comments`` (``public`` flag, ``author_id``)."""
    body = node.get("plain_body").text() or node.get("body").text() or ""
    return Comment(
        id=node.req("id").req_text(),
        body=body,
        public=node.get("public").flag() is not False,
        author=_person(node.get("author_id")),
        created_at=node.get("created_at").instant(),
        own_text=_own_text(node.get("html_body").text(), node.get("body").text() or body),
    )


def api_attachments(comments: tuple[Node, ...]) -> tuple[Attachment, ...]:
    """Attachment metadata of all comments."""
    return tuple(
        Attachment(
            id=item.req("id").req_text(),
            filename=item.get("file_name").text() or "",
            size=item.get("size").integer(),
            content_type=item.get("content_type").text(),
            url=item.get("content_url").text(),
        )
        for comment in comments
        for item in comment.get("attachments").items()
    )


def _from_poll(
    desk_name: str,
    record: Node,
    comments: tuple[Node, ...] | None,
    document: Node,
    base_url: str | None,
    options: IntakeOptions,
) -> NormalizedDelivery:
    ticket = build_ticket(desk_name, record, base_url, options)
    requester = document.get("requester")
    if requester.is_object():
        found = _person(requester.get("id"), requester.get("email"), requester.get("name"))
        ticket = replace(ticket, requester=found or ticket.requester)
    events = _snapshot_events(ticket)
    if comments is not None:
        parsed = tuple(api_comment(c) for c in comments)
        ticket = replace(ticket, comments=parsed, attachments=api_attachments(comments))
        events.extend(
            TicketEvent(
                EventKind.COMMENT,
                c.created_at or events[0].at,
                f"comment:{c.id}",
                actor=c.author,
                comment=c,
            )
            for c in parsed
        )
    return NormalizedDelivery(ticket, numbered(events))


def _from_trigger(
    desk_name: str, node: Node, base_url: str | None, options: IntakeOptions
) -> NormalizedDelivery:
    ticket_id = node.req("id").req_text()
    requester = node.get("requester")
    person = _person(requester.get("id"), requester.get("email"), requester.get("name"))
    if person is None:
        raise MalformedPayloadError(f"missing required field {node.path}.requester.email")
    assignee = node.get("assignee")
    status_raw, priority_raw = node.get("status").text(), node.get("priority").text()
    ticket = Ticket(
        desk=desk_name,
        desk_type="zendesk",
        key=ticket_id,
        subject=node.req("subject").req_text(),
        description=node.get("description").text() or "",
        requester=person,
        status=zendesk_status(status_raw, options),
        priority=zendesk_priority(priority_raw, options),
        url=node.get("url").text() or _url(base_url, ticket_id),
        status_raw=status_raw,
        priority_raw=priority_raw,
        request_type=node.get("form").text(),
        assignee=_person(assignee.get("id"), assignee.get("email"), assignee.get("name")),
        team=node.get("group").text(),
        labels=_tags(node.get("tags")),
        created_at=node.req("created_at").instant(),
        updated_at=node.get("updated_at").instant(),
        desk_id=ticket_id,
    )
    return NormalizedDelivery(ticket, numbered(_snapshot_events(ticket)))
