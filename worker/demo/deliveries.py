"""
The demo's bundled tickets as webhook deliveries, shaped and signed exactly like the desks'.

* Jira: an admin webhook's ``jira:issue_created`` (REST v2 issue, JSM request type field
  ``customfield_10010``), ``X-Hub-Signature`` and ``X-Atlassian-Webhook-Identifier``.
* Zendesk: an event-subscription ``zen:event-type:ticket.created``, signed with a timestamp.
  Like the real event it carries only ``requester_id``; ``DemoDelivery.requester_email`` and
  :func:`zendesk_user_id` let the demo's desk answer "who is user N".
* ServiceNow: our Business Rule's JSON (``docs/webhooks.md``), ``X-Deskpilot-Signature``.

Pure: reads only the packaged YAML; ``now`` and the secrets are parameters.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from intake.webhooks import sign_jira, sign_servicenow, sign_zendesk
from worker.demo.data import (
    DemoDataError,
    DemoDesk,
    DemoLicense,
    DemoPerson,
    DemoSet,
    DemoTicket,
    DemoUser,
    load_demo,
)

JIRA_REQUEST_TYPE_FIELD = "customfield_10010"
_JIRA_PRIORITY = {
    "low": ("Low", "4"),
    "normal": ("Medium", "3"),
    "high": ("High", "2"),
    "urgent": ("Highest", "1"),
}
_SNOW_PRIORITY = {"low": "4", "normal": "3", "high": "2", "urgent": "1"}
_SNOW_PRIORITY_NAME = {"1": "1 - Critical", "2": "2 - High", "3": "3 - Moderate", "4": "4 - Low"}


@dataclass(frozen=True)
class DemoDelivery:
    """One webhook request the demo sends to ``/hooks/{desk}``."""

    desk: str
    key: str
    body: bytes
    headers: dict[str, str]
    expect_intent: str
    requester_email: str = ""
    requester_id: str = ""
    """The requester's id in that desk (Jira accountId, Zendesk user id, SNOW sys_id)."""


def _stable_id(*parts: str, length: int = 32) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:length]


def zendesk_user_id(email: str) -> str:
    """The demo's Zendesk user id for an address (stable, numeric like Zendesk's)."""
    return str(int(_stable_id("zendesk-user", email.lower(), length=12), 16) % 10**13)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jira_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _jira_user(person: DemoPerson) -> dict[str, object]:
    account = "712020:" + str(uuid.UUID(_stable_id("jira-user", person.email.lower())))
    return {
        "accountId": account,
        "displayName": person.name,
        "emailAddress": person.email,
        "active": True,
        "accountType": "customer",
    }


