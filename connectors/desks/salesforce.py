"""
Salesforce Service Cloud cases, over the REST API.

``simple-salesforce`` is used for what it does well, logging in (``salesforce_login``: the OAuth
JWT bearer and client-credentials flows, and the legacy SOAP login; imported lazily so the core
installs without the ``deskpilot[salesforce]`` extra). Calls themselves go through
``DeskTransport`` with ``requests``: the library has no backoff for ``REQUEST_LIMIT_EXCEEDED`` or
5xx, drops the caller's headers when it re-logs in, and retries a failing re-login without bound.

* Salesforce signals an exhausted API allocation as **HTTP 403 ``REQUEST_LIMIT_EXCEEDED``**, not
  429. ``_classify`` turns it into ``RateLimitedError`` (``request_limit_retry_s``, default 15
  min) before ``check_response`` would call it an AuthError; every worker then waits.
* A 401 (expired session) logs in again once and repeats the call.
* Comments: ``POST /sobjects/CaseComment`` with ``IsPublished`` false (internal) or true
  (public), plain text, at most 4,000 bytes (longer bodies are shortened, the marker kept).
  The marker is looked for first in the case's comments (SOQL; ``CommentBody`` cannot be
  filtered on, so the bodies are read).
* Status: ``status_map`` maps a deskpilot category to a ``Status`` picklist value; the update is
  sent with ``Sforce-Auto-Assign: FALSE`` so assignment rules do not re-run.
* Polling: SOQL through ``queryAll`` (deleted cases come back with ``IsDeleted = true``) on
  ``SystemModstamp >= <watermark - overlap>``, ordered by ``SystemModstamp, Id``, paged with
  ``nextRecordsUrl``; each case's comments come in the same query (``CaseComments`` subquery).
* People: the requester is the Case's ``ContactId`` (``003…``) or a User (``005…``), a
  comment's author its ``CreatedById`` (``005…``): ``GET /sobjects/Contact/{id}?fields=Email,Name``
  or ``GET /sobjects/User/{id}?fields=Email,Name,IsActive,UserType`` (only a ``Standard`` user
  is an agent), cached in-process.
* Labels: cases have no labels; ``add_labels`` raises NotSupportedError.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

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
from connectors.desks.groups import salesforce_group_name
from connectors.desks.polling import PollCursor, parse_time, poll_delivery
from connectors.desks.salesforce_attach import SalesforceAttachments
from connectors.desks.salesforce_create import SalesforceTicketCreation
from connectors.desks.salesforce_login import ClientCredentialsLogin, JwtBearerLogin, PasswordLogin
from connectors.desks.salesforce_options import SalesforceOptions, SessionSource, StaticToken
from connectors.desks.transport import DeskTransport, RetryPolicy
from connectors.errors import (
    AuthError,
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
    RejectedError,
)
from connectors.http import BoundedSession
from connectors.ratelimit import RateLimiter
from connectors.render import marker_text, to_plain

T = TypeVar("T")
_CASE_ID = re.compile(r"^500[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
_CASE_NUMBER = re.compile(r"^[0-9]{1,30}$")
_RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_PERSON_TYPES = {"003": "Contact", "005": "User"}
"""Key prefixes of the records a Case's requester can be (``ContactId``, a web user's id)."""
_BLOBS = {"068": "ContentVersion/{}/VersionData", "00P": "Attachment/{}/Body"}
"""Key prefix of a file record → its content path (Salesforce Files, classic attachments)."""
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
SALESFORCE_PRIORITIES = {"low": "Low", "normal": "Medium", "high": "High", "urgent": "High"}
"""deskpilot priority → the Case Priority picklist's default values (it has no "urgent")."""
MAX_COMMENT_BYTES = 4000
POLL_FIELDS = (
    "Id", "CaseNumber", "Subject", "Description", "Status", "Priority", "Origin", "Type",
    "OwnerId", "ContactId", "AccountId", "ContactEmail", "SuppliedEmail", "IsClosed", "IsDeleted",
    "CreatedDate", "LastModifiedDate", "SystemModstamp",
)  # fmt: skip
COMMENT_FIELDS = "Id, CommentBody, IsPublished, CreatedById, CreatedDate, SystemModstamp"


