"""
Jira Cloud and Jira Service Management (JSM), over REST v3 and the Service Management API.

Why ``requests`` and not the ``jira`` client: its ``ResilientSession`` retries POSTs after a
connection error (a duplicated comment), crashes on the HTTP-date form of ``Retry-After``,
speaks REST v2 by default (no ADF) and has no helper for JSM request comments. Every call here
goes through ``DeskTransport`` instead: shared budget, one classifier, bounded retries, and a
POST retried only after re-checking the ticket for its marker.

Comments (``comment_api`` option):

* ``servicedesk`` (default, JSM projects): ``POST /rest/servicedeskapi/request/{key}/comment``
  with ``{"body": <plain text>, "public": true|false}``.
* ``platform`` (any Jira project): ``POST /rest/api/3/issue/{key}/comment`` with an ADF body;
  internal notes carry the ``sd.public.comment = {"internal": true}`` property.

Fields: ``set_field`` reads ``GET …/editmeta`` first and sends the shape the field's type takes
(``jira_fields``): a string, ``{"value": …}`` for a select list, ``{"accountId": …}`` for a user
picker, ADF for a paragraph field.

Status: the deskpilot category is mapped (``status_map``) to a Jira status or transition name;
the transition is found BY NAME in ``GET …/transitions`` (its own name or its target status),
and a ticket already in that status counts as done.

People: ``GET /rest/api/3/user?accountId=`` → ``emailAddress`` (which Atlassian hides unless
the user's profile visibility shows it: then None), ``accountType`` (``customer``/``app`` are
never agents) and ``active``; cached in-process.

Polling: ``GET /rest/api/3/search/jql`` with ``updated >= "<watermark - overlap>" ORDER BY
updated ASC`` (minute precision, in the API user's time zone: set ``timezone`` to match the
profile), ``nextPageToken`` paging, ``expand=changelog`` and the ``comment`` field.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests

from connectors.desks import (
    PEOPLE_CACHE_SIZE,
    DeskPerson,
    DeskSlaValue,
    PollPage,
    PostedComment,
    RawDelivery,
)
from connectors.desks.download import MAX_ATTACHMENT_BYTES, read_capped
from connectors.desks.jira_fields import FieldValueError, field_value
from connectors.desks.jira_sla import parse_jira_sla
from connectors.desks.polling import PollCursor, parse_time, poll_delivery
from connectors.desks.transport import DeskTransport, RetryPolicy
from connectors.errors import NotSupportedError, RejectedError
from connectors.http import BoundedSession
from connectors.ratelimit import Budget, RateLimiter
from connectors.render import JsonObject, adf_text, marker_text, to_adf, to_plain

JIRA_PRIORITIES = {"low": "Low", "normal": "Medium", "high": "High", "urgent": "Highest"}
"""deskpilot priority → the name of Jira's default priority scheme."""
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


@dataclass(frozen=True)
class JiraOptions:
    """What the Jira admin maps and tunes (``desks[].options`` in the configuration)."""

    status_map: Mapping[str, str] = field(default_factory=dict)
    """deskpilot category → Jira status name or transition name, e.g. ``resolved: Resolved``."""
    transition_fields: Mapping[str, JsonObject] = field(default_factory=dict)
    """deskpilot category → ``fields`` sent with that transition, e.g. a resolution."""
    comment_api: Literal["servicedesk", "platform"] = "servicedesk"
    jql: str | None = None
    """Scope of polling, e.g. ``project = IT``; ANDed before the ``updated`` clause."""
    extra_fields: tuple[str, ...] = ()
    """Custom fields to poll as well, e.g. ``customfield_10010`` (JSM request type)."""
    timezone: str = "UTC"
    """The API user's profile time zone: JQL dates are read in it."""
    overlap_s: float = 120.0
    page_size: int = 50
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    budget: Budget = field(default_factory=lambda: Budget(requests=600, per_s=60.0, burst=20))


