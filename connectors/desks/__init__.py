"""
The desk kind: where tickets live (Jira Service Management, Zendesk, ServiceNow, Salesforce).

A desk connector does two things: it fetches what changed (polling, for when webhooks are not
allowed or were missed) as raw deliveries, exactly as a webhook would have carried them, and it
writes back (notes, replies, status). Normalising raw JSON into a ``Ticket`` is ``intake``'s job,
so the same code path serves webhooks and polls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class RawDelivery:
    """One event as the desk sent it (webhook) or as we fetched it (poll), not yet understood."""

    desk_type: str
    body: bytes
    dedupe_key: str
    """The desk's own id for this event (webhook identifier, ticket key + update time, …)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    source: str = "poll"


@dataclass(frozen=True)
class PollPage:
    """What one poll returned, and where the next poll starts."""

    deliveries: tuple[RawDelivery, ...]
    cursor: str | None
    more: bool = False


@dataclass(frozen=True)
class PostedComment:
    """A comment deskpilot wrote (or found already written) on a ticket."""

    comment_id: str
    created: bool
    """False when a comment carrying the same marker was already there (nothing was posted)."""


@dataclass(frozen=True)
class NewTicket:
    """A ticket deskpilot opens itself (an access review's ticket for one reviewer)."""

    subject: str
    body: str
    """Markdown; the connector renders it the way the desk shows descriptions."""
    marker: str
    """Idempotency key (letters, digits, ``-``): creating again with the same marker returns
    the ticket the first call created (Jira label, Zendesk ``external_id``, ServiceNow
    ``correlation_id``, Salesforce subject suffix)."""
    requester_email: str | None = None
    """Who the ticket is for (the reviewer), where the desk can name someone by address."""
    project: str | None = None
    """The Jira project key (Jira needs one); the other desks use their configured table."""


@dataclass(frozen=True)
class CreatedTicket:
    """A ticket ``create_ticket`` opened, or found already opened with the same marker."""

    key: str
    """The key deskpilot's normaliser gives the ticket (``IT-9``, ``123``, ``INC0010009``,
    the Case number), so its later comments are matched to it."""
    url: str | None
    created: bool


@dataclass(frozen=True)
class DeskSlaValue:
    """One SLA as the desk itself computes it for a ticket (its latest cycle)."""

    metric: str
    """The desk's own name for the SLA, e.g. ``Time to first response``."""
    goal_s: float | None
    elapsed_s: float | None
    remaining_s: float | None
    """Negative once breached, when the desk reports it that way."""
    breached: bool
    breach_at: datetime | None
    """When the desk says the goal is (or was) due; None when it does not say."""
    paused: bool


@dataclass(frozen=True)
class DeskPerson:
    """A desk user as the desk's own user API describes them (never as a payload claims)."""

    id: str
    email: str | None
    """None when the desk does not show it (Jira profile visibility, a user without one)."""
    name: str | None = None
    is_agent: bool | None = None
    """The desk's own role: True for agents/admins (Zendesk ``agent``/``admin``, a Salesforce
    ``Standard`` user), False for customers (Zendesk ``end-user``, a Jira ``customer`` or ``app``
    account, a Salesforce Contact or portal user), None when the desk does not say (a Jira
    ``atlassian`` account, a ServiceNow ``sys_user``)."""
    active: bool = True
    email_verified: bool | None = None
    """Whether the desk verified the address (Zendesk ``verified``); None when it does not say."""
    locale: str | None = None
    """The user's locale as the desk gives it (Zendesk ``locale`` ``en-US``, Jira ``locale``
    ``en_GB``, Salesforce User ``LocaleSidKey``, ServiceNow ``preferred_language``); None when
    the desk does not say. It orders an ambiguous date the person wrote (``intake.date_order``)."""
    date_format: str | None = None
    """The user's own date format where the desk keeps one (ServiceNow ``date_format``,
    ``dd/MM/yyyy``); None when it does not say or uses the system's."""


