"""
Each desk kind's own payloads for a scenario ticket: created webhooks (signed), comment webhooks,
and the poll form its client builds — shaped like the e2e tests' and the vendors' payloads.

* Jira Service Management: ``jira:issue_created`` / ``comment_created`` admin webhooks
  (``X-Hub-Signature``), request type in ``customfield_10010``, form fields as custom fields,
  people as ``accountId`` objects; polls give the REST issue and its comments.
* Zendesk: event subscriptions (``ticket.created``, ``ticket.comment_added``) signed with a
  timestamp; people only by user id (the desk answers "who is user N").
* ServiceNow: our Business Rule's JSON (``X-Deskpilot-Signature``), a catalogue item as a
  ``sc_req_item`` with its variables, journal entries by ``user_name``.
* Salesforce: an Outbound Message for the new Case (checked by organisation id); comments and
  polls through the SOQL poll form with ``CaseComments``.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from connectors.desks import RawDelivery
from connectors.desks.polling import poll_delivery
from intake.webhooks import sign_jira, sign_servicenow, sign_zendesk

ORG_ID = "00DNV000000NorrvK"
REQUEST_TYPE_FIELD = "customfield_10010"
_PRIORITY = {
    "jira": {"low": "Low", "normal": "Medium", "high": "High", "urgent": "Highest"},
    "zendesk": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"},
    "servicenow": {"low": "4", "normal": "3", "high": "2", "urgent": "1"},
    "salesforce": {"low": "Low", "normal": "Medium", "high": "High", "urgent": "Urgent"},
}


def _hash(*parts: str, length: int = 16) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:length]


def slug(label: str) -> str:
    """A form label as a field name: ``Who is locked out?`` → ``who_is_locked_out``."""
    return re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")


@dataclass(frozen=True)
class Who:
    """Someone on a desk: their desk identity (e-mail), name and whether they are staff."""

    email: str
    name: str
    staff: bool
    login: str | None = None


@dataclass
class DeskTicket:
    """One scenario ticket as the desk holds it."""

    index: int
    spec: Mapping[str, Any]
    requester: Who
    created: datetime
    people: Mapping[str, Who]
    """Directory display names → people (for person form fields)."""
    updated: datetime = field(init=False)
    version: int = 0
    comments: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.updated = self.created

    @property
    def fields(self) -> Mapping[str, str]:
        return dict(self.spec.get("fields") or {})

    def person_in(self, label: str) -> Who | None:
        """The person a person field names (its value is a display name the desk resolves)."""
        return self.people.get(self.fields.get(label) or "")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jira_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _snow_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _sf_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class DeskShape(ABC):
    """The payloads of one desk kind; ``person_id`` is what the desk calls a person."""

    kind = ""
    comments_by_webhook = True

    def __init__(self, name: str, secret: bytes, field_keys: Mapping[str, str]) -> None:
        self.name = name
        self.secret = secret
        self.field_keys = field_keys
        """Form label → this desk's key for it."""

    @abstractmethod
    def key(self, index: int) -> str:
        """Each desk kind says how."""

    @abstractmethod
    def person_id(self, who: Who) -> str:
        """Each desk kind says how."""

    def person_ids(self, who: Who) -> list[str]:
        """Every id this desk gives ``who`` (the desk answers "who is N" for each)."""
        return [self.person_id(who)]

    @abstractmethod
    def created(self, t: DeskTicket, now: datetime, delivery: str) -> tuple[bytes, dict[str, str]]:
        """Each desk kind says how."""

    def comment_webhook(
        self, t: DeskTicket, comment: dict[str, Any], now: datetime, delivery: str
    ) -> tuple[bytes, dict[str, str]]:
        """The webhook a desk sends for a new comment (desks with ``comments_by_webhook``)."""
        raise TypeError(f"{self.kind} reports comments by poll, never by webhook")

    @abstractmethod
    def comment(
        self, t: DeskTicket, number: int, who: Who, body: str, public: bool, at: datetime
    ) -> dict[str, Any]:
        """Each desk kind says how."""

    @abstractmethod
    def record(self, t: DeskTicket) -> dict[str, Any]:
        """Each desk kind says how."""

    def resign(
        self, body: bytes, headers: Mapping[str, str], now: datetime, delivery: str | None
    ) -> dict[str, str]:
        """The headers a re-sent ``body`` carries (signed now; a new delivery id if given)."""
        return dict(headers)

    def poll(self, t: DeskTicket) -> RawDelivery:
        """The poll form of ``t`` as it is now (record and every comment so far)."""
        stamp = f"{_iso(t.updated)}#{t.version}"
        return poll_delivery(self.kind, self.key(t.index), stamp, self.record(t), t.comments)


