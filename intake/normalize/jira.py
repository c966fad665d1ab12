"""
Jira Cloud / JSM deliveries → ``NormalizedDelivery``.

Event ids (the same whether the change came by webhook or by poll with ``expand=changelog``):

* ``created:<issue id>``               CREATED, on ``jira:issue_created`` and in every poll
* ``changelog:<history id>:<field>``   STATUS / PRIORITY / ASSIGNEE from one changelog item
* ``changelog:<history id>``           UPDATED for the other items of that changelog
* ``comment:<comment id>``             COMMENT (``jsdPublic: false`` → internal)
* ``comment-edit:<id>:<updated>``      UPDATED, a comment was edited
* ``comment-deleted:<id>``             UPDATED, a comment was deleted
* ``deleted:<issue id>``               DELETED
* ``updated:<issue id>:<updated>``     UPDATED, a webhook that shows no changelog or comment
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from intake.model import (
    Comment,
    EventKind,
    NormalizedDelivery,
    Person,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from intake.normalize.adf import adf_to_text
from intake.normalize.jira_fields import (
    custom_fields,
    issue_url,
    jira_attachments,
    jira_comment,
    jira_person,
    jira_priority,
    jira_status,
    request_type,
    status_from_name,
    team,
)
from intake.normalize.mapping import priority_by_name, status_by_name
from intake.normalize.options import IntakeOptions
from intake.normalize.poll import as_poll_form
from intake.normalize.sequence import numbered
from intake.webhooks.errors import MalformedPayloadError
from intake.webhooks.node import Node

_ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")


def normalize_jira(
    desk_name: str, doc: Node, base_url: str | None, options: IntakeOptions
) -> NormalizedDelivery:
    """Normalise a Jira webhook body or poll form (see :mod:`intake.normalize`)."""
    poll = as_poll_form(doc)
    if poll is not None:
        return _from_poll(desk_name, poll.record, poll.comments, base_url, options)
    event = doc.get("webhookEvent").text()
    issue = doc if event is None else doc.get("issue")
    if issue.missing:
        raise MalformedPayloadError(
            "missing required field $.issue (comment events from Jira Server carry no issue)"
        )
    partial = event is not None and event not in _ISSUE_EVENTS
    ticket = build_ticket(desk_name, issue, base_url, options, partial=partial)
    return NormalizedDelivery(ticket, _webhook_events(event, doc, issue, ticket, options), partial)


def build_ticket(
    desk_name: str, issue: Node, base_url: str | None, options: IntakeOptions, *, partial: bool
) -> Ticket:
    """The ``Ticket`` an issue shows; ``partial`` tolerates the abbreviated comment-event issue."""
    fields = issue.req("fields")
    creator = jira_person(fields.get("creator"))
    reporter = jira_person(fields.get("reporter")) or creator
    if reporter is None and not partial:
        raise MalformedPayloadError(f"missing required field {fields.path}.reporter")
    status, status_raw = jira_status(fields.get("status"), options)
    priority, priority_raw = jira_priority(fields.get("priority"), options)
    kind, kind_field = request_type(fields, options)
    comments = tuple(jira_comment(c) for c in fields.get("comment").get("comments").items())
    return Ticket(
        desk=desk_name,
        desk_type="jira",
        key=issue.req("key").req_text(),
        subject=fields.req("summary").req_text(),
        description=adf_to_text(fields.get("description")),
        requester=reporter or Person(id=""),
        submitter=creator if creator and reporter and creator.id != reporter.id else None,
        status=status,
        priority=priority,
        url=issue_url(issue, base_url),
        status_raw=status_raw,
        priority_raw=priority_raw,
        request_type=kind,
        assignee=jira_person(fields.get("assignee")),
        team=team(fields, options),
        labels=tuple(t for label in fields.get("labels").items() if (t := label.text())),
        custom_fields=custom_fields(fields, kind_field),
        created_at=fields.get("created").instant(),
        updated_at=fields.get("updated").instant(),
        comments=comments,
        attachments=jira_attachments(fields),
        desk_id=issue.get("id").text(),
    )


def _when(doc: Node, ticket: Ticket) -> datetime:
    """The webhook's epoch-ms timestamp, else the issue's updated/created time."""
    stamp = doc.get("timestamp")
    if isinstance(stamp.value, int):
        when = stamp.instant()
        if when is not None:
            return when
    comment = doc.get("comment")
    when = (
        ticket.updated_at
        or comment.get("updated").instant()
        or comment.get("created").instant()
        or ticket.created_at
    )
    if when is None:
        raise MalformedPayloadError(
            "missing required field $.timestamp (or $.issue.fields.updated)"
        )
    return when


def _created(ticket: Ticket, status: StatusCategory | None) -> TicketEvent:
    at = ticket.created_at
    if at is None:
        raise MalformedPayloadError("missing required field $.issue.fields.created")
    return TicketEvent(
        EventKind.CREATED,
        at,
        f"created:{ticket.desk_id or ticket.key}",
        status=status,
        actor=ticket.requester,
    )


def _webhook_events(
    event: str | None, doc: Node, issue: Node, ticket: Ticket, options: IntakeOptions
) -> tuple[TicketEvent, ...]:
    at = _when(doc, ticket)
    actor = jira_person(doc.get("user"))
    ident = ticket.desk_id or ticket.key
    events: list[TicketEvent] = []
    if event == "jira:issue_created":
        events.append(_created(ticket, ticket.status))
    elif event == "jira:issue_deleted":
        events.append(TicketEvent(EventKind.DELETED, at, f"deleted:{ident}", actor=actor))
    changelog = doc.get("changelog")
    if event != "jira:issue_created" and not changelog.missing and changelog.get("id").text():
        events.extend(changelog_events(changelog, at, actor, issue, options))
    events.extend(_comment_events(event, doc.get("comment"), at))
    if not events:
        stamp = (ticket.updated_at or at).isoformat()
        events.append(TicketEvent(EventKind.UPDATED, at, f"updated:{ident}:{stamp}", actor=actor))
    return numbered(events)


def _comment_events(event: str | None, node: Node, at: datetime) -> list[TicketEvent]:
    if node.missing:
        return []
    comment = jira_comment(node)
    if event == "comment_updated":
        stamp = node.get("updated").text() or at.isoformat()
        return [
            TicketEvent(
                EventKind.UPDATED, at, f"comment-edit:{comment.id}:{stamp}", actor=comment.author
            )
        ]
    if event == "comment_deleted":
        return [
            TicketEvent(
                EventKind.UPDATED, at, f"comment-deleted:{comment.id}", actor=comment.author
            )
        ]
    return [comment_event(comment, at)]


def comment_event(comment: Comment, at: datetime) -> TicketEvent:
    """A COMMENT event for ``comment`` (at its own creation time when known)."""
    return TicketEvent(
        EventKind.COMMENT,
        comment.created_at or at,
        f"comment:{comment.id}",
        actor=comment.author,
        comment=comment,
    )


def changelog_events(
    history: Node, at: datetime, actor: Person | None, issue: Node, options: IntakeOptions
) -> list[TicketEvent]:
    """Events of one changelog/history: STATUS, PRIORITY, ASSIGNEE per item, UPDATED for the rest."""
    history_id = history.req("id").req_text()
    current_status = issue.get("fields").get("status")
    events: list[TicketEvent] = []
    other = False
    for item in history.get("items").items():
        field = (item.get("fieldId").text() or item.get("field").text() or "").lower()
        ident = f"changelog:{history_id}:{field}"
        target = item.get("toString").text()
        if field == "status":
            status = status_from_name(target, current_status, options)
            events.append(TicketEvent(EventKind.STATUS, at, ident, actor=actor, status=status))
        elif field == "priority":
            events.append(
                TicketEvent(
                    EventKind.PRIORITY,
                    at,
                    ident,
                    actor=actor,
                    priority=priority_by_name(options, target),
                )
            )
        elif field == "assignee":
            assignee = Person(id=item.get("to").text() or "", name=target) if target else None
            events.append(
                TicketEvent(EventKind.ASSIGNEE, at, ident, actor=actor, assignee=assignee)
            )
        else:
            other = True
    if other:
        events.append(TicketEvent(EventKind.UPDATED, at, f"changelog:{history_id}", actor=actor))
    return events


def _from_poll(
    desk_name: str,
    issue: Node,
    comments: tuple[Node, ...] | None,
    base_url: str | None,
    options: IntakeOptions,
) -> NormalizedDelivery:
    ticket = build_ticket(desk_name, issue, base_url, options, partial=False)
    if comments is not None:
        ticket = replace(ticket, comments=tuple(jira_comment(c) for c in comments))
    histories = list(issue.get("changelog").get("histories").items())
    events = [_created(ticket, _initial_status(histories, ticket, options))]
    for history in histories:
        at = history.get("created").instant() or ticket.updated_at or events[0].at
        events.extend(
            changelog_events(history, at, jira_person(history.get("author")), issue, options)
        )
    events.extend(comment_event(c, events[0].at) for c in ticket.comments)
    return NormalizedDelivery(ticket, numbered(events))


def _initial_status(
    histories: list[Node], ticket: Ticket, options: IntakeOptions
) -> StatusCategory:
    """The status at creation: the ``from`` of the earliest status change, else the current one."""
    changes = [
        (history.get("created").instant(), item.get("fromString").text())
        for history in histories
        for item in history.get("items").items()
        if (item.get("fieldId").text() or item.get("field").text() or "").lower() == "status"
    ]
    known = [(when, name) for when, name in changes if when is not None]
    if not known:
        return ticket.status
    return status_by_name(options, min(known, key=lambda pair: pair[0])[1]) or StatusCategory.NEW
