"""``group_name`` on every desk: the team's name from the desk's own API, in the vendor's shape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks.memory import MemoryDesk
from connectors.errors import NotFoundError, RejectedError
from connectors.ratelimit import LocalRateLimiter

from . import test_jira_desk as jira
from . import test_salesforce_desk as salesforce
from . import test_servicenow_desk as servicenow
from . import test_zendesk_desk as zendesk
from .conftest import FakeClock

Payload = Callable[[str, str], Any]
SNOW_GROUP = "d625dccec0a8016700a222a0f7900d06"
QUEUE = "00G5e000003Bcd1EAC"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_zendesk_group_by_id(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    http.get(
        f"{zendesk.BASE}/api/v2/groups/360000000042.json", json=payload("zendesk", "api_group")
    )
    assert zendesk.make_desk(limiter, clock).group_name("360000000042") == "IT Service Desk"


def test_zendesk_unknown_group_is_not_found(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    http.get(
        f"{zendesk.BASE}/api/v2/groups/1.json",
        status=404,
        json={"error": "RecordNotFound", "description": "Not found"},
    )
    with pytest.raises(NotFoundError):
        zendesk.make_desk(limiter, clock).group_name("1")


def test_servicenow_group_by_sys_id_and_display_values_as_they_are(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    http.get(
        f"{servicenow.BASE}/api/now/table/sys_user_group/{SNOW_GROUP}",
        json=payload("servicenow", "api_sys_user_group"),
        match=[matchers.query_param_matcher({"sysparm_fields": "sys_id,name"})],
    )
    desk = servicenow.make_desk(limiter, clock)
    assert desk.group_name(SNOW_GROUP) == "Service Desk"
    assert desk.group_name("Network Operations") == "Network Operations"  # no call: a name


def test_jira_organisation_by_id_and_component_names_as_they_are(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    jira_http.get(
        f"{jira.BASE}/rest/servicedeskapi/organization/4",
        json=payload("jira", "api_servicedesk_organization"),
    )
    desk = jira.make_desk(limiter, clock)
    assert desk.group_name("4") == "Finance Department"
    assert desk.group_name("Identity & Access") == "Identity & Access"


def test_salesforce_queue_by_soql(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    soql = "SELECT Id, Name, DeveloperName, Type FROM Group WHERE Id = '00G5e000003Bcd1EAC'"
    http.get(
        f"{salesforce.API}/query",
        json=payload("salesforce", "api_query_group"),
        match=[matchers.query_param_matcher({"q": soql})],
    )
    assert salesforce.make_desk(limiter, clock).group_name(QUEUE) == "Tier 2 Access Requests"


@pytest.mark.parametrize(
    ("desk", "value"),
    [("zendesk", "support-team"), ("salesforce", "005000000000001AAA")],
    ids=["zendesk-not-numeric", "salesforce-a-user-not-a-queue"],
)
def test_values_that_cannot_be_ids_are_refused_without_a_call(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, desk: str, value: str
) -> None:
    module = zendesk if desk == "zendesk" else salesforce
    with pytest.raises(RejectedError, match="group_name"):
        module.make_desk(limiter, clock).group_name(value)


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_memory_desk_groups(strict: bool) -> None:
    desk = MemoryDesk("memory", strict=strict)
    desk.set_group_name("42", "Service Desk")
    assert desk.group_name("42") == "Service Desk"
    if strict:
        with pytest.raises(NotFoundError):
            desk.group_name("43")
    else:
        assert desk.group_name("43") == "43"