def jira_body(
    ticket: DemoTicket, desk: DemoDesk, at: datetime, sent: datetime | None = None
) -> bytes:
    """
    A ``jira:issue_created`` webhook body for ``ticket``, created ``at`` and fired ``sent``
    (default ``at``): its signed ``timestamp`` must be within the replay window of receipt.
    """
    base = desk.base_url.rstrip("/")
    issue_id = str(10000 + int(ticket.key.rsplit("-", 1)[1]))
    name, priority_id = _JIRA_PRIORITY[ticket.priority]
    reporter = _jira_user(ticket.requester)
    fields: dict[str, object] = {
        "summary": ticket.subject,
        "description": ticket.body,
        "issuetype": {"id": "10004", "name": "Service Request", "subtask": False},
        "project": {
            "id": "10000",
            "key": desk.project or ticket.key.split("-")[0],
            "name": "IT Help",
            "projectTypeKey": "service_desk",
        },
        "reporter": reporter,
        "creator": reporter,
        "assignee": None,
        "priority": {"id": priority_id, "name": name},
        "status": {
            "id": "10001",
            "name": "Waiting for support",
            "statusCategory": {"id": 2, "key": "new", "name": "To Do"},
        },
        "labels": [],
        "created": _jira_time(at),
        "updated": _jira_time(at),
        "attachment": [],
        "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
        JIRA_REQUEST_TYPE_FIELD: _jsm_request_type(ticket, base),
    }
    issue = {
        "id": issue_id,
        "key": ticket.key,
        "self": f"{base}/rest/api/2/issue/{issue_id}",
        "fields": fields,
    }
    payload = {
        "timestamp": int((sent or at).timestamp() * 1000),
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": reporter,
        "issue": issue,
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def _jsm_request_type(ticket: DemoTicket, base: str) -> dict[str, object] | None:
    if ticket.request_type is None:
        return None
    type_id = str(int(_stable_id("jsm-type", ticket.request_type, length=4), 16) % 100 + 1)
    return {
        "_links": {"web": f"{base}/servicedesk/customer/portal/1/{ticket.key}"},
        "requestType": {
            "id": type_id,
            "name": ticket.request_type,
            "serviceDeskId": "1",
            "issueTypeId": "10004",
        },
        "currentStatus": {"status": "Waiting for support", "statusCategory": "NEW"},
    }


def zendesk_body(ticket: DemoTicket, desk: DemoDesk, at: datetime) -> bytes:
    """A ``zen:event-type:ticket.created`` event-subscription body for ``ticket``."""
    requester = zendesk_user_id(ticket.requester.email)
    detail: dict[str, object] = {
        "actor_id": requester,
        "assignee_id": None,
        "brand_id": "360000000001",
        "created_at": _iso(at),
        "custom_status": "1",
        "description": ticket.body,
        "external_id": None,
        "form_id": _stable_id("zendesk-form", ticket.request_type or "", length=6)
        if ticket.request_type
        else None,
        "group_id": "360000000042",
        "id": ticket.key,
        "is_public": True,
        "organization_id": "360000000007",
        "priority": ticket.priority.upper(),
        "requester_id": requester,
        "status": "NEW",
        "subject": ticket.subject,
        "submitter_id": requester,
        "tags": [],
        "type": "QUESTION",
        "updated_at": _iso(at),
        "via": {"channel": "web_form"},
    }
    event_id = "01" + _stable_id("zendesk-event", ticket.key, length=24).upper()
    payload = {
        "type": "zen:event-type:ticket.created",
        "account_id": 22222222,
        "id": event_id,
        "time": _iso(at),
        "zendesk_event_version": "2022-11-06",
        "subject": f"zen:ticket:{ticket.key}",
        "detail": detail,
        "event": {
            "meta": {"sequence": {"id": _stable_id("seq", ticket.key, length=24), "position": 1}}
        },
    }
    return json.dumps(payload, ensure_ascii=False).encode()


def _snow_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _field(value: str | None, display: str | None = None) -> dict[str, str]:
    return {"value": value or "", "display_value": display if display is not None else value or ""}


def servicenow_body(ticket: DemoTicket, desk: DemoDesk, at: datetime) -> bytes:
    """Our Business Rule's ``insert`` body for ``ticket`` (incident or sc_req_item by key)."""
    table = "sc_req_item" if ticket.key.startswith("RITM") else "incident"
    sys_id = _stable_id("snow-record", ticket.key)
    user_id = _stable_id("snow-user", ticket.requester.email.lower())
    priority = _SNOW_PRIORITY[ticket.priority]
    who = ticket.requester.email.split("@")[0]
    record = {
        "number": _field(ticket.key),
        "sys_id": _field(sys_id),
        "sys_class_name": _field(table, "Requested Item" if table == "sc_req_item" else "Incident"),
        "short_description": _field(ticket.subject),
        "description": _field(ticket.body),
        "state": _field("1", "Open" if table == "sc_req_item" else "New"),
        "priority": _field(priority, _SNOW_PRIORITY_NAME[priority]),
        "urgency": _field(priority if priority != "1" else "1"),
        "impact": _field("2" if priority in ("1", "2") else "3"),
        "assignment_group": _field(_stable_id("snow-group", "service-desk"), "Service Desk"),
        "assigned_to": _field(None),
        "sys_created_on": _field(_snow_time(at)),
        "sys_updated_on": _field(_snow_time(at)),
        "sys_mod_count": _field("0"),
        "sys_created_by": _field(who),
        "sys_updated_by": _field(who),
    }
    requester_field = "requested_for" if table == "sc_req_item" else "caller_id"
    record[requester_field] = _field(user_id, ticket.requester.name)
    record["opened_by"] = _field(user_id, ticket.requester.name)
    if table == "sc_req_item":
        record["cat_item"] = _field(
            _stable_id("snow-item", ticket.request_type or ""), ticket.request_type
        )
        record["approval"] = _field("not requested", "Not Yet Requested")
    else:
        record["category"] = _field((ticket.request_type or "inquiry").lower(), ticket.request_type)
    payload = {
        "deskpilot": "servicenow/1",
        "operation": "insert",
        "table": table,
        "sys_id": sys_id,
        "number": ticket.key,
        "sys_mod_count": "0",
        "sys_updated_on": _snow_time(at),
        "changes": sorted(record),
        "record": record,
        "requester": {
            "sys_id": user_id,
            "user_name": who,
            "email": ticket.requester.email,
            "name": ticket.requester.name,
        },
        "assigned_to": None,
        "journal": [],
    }
    return json.dumps(payload, ensure_ascii=False).encode()


BUILDERS: Mapping[str, Callable[[DemoTicket, DemoDesk, datetime], bytes]] = {
    "jira": jira_body,
    "zendesk": zendesk_body,
    "servicenow": servicenow_body,
}


def signed_headers(
    desk: DemoDesk, ticket: DemoTicket, body: bytes, secret: bytes, now: datetime, event: str = ""
) -> dict[str, str]:
    """The desk's headers for ``body``, signed with ``secret`` at ``now``; ``event`` names a
    later delivery about the same ticket (its own delivery id)."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if desk.type == "jira":
        headers["User-Agent"] = "Atlassian Webhook HTTP Client"
        parts = (ticket.key, event) if event else (ticket.key,)
        headers["X-Atlassian-Webhook-Identifier"] = str(
            uuid.UUID(_stable_id("jira-delivery", *parts))
        )
        headers.update(sign_jira(secret, body))
    elif desk.type == "zendesk":
        headers["User-Agent"] = "Zendesk Webhook"
        headers["X-Zendesk-Webhook-Id"] = (
            "01" + _stable_id("zendesk-webhook", desk.name, length=24).upper()
        )
        headers.update(sign_zendesk(secret, body, _iso(now)))
    else:
        headers["User-Agent"] = "ServiceNow/1.0"
        headers.update(sign_servicenow(secret, body, int(now.timestamp())))
    return headers


def requester_id(desk: DemoDesk, person: DemoPerson) -> str:
    if desk.type == "zendesk":
        return zendesk_user_id(person.email)
    if desk.type == "servicenow":
        return _stable_id("snow-user", person.email.lower())
    return str(_jira_user(person)["accountId"])


def build_deliveries(
    demo: DemoSet, *, secrets: Mapping[str, bytes], now: datetime
) -> list[DemoDelivery]:
    """
    Every bundled ticket as a signed webhook request, oldest ticket first.

    ``secrets`` maps desk names to their webhook secrets; ``now`` (aware) is when they are
    sent, the tickets' creation times are ``now - created_minutes_ago``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    deliveries = []
    for ticket in sorted(demo.tickets, key=lambda t: -t.created_minutes_ago):
        desk = demo.desks[ticket.desk]
        if ticket.desk not in secrets:
            raise DemoDataError(f"no webhook secret for desk {ticket.desk}")
        builder = BUILDERS.get(desk.type)
        if builder is None:
            raise DemoDataError(f"desk {desk.name}: the demo has no {desk.type} deliveries")
        created = now - timedelta(minutes=ticket.created_minutes_ago)
        # Jira dates the delivery in its signed body, so it must say it was fired now.
        body = (
            jira_body(ticket, desk, created, now)
            if builder is jira_body
            else builder(ticket, desk, created)
        )
        deliveries.append(
            DemoDelivery(
                desk=ticket.desk,
                key=ticket.key,
                body=body,
                headers=signed_headers(desk, ticket, body, secrets[ticket.desk], now),
                expect_intent=ticket.expect_intent,
                requester_email=ticket.requester.email,
                requester_id=requester_id(desk, ticket.requester),
            )
        )
    return deliveries


__all__ = [
    "DemoDataError",
    "DemoDelivery",
    "DemoDesk",
    "DemoLicense",
    "DemoPerson",
    "DemoSet",
    "DemoTicket",
    "DemoUser",
    "build_deliveries",
    "load_demo",
    "zendesk_user_id",
]
