"""
A Zendesk desk's configuration and the shapes of its API: the admin's options, the OAuth
scopes deskpilot needs, ticket ids, and the user and ticket-update objects Zendesk returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from connectors.desks import (
    DeskPerson,
)
from connectors.desks.download import MAX_ATTACHMENT_BYTES
from connectors.desks.transport import DeskTransport
from connectors.errors import RejectedError
from connectors.ratelimit import Budget

COMMENTS_PER_PAGE = 100
"""``page[size]`` of the comments endpoint (its maximum)."""

ZENDESK_HOSTS = (".zendesk.com", ".zdusercontent.com")
"""Hosts an attachment's ``content_url`` may point at (besides the desk's own)."""
OAUTH_SCOPES: Mapping[str, frozenset[str]] = {
    "tickets:read": frozenset({"read", "tickets:read"}),
    "tickets:write": frozenset({"write", "tickets:write"}),
    "users:read": frozenset({"read", "users:read"}),
}
"""Each scope deskpilot needs, and the granted scopes that cover it."""
POLL_APIS = ("search", "incremental")


@dataclass(frozen=True)
class ZendeskOptions:
    """What the Zendesk admin maps and tunes (``desks[].options`` in the configuration)."""

    status_map: Mapping[str, str] = field(default_factory=dict)
    """deskpilot category → Zendesk status, or a custom status id (digits)."""
    poll_api: str = "search"
    """``search`` (agent-safe search export) or ``incremental`` (the admin-only export)."""
    poll_comments: bool = True
    exclude_deleted: bool = False
    overlap_s: float = 120.0
    page_size: int = 100
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    budget: Budget = field(default_factory=lambda: Budget(requests=600, per_s=60.0, burst=20))
    """Default: ~85 % of the Suite Enterprise 700 requests/minute, shared by all workers."""


def numeric_id(key: str) -> str:
    """A ticket key as Zendesk's API takes it: the numeric ticket id."""
    if not key.isdigit():
        raise RejectedError(f"a Zendesk ticket key is its numeric id, not {key[:40]!r}")
    return key


def comment_id(update: Any) -> str:
    """The id of the comment a ticket update added (its audit's ``Comment`` event)."""
    events = (update.get("audit") or {}).get("events") or []
    for event in events:
        if event.get("type") == "Comment":
            return str(event["id"])
    return str((update.get("audit") or {}).get("id", ""))


NOT_AGENT_ROLE_TYPES = frozenset({1, 2, 3})
"""Zendesk ``role_type``: 1 light agent, 2 chat-only agent, 3 chat agent as a contributor
(0 is a custom agent role, 4 an admin, 5 a billing admin). Zendesk sends it as a number, and
for the administrator roles as a string (``"role_type": "4"``), so both are read."""


def _role_type(value: Any) -> int | None:
    """``role_type`` as a number, whether Zendesk sent ``1`` or ``"1"``; None when absent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def desk_person(person_id: str, user: Any) -> DeskPerson:
    """
    A Zendesk ``user`` object as deskpilot sees the person: admins and agents are agents, but
    not light agents, chat-only agents or contributors (``role_type`` 1-3, ``chat_only``).
    Their role is ``agent`` too, yet they work no tickets: a light agent is anyone from another
    department given a free seat to add private notes.
    """
    email, role = user.get("email"), user.get("role")
    limited = (
        _role_type(user.get("role_type")) in NOT_AGENT_ROLE_TYPES or user.get("chat_only") is True
    )
    return DeskPerson(
        id=person_id,
        email=str(email) if email else None,
        name=str(user["name"]) if user.get("name") else None,
        is_agent=(role == "admin" or (role == "agent" and not limited)) if role else None,
        active=user.get("active", True) is not False and not user.get("suspended"),
        email_verified=user.get("verified") if isinstance(user.get("verified"), bool) else None,
        locale=str(user["locale"]) if user.get("locale") else None,
    )


def content_url(url: str, base_url: str, call: str, system: str) -> str:
    """``url`` if it is on a Zendesk host (or the desk's own), else ``RejectedError``."""
    # The session carries the agent's credentials: send them to Zendesk hosts only.
    host = urlsplit(url).hostname or ""
    own = urlsplit(base_url).hostname or ""
    if urlsplit(url).scheme == "https" and (host == own or host.endswith(ZENDESK_HOSTS)):
        return url
    raise RejectedError(
        f"{call}: the attachment's content_url is not on a Zendesk host ({host[:60]!r})",
        system=system,
    )


__all__ = [
    "COMMENTS_PER_PAGE",
    "NOT_AGENT_ROLE_TYPES",
    "OAUTH_SCOPES",
    "POLL_APIS",
    "ZENDESK_HOSTS",
    "ZendeskOptions",
    "comment_id",
    "comment_pages",
    "content_url",
    "desk_person",
    "numeric_id",
    "ticket_comments",
]


def comment_pages(
    transport: DeskTransport, ticket_id: str, call: str, *, send: bool
) -> Iterator[tuple[list[Any], bool]]:
    """A ticket's comments, one cursor page (100, oldest first) at a time, each read only when
    asked for, with whether a later page follows; ``send`` = single attempts (in an outer
    retry)."""
    url: str | None = f"/api/v2/tickets/{ticket_id}/comments.json"
    params: dict[str, str | int] | None = {"page[size]": COMMENTS_PER_PAGE}
    while url:
        if send:
            page = transport.send("GET", url, call=call, params=params).json()
        else:
            page = transport.json("GET", url, call=call, params=params)
        more = bool((page.get("meta") or {}).get("has_more"))
        url, params = ((page.get("links") or {}).get("next"), None) if more else (None, None)
        yield page.get("comments") or [], bool(url)


def ticket_comments(
    transport: DeskTransport, ticket_id: str, call: str, *, send: bool
) -> list[Any]:
    """All comments of a ticket (every cursor page); ``send`` = single attempts."""
    pages = comment_pages(transport, ticket_id, call, send=send)
    return [c for page, _ in pages for c in page]