class SalesforceDesk(SalesforceTicketCreation, SalesforceAttachments):
    """One Salesforce org (its My Domain URL), acting as an integration user."""

    desk_type = "salesforce"

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        limiter: RateLimiter,
        session_source: SessionSource,
        options: SalesforceOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.options = options or SalesforceOptions()
        self._source = session_source
        self._session = session or BoundedSession()
        self._session.headers["Accept"] = "application/json"
        self._t = DeskTransport(
            system=f"salesforce:{name}",
            base_url=base_url,
            session=self._session,
            limiter=limiter,
            budget=self.options.budget,
            sleep=sleep,
            policy=policy,
            classify=self._classify,
        )
        self._api = f"/services/data/v{self.options.api_version}"
        self._ids: dict[str, str] = {}
        self._people = lru_cache(maxsize=PEOPLE_CACHE_SIZE)(self._fetch_person)

    def download_attachment(self, key: str, attachment_id: str) -> bytes:
        call, what = "salesforce.download_attachment", f"attachment {attachment_id} of {key}"
        blob = _BLOBS.get(attachment_id[:3]) if _RECORD_ID.fullmatch(attachment_id) else None
        if blob is None:
            raise RejectedError(
                f"{call}: {attachment_id[:40]!r} is neither a ContentVersion (068…) nor an "
                "Attachment (00P…) id",
                system=self._t.system,
            )
        path = f"{self._api}/sobjects/{blob.format(attachment_id)}"
        cap = self.options.max_attachment_bytes

        def once() -> bytes:
            headers = {"Accept": "*/*"}
            response = self._t.send("GET", path, call=call, stream=True, headers=headers)
            return read_capped(response, cap=cap, what=what, system=self._t.system)

        return self._authorised(lambda: self._t.retrying(once))

    def person_email(self, person_id: str) -> str | None:
        return self._people(person_id).email

    def find_person(self, person_id: str) -> DeskPerson:
        return self._people(person_id)

    def _fetch_person(self, person_id: str) -> DeskPerson:
        sobject = _PERSON_TYPES.get(person_id[:3]) if _RECORD_ID.fullmatch(person_id) else None
        if sobject is None:
            raise RejectedError(
                f"salesforce.person_email: {person_id[:40]!r} is neither a Contact nor a User id",
                system=self._t.system,
            )
        path = f"{self._api}/sobjects/{sobject}/{person_id}"
        fields = "Email,Name,IsActive,UserType,LocaleSidKey" if sobject == "User" else "Email,Name"
        found = self._authorised(
            lambda: self._t.json(
                "GET", path, call="salesforce.person_email", params={"fields": fields}
            )
        )
        found = found or {}
        email, name = found.get("Email"), found.get("Name")
        return DeskPerson(
            id=person_id,
            email=str(email) if email else None,
            name=str(name) if name else None,
            # Only a Standard user is staff; portal and community users are customers.
            is_agent=sobject == "User" and found.get("UserType") == "Standard",
            active=found.get("IsActive", True) is not False,
            locale=str(found["LocaleSidKey"]) if found.get("LocaleSidKey") else None,
        )

    def _classify(self, response: requests.Response) -> None:
        if response.status_code != 403:
            return
        try:
            errors = response.json()
        except ValueError:
            return
        codes = (
            {e.get("errorCode") for e in errors if isinstance(e, dict)}
            if isinstance(errors, list)
            else set()
        )
        if "REQUEST_LIMIT_EXCEEDED" in codes:
            raise RateLimitedError(
                "API request allocation exhausted (REQUEST_LIMIT_EXCEEDED)",
                retry_after_s=self.options.request_limit_retry_s,
                system=self._t.system,
                status=403,
            )

    def _authorised(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` with the session id; after a 401, log in again once and repeat."""
        self._session.headers["Authorization"] = f"Bearer {self._source.token()}"
        try:
            return fn()
        except AuthError as exc:
            if exc.status != 401:
                raise
        self._session.headers["Authorization"] = f"Bearer {self._source.token(refresh=True)}"
        return fn()

    def post_comment(self, key: str, body: str, *, public: bool, marker: str) -> PostedComment:
        footer = marker_text(marker)
        text = _fit(to_plain(body), footer)

        def once() -> PostedComment:
            case_id = self._case_id(key, "salesforce.post_comment", retry=False)
            # case_id matched _CASE_ID (letters and digits only): nothing to escape.
            soql = f"SELECT Id, CommentBody FROM CaseComment WHERE ParentId = '{case_id}' ORDER BY CreatedDate DESC"  # noqa: S608
            for comment in self._query(soql, "salesforce.post_comment", retry=False):
                if footer in str(comment.get("CommentBody") or ""):
                    return PostedComment(str(comment["Id"]), created=False)
            created = self._t.send(
                "POST",
                f"{self._api}/sobjects/CaseComment",
                call="salesforce.post_comment",
                json={"ParentId": case_id, "CommentBody": text, "IsPublished": public},
            ).json()
            return PostedComment(str(created["id"]), created=True)

        return self._authorised(lambda: self._t.retrying(once))

    def transition(self, key: str, status: str, *, resend: bool = False) -> None:
        try:
            target = self.options.status_map[status]
        except KeyError:
            raise NotSupportedError(
                f"no Case Status mapped to deskpilot status {status!r}; set options.status_map.{status}",
                system=self._t.system,
            ) from None
        call = "salesforce.transition"

        def there() -> bool:
            path = f"{self._api}/sobjects/Case/{self._case_id(key, call, retry=False)}"
            case = self._t.send("GET", path, call=call, params={"fields": "Status"}).json()
            return str((case or {}).get("Status")) == target

        def move() -> None:
            path = f"{self._api}/sobjects/Case/{self._case_id(key, call, retry=False)}"
            headers = {"Sforce-Auto-Assign": "FALSE"}
            self._t.send("PATCH", path, call=call, json={"Status": target}, headers=headers)

        self._authorised(lambda: self._t.change_once(there, move, resend=resend))

    def assign(self, key: str, assignee: str) -> None:
        self._update(key, {"OwnerId": assignee}, "salesforce.assign")

    def set_priority(self, key: str, priority: str) -> None:
        value = SALESFORCE_PRIORITIES.get(priority)
        if value is None:
            raise RejectedError(
                f"salesforce.set_priority: unknown priority {priority!r}", system=self._t.system
            )
        self._update(key, {"Priority": value}, "salesforce.set_priority")

    def add_labels(self, key: str, labels: Sequence[str]) -> None:
        raise NotSupportedError("Salesforce cases have no labels", system=self._t.system)

    def set_field(self, key: str, field: str, value: str) -> None:
        if not _FIELD_NAME.fullmatch(field):
            raise RejectedError(
                f"salesforce.set_field: {field[:40]!r} is not a field API name (e.g. State__c)",
                system=self._t.system,
            )
        self._update(key, {field: value}, "salesforce.set_field")

    def _update(self, key: str, change: Mapping[str, str], call: str) -> None:
        def once() -> None:
            case_id = self._case_id(key, call)
            headers = {"Sforce-Auto-Assign": "FALSE"}
            path = f"{self._api}/sobjects/Case/{case_id}"
            self._t.call("PATCH", path, call=call, json=dict(change), headers=headers)

        self._authorised(once)

    def _case_id(self, key: str, call: str, *, retry: bool = True) -> str:
        if _CASE_ID.fullmatch(key):
            return key
        if not _CASE_NUMBER.fullmatch(key):
            raise RejectedError(
                f"{call}: {key[:40]!r} is neither a Case Id nor a CaseNumber", system=self._t.system
            )
        if key not in self._ids:
            soql = f"SELECT Id FROM Case WHERE CaseNumber = '{key}'"  # noqa: S608 (digits only, checked above)
            found = self._query(soql, call, retry=retry)
            if not found:
                raise NotFoundError(f"{call}: no case {key}", system=self._t.system)
            self._ids[key] = str(found[0]["Id"])
        return self._ids[key]

    def _query(
        self, soql: str, call: str, *, retry: bool = True, limit: int | None = None
    ) -> list[Any]:
        """A SOQL query's records, the first ``limit`` (no page is read past them) if given;
        ``retry=False`` = single attempts (inside an outer retry)."""
        url: str | None = f"{self._api}/query"
        params: dict[str, str] | None = {"q": soql}
        records: list[Any] = []
        while url and (limit is None or len(records) < limit):
            if retry:
                page = self._t.json("GET", url, call=call, params=params)
            else:
                page = self._t.send("GET", url, call=call, params=params).json()
            records.extend(page.get("records") or [])
            url, params = (None if page.get("done", True) else page.get("nextRecordsUrl")), None
        return records[:limit]

    def group_name(self, group_id: str) -> str:
        def get(path: str, call: str) -> Any:
            return self._authorised(lambda: self._t.json("GET", path, call=call))

        return salesforce_group_name(get, self._api, group_id, self._t.system)

    def sla_values(self, key: str) -> list[DeskSlaValue]:
        raise NotSupportedError(
            "salesforce.sla_values: entitlement milestones (CaseMilestone) are out of scope; "
            "SLA reconciliation is not available for Salesforce",
            system=self._t.system,
        )

    def poll(self, cursor: str | None, *, since: datetime) -> PollPage:
        state = PollCursor.load(cursor, since=since)
        if state.token:
            path, params = state.token, None
        else:
            path, params = f"{self._api}/queryAll", {"q": self._poll_soql(state.watermark)}
        page = self._authorised(
            lambda: self._t.json("GET", path, call="salesforce.poll", params=params)
        )
        deliveries: list[RawDelivery] = []
        for record in page.get("records") or []:
            updated = str(record.get("SystemModstamp") or "")
            state = state.seen(parse_time(updated) if updated else None)
            deliveries.append(self._delivery(record, updated))
        next_url = page.get("nextRecordsUrl")
        if next_url and not page.get("done", True):
            return PollPage(tuple(deliveries), state.next_page(str(next_url)).dump(), more=True)
        return PollPage(tuple(deliveries), state.finished().dump(), more=False)

    def _poll_soql(self, watermark: datetime) -> str:
        start = watermark - timedelta(seconds=self.options.overlap_s)
        fields = ", ".join((*POLL_FIELDS, *self.options.extra_fields))
        scope = f" AND ({self.options.where})" if self.options.where else ""
        # Field names and the condition come from the admin's configuration, the time is ours.
        comments = f"(SELECT {COMMENT_FIELDS} FROM CaseComments ORDER BY CreatedDate)"  # noqa: S608
        return (
            f"SELECT {fields}, {comments} FROM Case WHERE SystemModstamp >= "  # noqa: S608
            f"{start:%Y-%m-%dT%H:%M:%SZ}{scope} ORDER BY SystemModstamp, Id"
        )

    def fetch_ticket(self, key: str) -> RawDelivery:
        call = "salesforce.fetch_ticket"

        def read() -> list[Any]:
            case_id = self._case_id(key, call)
            fields = ", ".join((*POLL_FIELDS, *self.options.extra_fields))
            comments = f"(SELECT {COMMENT_FIELDS} FROM CaseComments ORDER BY CreatedDate)"  # noqa: S608
            # case_id matched _CASE_ID (letters and digits only): nothing to escape.
            soql = f"SELECT {fields}, {comments} FROM Case WHERE Id = '{case_id}'"  # noqa: S608
            return self._query(soql, call)

        records = self._authorised(read)
        if not records:
            raise NotFoundError(f"{call}: no case {key}", system=self._t.system)
        updated = str(records[0].get("SystemModstamp") or "")
        return replace(self._delivery(records[0], updated), source="fetch")

    def _delivery(self, record: Any, updated: str) -> RawDelivery:
        record = dict(record)
        comments = list((record.pop("CaseComments", None) or {}).get("records") or [])
        key = str(record.get("CaseNumber") or record["Id"])
        return poll_delivery(self.desk_type, key, updated, record, comments)


def _fit(text: str, footer: str) -> str:
    """``text`` + footer within CommentBody's 4,000 bytes, shortening the text if needed."""
    tail = f"\n\n{footer}"
    room = MAX_COMMENT_BYTES - len(tail.encode())
    raw = text.encode()
    if len(raw) > room:
        text = raw[: room - len("…".encode())].decode(errors="ignore") + "…"
    return text + tail


__all__ = [
    "ClientCredentialsLogin",
    "JwtBearerLogin",
    "PasswordLogin",
    "SalesforceDesk",
    "SalesforceOptions",
    "SessionSource",
    "StaticToken",
]
