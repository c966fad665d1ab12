"""
Jira Cloud and Jira Data Center, with Jira Service Management (JSM), on the ``jira`` client.

The client (BSD) runs with its retries off (``max_retries=0``): its ``ResilientSession`` would
resend a POST after a connection error (a duplicated comment) and crash on the HTTP-date form of
``Retry-After``. Its session is put under ``DeskTransport`` (``DeskTransport.adapter``): every
request takes a token from the desk's shared budget and is classified before the client sees
the answer; retries are ``DeskTransport.retrying``'s, and a POST is resent only after re-reading
the ticket. JSM request comments and SLAs (no client helper) go through the same session.

``deployment``: ``cloud`` — REST v3 (ADF bodies), e-mail + API token, people by ``accountId``;
``datacenter`` — REST v2 (text bodies), a personal access token (Bearer), people by user name.
Polling is ``jira_poll``'s; field values are shaped by ``jira_fields`` from ``editmeta``.

Comments (``comment_api``): ``servicedesk`` (default) posts JSM request comments
``{"body": <text>, "public": …}``; ``platform`` uses ``add_comment`` (internal notes carry the
``sd.public.comment = {"internal": true}`` property). Status: the mapped name is looked up among
the issue's transitions (their name or target status); a ticket already there counts as done.
People: ``emailAddress`` (hidden by Cloud unless the profile shows it: then None),
``accountType`` (``customer``/``app`` are never agents), ``active``; cached in-process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from jira import JIRA

from connectors.desks import (
    PEOPLE_CACHE_SIZE,
    DeskPerson,
    DeskSlaValue,
    PollPage,
    PostedComment,
    RawDelivery,
)
from connectors.desks.download import read_capped
from connectors.desks.groups import jira_team_name
from connectors.desks.jira_agents import JiraAgents
from connectors.desks.jira_attach import JiraAttachments
from connectors.desks.jira_create import JiraTicketCreation
from connectors.desks.jira_fields import FieldValueError, field_value
from connectors.desks.jira_options import JIRA_PRIORITIES, JiraOptions
from connectors.desks.jira_poll import POLL_FIELDS, JiraRequestChannels, poll_page, search_request
from connectors.desks.jira_sla import parse_jira_sla
from connectors.desks.polling import PollCursor, poll_delivery
from connectors.desks.transport import DeskTransport, RetryPolicy
from connectors.errors import NotSupportedError, PermanentError, RejectedError
from connectors.http import DEFAULT_TIMEOUT_S
from connectors.ratelimit import RateLimiter
from connectors.render import JsonObject, adf_text, marker_text, to_adf, to_wiki

T = TypeVar("T")


class JiraDesk(JiraTicketCreation, JiraAttachments, JiraRequestChannels, JiraAgents):
    """One Jira site: Cloud with an API user's e-mail and API token, or Data Center with a PAT."""

    desk_type = "jira"

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        limiter: RateLimiter,
        email: str | None = None,
        api_token: str | None = None,
        personal_access_token: str | None = None,
        options: JiraOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.options = options or JiraOptions()
        self._cloud = self.options.deployment == "cloud"
        self._api = "3" if self._cloud else "2"  # REST v3 (ADF) on Cloud, v2 on Data Center
        if not ((email and api_token) if self._cloud else personal_access_token):
            raise ValueError("jira needs `email` + `api_token` (cloud) or a PAT (datacenter)")
        self._client = JIRA(
            server=base_url,
            basic_auth=(email, api_token) if self._cloud and email and api_token else None,
            token_auth=None if self._cloud else personal_access_token,
            max_retries=0,  # retries are DeskTransport's: bounded, and never a blind POST
            get_server_info=False,  # no call at start; the deployment is configured
            timeout=DEFAULT_TIMEOUT_S,
            options={"rest_api_version": self._api, "check_update": False},
        )
        self._client.deploymentType = "Cloud" if self._cloud else "Server"
        self._session = self._client._session
        self._session.headers["Accept"] = "application/json"
        self._t = DeskTransport(
            system=f"jira:{name}",
            base_url=base_url,
            session=self._session,
            limiter=limiter,
            budget=self.options.budget,
            sleep=sleep,
            policy=policy,
        )
        self._calling = threading.local()
        adapter = self._t.adapter(lambda: getattr(self._calling, "name", "jira"))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._people = lru_cache(maxsize=PEOPLE_CACHE_SIZE)(self._fetch_person)
        self._agents = lru_cache(maxsize=PEOPLE_CACHE_SIZE)(self._fetch_agent)

    def _once(self, call: str, fn: Callable[[], T]) -> T:
        """One attempt of ``fn`` (client calls), its errors named after ``call``."""
        self._calling.name = call
        try:
            return fn()
        except PermanentError as exc:
            if str(exc.args[0]).startswith(f"{call}: "):
                raise
            raise type(exc)(f"{call}: {exc.args[0]}", system=exc.system, status=exc.status) from exc

    def _call(self, call: str, fn: Callable[[], T]) -> T:
        """``fn`` under the retry policy (for reads and idempotent writes)."""
        return self._t.retrying(lambda: self._once(call, fn))

    def _send(self, method: str, path: str, call: str, **kwargs: Any) -> requests.Response:
        """One request on the client's session (metered and classified by the transport)."""
        url = path if path.startswith(("http://", "https://")) else self._t.base_url + path
        return self._once(call, lambda: self._session.request(method, url, **kwargs))

    # -- people -----------------------------------------------------------------------------

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        # Cloud answers 303 to a signed media URL (no credentials needed there; requests drops
        # the Authorization header when the redirect leaves the site). Data Center serves the
        # file at the ``content`` URL of the attachment's metadata.
        call = "jira.download_attachment"
        if not attachment_id.isdigit():
            raise RejectedError(
                f"{call}: an attachment id is numeric, not {attachment_id[:40]!r}",
                system=self._t.system,
            )
        what, cap = f"attachment {attachment_id} of {key}", self.options.max_attachment_bytes

        def once() -> bytes:
            url = f"/rest/api/3/attachment/content/{attachment_id}"
            if not self._cloud:
                url = str(self._once(call, lambda: self._client.attachment(attachment_id)).content)
            response = self._send("GET", url, call, stream=True)
            return read_capped(response, cap=cap, what=what, system=self._t.system)

        return self._t.retrying(once)

    def person_email(self, person_id: str) -> str | None:
        return self._people(person_id).email

    def find_person(self, person_id: str) -> DeskPerson:
        return self._people(person_id)

    def _fetch_person(self, person_id: str) -> DeskPerson:
        # emailAddress is left out unless the user's profile visibility allows it (or the API
        # user has "Browse users and groups" on a site that shows it): then None.
        found: Mapping[str, Any] = self._call(
            "jira.person_email", lambda: self._client.user(person_id).raw
        )
        email, kind = found.get("emailAddress"), found.get("accountType")
        return DeskPerson(
            id=person_id,
            email=str(email) if email else None,
            name=str(found["displayName"]) if found.get("displayName") else None,
            # A JSM portal customer or an app is never an agent; an Atlassian account may be
            # either (agency is a licence, not a profile field), so the desk does not say.
            is_agent=False if kind in ("customer", "app") else None,
            active=found.get("active", True) is not False,
            locale=str(found["locale"]) if found.get("locale") else None,
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
                f"/rest/api/{self._api}/issue/{_q(key)}/comment",
                "jira.post_comment",
                {"startAt": start, "maxResults": 100},
            )
            comments = page.get("comments") or []
            for comment in comments:
                text = comment.get("body")
                if footer in (adf_text(text) if isinstance(text, dict) else str(text or "")):
                    return str(comment["id"])
            start += len(comments)
            if not comments or start >= int(page.get("total") or 0):
                return None

    def _create_comment(self, key: str, body: str, footer: str, public: bool) -> str:
        call = "jira.post_comment"
        if self.options.comment_api == "servicedesk":
            path = f"/rest/servicedeskapi/request/{_q(key)}/comment"
            payload: JsonObject = {"body": f"{to_wiki(body)}\n\n{footer}", "public": public}
            return str(self._send("POST", path, call, json=payload).json()["id"])
        # REST v3 takes an ADF document as the body; the client passes it through as JSON.
        text: Any = _adf_with(body, footer) if self._cloud else f"{to_wiki(body)}\n\n{footer}"
        created = self._once(
            call, lambda: self._client.add_comment(key, text, is_internal=not public)
        )
        return str(created.id)

    # -- status, assignee, labels ---------------------------------------------------------

    def transition(self, key: str, status: str, *, resend: bool = False) -> None:
        target = self._mapped_status(status)
        reached = {target.casefold()}
        call = "jira.transition"

        def there() -> bool:
            return self._current_status(key, retry=False).casefold() in reached

        def move() -> None:
            offered: list[Any] = self._once(call, lambda: self._client.transitions(key))
            for candidate in offered:
                to = str((candidate.get("to") or {}).get("name") or "")
                if target.casefold() in {
                    str(candidate.get("name") or "").casefold(),
                    to.casefold(),
                }:
                    payload: JsonObject = {"transition": {"id": str(candidate["id"])}}
                    fields = self.options.transition_fields.get(status)
                    if fields:
                        payload["fields"] = dict(fields)
                    if to:
                        reached.add(to.casefold())  # a resend checks for where it leads
                    path = f"/rest/api/{self._api}/issue/{_q(key)}/transitions"
                    self._send("POST", path, call, json=payload)
                    return
            current = self._current_status(key, retry=False)
            if current.casefold() not in reached:
                available = ", ".join(sorted(str(c.get("name")) for c in offered)) or "none"
                raise RejectedError(
                    f"{call}: {key} is in {current!r}; no transition to {target!r} "
                    f"is available (offered: {available})",
                    system=self._t.system,
                )

        self._t.change_once(there, move, resend=resend)

    def _mapped_status(self, status: str) -> str:
        try:
            return self.options.status_map[status]
        except KeyError:
            raise NotSupportedError(
                f"no Jira status mapped to deskpilot status {status!r}; set options.status_map.{status}",
                system=self._t.system,
            ) from None

    def _current_status(self, key: str, *, retry: bool = True) -> str:
        path, params = f"/rest/api/{self._api}/issue/{_q(key)}", {"fields": "status"}
        if retry:
            issue = self._get(path, "jira.transition", params)
        else:
            response = self._send("GET", path, "jira.transition", params=params)
            issue = response.json() if response.content else {}
        return str(((issue.get("fields") or {}).get("status") or {}).get("name") or "")

    def assign(self, key: str, assignee: str) -> None:
        who = {"accountId": assignee} if self._cloud else {"name": assignee}
        self._put(f"/issue/{_q(key)}/assignee", "jira.assign", who)

    def set_priority(self, key: str, priority: str) -> None:
        name = JIRA_PRIORITIES.get(priority)
        if name is None:
            raise RejectedError(
                f"jira.set_priority: unknown priority {priority!r}", system=self._t.system
            )
        self._put(
            f"/issue/{_q(key)}", "jira.set_priority", {"fields": {"priority": {"name": name}}}
        )

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        if not labels:
            return
        update = {"labels": [{"add": label} for label in dict.fromkeys(labels)]}
        self._put(f"/issue/{_q(key)}", "jira.add_labels", {"update": update})

    def set_field(self, key: str, field: str, value: str) -> None:
        # The shape depends on the field's type: read it from the issue's edit metadata.
        meta = self._call("jira.set_field", lambda: self._client.editmeta(key))
        try:
            wanted = field_value(meta, field, value, cloud=self._cloud, adf=self._cloud)
        except FieldValueError as exc:
            raise RejectedError(f"jira.set_field: {key}: {exc}", system=self._t.system) from None
        self._put(f"/issue/{_q(key)}", "jira.set_field", {"fields": {field: wanted}})

    def _put(self, path: str, call: str, body: Mapping[str, Any]) -> None:
        url = f"/rest/api/{self._api}{path}"
        self._t.retrying(lambda: self._send("PUT", url, call, json=dict(body)))

    # -- SLA (read only) ---------------------------------------------------------------------

    def group_name(self, group_id: str) -> str:
        get = lambda path, call: self._get(path, call, {})  # noqa: E731
        return jira_team_name(get, group_id, self._t.system)

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
        o = self.options
        path, params = search_request(state, cloud=self._cloud, scope=o.jql, timezone=o.timezone,
                                      overlap_s=o.overlap_s, page_size=o.page_size,
                                      extra_fields=o.extra_fields)  # fmt: skip
        page = self._get(path, "jira.poll", params)
        return poll_page(page, state, cloud=self._cloud, desk_type=self.desk_type)

    def fetch_ticket(self, key: str) -> RawDelivery:
        params = {
            "fields": ",".join((*POLL_FIELDS, *self.options.extra_fields)),
            "expand": "changelog",
        }
        path = f"/rest/api/{self._api}/issue/{_q(key)}"
        issue = self._get(path, "jira.fetch_ticket", params)
        fields = issue.get("fields") or {}
        comments = list((fields.get("comment") or {}).get("comments") or [])
        updated = str(fields.get("updated") or "")
        delivery = poll_delivery(
            self.desk_type, str(issue.get("key") or key), updated, issue, comments
        )
        return replace(delivery, source="fetch")

    def _get(self, path: str, call: str, params: Mapping[str, str | int]) -> Any:
        def once() -> Any:
            response = self._send("GET", path, call, params=dict(params))
            return response.json() if response.content else {}

        return self._t.retrying(once) or {}


def _adf_with(body: str, footer: str) -> JsonObject:
    doc = to_adf(body)
    content = doc["content"]
    assert isinstance(content, list)
    content.append({"type": "paragraph", "content": [{"type": "text", "text": footer}]})
    return doc


def _q(key: str) -> str:
    return quote(key, safe="")


__all__ = ["JiraDesk", "JiraOptions"]