class JiraShape(DeskShape):
    kind = "jira"

    def key(self, index: int) -> str:
        return f"IT-{100 + index}"

    def person_id(self, who: Who) -> str:
        return "712020:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "jira:" + who.email.casefold()))

    def _user(self, who: Who) -> dict[str, Any]:
        return {
            "accountId": self.person_id(who),
            "displayName": who.name,
            "emailAddress": who.email,
            "active": True,
            "accountType": "atlassian" if who.staff else "customer",
        }

    def _issue(self, t: DeskTicket) -> dict[str, Any]:
        spec = t.spec
        issue_id = str(10000 + t.index)
        fields: dict[str, Any] = {
            "summary": spec["subject"],
            "description": spec["body"],
            "issuetype": {"id": "10004", "name": "Service Request"},
            "project": {"id": "10000", "key": "IT", "name": "IT Help"},
            "reporter": self._user(t.requester),
            "creator": self._user(t.requester),
            "assignee": None,
            "priority": {"name": _PRIORITY["jira"][spec.get("priority", "normal")]},
            "status": {
                "name": "Waiting for support",
                "statusCategory": {"id": 2, "key": "new", "name": "To Do"},
            },
            "labels": [],
            "created": _jira_time(t.created),
            "updated": _jira_time(t.updated),
            "attachment": [],
            "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
        }
        if spec.get("request_type"):
            fields[REQUEST_TYPE_FIELD] = {
                "requestType": {
                    "id": _hash("rt", spec["request_type"], length=4),
                    "name": spec["request_type"],
                },
                "currentStatus": {"status": "Waiting for support", "statusCategory": "NEW"},
            }
        for label, text in t.fields.items():
            person = t.person_in(label)
            fields[self.field_keys[label]] = self._user(person) if person else text
        if spec.get("attachment_csv") is not None:
            fields["attachment"] = [attachment_meta(t, "jira")]
        return {
            "id": issue_id,
            "key": self.key(t.index),
            "self": f"https://norrvik.atlassian.net/rest/api/2/issue/{issue_id}",
            "fields": fields,
        }

    def created(self, t: DeskTicket, now: datetime, delivery: str) -> tuple[bytes, dict[str, str]]:
        payload = {
            "timestamp": int(now.timestamp() * 1000),
            "webhookEvent": "jira:issue_created",
            "issue_event_type_name": "issue_created",
            "user": self._user(t.requester),
            "issue": self._issue(t),
        }
        return self._signed(payload, delivery)

    def comment(
        self, t: DeskTicket, number: int, who: Who, body: str, public: bool, at: datetime
    ) -> dict[str, Any]:
        return {
            "id": str(30000 + number),
            "author": self._user(who),
            "updateAuthor": self._user(who),
            "body": body,
            "created": _jira_time(at),
            "updated": _jira_time(at),
            "jsdPublic": public,
        }

    def comment_webhook(
        self, t: DeskTicket, comment: dict[str, Any], now: datetime, delivery: str
    ) -> tuple[bytes, dict[str, str]]:
        issue = self._issue(t)
        payload = {
            "timestamp": int(now.timestamp() * 1000),
            "webhookEvent": "comment_created",
            "comment": comment,
            "issue": {"id": issue["id"], "key": issue["key"], "self": issue["self"]}
            | {"fields": {"summary": issue["fields"]["summary"]}},
        }
        return self._signed(payload, delivery)

    def record(self, t: DeskTicket) -> dict[str, Any]:
        issue = self._issue(t)
        issue["changelog"] = {"startAt": 0, "maxResults": 0, "total": 0, "histories": []}
        return issue

    def resign(
        self, body: bytes, headers: Mapping[str, str], now: datetime, delivery: str | None
    ) -> dict[str, str]:
        identifier = delivery or headers["X-Atlassian-Webhook-Identifier"]
        return {
            **headers,
            "X-Atlassian-Webhook-Identifier": identifier,
            **sign_jira(self.secret, body),
        }

    def _signed(self, payload: dict[str, Any], delivery: str) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Identifier": delivery,
            **sign_jira(self.secret, body),
        }
        return body, headers


