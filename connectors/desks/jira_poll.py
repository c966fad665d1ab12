"""
How the Jira desk polls: the search request for one page and what it yields (pure).

Cloud searches ``GET /rest/api/3/search/jql`` and pages by ``nextPageToken`` until ``isLast``;
Data Center searches ``GET /rest/api/2/search`` and pages by ``startAt`` until ``total``. The JQL
asks for ``updated >= "<watermark - overlap>" ORDER BY updated ASC`` with minute precision, in
the API user's profile time zone (``timezone``), ANDed after the configured scope.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from connectors.desks import PollPage, RawDelivery
from connectors.desks.polling import PollCursor, parse_time, poll_delivery
from connectors.errors import RejectedError

POLL_FIELDS = (
    "summary",
    "description",
    "status",
    "priority",
    "issuetype",
    "project",
    "reporter",
    "assignee",
    "labels",
    "created",
    "updated",
    "comment",
)


def search_request(
    state: PollCursor,
    *,
    cloud: bool,
    scope: str | None,
    timezone: str,
    overlap_s: float,
    page_size: int,
    extra_fields: Sequence[str] = (),
) -> tuple[str, dict[str, str | int]]:
    """The search path and query for the page ``state`` points at."""
    start = (state.watermark - timedelta(seconds=overlap_s)).astimezone(ZoneInfo(timezone))
    clause = f'updated >= "{start:%Y/%m/%d %H:%M}" ORDER BY updated ASC'
    params: dict[str, str | int] = {
        "jql": f"({scope}) AND {clause}" if scope else clause,
        "maxResults": page_size,
        "fields": ",".join((*POLL_FIELDS, *extra_fields)),
        "expand": "changelog",
    }
    if cloud:
        if state.token:
            params["nextPageToken"] = state.token
        return "/rest/api/3/search/jql", params
    params["startAt"] = int(state.token or 0)
    return "/rest/api/2/search", params


def poll_page(page: Any, state: PollCursor, *, cloud: bool, desk_type: str) -> PollPage:
    """The deliveries of one search answer and the cursor of the next page (or the next scan)."""
    deliveries: list[RawDelivery] = []
    issues = page.get("issues") or []
    for issue in issues:
        fields = issue.get("fields") or {}
        updated = str(fields.get("updated") or "")
        state = state.seen(parse_time(updated) if updated else None)
        comments = list((fields.get("comment") or {}).get("comments") or [])
        deliveries.append(poll_delivery(desk_type, str(issue["key"]), updated, issue, comments))
    token = _next_page(page, issues, cloud)
    if token is not None:
        return PollPage(tuple(deliveries), state.next_page(token).dump(), more=True)
    return PollPage(tuple(deliveries), state.finished().dump(), more=False)


def _next_page(page: Any, issues: Sequence[Any], cloud: bool) -> str | None:
    if cloud:
        token = page.get("nextPageToken")
        return str(token) if token and not page.get("isLast", False) else None
    following = int(page.get("startAt") or 0) + len(issues)
    return str(following) if issues and following < int(page.get("total") or 0) else None


__all__ = ["POLL_FIELDS", "poll_page", "search_request"]


UNVERIFIED_CHANNELS = ("email", '"anonymous portal"')
"""JSM channels (JQL ``request-channel-type``) whose reporter nobody verified: an e-mail's From:
header, or an address typed on a portal that asks for no sign-in."""
_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[0-9]+$")


def channel_search(key: str, *, cloud: bool) -> tuple[str, dict[str, str | int]] | None:
    """
    The search that finds ``key`` only if JSM recorded it as raised through an unverified
    channel. The issue's JSON does not carry the channel (it is a JQL field only); None for a
    key that is not an issue key (nothing from a payload is put into JQL unchecked).
    """
    if not _ISSUE_KEY.match(key):
        return None
    channels = ", ".join(UNVERIFIED_CHANNELS)
    params: dict[str, str | int] = {
        "jql": f'issuekey = "{key}" AND request-channel-type in ({channels})',
        "fields": "id",
        "maxResults": 1,
    }
    return ("/rest/api/3/search/jql" if cloud else "/rest/api/2/search"), params


class _Jira(Protocol):
    _cloud: bool

    def _get(self, path: str, call: str, params: Mapping[str, str | int]) -> Any: ...


class JiraRequestChannels:
    """``raised_by_unverified_channel`` for ``JiraDesk`` (``connectors.desks.RequestChannels``)."""

    def raised_by_unverified_channel(self: _Jira, key: str) -> bool | None:
        search = channel_search(key, cloud=self._cloud)
        try:  # a Jira without JSM has no request-channel-type field: it answers 400
            page = self._get(search[0], "jira.request_channel", search[1]) if search else None
        except RejectedError:
            return None
        return None if page is None else bool(page.get("issues"))
