"""
Later deliveries about a demo ticket: a person of the desk resolves it.

Each is the ticket's creation body (``deliveries.BUILDERS``) turned into the desk's own update
event, as the desk sends it when an agent sets the ticket to resolved:

* Jira: ``jira:issue_updated`` with the status in the *done* category and a changelog item;
* Zendesk: ``zen:event-type:ticket.status_changed`` to ``SOLVED``;
* ServiceNow: our Business Rule's ``update`` with ``state`` 6 *Resolved* (incident) or 3
  *Closed Complete* (requested item).

Before resolving, the agent answers the requester publicly (that reply stops the first-response
clock): in the same Jira event (its ``comment``), in the Business Rule's ``journal``
(``comments``), and as its own ``zen:event-type:ticket.comment_added`` event on Zendesk.

Pure: the ticket, its desk and two instants in, JSON bytes out.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from worker.demo.data import DemoDesk, DemoTicket
from worker.demo.deliveries import BUILDERS

REPLY = "Done on our side; please try again and reopen this ticket if anything is still wrong."
AGENT_NAME = "David Nguyen"
AGENT_LOGIN = "dnguyen"
AGENT_EMAIL = "david.nguyen@corp.example.com"
AGENT_ID = {"jira": "712020:5a1e0c1d-2b7f-4c3e-9d41-5e7a9b1c0f42", "zendesk": "9100"}
"""The IT support lead who answers and resolves: Jira accountId, Zendesk user id (SNOW: login)."""


def _jira_resolved(payload: dict[str, Any], at: datetime, stamp: str) -> None:
    payload["comment"] = {
        "id": str(int(at.timestamp())),
        "body": REPLY,
        "author": {"accountId": AGENT_ID["jira"], "displayName": AGENT_NAME,
                   "accountType": "atlassian", "active": True},
        "created": stamp,
        "updated": stamp,
        "jsdPublic": True,
    }  # fmt: skip
    fields = payload["issue"]["fields"]
    before = fields["status"]
    fields["status"] = {
        "id": "10003",
        "name": "Resolved",
        "statusCategory": {"id": 3, "key": "done", "name": "Done"},
    }
    fields["resolution"] = {"id": "10000", "name": "Done"}
    fields["resolutiondate"] = stamp
    fields["updated"] = stamp
    payload.update(
        webhookEvent="jira:issue_updated",
        issue_event_type_name="issue_resolved",
        timestamp=int(at.timestamp() * 1000),
        changelog={
            "id": str(int(at.timestamp())),
            "items": [
                {"field": "status", "fieldtype": "jira", "fieldId": "status",
                 "from": before["id"], "fromString": before["name"],
                 "to": "10003", "toString": "Resolved"},
                {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution",
                 "from": None, "fromString": None, "to": "10000", "toString": "Done"},
            ],
        },
    )  # fmt: skip


def _zendesk_reply(payload: dict[str, Any], at: datetime, stamp: str) -> None:
    payload["detail"]["updated_at"] = stamp
    payload.update(
        type="zen:event-type:ticket.comment_added",
        id=payload["id"][:-7] + f"C{int(at.timestamp()) % 10**6:06d}",
        time=stamp,
        event={
            "comment": {
                "id": str(int(at.timestamp())),
                "body": REPLY,
                "is_public": True,
                "author": {"id": AGENT_ID["zendesk"], "is_staff": True, "name": AGENT_NAME},
            },
            "meta": {"sequence": {**payload["event"]["meta"]["sequence"], "position": 2}},
        },
    )


def _zendesk_resolved(payload: dict[str, Any], at: datetime, stamp: str) -> None:
    detail = payload["detail"]
    previous = detail["status"]
    detail.update(status="SOLVED", custom_status="3", updated_at=stamp)
    payload.update(
        type="zen:event-type:ticket.status_changed",
        id=payload["id"][:-6] + f"{int(at.timestamp()) % 10**6:06d}",
        time=stamp,
        event={
            "current": "SOLVED",
            "previous": previous,
            "meta": {"sequence": {**payload["event"]["meta"]["sequence"], "position": 3}},
        },
    )


def _servicenow_resolved(payload: dict[str, Any], at: datetime, stamp: str) -> None:
    record = payload["record"]
    done = ("3", "Closed Complete") if payload["table"] == "sc_req_item" else ("6", "Resolved")
    record["state"] = {"value": done[0], "display_value": done[1]}
    record["sys_updated_on"] = {"value": stamp, "display_value": stamp}
    record["sys_mod_count"] = {"value": "1", "display_value": "1"}
    record["sys_updated_by"] = {"value": "service.desk", "display_value": "service.desk"}
    payload.update(
        operation="update", sys_mod_count="1", sys_updated_on=stamp, changes=["state"],
        journal=[{
            "sys_id": {"value": f"{int(at.timestamp()):032x}"},
            "element": {"value": "comments"},
            "value": {"value": REPLY, "display_value": REPLY},
            "sys_created_on": {"value": stamp},
            "sys_created_by": {"value": AGENT_LOGIN},
        }],
    )  # fmt: skip


def resolved_bodies(
    ticket: DemoTicket, desk: DemoDesk, created: datetime, at: datetime
) -> list[tuple[str, bytes]]:
    """
    The desk's deliveries, in order, saying an agent answered and resolved ``ticket`` (created
    at ``created``) at ``at``: (a name for the delivery, its body).
    """

    def build(change: Any, stamp: str) -> bytes:
        payload = json.loads(BUILDERS[desk.type](ticket, desk, created))
        change(payload, at, stamp)
        return json.dumps(payload, ensure_ascii=False).encode()

    moment = int(at.timestamp())
    if desk.type == "jira":
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        return [(f"resolved-{moment}", build(_jira_resolved, stamp))]
    if desk.type == "zendesk":
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return [
            (f"reply-{moment}", build(_zendesk_reply, stamp)),
            (f"resolved-{moment}", build(_zendesk_resolved, stamp)),
        ]
    return [(f"resolved-{moment}", build(_servicenow_resolved, at.strftime("%Y-%m-%d %H:%M:%S")))]