class ZendeskShape(DeskShape):
    kind = "zendesk"

    def key(self, index: int) -> str:
        return str(4000 + index)

    def person_id(self, who: Who) -> str:
        return str(int(_hash("zendesk", who.email.casefold(), length=12), 16) % 10**13)

    def _detail(self, t: DeskTicket) -> dict[str, Any]:
        spec = t.spec
        requester = self.person_id(t.requester)
        return {
            "actor_id": requester,
            "assignee_id": None,
            "created_at": _iso(t.created),
            "description": spec["body"],
            "form_id": spec.get("form"),
            "group_id": "360000000042",
            "id": self.key(t.index),
            "priority": _PRIORITY["zendesk"][spec.get("priority", "normal")].upper(),
            "requester_id": requester,
            "status": "NEW",
            "subject": spec["subject"],
            "submitter_id": requester,
            "tags": [],
            "type": "QUESTION",
            "updated_at": _iso(t.updated),
            "via": {"channel": "web_form"},
            "custom_fields": [
                {"id": self.field_keys[label], "value": text} for label, text in t.fields.items()
            ],
        }

    def _event(self, t: DeskTicket, name: str, now: datetime, event_id: str) -> dict[str, Any]:
        return {
            "type": f"zen:event-type:ticket.{name}",
            "account_id": 22222222,
            "id": event_id,
            "time": _iso(now),
            "zendesk_event_version": "2022-11-06",
            "subject": f"zen:ticket:{self.key(t.index)}",
            "detail": self._detail(t),
            "event": {},
        }

    def created(self, t: DeskTicket, now: datetime, delivery: str) -> tuple[bytes, dict[str, str]]:
        payload = self._event(
            t, "created", now, "01" + _hash("zd-created", self.key(t.index)).upper()
        )
        return self._signed(payload, now)

    def comment(
        self, t: DeskTicket, number: int, who: Who, body: str, public: bool, at: datetime
    ) -> dict[str, Any]:
        return {
            "id": str(21000 + number),
            "author_id": self.person_id(who),
            "body": body,
            "plain_body": body,
            "public": public,
            "created_at": _iso(at),
            "attachments": [],
            "_staff": who.staff,
        }

    def comment_webhook(
        self, t: DeskTicket, comment: dict[str, Any], now: datetime, delivery: str
    ) -> tuple[bytes, dict[str, str]]:
        payload = self._event(t, "comment_added", now, "01" + _hash("zd-event", delivery).upper())
        payload["event"] = {
            "comment": {
                "id": comment["id"],
                "body": comment["body"],
                "is_public": comment["public"],
                "author": {"id": comment["author_id"], "is_staff": comment.get("_staff", False)},
            }
        }
        return self._signed(payload, now)

    def record(self, t: DeskTicket) -> dict[str, Any]:
        record = self._detail(t)
        record["ticket_form_id"] = record.pop("form_id")
        record["priority"] = record["priority"].lower()
        record["status"] = "new"
        return record

    def poll(self, t: DeskTicket) -> RawDelivery:
        stamp = f"{_iso(t.updated)}#{t.version}"
        comments = [{k: v for k, v in c.items() if not k.startswith("_")} for c in t.comments]
        return poll_delivery(self.kind, self.key(t.index), stamp, self.record(t), comments)

    def resign(
        self, body: bytes, headers: Mapping[str, str], now: datetime, delivery: str | None
    ) -> dict[str, str]:
        return {**headers, **sign_zendesk(self.secret, body, _iso(now))}

    def _signed(self, payload: dict[str, Any], now: datetime) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Webhook-Id": "01" + _hash("zendesk-webhook", self.name).upper(),
            **sign_zendesk(self.secret, body, _iso(now)),
        }
        return body, headers


def _field(value: str | None, display: str | None = None) -> dict[str, str]:
    return {"value": value or "", "display_value": display if display is not None else value or ""}


