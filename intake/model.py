"""
What deskpilot understands of a ticket, whatever desk it came from.

Normalisers (``intake.normalize``) turn each desk's JSON into these; the SLA engine, the
classifier and the planner only ever see these types, never vendor JSON.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


class StatusCategory(enum.StrEnum):
    """A ticket's status in one vocabulary; each desk's own statuses map onto these."""

    NEW = "new"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PENDING_REQUESTER = "pending_requester"
    """Waiting for the requester (Jira "Waiting for customer", Zendesk pending, SNOW awaiting user)."""
    PENDING_APPROVAL = "pending_approval"
    PENDING_OTHER = "pending_other"
    """On hold for a third party or a change window."""
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def is_done(self) -> bool:
        """True for the states in which nobody owes the requester anything."""
        return self in (StatusCategory.RESOLVED, StatusCategory.CLOSED, StatusCategory.CANCELLED)


class Priority(enum.StrEnum):
    """Priority in one vocabulary (each desk maps its own names and numbers onto these)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class EventKind(enum.StrEnum):
    """What happened to a ticket, as far as the SLA clocks and the pipeline care."""

    CREATED = "created"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNEE = "assignee"
    COMMENT = "comment"
    UPDATED = "updated"
    """Any other field changed (summary, custom field, request type)."""
    DELETED = "deleted"


@dataclass(frozen=True)
class Person:
    """Someone on the desk: a requester, an agent or an automation user."""

    id: str
    email: str | None = None
    name: str | None = None
    is_agent: bool | None = None
    """True for desk agents, False for customers/end users, None when the desk does not say."""
    verified: bool = True
    """False when the desk did not verify this person's address: a Salesforce ``SuppliedEmail``
    (web-to-case, e-mail-to-case) without a Contact, a Zendesk user whose address is unverified.
    Such a requester is entitled to no self-service action unless the desk is configured
    ``unverified_requesters: trusted``."""


@dataclass(frozen=True)
class Comment:
    """A comment on a ticket, with who wrote it and whether the requester can see it."""

    id: str
    body: str
    public: bool
    author: Person | None = None
    created_at: datetime | None = None
    own_text: str | None = None
    """What the author wrote themself (quotes and code left out), as the normaliser for the
    desk's format decided (``intake.normalize.own_text``); commands are read only from this.
    None for comments that were not normalised (the plain-text rules then apply to ``body``)."""
    edited_by: Person | None = None
    """Who last edited the text, when the desk says it was someone other than ``author`` (Jira's
    ``updateAuthor``: project administrators may edit anyone's comment). The text is then not
    the author's word, and no command in it is theirs."""


@dataclass(frozen=True)
class Attachment:
    """Metadata of a file on a ticket (the content is fetched only when a playbook needs it)."""

    id: str
    filename: str
    size: int | None = None
    content_type: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Ticket:
    """A ticket as deskpilot understands it, whatever desk it came from."""

    desk: str
    """The configured desk instance name (``jira-it``)."""
    desk_type: str
    """``jira``, ``zendesk``, ``servicenow``, ``salesforce`` or ``memory``."""
    key: str
    """The key agents use (``IT-123``, Zendesk id, ``INC0010001``, Case number)."""
    subject: str
    description: str
    requester: Person
    status: StatusCategory
    priority: Priority = Priority.NORMAL
    url: str | None = None
    status_raw: str | None = None
    priority_raw: str | None = None
    request_type: str | None = None
    """JSM request type, Zendesk form, ServiceNow catalog item, Salesforce case type/reason."""
    assignee: Person | None = None
    team: str | None = None
    """Assignment group / Zendesk group / queue, for the dashboard's per-team figures."""
    submitter: Person | None = None
    """Who typed the ticket in for the requester, when the desk says it was someone else (JSM
    ``creator`` raising it on the reporter's behalf, Zendesk ``submitter_id``, a Salesforce Case's
    ``CreatedById``): they asked for it too, so they cannot approve it."""
    labels: tuple[str, ...] = ()
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    comments: tuple[Comment, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    files_unread: str | None = None
    """Set when the ticket has files deskpilot did not read: the bound its desk's listing
    stopped at (``"100 files"``, ``"10 comment pages"``); ``attachments`` are those before it."""
    desk_id: str | None = None
    """The desk's internal id when it differs from ``key`` (Jira issue id, SNOW sys_id)."""
    date_order: Literal["dmy", "mdy"] | None = None
    """Day or month first for an ambiguous ``05/06`` the text does not settle: the requester's
    locale or the site's ``classifier.date_order`` (set by the worker, ``intake.date_order``)."""
    organisation: str | None = None
    """The requester's organisation as the desk names it (Zendesk organization id, ServiceNow
    company, Salesforce account id), for SLA policies that match on it."""


@dataclass(frozen=True)
class TicketEvent:
    """One change to a ticket, with the desk's own id and order so replays are exact."""

    kind: EventKind
    at: datetime
    desk_event_id: str
    seq: int = 0
    """Order among events at the same instant (the desk's sequence, else delivery order)."""
    actor: Person | None = None
    status: StatusCategory | None = None
    """For STATUS (and CREATED): the status after the change."""
    priority: Priority | None = None
    assignee: Person | None = None
    comment: Comment | None = None


@dataclass(frozen=True)
class NormalizedDelivery:
    """What one webhook delivery or poll result says: the ticket now, and what happened."""

    ticket: Ticket
    events: tuple[TicketEvent, ...]
    partial: bool = False
    """True when the desk sent an abbreviated ticket (Jira comment events carry no reporter,
    description or dates): merge the known fields into the stored ticket instead of replacing it."""
