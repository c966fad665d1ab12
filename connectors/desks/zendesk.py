"""
Zendesk Support, over the REST API v2.

Why ``requests`` and not ``zenpy``: zenpy is GPL-3.0 (deskpilot is Apache-2.0, so it stays an
optional extra at most), its 429 loop retries without bound unless a budget is set, and the
incremental export's resume cursor is reachable only through a private attribute. Every call
here goes through ``DeskTransport`` (shared budget, one classifier, bounded retries).

* Comments: ``PUT /api/v2/tickets/{id}.json`` with ``{"ticket": {"comment": {"html_body": …,
  "public": false|true}}}`` (Zendesk keeps HTML; the Markdown is rendered with raw HTML escaped).
  The marker is looked for first in ``GET /api/v2/tickets/{id}/comments.json`` (cursor paging).
* Status: ``status_map`` maps a deskpilot category to a Zendesk status (``open``, ``pending``,
  ``hold``, ``solved``) or, when numeric, a custom status id.
* Assignee: ``assignee_id`` (numeric) or ``assignee_email``; labels are tags (``PUT …/tags``
  adds, keeping the existing ones).
* People: ``GET /api/v2/users/{id}.json`` → ``user.email``, ``role`` (agent/admin/end-user),
  ``verified``, ``active``/``suspended`` (event subscriptions name the requester by
  ``requester_id`` only, comments their author by ``author_id``), cached in-process.
* Polling, two ways (``poll_api``):

  - ``search`` (default, works for an agent): the search export
    ``/api/v2/search/export?query=updated>…&filter[type]=ticket`` with cursor paging
    (``page[after]``) until ``meta.has_more`` is false; the next scan asks for
    ``updated>`` the newest update seen, minus the overlap. A cursor older than Zendesk's hour
    is refused (400): the scan restarts from its watermark.
  - ``incremental`` (admins only): the cursor-based incremental export
    ``/api/v2/incremental/tickets/cursor.json`` — ``start_time`` first, then ``cursor``, until
    ``end_of_stream``; the after-cursor is kept at the end (the next poll resumes there).

  A 403 names the cause: the export needs an admin, the search needs an agent who can see the
  tickets. Comments come from the ticket comments endpoint (``poll_comments``).
* OAuth: the token needs ``tickets:read tickets:write users:read`` (or ``read write``). The
  first call reads ``/api/v2/oauth/tokens/current.json`` and stops with an ``AuthError`` that
  names any missing scope, instead of failing later on the first author look-up.
* SLAs: ``GET /api/v2/tickets/{id}.json?include=metric_events`` (the documented side-load; the
  per-ticket ``metric_events`` path is not in Zendesk's reference and the incremental metric
  events export is admin-only), read by ``zendesk_sla``; the response's ``Date`` is the desk's
  "now" for deciding whether an open SLA is breached.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import requests

from connectors.desks import (
    PEOPLE_CACHE_SIZE,
    DeskPerson,
    DeskSlaValue,
    PollPage,
    PostedComment,
    RawDelivery,
)
from connectors.desks.download import check_size, read_capped
from connectors.desks.groups import json_get, zendesk_group_name
from connectors.desks.polling import PollCursor, parse_time, poll_delivery
from connectors.desks.transport import DeskTransport, RetryPolicy
from connectors.desks.zendesk_attach import ZendeskAttachments
from connectors.desks.zendesk_create import ZendeskTicketCreation
from connectors.desks.zendesk_sla import response_date, ticket_sla_values
from connectors.desks.zendesk_wire import (
    OAUTH_SCOPES,
    POLL_APIS,
    ZendeskOptions,
    comment_id,
    content_url,
    desk_person,
    numeric_id,
    ticket_comments,
)
from connectors.errors import AuthError, NotSupportedError, RejectedError
from connectors.http import BoundedSession
from connectors.ratelimit import RateLimiter
from connectors.render import marker_text, to_html


class ZendeskDesk(ZendeskTicketCreation, ZendeskAttachments):
    """One Zendesk subdomain, with an agent's API token (``email/token``) or an OAuth token."""

    desk_type = "zendesk"

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        limiter: RateLimiter,
        email: str | None = None,
        api_token: str | None = None,
        oauth_token: str | None = None,
        options: ZendeskOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.options = options or ZendeskOptions()
        if self.options.poll_api not in POLL_APIS:
            raise ValueError(f"zendesk poll_api must be one of {POLL_APIS}")
        session = session or BoundedSession()
        self._scopes_checked = not oauth_token
        if oauth_token:
            session.headers["Authorization"] = f"Bearer {oauth_token}"
        elif email and api_token:
            session.auth = (f"{email}/token", api_token)
        else:
            raise ValueError("zendesk needs `email` and `api_token`, or `oauth_token`")
        session.headers["Accept"] = "application/json"
        self._t = DeskTransport(
            system=f"zendesk:{name}",
            base_url=base_url,
            session=session,
            limiter=limiter,
            budget=self.options.budget,
            sleep=sleep,
            policy=policy,
        )
        self._people = lru_cache(maxsize=PEOPLE_CACHE_SIZE)(self._fetch_person)

    def check_scopes(self) -> None:
        """
        With an OAuth token, stop unless it holds every scope deskpilot needs (once a process).

        Raises ``AuthError`` naming the missing scopes; API tokens act with the agent's own rights
        and are not checked.
        """
        if self._scopes_checked:
            return
        found = self._t.json(
            "GET", "/api/v2/oauth/tokens/current.json", call="zendesk.check_scopes"
        )
        granted = {str(s) for s in ((found or {}).get("token") or {}).get("scopes") or []}
        missing = [need for need, covers in OAUTH_SCOPES.items() if not covers & granted]
        if missing:
            raise AuthError(
                f"zendesk.check_scopes: the OAuth token lacks {' '.join(missing)} (it has "
                f"{' '.join(sorted(granted)) or 'none'}); issue one with "
                f"{' '.join(OAUTH_SCOPES)} (docs/desks.md)",
                system=self._t.system,
            )
        self._scopes_checked = True

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        self.check_scopes()
        call, what = "zendesk.download_attachment", f"attachment {attachment_id} of {key}"
        if not attachment_id.isdigit():
            raise RejectedError(
                f"{call}: a Zendesk attachment id is numeric, not {attachment_id[:40]!r}",
                system=self._t.system,
            )
        found = self._t.json("GET", f"/api/v2/attachments/{attachment_id}.json", call=call)
        attachment = (found or {}).get("attachment") or {}
        cap = self.options.max_attachment_bytes
        size = attachment.get("size")
        check_size(
            size if isinstance(size, int) else None, cap=cap, what=what, system=self._t.system
        )
        url = content_url(
            str(attachment.get("content_url") or ""), self._t.base_url, call, self._t.system
        )

        def once() -> bytes:
            response = self._t.send("GET", url, call=call, stream=True)
            return read_capped(response, cap=cap, what=what, system=self._t.system)

        return self._t.retrying(once)

    def person_email(self, person_id: str) -> str | None:
        return self._people(person_id).email

    def find_person(self, person_id: str) -> DeskPerson:
        return self._people(person_id)

    def _fetch_person(self, person_id: str) -> DeskPerson:
        self.check_scopes()
        if not person_id.isdigit():
            raise RejectedError(
                f"zendesk.person_email: a Zendesk user id is numeric, not {person_id[:40]!r}",
                system=self._t.system,
            )
        found = self._t.json("GET", f"/api/v2/users/{person_id}.json", call="zendesk.person_email")
        return desk_person(person_id, (found or {}).get("user") or {})

    def post_comment(self, key: str, body: str, *, public: bool, marker: str) -> PostedComment:
        self.check_scopes()
        ticket_id = numeric_id(key)
        footer = marker_text(marker)
        html = f"{to_html(body)}<p>{footer}</p>"

        def once() -> PostedComment:
            for comment in self._comments(ticket_id, "zendesk.post_comment", send=True):
                texts = (comment.get(k) for k in ("body", "html_body", "plain_body"))
                if any(footer in str(text or "") for text in texts):
                    return PostedComment(str(comment["id"]), created=False)
            ticket = {"comment": {"html_body": html, "public": public}}
            response = self._t.send(
                "PUT",
                f"/api/v2/tickets/{ticket_id}.json",
                call="zendesk.post_comment",
                json={"ticket": ticket},
            )
            return PostedComment(comment_id(response.json()), created=True)

        return self._t.retrying(once)

    def transition(self, key: str, status: str, *, resend: bool = False) -> None:
        try:
            target = self.options.status_map[status]
        except KeyError:
            raise NotSupportedError(
                f"no Zendesk status mapped to deskpilot status {status!r}; set options.status_map.{status}",
                system=self._t.system,
            ) from None
        change: dict[str, str | int] = (
            {"custom_status_id": int(target)} if target.isdigit() else {"status": target}
        )
        self.check_scopes()
        path = f"/api/v2/tickets/{numeric_id(key)}.json"

        def there() -> bool:
            ticket = self._t.send("GET", path, call="zendesk.transition").json().get("ticket") or {}
            return all(str(ticket.get(k)) == str(v) for k, v in change.items())

        def move() -> None:
            self._t.send("PUT", path, call="zendesk.transition", json={"ticket": change})

        self._t.change_once(there, move, resend=resend)

    def assign(self, key: str, assignee: str) -> None:
        change: dict[str, str | int] = (
            {"assignee_id": int(assignee)} if assignee.isdigit() else {"assignee_email": assignee}
        )
        self._update(key, change, "zendesk.assign")

    def set_priority(self, key: str, priority: str) -> None:
        if priority not in ("low", "normal", "high", "urgent"):
            raise RejectedError(
                f"zendesk.set_priority: unknown priority {priority!r}", system=self._t.system
            )
        self._update(key, {"priority": priority}, "zendesk.set_priority")

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        if not labels:
            return
        self.check_scopes()
        self._t.call(
            "PUT",
            f"/api/v2/tickets/{numeric_id(key)}/tags.json",
            call="zendesk.add_labels",
            json={"tags": list(dict.fromkeys(labels))},
        )

    def set_field(self, key: str, field: str, value: str) -> None:
        if not field.isdigit():
            raise RejectedError(
                f"zendesk.set_field: a Zendesk ticket field id is numeric, not {field[:40]!r}",
                system=self._t.system,
            )
        self.check_scopes()
        path = f"/api/v2/tickets/{numeric_id(key)}.json"
        change = {"custom_fields": [{"id": int(field), "value": value}]}
        self._t.call("PUT", path, call="zendesk.set_field", json={"ticket": change})

    def _update(self, key: str, change: Mapping[str, str | int], call: str) -> None:
        self.check_scopes()
        path = f"/api/v2/tickets/{numeric_id(key)}.json"
        self._t.call("PUT", path, call=call, json={"ticket": dict(change)})

    def group_name(self, group_id: str) -> str:
        return zendesk_group_name(json_get(self._t, self.check_scopes), group_id, self._t.system)

    def sla_values(self, key: str) -> list[DeskSlaValue]:
        ticket_id = numeric_id(key)
        self.check_scopes()
        response = self._t.call(
            "GET",
            f"/api/v2/tickets/{ticket_id}.json",
            call="zendesk.sla_values",
            params={"include": "metric_events"},
        )
        return ticket_sla_values(response.json() or {}, as_of=response_date(response))

    def poll(self, cursor: str | None, *, since: datetime) -> PollPage:
        self.check_scopes()
        state = PollCursor.load(cursor, since=since)
        if self.options.poll_api == "incremental":
            return self._poll_export(state)
        return self._poll_search(state)

    def _poll_export(self, state: PollCursor) -> PollPage:
        params: dict[str, str | int] = {"per_page": self.options.page_size}
        if state.token:
            params["cursor"] = state.token
        else:
            start = state.watermark - timedelta(seconds=self.options.overlap_s)
            params["start_time"] = int(start.timestamp())
        if self.options.exclude_deleted:
            params["exclude_deleted"] = "true"
        try:
            page = self._t.json(
                "GET", "/api/v2/incremental/tickets/cursor.json", call="zendesk.poll", params=params
            )
        except AuthError as exc:
            raise AuthError(
                f"{exc.args[0]}; the incremental export is for admins only: give deskpilot an "
                "admin's token or set options.poll_api: search (works for an agent)",
                system=exc.system,
                status=exc.status,
            ) from exc
        deliveries, state = self._deliveries(page.get("tickets") or [], state)
        after = page.get("after_cursor")
        state = state.next_page(str(after)) if after else state
        return PollPage(tuple(deliveries), state.dump(), more=not page.get("end_of_stream", True))

    def _poll_search(self, state: PollCursor) -> PollPage:
        start = state.watermark - timedelta(seconds=self.options.overlap_s)
        params: dict[str, str | int] = {
            "query": f"updated>{start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
            "filter[type]": "ticket",
            "page[size]": self.options.page_size,
        }
        if self.options.exclude_deleted:
            params["query"] = f"{params['query']} -status:deleted"
        try:
            page = self._search_page(params, state.token)
        except RejectedError:
            if state.token is None:
                raise
            # Zendesk keeps an export cursor for an hour: start this scan again instead.
            state = PollCursor(watermark=state.watermark, newest=state.newest)
            page = self._search_page(params, None)
        deliveries, state = self._deliveries(page.get("results") or [], state)
        meta = page.get("meta") or {}
        after = meta.get("after_cursor")
        if meta.get("has_more") and after:
            return PollPage(tuple(deliveries), state.next_page(str(after)).dump(), more=True)
        return PollPage(tuple(deliveries), state.finished().dump(), more=False)

    def _search_page(self, params: Mapping[str, str | int], token: str | None) -> Any:
        query = {**params, "page[after]": token} if token else dict(params)
        try:
            return self._t.json(
                "GET", "/api/v2/search/export.json", call="zendesk.poll", params=query
            )
        except AuthError as exc:
            raise AuthError(
                f"{exc.args[0]}; the search export needs an agent (not an end user) whose role "
                "may view the tickets to poll",
                system=exc.system,
                status=exc.status,
            ) from exc

    def _deliveries(
        self, tickets: Sequence[Any], state: PollCursor
    ) -> tuple[list[RawDelivery], PollCursor]:
        deliveries: list[RawDelivery] = []
        for ticket in tickets:
            updated = str(ticket.get("updated_at") or "")
            state = state.seen(parse_time(updated) if updated else None)
            deliveries.append(self._delivery(ticket, updated))
        return deliveries, state

    def fetch_ticket(self, key: str) -> RawDelivery:
        self.check_scopes()
        ticket_id = numeric_id(key)
        call = "zendesk.fetch_ticket"
        found = self._t.json("GET", f"/api/v2/tickets/{ticket_id}.json", call=call)
        ticket = (found or {}).get("ticket") or {}
        comments = list(self._comments(ticket_id, call, send=False))
        updated = str(ticket.get("updated_at") or "")
        delivery = poll_delivery(self.desk_type, ticket_id, updated, ticket, comments)
        return replace(delivery, source="fetch")

    def _delivery(self, ticket: Any, updated: str) -> RawDelivery:
        comments: list[Any] = []
        if self.options.poll_comments and ticket.get("status") != "deleted":
            comments = list(self._comments(str(ticket["id"]), "zendesk.poll", send=False))
        return poll_delivery(self.desk_type, str(ticket["id"]), updated, ticket, comments)

    def _comments(self, ticket_id: str, call: str, *, send: bool) -> list[Any]:
        return ticket_comments(self._t, ticket_id, call, send=send)


__all__ = ["ZendeskDesk", "ZendeskOptions"]