class ServiceNowShape(DeskShape):
    kind = "servicenow"

    def key(self, index: int) -> str:
        return f"RITM00{10000 + index}"

    def person_id(self, who: Who) -> str:
        return who.login or who.email.split("@")[0]

    def person_ids(self, who: Who) -> list[str]:
        return [self.person_id(who), self._sys_id(who)]

    def _sys_id(self, who: Who) -> str:
        return _hash("snow-user", who.email.casefold(), length=32)

    def _record(self, t: DeskTicket) -> dict[str, Any]:
        spec = t.spec
        sys_id = _hash("snow-record", self.key(t.index), length=32)
        priority = _PRIORITY["servicenow"][spec.get("priority", "normal")]
        catalog = str(spec.get("catalog_item") or "")
        table = "sc_req_item" if catalog else "incident"
        owner = self.person_id(t.requester)
        record: dict[str, Any] = {
            "number": _field(self.key(t.index)),
            "sys_id": _field(sys_id),
            "sys_class_name": _field(table),
            "short_description": _field(spec["subject"]),
            "description": _field(spec["body"]),
            "state": _field("1", "Open"),
            "priority": _field(priority),
            "assignment_group": _field(
                _hash("snow-group", "service-desk", length=32), "Service Desk"
            ),
            "assigned_to": _field(None),
            "sys_created_on": _field(_snow_time(t.created)),
            "sys_updated_on": _field(_snow_time(t.updated)),
            "sys_mod_count": _field(str(t.version)),
            "sys_created_by": _field(owner),
            "sys_updated_by": _field(owner),
            "opened_by": _field(self._sys_id(t.requester), t.requester.name),
        }
        for_whom = next(
            (p for label in t.fields if (p := t.person_in(label)) and "for" in slug(label)), None
        )
        if table == "sc_req_item":
            target = for_whom or t.requester
            record["requested_for"] = _field(self._sys_id(target), target.name)
            record["cat_item"] = _field(_hash("snow-item", catalog, length=32), catalog)
        else:
            record["caller_id"] = _field(self._sys_id(t.requester), t.requester.name)
        for label, text in t.fields.items():
            person = t.person_in(label)
            key = self.field_keys[label]
            record[key] = _field(self._sys_id(person), text) if person else _field(text)
        return record

    def created(self, t: DeskTicket, now: datetime, delivery: str) -> tuple[bytes, dict[str, str]]:
        return self._business_rule(t, "insert", [], now)

    def _business_rule(
        self, t: DeskTicket, operation: str, journal: list[dict[str, Any]], now: datetime
    ) -> tuple[bytes, dict[str, str]]:
        record = self._record(t)
        payload = {
            "deskpilot": "servicenow/1",
            "operation": operation,
            "table": record["sys_class_name"]["value"],
            "sys_id": record["sys_id"]["value"],
            "number": self.key(t.index),
            "sys_mod_count": str(t.version),
            "sys_updated_on": _snow_time(t.updated),
            "changes": sorted(record) if operation == "insert" else ["comments"],
            "record": record,
            "requester": {
                "sys_id": self._sys_id(t.requester),
                "user_name": self.person_id(t.requester),
                "email": t.requester.email,
                "name": t.requester.name,
            },
            "assigned_to": None,
            "journal": journal,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "ServiceNow/1.0",
            **sign_servicenow(self.secret, body, int(now.timestamp())),
        }
        return body, headers

    def resign(
        self, body: bytes, headers: Mapping[str, str], now: datetime, delivery: str | None
    ) -> dict[str, str]:
        return {**headers, **sign_servicenow(self.secret, body, int(now.timestamp()))}

    def comment(
        self, t: DeskTicket, number: int, who: Who, body: str, public: bool, at: datetime
    ) -> dict[str, Any]:
        return {
            "sys_id": _hash("journal", str(number), length=32),
            "element": "comments" if public else "work_notes",
            "element_id": _hash("snow-record", self.key(t.index), length=32),
            "value": body,
            "sys_created_by": self.person_id(who),
            "sys_created_on": _snow_time(at),
        }

    def comment_webhook(
        self, t: DeskTicket, comment: dict[str, Any], now: datetime, delivery: str
    ) -> tuple[bytes, dict[str, str]]:
        return self._business_rule(t, "update", [comment], now)

    def record(self, t: DeskTicket) -> dict[str, Any]:
        return self._record(t)


