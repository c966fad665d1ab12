"""
Each desk's path for a comment command, end to end: Bob files a request for Salesforce (Olivia
owns it), then someone comments. Every desk is faked only at its HTTP boundary.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import responses

from tests.e2e.authority_payloads import (
    jira_comment,
    jira_created,
    jira_issue,
    jira_user,
    salesforce_comment,
    salesforce_page,
    snow_delivery,
    snow_journal,
    zendesk_event,
)
from tests.e2e.authority_support import (
    PEOPLE,
    SF_API,
    Desks,
    jira_headers,
    now_stamp,
    snow_headers,
    zendesk_headers,
)
from worker.inbound.poll import poll_desk
from worker.inbound.receive import Outcome


class Scenario(Protocol):
    """
    File Bob's request for Salesforce on one desk, then comment ``body`` (``/approve``) as the
    desk id of ``author`` while the payload claims address ``claimed``; returns ``desk:key``.
    """

    def __call__(self, d: Desks, author: str, claimed: str, body: Any = "/approve") -> str: ...


def ok(outcome: Outcome) -> None:
    """The delivery was accepted as new."""
    assert outcome is Outcome.ACCEPTED


def jira_scenario(d: Desks, author: str, claimed: str, body: Any = "/approve") -> str:
    at = now_stamp()
    issue = jira_issue("IT-21", "bob", at)
    raw = jira_created(issue, at)
    ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], raw), raw))
    d.settle()
    comment = jira_comment(issue, d.next_id(), jira_user(author, email=claimed), body, at)
    ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], comment), comment))
    d.settle()
    return "jira-it:IT-21"


def zendesk_scenario(d: Desks, author: str, claimed: str, body: Any = "/approve") -> str:
    at = now_stamp()
    raw = zendesk_event("created", "4101", "bob", at)
    ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], raw), raw))
    d.settle()
    comment = {
        "id": str(d.next_id()),
        "body": body if isinstance(body, str) else body["body"],
        "is_public": False,
        "author": {"id": PEOPLE[author].zendesk, "is_staff": True, "email": claimed},
    }
    if not isinstance(body, str):
        comment["html_body"] = body["html_body"]
    later = at + dt.timedelta(seconds=5)
    raw = zendesk_event("comment_added", "4101", "bob", later, comment)
    ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], raw), raw))
    d.settle()
    return "zendesk-it:4101"


def snow_scenario(d: Desks, author: str, claimed: str, body: Any = "/approve") -> str:
    at = now_stamp()
    sys_id = "4f1c2b3a1b2c3d4e5f60718293a4b5c6"
    raw = snow_delivery("RITM0010042", sys_id, "bob", at, 0)
    ok(d.post("snow-it", snow_headers(d.secrets["snow-it"], raw), raw))
    d.settle()
    # ServiceNow's journal names its author by user name only: there is no address to claim.
    entry = snow_journal("b2c3d4e5f60718293a4b5c6d7e8f90a1", author, body, at)
    raw = snow_delivery("RITM0010042", sys_id, "bob", at + dt.timedelta(minutes=1), 1, [entry])
    ok(d.post("snow-it", snow_headers(d.secrets["snow-it"], raw), raw))
    d.settle()
    return "snow-it:RITM0010042"


def salesforce_scenario(d: Desks, author: str, claimed: str, body: Any = "/approve") -> str:
    at = now_stamp()
    case_id, url = "500RO00000CaseAAAA", f"{SF_API}/queryAll"
    d.http.upsert(responses.GET, url, json=salesforce_page(case_id, "00001042", "bob", at))
    poll_desk(d.rt, "sf-it")
    d.settle()
    later = at + dt.timedelta(minutes=1)
    comment = salesforce_comment(
        "00aRO00000Cm1AAA", case_id, PEOPLE[author].salesforce_user, body, later
    )
    comment["CreatedBy"] = {"Name": "Olivia Owner", "Email": claimed}
    page = salesforce_page(case_id, "00001042", "bob", later, [comment])
    d.http.upsert(responses.GET, url, json=page)
    poll_desk(d.rt, "sf-it")
    d.settle()
    return "sf-it:00001042"


SCENARIOS: list[Scenario] = [jira_scenario, zendesk_scenario, snow_scenario, salesforce_scenario]
IDS = ["jira", "zendesk", "servicenow", "salesforce"]