class JiraDesk:
    """One Jira Cloud site, authenticated with an API user's e-mail and API token."""

    desk_type = "jira"

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        email: str,
        api_token: str,
        limiter: RateLimiter,
        options: JiraOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.options = options or JiraOptions()
        session = session or BoundedSession()
        session.auth = (email, api_token)
        session.headers["Accept"] = "application/json"
        self._t = DeskTransport(
            system=f"jira:{name}",
            base_url=base_url,
            session=session,
            limiter=limiter,
            budget=self.options.budget,
            sleep=sleep,
            policy=policy,
        )
        self._people = lru_cache(maxsize=PEOPLE_CACHE_SIZE)(self._fetch_person)

    # -- people -----------------------------------------------------------------------------

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        # Jira answers 303 to a signed media URL (no credentials needed there; requests drops
        # the Authorization header when the redirect leaves the site).
        if not attachment_id.isdigit():
            raise RejectedError(
                f"jira.download_attachment: an attachment id is numeric, not {attachment_id[:40]!r}",
                system=self._t.system,
            )
        path = f"/rest/api/3/attachment/content/{attachment_id}"
        what = f"attachment {attachment_id} of {key}"

        def once() -> bytes:
            response = self._t.send("GET", path, call="jira.download_attachment", stream=True)
            cap = self.options.max_attachment_bytes
            return read_capped(response, cap=cap, what=what, system=self._t.system)

        return self._t.retrying(once)

    def person_email(self, person_id: str) -> str | None:
        return self._people(person_id).email

    def find_person(self, person_id: str) -> DeskPerson:
        return self._people(person_id)

    def _fetch_person(self, person_id: str) -> DeskPerson:
        # emailAddress is left out unless the user's profile visibility allows it (or the API
        # user has "Browse users and groups" on a site that shows it): then None.
        found = self._get("/rest/api/3/user", "jira.person_email", {"accountId": person_id})
        email, kind = found.get("emailAddress"), found.get("accountType")
        return DeskPerson(
            id=person_id,
            email=str(email) if email else None,
            name=str(found["displayName"]) if found.get("displayName") else None,
            # A JSM portal customer or an app is never an agent; an Atlassian account may be
            # either (agency is a licence, not a profile field), so the desk does not say.
            is_agent=False if kind in ("customer", "app") else None,
            active=found.get("active", True) is not False,
        )

    # -- comments -------------------------------------------------------------------------

    def post_comment(self, key: str, body: str, *, public: bool, marker: str) -> PostedComment:
        footer = marker_text(marker)

        def once() -> PostedComment:
            existing = self._find_marker(key, footer)
            if existing is not None:
                return PostedComment(existing, created=False)
            return PostedComment(self._create_comment(key, body, footer, public), created=True)

        return self._t.retrying(once)

    def _find_marker(self, key: str, footer: str) -> str | None:
        if self.options.comment_api == "servicedesk":
            return self._find_marker_servicedesk(key, footer)
        return self._find_marker_platform(key, footer)

    def _find_marker_servicedesk(self, key: str, footer: str) -> str | None:
        start = 0
        while True:
            page = self._get(
                f"/rest/servicedeskapi/request/{_q(key)}/comment",
                "jira.post_comment",
                {"start": start, "limit": 100},
            )
            values = page.get("values") or []
            for comment in values:
                if footer in str(comment.get("body") or ""):
                    return str(comment["id"])
            if page.get("isLastPage", True) or not values:
                return None
            start += len(values)

    def _find_marker_platform(self, key: str, footer: str) -> str | None:
        start = 0
        while True:
            page = self._get(
                f"/rest/api/3/issue/{_q(key)}/comment",
                "jira.post_comment",
                {"startAt": start, "maxResults": 100},
            )
            comments = page.get("comments") or []
            for comment in comments:
                if footer in adf_text(comment.get("body")):
                    return str(comment["id"])
            start += len(comments)
            if not comments or start >= int(page.get("total") or 0):
                return None

    def _create_comment(self, key: str, body: str, footer: str, public: bool) -> str:
        if self.options.comment_api == "servicedesk":
            path = f"/rest/servicedeskapi/request/{_q(key)}/comment"
            payload: JsonObject = {"body": f"{to_plain(body)}\n\n{footer}", "public": public}
        else:
            path = f"/rest/api/3/issue/{_q(key)}/comment"
            payload = _platform_comment(body, footer, public)
        response = self._t.send("POST", path, call="jira.post_comment", json=payload)
        return str(response.json()["id"])

    # -- status, assignee, labels ---------------------------------------------------------

    def transition(self, key: str, status: str) -> None:
        target = self._mapped_status(status)
        path = f"/rest/api/3/issue/{_q(key)}/transitions"
        offered = self._get(path, "jira.transition", {}).get("transitions") or []
        for candidate in offered:
            names = (candidate.get("name"), (candidate.get("to") or {}).get("name"))
            if target.casefold() in {str(n).casefold() for n in names if n}:
                payload: JsonObject = {"transition": {"id": str(candidate["id"])}}
                fields = self.options.transition_fields.get(status)
                if fields:
                    payload["fields"] = dict(fields)
                self._t.call("POST", path, call="jira.transition", json=payload)
                return
        current = self._current_status(key)
        if current.casefold() != target.casefold():
            available = ", ".join(sorted(str(c.get("name")) for c in offered)) or "none"
            raise RejectedError(
                f"jira.transition: {key} is in {current!r}; no transition to {target!r} "
                f"is available (offered: {available})",
                system=self._t.system,
            )

    def _mapped_status(self, status: str) -> str:
        try:
            return self.options.status_map[status]
        except KeyError:
            raise NotSupportedError(
                f"no Jira status mapped to deskpilot status {status!r}; set options.status_map.{status}",
                system=self._t.system,
            ) from None

    def _current_status(self, key: str) -> str:
        issue = self._get(f"/rest/api/3/issue/{_q(key)}", "jira.transition", {"fields": "status"})
        return str(((issue.get("fields") or {}).get("status") or {}).get("name") or "")

    def assign(self, key: str, assignee: str) -> None:
        self._t.call(
            "PUT",
            f"/rest/api/3/issue/{_q(key)}/assignee",
            call="jira.assign",
            json={"accountId": assignee},
        )

    def set_priority(self, key: str, priority: str) -> None:
        name = JIRA_PRIORITIES.get(priority)
        if name is None:
            raise RejectedError(
                f"jira.set_priority: unknown priority {priority!r}", system=self._t.system
            )
        self._t.call(
            "PUT",
            f"/rest/api/3/issue/{_q(key)}",
            call="jira.set_priority",
            json={"fields": {"priority": {"name": name}}},
        )

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        if not labels:
            return
        update = {"labels": [{"add": label} for label in dict.fromkeys(labels)]}
        self._t.call(
            "PUT", f"/rest/api/3/issue/{_q(key)}", call="jira.add_labels", json={"update": update}
        )

    def set_field(self, key: str, field: str, value: str) -> None:
        # The shape depends on the field's type: read it from the issue's edit metadata.
        meta = self._get(f"/rest/api/3/issue/{_q(key)}/editmeta", "jira.set_field", {})
        try:
            wanted = field_value(meta, field, value)
        except FieldValueError as exc:
            raise RejectedError(f"jira.set_field: {key}: {exc}", system=self._t.system) from None
        self._t.call(
            "PUT",
            f"/rest/api/3/issue/{_q(key)}",
            call="jira.set_field",
            json={"fields": {field: wanted}},
        )

    # -- SLA (read only) ---------------------------------------------------------------------

    def sla_values(self, key: str) -> list[DeskSlaValue]:
        path = f"/rest/servicedeskapi/request/{_q(key)}/sla"
        values: list[DeskSlaValue] = []
        start = 0
        while True:
            params = {"start": start, "limit": 50}
            page = self._get(path, "jira.sla_values", params)
            records = list(page.get("values") or [])
            values.extend(v for v in map(parse_jira_sla, records) if v is not None)
            if page.get("isLastPage", True) or not records:
                return values
            start += len(records)

    # -- polling ----------------------------------------------------------------------------

    def poll(self, cursor: str | None, *, since: datetime) -> PollPage:
        state = PollCursor.load(cursor, since=since)
        params: dict[str, str | int] = {
            "jql": self._jql(state.watermark),
            "maxResults": self.options.page_size,
            "fields": ",".join((*POLL_FIELDS, *self.options.extra_fields)),
            "expand": "changelog",
        }
        if state.token:
            params["nextPageToken"] = state.token
        page = self._get("/rest/api/3/search/jql", "jira.poll", params)
        deliveries: list[RawDelivery] = []
        for issue in page.get("issues") or []:
            updated = str((issue.get("fields") or {}).get("updated") or "")
            state = state.seen(parse_time(updated) if updated else None)
            deliveries.append(self._delivery(issue, updated))
        token = page.get("nextPageToken")
        if token and not page.get("isLast", False):
            return PollPage(tuple(deliveries), state.next_page(str(token)).dump(), more=True)
        return PollPage(tuple(deliveries), state.finished().dump(), more=False)

    def _jql(self, watermark: datetime) -> str:
        start = (watermark - timedelta(seconds=self.options.overlap_s)).astimezone(
            ZoneInfo(self.options.timezone)
        )
        clause = f'updated >= "{start:%Y/%m/%d %H:%M}" ORDER BY updated ASC'
        return f"({self.options.jql}) AND {clause}" if self.options.jql else clause

    def _delivery(self, issue: Any, updated: str) -> RawDelivery:
        comment_field = (issue.get("fields") or {}).get("comment") or {}
        comments = list(comment_field.get("comments") or [])
        return poll_delivery(self.desk_type, str(issue["key"]), updated, issue, comments)

    def _get(self, path: str, call: str, params: Mapping[str, str | int]) -> Any:
        return self._t.json("GET", path, call=call, params=dict(params)) or {}


def _platform_comment(body: str, footer: str, public: bool) -> JsonObject:
    doc = to_adf(body)
    content = doc["content"]
    assert isinstance(content, list)
    content.append({"type": "paragraph", "content": [{"type": "text", "text": footer}]})
    payload: JsonObject = {"body": doc}
    if not public:
        payload["properties"] = [{"key": "sd.public.comment", "value": {"internal": True}}]
    return payload


def _q(key: str) -> str:
    return quote(key, safe="")


__all__ = ["POLL_FIELDS", "JiraDesk", "JiraOptions"]
