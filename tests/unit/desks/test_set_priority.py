"""``set_priority`` on every desk, at the HTTP boundary (the SLA breach action priority_bump)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import DeskClient
from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.desks.memory import MemoryDesk
from connectors.desks.salesforce import SalesforceDesk, SalesforceOptions, StaticToken
from connectors.desks.servicenow import ServiceNowDesk, ServiceNowOptions
from connectors.desks.zendesk import ZendeskDesk, ZendeskOptions
from connectors.errors import RejectedError
from connectors.ratelimit import LocalRateLimiter

from .conftest import FakeClock

JIRA = "https://your-domain.atlassian.net"
ZENDESK = "https://example.zendesk.com"
SNOW = "https://example.service-now.com"
SF_API = "https://example.my.salesforce.com/services/data/v61.0"
SYS_ID = "9d385017c611228701d22104cc95c371"
CASE_ID = "500RO00000AbcdEYAR"


@pytest.fixture
def http(vendor_http: responses.RequestsMock) -> responses.RequestsMock:
    """Jira Cloud and Zendesk requests checked against their published API documents."""
    return vendor_http


def jira(limiter: Any, clock: Any) -> JiraDesk:
    return JiraDesk("jira-it", JIRA, email="deskpilot@example.com", api_token="not-a-real-token",
                    limiter=limiter, options=JiraOptions(), sleep=clock.sleep)  # fmt: skip


def zendesk(limiter: Any, clock: Any) -> ZendeskDesk:
    return ZendeskDesk("zendesk-it", ZENDESK, email="deskpilot@example.com",
                       api_token="not-a-real-token", limiter=limiter,
                       options=ZendeskOptions(), sleep=clock.sleep)  # fmt: skip


def snow(limiter: Any, clock: Any) -> ServiceNowDesk:
    return ServiceNowDesk("snow-it", SNOW, username="svc_deskpilot", password="not-a-real-password",
                          limiter=limiter, options=ServiceNowOptions(),
                          sleep=clock.sleep)  # fmt: skip


def salesforce(limiter: Any, clock: Any) -> SalesforceDesk:
    return SalesforceDesk("sf-it", "https://example.my.salesforce.com", limiter=limiter,
                          session_source=StaticToken("00DRO0000000001!static"),
                          options=SalesforceOptions(), sleep=clock.sleep)  # fmt: skip


@pytest.mark.parametrize(
    ("priority", "name"), [("urgent", "Highest"), ("high", "High"), ("low", "Low")],
    ids=["urgent", "high", "low"],
)  # fmt: skip
def test_jira_puts_the_priority_name(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    priority: str,
    name: str,
) -> None:
    jira_http.put(
        f"{JIRA}/rest/api/3/issue/IT-7",
        status=204,
        match=[matchers.json_params_matcher({"fields": {"priority": {"name": name}}})],
    )

    jira(limiter, clock).set_priority("IT-7", priority)


def test_zendesk_puts_the_priority(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.put(
        f"{ZENDESK}/api/v2/tickets/35436.json",
        json={"ticket": {"id": 35436, "priority": "urgent"}},
        match=[matchers.json_params_matcher({"ticket": {"priority": "urgent"}})],
    )

    zendesk(limiter, clock).set_priority("35436", "urgent")


def test_servicenow_patches_impact_and_urgency(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.patch(
        f"{SNOW}/api/now/table/incident/{SYS_ID}",
        json={"result": {"sys_id": SYS_ID}},
        match=[matchers.json_params_matcher({"impact": "1", "urgency": "2"})],
    )

    snow(limiter, clock).set_priority(SYS_ID, "high")


def test_salesforce_patches_the_case_priority(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.patch(
        f"{SF_API}/sobjects/Case/{CASE_ID}",
        status=204,
        match=[matchers.json_params_matcher({"Priority": "High"})],
    )

    salesforce(limiter, clock).set_priority(CASE_ID, "urgent")


@pytest.mark.parametrize("make", [jira, zendesk, snow, salesforce], ids=["jira", "zendesk", "servicenow", "salesforce"])  # fmt: skip
def test_an_unknown_priority_is_rejected_without_a_call(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    make: Callable[..., DeskClient],
) -> None:
    with pytest.raises(RejectedError, match="unknown priority 'blocker'"):
        make(limiter, clock).set_priority("IT-7", "blocker")


def test_memory_desk_records_the_priority() -> None:
    desk = MemoryDesk("memory")
    desk.set_priority("M-1", "high")
    assert desk.priorities == {"M-1": "high"}
