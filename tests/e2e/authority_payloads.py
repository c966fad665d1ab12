"""Deliveries shaped like each vendor's own, for the authority tests (``authority_support``)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from tests.e2e.authority_support import JIRA, PEOPLE, SF_API, _load


def _jira_time(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def jira_user(login: str, *, email: str | None = None, account: str | None = None) -> Any:
    """A Jira user object as a webhook carries it (``email``/``account`` forge the claims)."""
    ident = account or PEOPLE[login].jira
    user = {
        "self": f"{JIRA}/rest/api/2/user?accountId={ident}",
        "accountId": ident,
        "displayName": login.title(),
        "active": True,
        "accountType": "customer",
    }
    if email != "":
        user["emailAddress"] = email or PEOPLE[login].email
    return user


def jira_issue(key: str, requester: str, at: dt.datetime, **reporter: Any) -> dict[str, Any]:
    """A JSM issue asking for Salesforce access (``jsm_issue_created.json``'s shape)."""
    issue: dict[str, Any] = copy.deepcopy(_load("jira", "jsm_issue_created.json")["issue"])
    number = int(key.rsplit("-", 1)[1])
    issue |= {"id": str(10000 + number), "key": key, "self": f"{JIRA}/rest/api/2/issue/{number}"}
    fields = issue["fields"]
    fields |= {
        "summary": "Need access to Salesforce",
        "description": "Please give me access to Salesforce for 2 weeks.",
        "reporter": jira_user(requester, **reporter),
        "creator": jira_user(requester, **reporter),
        "created": _jira_time(at),
        "updated": _jira_time(at),
        "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
    }
    # the sample's request type ("Unlock my account") would contradict the access ask
    fields["customfield_10010"]["requestType"]["name"] = "Request access to an application"
    return issue


def jira_created(issue: dict[str, Any], at: dt.datetime) -> bytes:
    return json.dumps(
        {
            "timestamp": int(at.timestamp() * 1000),
            "webhookEvent": "jira:issue_created",
            "issue_event_type_name": "issue_created",
            "user": issue["fields"]["reporter"],
            "issue": issue,
        }
    ).encode()


def jira_updated(issue: dict[str, Any], at: dt.datetime, history: int) -> bytes:
    """``jira:issue_updated`` with a changelog (e.g. after the reporter's profile changed)."""
    return json.dumps(
        {
            "timestamp": int(at.timestamp() * 1000),
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_generic",
            "user": issue["fields"]["reporter"],
            "issue": issue,
            "changelog": {
                "id": str(history),
                "items": [{"field": "labels", "fieldtype": "jira", "from": None, "to": None}],
            },
        }
    ).encode()


def jira_comment(
    issue: dict[str, Any],
    comment_id: int,
    author: dict[str, Any],
    body: Any,
    at: dt.datetime,
) -> bytes:
    """``comment_created`` (Cloud shape: ``comment`` plus the summary ``issue``)."""
    return json.dumps(
        {
            "timestamp": int(at.timestamp() * 1000),
            "webhookEvent": "comment_created",
            "comment": {
                "self": f"{issue['self']}/comment/{comment_id}",
                "id": str(comment_id),
                "author": author,
                "body": body,
                "updateAuthor": author,
                "created": _jira_time(at),
                "updated": _jira_time(at),
                "jsdPublic": False,
            },
            "issue": {k: v for k, v in issue.items() if k != "fields"}
            | {"fields": {"summary": issue["fields"]["summary"]}},
        }
    ).encode()


def zendesk_event(
    kind: str, ticket_id: str, requester: str, at: dt.datetime, comment: Any = None
) -> bytes:
    """A ``zen:event-type:ticket.<kind>`` event (``event_ticket_comment_added.json``'s shape)."""
    doc = copy.deepcopy(_load("zendesk", "event_ticket_comment_added.json"))
    stamp = at.isoformat().replace("+00:00", "Z")
    doc |= {
        "type": f"zen:event-type:ticket.{kind}",
        "id": f"01JDS{ticket_id}{kind[:3].upper()}{int(at.timestamp())}",
        "time": stamp,
        "subject": f"zen:ticket:{ticket_id}",
    }
    doc["detail"] |= {
        "id": ticket_id,
        "subject": "Need access to Salesforce",
        "description": "Please give me access to Salesforce for 2 weeks.",
        "requester_id": PEOPLE[requester].zendesk,
        "submitter_id": PEOPLE[requester].zendesk,
        "actor_id": PEOPLE[requester].zendesk,
        "status": "NEW",
        "created_at": stamp if kind == "created" else doc["detail"]["created_at"],
        "updated_at": stamp,
    }
    if comment is None:
        del doc["event"]
    else:
        doc["event"]["comment"] = comment
    return json.dumps(doc).encode()


def snow_delivery(
    number: str,
    sys_id: str,
    requester: str,
    at: dt.datetime,
    mod_count: int,
    journal: list[dict[str, str]] | None = None,
) -> bytes:
    """Our Business Rule's body (``br_sc_req_item_awaiting_approval.json``'s shape)."""
    doc = copy.deepcopy(_load("servicenow", "br_sc_req_item_awaiting_approval.json"))
    created = at - dt.timedelta(minutes=mod_count)
    record = doc["record"]
    for name, value in (
        ("number", number),
        ("sys_id", sys_id),
        ("short_description", "Need access to Salesforce"),
        ("description", "Please give me access to Salesforce for 2 weeks."),
        ("requested_for", PEOPLE[requester].snow_sys_id),
        ("opened_by", PEOPLE[requester].snow_sys_id),
        ("sys_created_on", f"{created:%Y-%m-%d %H:%M:%S}"),
        ("sys_updated_on", f"{at:%Y-%m-%d %H:%M:%S}"),
        ("sys_mod_count", str(mod_count)),
    ):
        record[name] = {"value": value, "display_value": value}
    doc |= {
        "operation": "insert" if mod_count == 0 else "update",
        "sys_id": sys_id,
        "number": number,
        "sys_mod_count": str(mod_count),
        "sys_updated_on": f"{at:%Y-%m-%d %H:%M:%S}",
        "requester": {
            "sys_id": PEOPLE[requester].snow_sys_id,
            "user_name": requester,
            "email": PEOPLE[requester].email,
            "name": requester.title(),
        },
        "journal": journal or [],
    }
    return json.dumps(doc).encode()


def snow_journal(entry_id: str, author: str, text: str, at: dt.datetime) -> dict[str, str]:
    """A ``sys_journal_field`` row (``sys_created_by`` is the author's user name)."""
    return {
        "sys_id": entry_id,
        "element": "comments",
        "value": text,
        "sys_created_on": f"{at:%Y-%m-%d %H:%M:%S}",
        "sys_created_by": author,
    }


def salesforce_page(
    case_id: str,
    number: str,
    requester: str,
    at: dt.datetime,
    comments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``queryAll`` answer holding one Case (``soql_case_with_comments.json``'s shape)."""
    record = copy.deepcopy(_load("salesforce", "soql_case_with_comments.json")["record"])
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    record |= {
        "Id": case_id,
        "CaseNumber": number,
        "Subject": "Need access to Salesforce",
        "Description": "Please give me access to Salesforce for 2 weeks.",
        "Type": "Access request",  # the sample's "Account" / "Locked out" would contradict it
        "Reason": "Application access",
        "Status": "New",
        "ContactId": PEOPLE[requester].salesforce_contact,
        "ContactEmail": PEOPLE[requester].email,
        "Contact": {"attributes": {"type": "Contact"}, "Name": requester.title(), "Email": None},
        "CreatedDate": stamp if not comments else "2026-11-25T08:00:00.000+0000",
        "LastModifiedDate": stamp,
        "SystemModstamp": stamp,
    }
    record["Contact"]["Email"] = PEOPLE[requester].email
    record["attributes"]["url"] = f"{SF_API}/sobjects/Case/{case_id}"
    record["CaseComments"] = (
        {"totalSize": len(comments), "done": True, "records": comments} if comments else None
    )
    return {"totalSize": 1, "done": True, "records": [record]}


def salesforce_comment(
    comment_id: str, case_id: str, author_user: str, body: str, at: dt.datetime
) -> dict[str, Any]:
    """A CaseComment from the poll's subquery (``CreatedById`` is the author)."""
    return {
        "attributes": {"type": "CaseComment"},
        "Id": comment_id,
        "ParentId": case_id,
        "CommentBody": body,
        "IsPublished": False,
        "CreatedDate": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "CreatedById": author_user,
        "SystemModstamp": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
    }
