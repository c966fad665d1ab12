"""
ServiceNow (incident or another task table), over the Table API.

Why ``requests`` and not ``pysnow``: pysnow's ``Resource`` carries query parameters over from
one call to the next (a PATCH after a lookup still sends the lookup's ``sysparm_query``), it has
no 429/Retry-After handling and does not follow the ``Link`` header, and it pins
``pytz==2019.3``. The Table API is small enough to speak directly, through ``DeskTransport``.

* Comments: ``PATCH /api/now/table/{table}/{sys_id}`` with ``work_notes`` (internal, fulfillers
  only) or ``comments`` (Additional comments, customer-visible), as plain text. Journal fields
  read back empty from the table, so the marker is looked for in ``sys_journal_field``
  (``element_id=<sys_id>``): the API user needs read access to that table. ServiceNow answers
  200 and silently drops a field the user may not write, so after the PATCH the journal is read
  again: a note that did not land is a ``RejectedError`` naming the field, not a success.
* Status: ``status_map`` maps a deskpilot category to the fields to set, e.g.
  ``{state: "6", close_code: "Solved (Permanently)", close_notes: "Resolved by deskpilot"}``.
  Setting the state a record already has is a no-op, hence success.
* Keys: a record's ``sys_id`` (32 hex digits) or its ``number`` (looked up once, cached).
* Polling: ``sys_updated_on>=<watermark - overlap>^ORDERBYsys_updated_on^ORDERBYsys_id``, paged
  by keyset: the next page asks for rows after the last one read
  (``sys_updated_on>T^NQsys_updated_on=T^sys_id>ID``), not for ``offset + rows returned``.
  ``sysparm_limit`` is applied before ACLs, so a page may come back short or empty while later
  rows exist (``Link: rel="next"``): an empty page moves ``sysparm_offset`` on by the page size
  from the same key, so hidden rows are stepped over and visible ones never read twice. Query
  times are UTC (``sysparm_display_value=false``). Comments come from ``sys_journal_field``.
* 429: ServiceNow's rate-limit rules are hourly and say when they reset (``X-RateLimit-Reset``,
  Unix time); that, measured against the response's ``Date``, is the wait when there is no
  ``Retry-After``.
* People: ``GET /api/now/table/sys_user/{sys_id}`` (or by ``user_name``, which is what a
  journal entry's ``sys_created_by`` holds) → ``email``, ``name``, ``active``; the API user
  needs read access to those ``sys_user`` fields. Cached in-process. Agents: ``servicenow_agents``.
* Labels: incidents have no tags in the Table API; ``add_labels`` raises NotSupportedError.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
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
from connectors.desks.download import read_capped
from connectors.desks.groups import json_get, servicenow_group_name
from connectors.desks.polling import PollCursor, parse_time, poll_delivery
from connectors.desks.servicenow_agents import ServiceNowAgents
from connectors.desks.servicenow_attach import ServiceNowAttachments
from connectors.desks.servicenow_create import ServiceNowTicketCreation
from connectors.desks.servicenow_sla import TASK_SLA_FIELDS, parse_servicenow_slas
from connectors.desks.servicenow_wire import (
    SYS_ID,
    Keyset,
    ServiceNowOptions,
    rate_limit_reset,
)
from connectors.desks.transport import DeskTransport, RetryPolicy
from connectors.errors import NotFoundError, NotSupportedError, RejectedError
from connectors.http import BoundedSession
from connectors.ratelimit import RateLimiter
from connectors.render import marker_text, to_journal

_USER_NAME = re.compile(r"^[\w.@+-]{1,100}$")
_NUMBER = re.compile(r"^[A-Z]{2,8}[0-9]{4,12}$")
_COLUMN = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
SERVICENOW_IMPACT_URGENCY = {
    "urgent": ("1", "1"),
    "high": ("1", "2"),
    "normal": ("2", "2"),
    "low": ("3", "2"),
}
"""deskpilot priority → (impact, urgency): P1, P2, P3, P4 under the default priority lookup."""
JOURNAL = "/api/now/table/sys_journal_field"
USERS = "/api/now/table/sys_user"
USER_FIELDS = "sys_id,user_name,email,name,active,preferred_language,date_format"
TASK_SLA = "/api/now/table/task_sla"
JOURNAL_FIELDS = "sys_id,element,element_id,name,value,sys_created_on,sys_created_by"


class ServiceNowDesk(ServiceNowTicketCreation, ServiceNowAttachments, ServiceNowAgents):
    """One ServiceNow instance, with basic auth (integration user) or an OAuth bearer token."""

    desk_type = "servicenow"

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        limiter: RateLimiter,
        username: str | None = None,
        password: str | None = None,
        oauth_token: str | None = None,
        options: ServiceNowOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.options = options or ServiceNowOptions()
        session = session or BoundedSession()
        if oauth_token:
            session.headers["Authorization"] = f"Bearer {oauth_token}"
        elif username and password:
            session.auth = (username, password)
        else:
            raise ValueError("servicenow needs `username` and `password`, or `oauth_token`")
        session.headers["Accept"] = "application/json"
        self._t = DeskTransport(
            system=f"servicenow:{name}",
            base_url=base_url,
            session=session,
            limiter=limiter,
            budget=self.options.budget,
            sleep=sleep,
            policy=policy,
            classify=lambda response: rate_limit_reset(response, f"servicenow:{name}"),
        )
        self._table = f"/api/now/table/{self.options.table}"
        self._sys_ids: dict[str, str] = {}
        self._people = lru_cache(maxsize=PEOPLE_CACHE_SIZE)(self._fetch_person)
        self._agents = lru_cache(maxsize=PEOPLE_CACHE_SIZE)(self._fetch_agent)

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        call, what = "servicenow.download_attachment", f"attachment {attachment_id} of {key}"
        if not SYS_ID.fullmatch(attachment_id):
            raise RejectedError(
                f"{call}: an attachment id is a sys_id, not {attachment_id[:40]!r}",
                system=self._t.system,
            )
        path = f"/api/now/attachment/{attachment_id}/file"
        cap = self.options.max_attachment_bytes

        def once() -> bytes:
            response = self._t.send("GET", path, call=call, stream=True, headers={"Accept": "*/*"})
            return read_capped(response, cap=cap, what=what, system=self._t.system)

        return self._t.retrying(once)

    def person_email(self, person_id: str) -> str | None:
        return self._people(person_id).email

    def find_person(self, person_id: str) -> DeskPerson:
        return self._people(person_id)

    def _fetch_person(self, person_id: str) -> DeskPerson:
        call = "servicenow.person_email"
        if SYS_ID.fullmatch(person_id):
            found = self._t.json(
                "GET", f"{USERS}/{person_id}", call=call, params={"sysparm_fields": USER_FIELDS}
            )
            user = (found or {}).get("result") or {}
        else:
            if not _USER_NAME.fullmatch(person_id):
                raise RejectedError(
                    f"{call}: {person_id[:40]!r} is neither a sys_id nor a user name",
                    system=self._t.system,
                )
            params: dict[str, str | int] = {
                "sysparm_query": f"user_name={person_id}",
                "sysparm_fields": USER_FIELDS,
                "sysparm_limit": 1,
            }
            users = (self._t.json("GET", USERS, call=call, params=params) or {}).get("result")
            if not users:
                raise NotFoundError(
                    f"{call}: no sys_user {person_id[:40]!r}", system=self._t.system
                )
            user = users[0]
        email, name = user.get("email"), user.get("name")
        return DeskPerson(
            id=str(user.get("sys_id") or person_id),
            email=str(email) if email else None,
            name=str(name) if name else None,
            active=str(user.get("active", "true")).lower() != "false",
            locale=_text(user.get("preferred_language")),
            date_format=_text(user.get("date_format")),
        )

    def post_comment(self, key: str, body: str, *, public: bool, marker: str) -> PostedComment:
        footer = marker_text(marker)
        sys_id = self._sys_id(key, "servicenow.post_comment")
        element = "comments" if public else "work_notes"

        def once() -> PostedComment:
            found = self._journal_entry(sys_id, footer)
            if found is not None:
                return PostedComment(found, created=False)
            self._t.send(
                "PATCH",
                f"{self._table}/{sys_id}",
                call="servicenow.post_comment",
                params={"sysparm_fields": "sys_id,sys_updated_on"},
                json={element: f"{to_journal(body)}\n\n{footer}"},
            )
            landed = self._journal_entry(sys_id, footer)
            if landed is None:
                raise RejectedError(
                    f"servicenow.post_comment: ServiceNow accepted the update but no {element} "
                    f"entry appeared on {key}: the API user may not write {self.options.table}."
                    f"{element} (check its field ACLs and role)",
                    system=self._t.system,
                )
            return PostedComment(landed, created=True)

        return self._t.retrying(once)

    def _journal_entry(self, sys_id: str, footer: str) -> str | None:
        """The journal entry (sys_id) on the record whose text carries ``footer``, if any."""
        query = f"element_id={sys_id}^elementINcomments,work_notes^valueLIKE[deskpilot:"
        params = {"sysparm_query": query, "sysparm_fields": "sys_id,value", "sysparm_limit": 1000}
        found = self._t.send("GET", JOURNAL, call="servicenow.post_comment", params=params)
        for entry in found.json().get("result") or []:
            if footer in str(entry.get("value") or ""):
                return str(entry["sys_id"])
        return None

    def transition(self, key: str, status: str, *, resend: bool = False) -> None:
        try:
            change = dict(self.options.status_map[status])
        except KeyError:
            raise NotSupportedError(
                f"no ServiceNow state mapped to deskpilot status {status!r}; set options.status_map.{status}",
                system=self._t.system,
            ) from None
        call = "servicenow.transition"
        path = f"{self._table}/{self._sys_id(key, call)}"

        def there() -> bool:
            params = {"sysparm_fields": ",".join(change)}
            record = self._t.send("GET", path, call=call, params=params).json().get("result") or {}
            return all(str(record.get(k)) == str(v) for k, v in change.items())

        def move() -> None:
            params = {"sysparm_fields": "sys_id"}
            self._t.send("PATCH", path, call=call, params=params, json=change)

        self._t.change_once(there, move, resend=resend)

    def assign(self, key: str, assignee: str) -> None:
        self._patch(key, {"assigned_to": assignee}, "servicenow.assign")

    def set_priority(self, key: str, priority: str) -> None:
        # Priority is computed from impact and urgency (the default lookup rules): set both.
        pair = SERVICENOW_IMPACT_URGENCY.get(priority)
        if pair is None:
            raise RejectedError(
                f"servicenow.set_priority: unknown priority {priority!r}", system=self._t.system
            )
        change = {"impact": pair[0], "urgency": pair[1]}
        self._patch(key, change, "servicenow.set_priority")

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        raise NotSupportedError(
            "ServiceNow task records have no labels in the Table API; map labels to a field instead",
            system=self._t.system,
        )

    def set_field(self, key: str, field: str, value: str) -> None:
        if not _COLUMN.fullmatch(field):
            raise RejectedError(
                f"servicenow.set_field: {field[:40]!r} is not a column name (e.g. u_deskpilot_state)",
                system=self._t.system,
            )
        self._patch(key, {field: value}, "servicenow.set_field")

    def _patch(self, key: str, change: Mapping[str, str], call: str) -> None:
        sys_id = self._sys_id(key, call)
        params = {"sysparm_fields": "sys_id"}
        self._t.call(
            "PATCH", f"{self._table}/{sys_id}", call=call, params=params, json=dict(change)
        )

    def _sys_id(self, key: str, call: str) -> str:
        if SYS_ID.fullmatch(key):
            return key
        if not _NUMBER.fullmatch(key):
            raise RejectedError(
                f"{call}: {key[:40]!r} is neither a sys_id nor a record number",
                system=self._t.system,
            )
        if key not in self._sys_ids:
            params = {
                "sysparm_query": f"number={key}",
                "sysparm_fields": "sys_id",
                "sysparm_limit": 1,
            }
            found = self._t.json("GET", self._table, call=call, params=params).get("result") or []
            if not found:
                raise NotFoundError(f"{call}: no {self.options.table} {key}", system=self._t.system)
            self._sys_ids[key] = str(found[0]["sys_id"])
        return self._sys_ids[key]

    def group_name(self, group_id: str) -> str:
        return servicenow_group_name(json_get(self._t), group_id, self._t.system)

    def sla_values(self, key: str) -> list[DeskSlaValue]:
        sys_id = self._sys_id(key, "servicenow.sla_values")
        params = {
            "sysparm_query": f"task={sys_id}^stage!=cancelled^ORDERBYstart_time",
            "sysparm_fields": TASK_SLA_FIELDS,
            "sysparm_display_value": "all",
            "sysparm_limit": 100,
        }
        found = self._t.json("GET", TASK_SLA, call="servicenow.sla_values", params=params)
        return parse_servicenow_slas(list((found or {}).get("result") or []))

    def poll(self, cursor: str | None, *, since: datetime) -> PollPage:
        state = PollCursor.load(cursor, since=since)
        after = Keyset.load(state.token)
        params: dict[str, str | int] = {
            "sysparm_query": self._poll_query(state.watermark, after),
            "sysparm_limit": self.options.page_size,
            "sysparm_offset": after.skip,
            "sysparm_display_value": "false",
            "sysparm_exclude_reference_link": "true",
            "sysparm_no_count": "true",
        }
        response = self._t.call("GET", self._table, call="servicenow.poll", params=params)
        records = response.json().get("result") or []
        deliveries: list[RawDelivery] = []
        for record in records:
            updated = str(record.get("sys_updated_on") or "")
            state = state.seen(parse_time(updated) if updated else None)
            deliveries.append(self._delivery(record, updated))
        more = (
            "next" in response.links
            if "Link" in response.headers
            else len(records) == params["sysparm_limit"]
        )
        if not more:
            return PollPage(tuple(deliveries), state.finished().dump(), more=False)
        if records:  # the next page starts after the last row read, hidden rows included
            last = records[-1]
            after = Keyset(str(last.get("sys_updated_on") or ""), str(last["sys_id"]))
        else:  # every row of the page was hidden by ACLs: step over them
            after = Keyset(after.updated, after.sys_id, after.skip + self.options.page_size)
        return PollPage(tuple(deliveries), state.next_page(after.dump()).dump(), more=True)

    def _poll_query(self, watermark: datetime, after: Keyset) -> str:
        start = watermark - timedelta(seconds=self.options.overlap_s)
        scope = f"^{self.options.query}" if self.options.query else ""
        order = "^ORDERBYsys_updated_on^ORDERBYsys_id"
        if not after.updated:
            return f"sys_updated_on>={start:%Y-%m-%d %H:%M:%S}{scope}{order}"
        later = f"sys_updated_on>{after.updated}{scope}"
        same = f"sys_updated_on={after.updated}^sys_id>{after.sys_id}{scope}"
        return f"{later}^NQ{same}{order}"

    def fetch_ticket(self, key: str) -> RawDelivery:
        call = "servicenow.fetch_ticket"
        sys_id = self._sys_id(key, call)
        params = {"sysparm_display_value": "false", "sysparm_exclude_reference_link": "true"}
        found = self._t.json("GET", f"{self._table}/{sys_id}", call=call, params=params)
        record = (found or {}).get("result") or {}
        if not record:
            raise NotFoundError(f"{call}: no {self.options.table} {key}", system=self._t.system)
        comments = self._journal(sys_id, call)
        number = str(record.get("number") or sys_id)
        updated = str(record.get("sys_updated_on") or "")
        delivery = poll_delivery(self.desk_type, number, updated, record, comments)
        return replace(delivery, source="fetch")

    def _delivery(self, record: Any, updated: str) -> RawDelivery:
        comments: list[Any] = []
        if self.options.poll_comments:
            comments = self._journal(str(record["sys_id"]), "servicenow.poll")
        key = str(record.get("number") or record["sys_id"])
        return poll_delivery(self.desk_type, key, updated, record, comments)

    def _journal(self, sys_id: str, call: str) -> list[Any]:
        """The record's comments and work notes (``sys_journal_field``), oldest first."""
        params = {
            "sysparm_query": f"element_id={sys_id}^elementINcomments,work_notes^ORDERBYsys_created_on",
            "sysparm_fields": JOURNAL_FIELDS,
            "sysparm_limit": 1000,
        }
        return list(self._t.json("GET", JOURNAL, call=call, params=params).get("result") or [])


__all__ = ["ServiceNowDesk", "ServiceNowOptions"]


def _text(value: object) -> str | None:
    """A sys_user field's text (a reference field comes as ``{"value": …}``); None when empty."""
    if isinstance(value, dict):
        value = value.get("value")
    return str(value) if value else None