class DeskClient(Protocol):
    """A desk instance (one Jira site, one Zendesk subdomain, …) deskpilot writes back to."""

    name: str
    """The configured instance name, e.g. ``jira-it``; appears in ``/hooks/{name}``."""

    def post_comment(self, key: str, body: str, *, public: bool, marker: str) -> PostedComment:
        """
        Add an internal note (``public=False``) or a public reply to ticket ``key``, exactly once.

        ``body`` is Markdown; the connector renders it the way the desk shows comments (ADF, HTML,
        plain text). ``marker`` is an idempotency key: if a comment carrying it is already on the
        ticket, nothing is posted and that comment is returned with ``created=False``.
        """
        ...

    def create_ticket(self, ticket: NewTicket) -> CreatedTicket:
        """
        Open a ticket, exactly once per ``ticket.marker``: before creating, the desk is searched
        for a ticket carrying the marker (so a retry after a timeout does not open a second one).
        """
        ...

    def transition(self, key: str, status: str, *, resend: bool = False) -> None:
        """
        Move ticket ``key`` to the desk status the admin mapped to ``status``, exactly once.

        ``status`` is a deskpilot status category (``resolved``, ``pending_requester``,
        ``in_progress``…). Moving a ticket to the state it is already in is success. Before any
        resend — a retry after an error or a timeout, or ``resend=True`` when an earlier attempt
        may have been applied — the ticket's status is read and nothing is sent if it is there.
        """
        ...

    def fetch_ticket(self, key: str) -> RawDelivery:
        """
        Ticket ``key`` as the desk's API shows it now, with its comments, read with deskpilot's
        own credentials: a poll-form delivery (``source="fetch"``), like one ``poll`` returns.

        An unsigned webhook (Jira ``unsigned: true``, a Salesforce Outbound Message) only says
        "look at this ticket": deskpilot acts on this answer, never on that payload. An unknown
        ticket raises ``NotFoundError``; a key the desk cannot have ``RejectedError``.
        """
        ...

    def poll(self, cursor: str | None, *, since: datetime) -> PollPage:
        """
        Fetch the changes after ``cursor`` (or updated since ``since`` on a first poll).

        Returns raw deliveries whose ``dedupe_key`` matches what the desk's webhook would carry for
        the same change, so a change seen both ways is stored once.
        """
        ...

    def assign(self, key: str, assignee: str) -> None:
        """
        Make ``assignee`` the ticket's assignee (Jira account id, Zendesk user id, ServiceNow user
        sys_id, Salesforce user or queue id). Assigning to the current assignee is success.
        """
        ...

    def set_priority(self, key: str, priority: str) -> None:
        """
        Set ticket ``key``'s priority to deskpilot priority ``priority`` (low, normal, high,
        urgent), mapped onto the desk's own names or numbers. Setting the current one is success.
        """
        ...

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        """
        Add ``labels`` (Jira labels, Zendesk tags) to ticket ``key``, keeping the ones it has.

        Labels already present are success. Desks without labels raise ``NotSupportedError``.
        """
        ...

    def set_field(self, key: str, field: str, value: str) -> None:
        """
        Set the custom field ``field`` of ticket ``key`` to ``value``.

        ``field`` is the desk's own id for it: a Jira field id (``customfield_10099``), a Zendesk
        ticket field id (digits), a ServiceNow column (``u_deskpilot_state``), a Salesforce Case
        field API name (``Deskpilot_State__c``). Setting the value it already has is success.
        """
        ...

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        """
        The content of attachment ``attachment_id`` of ticket ``key`` (as ``Attachment.id``).

        Files larger than the connector's cap raise ``RejectedError`` without being read whole;
        an unknown attachment raises ``NotFoundError``; a desk that cannot serve file contents
        raises ``NotSupportedError``.
        """
        ...

    def person_email(self, person_id: str) -> str | None:
        """
        The e-mail address of desk user ``person_id``; None when the desk does not show it.

        ``person_id`` is what the normalised ticket carries as ``Person.id`` (Zendesk user id,
        Jira account id, ServiceNow user sys_id, Salesforce Contact or User id). Answers are
        cached in-process (a small LRU), as this is asked for every ticket whose delivery names
        the requester only by id. An unknown user raises ``NotFoundError``.
        """
        ...

    def find_person(self, person_id: str) -> DeskPerson:
        """
        Desk user ``person_id`` as the desk's user API describes them, with this desk's own
        credentials: Zendesk ``/api/v2/users/{id}``, Jira ``/rest/api/3/user?accountId=``,
        ServiceNow ``sys_user`` (by sys_id or ``user_name``), Salesforce ``User``/``Contact``.

        This is how a comment's author is known: never from the e-mail a payload carries.
        Answers are cached in-process (the same LRU as ``person_email``); failures are not.
        An unknown user raises ``NotFoundError``; an id the desk cannot have ``RejectedError``.
        """
        ...

    def group_name(self, group_id: str) -> str:
        """
        The display name of the team ``group_id`` as ``Ticket.team`` carries it (Zendesk group,
        ServiceNow assignment group, JSM organisation, Salesforce queue), from the desk's own
        API (``connectors.desks.groups``); a value that is already a name comes back as it is.
        Not cached here (the dashboard keeps names with a TTL). An unknown id raises
        ``NotFoundError``.
        """
        ...

    def sla_values(self, key: str) -> list[DeskSlaValue]:
        """
        The desk's own SLA figures for ticket ``key``, one per SLA (its ongoing or last cycle).

        Read-only: deskpilot shows where the desk and its own clocks disagree, it never copies
        these values. Desks whose SLAs are not readable this way raise ``NotSupportedError``; an
        unknown ticket raises ``NotFoundError``.
        """
        ...


