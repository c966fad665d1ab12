"""An in-memory desk: the demo's and the fast tests' stand-in for a real desk instance."""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from connectors.desks import (
    MAX_LISTED_FILES,
    CreatedTicket,
    DeskFile,
    DeskPerson,
    DeskSlaValue,
    FileListing,
    NewTicket,
    PollPage,
    PostedComment,
    RawDelivery,
    WrittenComment,
)
from connectors.desks.attach import checked_name
from connectors.errors import NotFoundError


class MemoryDesk:
    """
    Keeps comments and statuses in memory, with the same exactly-once rules as a real desk.

    Tickets exist once ``register`` has seen them (the webhook intake registers every ticket it
    accepts) or a comment was written to them; ``strict=True`` makes unknown keys a NotFoundError.
    """

    def __init__(self, name: str, *, strict: bool = False) -> None:
        self.name = name
        self.strict = strict
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._known: set[str] = set()
        self.comments: dict[str, list[WrittenComment]] = defaultdict(list)
        self.statuses: dict[str, str] = {}
        self.assignees: dict[str, str] = {}
        self.priorities: dict[str, str] = {}
        self.labels: dict[str, list[str]] = defaultdict(list)
        self.fields: dict[str, dict[str, str]] = defaultdict(dict)
        """Ticket key → custom field → value, as ``set_field`` wrote them."""
        self.pending: list[RawDelivery] = []
        self.tickets: dict[str, RawDelivery] = {}
        """Ticket key → what ``fetch_ticket`` answers (the poll form a real desk would read)."""
        self.people: dict[str, str] = {}
        self.locales: dict[str, str] = {}
        """Desk user id → e-mail, as ``person_email`` answers it (the demo fills it)."""
        self.agents: set[str] = set()
        """Desk user ids the desk calls agents (``find_person(...).is_agent``)."""
        self.post_calls = 0
        self.attachments: dict[tuple[str, str], bytes] = {}
        self.attachment_names: dict[tuple[str, str], str] = {}
        """(ticket key, attachment id) → file name, as ``list_attachments`` answers."""
        self.files: dict[str, dict[str, bytes]] = defaultdict(dict)
        """Ticket key → file name → content, as ``attach_file`` attached them."""
        self.sla: dict[str, list[DeskSlaValue]] = {}
        self.created: dict[str, tuple[str, NewTicket]] = {}
        """Marker → (key, what was asked) of the tickets ``create_ticket`` opened."""
        """Ticket key → the desk's own SLA figures, as ``set_sla_values`` stored them."""
        self.groups: dict[str, str] = {}
        """Team id → display name, as ``group_name`` answers (unknown ids: the id itself)."""

    def register(self, key: str) -> None:
        """Make ``key`` a ticket this desk knows about."""
        with self._lock:
            self._known.add(key)

    def add_person(
        self, person_id: str, email: str, *, agent: bool | None = None, locale: str | None = None
    ) -> None:
        """Make ``person_id`` a desk user whose e-mail address is ``email`` (an agent or not)."""
        with self._lock:
            self.people[person_id] = email
            if locale is not None:
                self.locales[person_id] = locale
            if agent:
                self.agents.add(person_id)
            else:
                self.agents.discard(person_id)

    def add_attachment(
        self, key: str, attachment_id: str, data: bytes, *, filename: str | None = None
    ) -> None:
        """Make ``data`` the content of attachment ``attachment_id`` of ticket ``key``; with a
        ``filename`` the desk also lists it (``list_attachments``), as a desk whose deliveries
        do not carry files would."""
        with self._lock:
            self.attachments[(key, attachment_id)] = data
            if filename is not None:
                self.attachment_names[(key, attachment_id)] = filename

    def list_attachments(
        self, key: str, *, record_id: str | None = None, limit: int = MAX_LISTED_FILES
    ) -> FileListing:
        """The first ``limit`` named files ``add_attachment`` put on ``key``, in that order."""
        with self._lock:
            if self.strict and key not in self._known:
                raise NotFoundError(f"no ticket {key}", system=self.name)
            files = tuple(
                DeskFile(attachment_id, name, len(self.attachments[(k, attachment_id)]))
                for (k, attachment_id), name in self.attachment_names.items()
                if k == key
            )
        return FileListing(files[: max(limit, 0)])

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        with self._lock:
            found = self.attachments.get((key, attachment_id))
        if found is None:
            raise NotFoundError(f"no attachment {attachment_id} on {key}", system=self.name)
        return found

    def attach_file(self, key: str, filename: str, content: bytes, media_type: str) -> str:
        """Attach ``content`` once by name (``FileAttachments``); the id is ``key/filename``."""
        checked_name(filename, content, "memory.attach_file", self.name)
        with self._lock:
            self.files[key].setdefault(filename, content)
        return f"{key}/{filename}"

    def person_email(self, person_id: str) -> str | None:
        with self._lock:
            if self.strict and person_id not in self.people:
                raise NotFoundError(f"no user {person_id}", system=self.name)
            return self.people.get(person_id)

    def find_person(self, person_id: str) -> DeskPerson:
        with self._lock:
            email = self.people.get(person_id)
            if email is None and self.strict:
                raise NotFoundError(f"no user {person_id}", system=self.name)
            return DeskPerson(
                id=person_id,
                email=email,
                is_agent=True if person_id in self.agents else None,
                locale=self.locales.get(person_id),
            )

    def set_sla_values(self, key: str, values: Sequence[DeskSlaValue]) -> None:
        """Make ``values`` what the desk reports as the SLAs of ticket ``key``."""
        with self._lock:
            self._known.add(key)
            self.sla[key] = list(values)

    def set_group_name(self, group_id: str, name: str) -> None:
        """Make ``name`` the display name of team ``group_id``."""
        with self._lock:
            self.groups[group_id] = name

    def group_name(self, group_id: str) -> str:
        with self._lock:
            if group_id in self.groups:
                return self.groups[group_id]
        if self.strict:
            raise NotFoundError(f"no group {group_id}", system=self.name)
        return group_id

    def sla_values(self, key: str) -> list[DeskSlaValue]:
        with self._lock:
            self._check(key)
            return list(self.sla.get(key, ()))

    def post_comment(self, key: str, body: str, *, public: bool, marker: str) -> PostedComment:
        with self._lock:
            self.post_calls += 1
            self._check(key)
            for comment in self.comments[key]:
                if comment.marker == marker:
                    return PostedComment(comment.comment_id, created=False)
            comment_id = str(next(self._ids))
            self.comments[key].append(WrittenComment(key, body, public, marker, comment_id))
            return PostedComment(comment_id, created=True)

    def create_ticket(self, ticket: NewTicket) -> CreatedTicket:
        with self._lock:
            found = self.created.get(ticket.marker)
            if found is not None:
                return CreatedTicket(found[0], None, created=False)
            key = f"{self.name.upper()}-{next(self._ids)}"
            self.created[ticket.marker] = (key, ticket)
            self._known.add(key)
            return CreatedTicket(key, None, created=True)

    def transition(self, key: str, status: str, *, resend: bool = False) -> None:
        with self._lock:
            self._check(key)
            self.statuses[key] = status

    def assign(self, key: str, assignee: str) -> None:
        with self._lock:
            self._check(key)
            self.assignees[key] = assignee

    def set_priority(self, key: str, priority: str) -> None:
        with self._lock:
            self._check(key)
            self.priorities[key] = priority

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        with self._lock:
            self._check(key)
            have = self.labels[key]
            have.extend(label for label in dict.fromkeys(labels) if label not in have)

    def set_field(self, key: str, field: str, value: str) -> None:
        with self._lock:
            self._check(key)
            self.fields[key][field] = value

    def set_ticket(self, key: str, delivery: RawDelivery) -> None:
        """Make ``delivery`` (a poll form) what the desk's API shows for ticket ``key``."""
        with self._lock:
            self._known.add(key)
            self.tickets[key] = delivery

    def fetch_ticket(self, key: str) -> RawDelivery:
        with self._lock:
            found = self.tickets.get(key)
        if found is None:
            raise NotFoundError(f"no ticket {key}", system=self.name)
        return found

    def poll(self, cursor: str | None, *, since: datetime) -> PollPage:
        with self._lock:
            start = int(cursor or 0)
            page = tuple(self.pending[start : start + 100])
            end = start + len(page)
            return PollPage(page, cursor=str(end), more=end < len(self.pending))

    def _check(self, key: str) -> None:
        if self.strict and key not in self._known:
            raise NotFoundError(f"no ticket {key}", system=self.name)
