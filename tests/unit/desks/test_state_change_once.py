"""
A status change reaches each desk exactly once: before any resend the ticket's status is read.

A 500 (or a timeout) does not say whether the desk applied the change. Sending it again blind
resolves the ticket twice (a second notification to the customer) or, where the workflow offers
no way from "Resolved" to "Resolved", gets a 400 and records a failure for a resolved ticket.
Each desk here applies the first change and answers 500; the resend reads the status and stops.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import responses

from connectors.desks import DeskClient
from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.desks.salesforce import SalesforceDesk, SalesforceOptions, StaticToken
from connectors.desks.servicenow import ServiceNowDesk, ServiceNowOptions
from connectors.desks.zendesk import ZendeskDesk, ZendeskOptions

JIRA = "https://your-domain.atlassian.net"
ZENDESK = "https://example.zendesk.com"
SNOW = "https://example.service-now.com"
SALESFORCE = "https://example.my.salesforce.com"
SYS_ID = "9d385017c611228701d22104cc95c371"
CASE_ID = "500RO00000AbcdEYAR"


@dataclass
class FakeDesk:
    """One ticket's status as the desk keeps it, and the changes it applied."""

    status: str
    applied: int = 0


@dataclass(frozen=True)
class Case:
    """How one desk is built, where its status is read and written, and how it answers."""

    build: Callable[[Any, Any], DeskClient]
    key: str
    write: tuple[str, str]
    read: str
    read_body: Callable[[FakeDesk], Any]
    write_applies: Callable[[FakeDesk], None]
    offers: Callable[[responses.RequestsMock, FakeDesk], None] = lambda _http, _desk: None


def _jira_transitions(http: responses.RequestsMock, desk: FakeDesk) -> None:
    offered = {
        "transitions": [
            {"id": "31", "name": "Resolve", "to": {"name": "Resolved", "id": "5"}},
            {"id": "11", "name": "Start work", "to": {"name": "In Progress", "id": "3"}},
        ]
    }
    http.get(f"{JIRA}/rest/api/3/issue/IT-7/transitions", json=offered)


CASES = {
    "jira": Case(
        build=lambda limiter, clock: JiraDesk(
            "jira-it",
            JIRA,
            email="deskpilot@example.com",
            api_token="not-a-real-token",
            limiter=limiter,
            options=JiraOptions(status_map={"resolved": "Resolved"}),
            sleep=clock.sleep,
        ),
        key="IT-7",
        write=("POST", f"{JIRA}/rest/api/3/issue/IT-7/transitions"),
        read=f"{JIRA}/rest/api/3/issue/IT-7",
        read_body=lambda d: {"key": "IT-7", "fields": {"status": {"name": d.status}}},
        write_applies=lambda d: setattr(d, "status", "Resolved"),
        offers=_jira_transitions,
    ),
    "zendesk": Case(
        build=lambda limiter, clock: ZendeskDesk(
            "zendesk-it",
            ZENDESK,
            email="deskpilot@example.com",
            api_token="not-a-real-token",
            limiter=limiter,
            options=ZendeskOptions(status_map={"resolved": "solved"}),
            sleep=clock.sleep,
        ),
        key="35436",
        write=("PUT", f"{ZENDESK}/api/v2/tickets/35436.json"),
        read=f"{ZENDESK}/api/v2/tickets/35436.json",
        read_body=lambda d: {"ticket": {"id": 35436, "status": d.status}},
        write_applies=lambda d: setattr(d, "status", "solved"),
    ),
    "servicenow": Case(
        build=lambda limiter, clock: ServiceNowDesk(
            "snow-it",
            SNOW,
            username="svc_deskpilot",
            password="not-a-real-password",
            limiter=limiter,
            options=ServiceNowOptions(status_map={"resolved": {"state": "6"}}),
            sleep=clock.sleep,
        ),
        key=SYS_ID,
        write=("PATCH", f"{SNOW}/api/now/table/incident/{SYS_ID}"),
        read=f"{SNOW}/api/now/table/incident/{SYS_ID}",
        read_body=lambda d: {"result": {"state": d.status}},
        write_applies=lambda d: setattr(d, "status", "6"),
    ),
    "salesforce": Case(
        build=lambda limiter, clock: SalesforceDesk(
            "sf-it",
            SALESFORCE,
            limiter=limiter,
            session_source=StaticToken("00DRO0000000001!static"),
            options=SalesforceOptions(status_map={"resolved": "Closed"}),
            sleep=clock.sleep,
        ),
        key=CASE_ID,
        write=("PATCH", f"{SALESFORCE}/services/data/v61.0/sobjects/Case/{CASE_ID}"),
        read=f"{SALESFORCE}/services/data/v61.0/sobjects/Case/{CASE_ID}",
        read_body=lambda d: {"Id": CASE_ID, "Status": d.status},
        write_applies=lambda d: setattr(d, "status", "Closed"),
    ),
}
OPEN = {"jira": "Waiting for support", "zendesk": "open", "servicenow": "2", "salesforce": "New"}


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def _serve(http: responses.RequestsMock, case: Case, desk: FakeDesk, answer: int) -> None:
    """The desk: reads show the status; a write applies the change, then answers ``answer``."""

    def write(_request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        case.write_applies(desk)
        desk.applied += 1
        return answer, {"Content-Type": "application/json"}, '{"errorMessages": ["oops"]}'

    def read(_request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        return 200, {"Content-Type": "application/json"}, json.dumps(case.read_body(desk))

    case.offers(http, desk)
    http.add_callback(case.write[0], case.write[1], callback=write)
    http.add_callback("GET", case.read, callback=read)


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_a_change_answered_500_is_not_sent_again_once_the_desk_shows_it(
    http: responses.RequestsMock, limiter: Any, clock: Any, name: str
) -> None:
    case = CASES[name]
    desk = FakeDesk(OPEN[name])
    _serve(http, case, desk, answer=500)

    case.build(limiter, clock).transition(case.key, "resolved")

    assert desk.applied == 1
    writes = [c for c in http.calls if c.request.method == case.write[0]]
    assert len(writes) == 1


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_a_resend_reads_the_status_first(
    http: responses.RequestsMock, limiter: Any, clock: Any, name: str
) -> None:
    """The outbox row was claimed before (its worker died after sending): nothing is sent."""
    case = CASES[name]
    desk = FakeDesk(OPEN[name])
    case.write_applies(desk)  # the earlier attempt's change landed
    _serve(http, case, desk, answer=204)

    case.build(limiter, clock).transition(case.key, "resolved", resend=True)

    assert desk.applied == 0