@runtime_checkable
class FileAttachments(Protocol):
    """A desk that can attach a file to a ticket (``connectors.desks.attach``)."""

    def attach_file(self, key: str, filename: str, content: bytes, media_type: str) -> str:
        """
        Attach ``content`` to ticket ``key`` as ``filename``, exactly once: a file of that name
        already on the ticket is not sent again. Returns the desk's id of the attachment. A
        name that is not a plain file name, or a file over ``attach.MAX_BYTES``, is refused.
        """
        ...


@dataclass(frozen=True)
class DeskFile:
    """A file on a ticket as the desk lists it: the id ``download_attachment`` takes."""

    id: str
    filename: str
    size: int | None = None
    content_type: str | None = None


MAX_LISTED_FILES = 100
"""Files kept from one ticket's listing, oldest first (``TicketFiles.list_attachments``'s
default ``limit``): anyone who can attach files to a ticket decides how many there are, and the
listing is asked for on every delivery, so each desk asks its API for no more than that."""


@dataclass(frozen=True)
class FileListing:
    """What ``TicketFiles.list_attachments`` read: the files, and whether it stopped short."""

    files: tuple[DeskFile, ...] = ()
    stopped_at: str | None = None
    """The desk's own bound that ended the listing while the ticket had more to read
    (Zendesk: ``"10 comment pages"``), so files beyond it were not seen; None when the listing
    read the ticket to its end or to ``limit`` files (the caller asks for one more to tell)."""


@runtime_checkable
class TicketFiles(Protocol):
    """A desk whose ticket deliveries do not carry the ticket's files, but whose API lists them
    (Zendesk event subscriptions, ServiceNow Business Rules, Salesforce Outbound Messages)."""

    def list_attachments(
        self, key: str, *, record_id: str | None = None, limit: int = MAX_LISTED_FILES
    ) -> FileListing:
        """
        The files on ticket ``key``, oldest first (those deskpilot attached itself included), at
        most ``limit`` of them: the desk is asked for no more (a newer file is not read), and a
        bound of the desk's own that stops it earlier is named (``FileListing.stopped_at``);
        ``record_id`` is the desk's own id of the ticket when known (``Ticket.desk_id``: a
        ServiceNow sys_id, a Salesforce Case Id), which saves looking it up. An unknown ticket
        raises ``NotFoundError``; a transient failure ``TransientError``.
        """
        ...


@runtime_checkable
class RequestChannels(Protocol):
    """A desk that records apart from the ticket the channel it was raised through (JSM)."""

    def raised_by_unverified_channel(self, key: str) -> bool | None:
        """
        True if ticket ``key`` came through a channel that does not verify who the requester is
        (JSM e-mail requests, whose reporter is made from a From: header, and the anonymous
        portal); False if not; None when the desk cannot say (a Jira without JSM).
        """
        ...


@runtime_checkable
class TicketAgents(Protocol):
    """A desk whose user API does not say who is an agent, but a second look-up does (Jira/JSM:
    the service project's agent permission; ServiceNow: a fulfiller role)."""

    def is_agent_on(self, key: str, person_id: str) -> bool | None:
        """
        True if desk user ``person_id`` works ticket ``key`` as an agent, False if the desk says
        they do not, None when it cannot say (never a guess). Cached per connector; a transient
        failure raises ``TransientError``, a refused look-up a ``PermanentError``.
        """
        ...


@dataclass(frozen=True)
class WrittenComment:
    """A comment as recorded by ``MemoryDesk`` (and shown by the demo)."""

    key: str
    body: str
    public: bool
    marker: str
    comment_id: str
    at: datetime | None = None


PEOPLE_CACHE_SIZE = 512
"""How many ``person_email`` answers each desk client keeps in memory."""


__all__ = [
    "MAX_LISTED_FILES",
    "PEOPLE_CACHE_SIZE",
    "CreatedTicket",
    "DeskClient",
    "DeskFile",
    "DeskPerson",
    "DeskSlaValue",
    "FileAttachments",
    "FileListing",
    "NewTicket",
    "PollPage",
    "PostedComment",
    "RawDelivery",
    "RequestChannels",
    "TicketAgents",
    "TicketFiles",
    "WrittenComment",
]