class SalesforceShape(DeskShape):
    kind = "salesforce"
    comments_by_webhook = False

    def key(self, index: int) -> str:
        return f"0000{5000 + index}"

    def person_id(self, who: Who) -> str:
        prefix = "005" if who.staff else "003"
        return prefix + _hash("sf-person", who.email.casefold(), length=15)

    def person_ids(self, who: Who) -> list[str]:
        return [self.person_id(who), self.contact_id(who)]

    def contact_id(self, who: Who) -> str:
        return "003" + _hash("sf-contact", who.email.casefold(), length=15)

    def _case(self, t: DeskTicket) -> dict[str, str]:
        spec = t.spec
        case = {
            "Id": "500" + _hash("sf-case", self.key(t.index), length=15),
            "CaseNumber": self.key(t.index),
            "Subject": spec["subject"],
            "Description": spec["body"],
            "Status": "New",
            "Priority": _PRIORITY["salesforce"][spec.get("priority", "normal")],
            "IsClosed": "false",
            "OwnerId": "00G" + _hash("sf-queue", "it", length=15),
            "CreatedDate": _sf_time(t.created),
            "LastModifiedDate": _sf_time(t.updated),
            "SystemModstamp": _sf_time(t.updated),
        }
        if spec.get("case_type"):
            case["Type"] = spec["case_type"]
        if t.spec.get("_outside"):
            case["SuppliedEmail"] = t.requester.email
            case["SuppliedName"] = t.requester.name
        else:
            case["ContactId"] = self.contact_id(t.requester)
            case["ContactEmail"] = t.requester.email
        for label, text in t.fields.items():
            case[self.field_keys[label]] = text
        return case

    def created(self, t: DeskTicket, now: datetime, delivery: str) -> tuple[bytes, dict[str, str]]:
        case = self._case(t)
        fields = "".join(
            f"<sf:{name}>{escape(value)}</sf:{name}>" for name, value in sorted(case.items())
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body>"
            '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
            f"<OrganizationId>{ORG_ID}</OrganizationId>"
            "<ActionId>04kNV0000008OutAAE</ActionId>"
            f"<Notification><Id>04l{delivery[:15]}</Id>"
            '<sObject xsi:type="sf:Case" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{fields}</sObject></Notification>"
            "</notifications></soapenv:Body></soapenv:Envelope>"
        ).encode()
        return body, {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}

    def comment(
        self, t: DeskTicket, number: int, who: Who, body: str, public: bool, at: datetime
    ) -> dict[str, Any]:
        return {
            "attributes": {"type": "CaseComment"},
            "Id": "00a" + _hash("sf-comment", str(number), length=15),
            "ParentId": self._case(t)["Id"],
            "CommentBody": body,
            "IsPublished": public,
            "CreatedDate": _sf_time(at),
            "CreatedById": self.person_id(who),
            "CreatedBy": {"Name": who.name, "Email": who.email},
        }

    def record(self, t: DeskTicket) -> dict[str, Any]:
        case: dict[str, Any] = dict(self._case(t))
        case["IsClosed"] = False
        case["attributes"] = {"type": "Case"}
        if "ContactId" in case:
            case["Contact"] = {"Name": t.requester.name, "Email": t.requester.email}
        return case


SHAPES: dict[str, Callable[[str, bytes, Mapping[str, str]], DeskShape]] = {
    "jira": JiraShape,
    "zendesk": ZendeskShape,
    "servicenow": ServiceNowShape,
    "salesforce": SalesforceShape,
}


def attachment_name(t: DeskTicket) -> str:
    """The file name of the ticket's CSV attachment."""
    return str(t.spec.get("attachment_name") or "attachment.csv")


def attachment_meta(t: DeskTicket, kind: str) -> dict[str, Any]:
    """The desk's metadata of the ticket's CSV attachment (id ``<index>01``)."""
    name = attachment_name(t)
    size = len(str(t.spec["attachment_csv"]).encode())
    return {
        "id": f"{t.index}01",
        "filename": name,
        "size": size,
        "mimeType": "text/csv",
        "content": f"https://norrvik.atlassian.net/rest/api/3/attachment/content/{t.index}01",
    }


def field_key(kind: str, label: str, number: int) -> str:
    """This desk's key for form field ``label`` (the ``number``-th label of the file)."""
    if kind == "jira":
        return f"customfield_{10100 + number}"
    if kind == "zendesk":
        return str(360010000000 + number)
    if kind == "servicenow":
        return "variables." + slug(label)
    if label in ("Origin", "Reason"):
        return label
    return "".join(part.capitalize() for part in slug(label).split("_")) + "__c"
