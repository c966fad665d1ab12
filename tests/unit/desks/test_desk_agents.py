"""
``TicketAgents.is_agent_on`` at the HTTP boundary: Jira/JSM asks the service project's agent
permission (Cloud checked against Atlassian's OpenAPI file), ServiceNow the user's fulfiller
roles; answers are cached, a person the desk cannot place stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import TicketAgents
from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.errors import AuthError, PermanentError, UnavailableError
from connectors.ratelimit import LocalRateLimiter

from . import test_jira_desk as jira
from . import test_servicenow_desk as servicenow
from .conftest import FakeClock

Payload = Callable[[str, str], Any]
ATLASSIAN = "5b10a2844c20165700ede21g"
CUSTOMER = "qm:1e3d4a22-8c0a-4d5b-9f7e-7b0c1a2b3c4d:5f6e7d8c"
PERMISSION_SEARCH = jira.BASE + "/rest/api/3/user/permission/search"
AGENT_QUERY = {
    "permissions": "SERVICEDESK_AGENT",
    "projectKey": "IT",
    "accountId": ATLASSIAN,
    "maxResults": "50",
}
BETH = "46d44a23a9fe19810012d100cca80666"
USER_ROLES = servicenow.BASE + "/api/now/table/sys_user_has_role"
USERS = servicenow.BASE + "/api/now/table/sys_user"


def _user(http: responses.RequestsMock, payload: Payload, account: str, fixture: str) -> None:
    http.get(
        f"{jira.BASE}/rest/api/3/user",
        json=payload("jira", fixture),
        match=[matchers.query_param_matcher({"accountId": account})],
    )


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [("api_user_permission_search_agent", True), (None, False)],
    ids=["listed-agent", "not-listed"],
)
def test_jira_cloud_asks_the_projects_agent_permission_once(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    fixture: str | None,
    expected: bool,
) -> None:
    _user(jira_http, payload, ATLASSIAN, "api_user")
    found = payload("jira", fixture) if fixture else []
    jira_http.get(PERMISSION_SEARCH, json=found, match=[matchers.query_param_matcher(AGENT_QUERY)])
    desk = jira.make_desk(limiter, clock)

    assert isinstance(desk, TicketAgents)
    assert desk.is_agent_on("IT-7", ATLASSIAN) is expected
    assert desk.is_agent_on("IT-8", ATLASSIAN) is expected, "same project: the cached answer"
    assert len(jira_http.calls) == 2


def test_a_jsm_customer_is_never_asked_about(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    _user(jira_http, payload, CUSTOMER, "api_user_customer")

    assert jira.make_desk(limiter, clock).is_agent_on("IT-7", CUSTOMER) is False
    assert len(jira_http.calls) == 1


@pytest.mark.parametrize(
    ("name", "expected"), [("mia.k", True), ("mia", False)], ids=["exact-name", "prefix-only"]
)
def test_jira_data_center_matches_the_user_name_exactly(
    limiter: LocalRateLimiter, clock: FakeClock, payload: Payload, name: str, expected: bool
) -> None:
    """Data Center's ``username`` is a prefix search: ``mia`` also finds ``mia.k``."""
    desk = JiraDesk(
        "jira-dc",
        jira.BASE,
        personal_access_token="not-a-real-token",
        limiter=limiter,
        options=JiraOptions(deployment="datacenter"),
        sleep=clock.sleep,
    )
    query = {"permissions": "SERVICEDESK_AGENT", "projectKey": "IT", "username": name}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(
            f"{jira.BASE}/rest/api/2/user",
            json={"name": name, "key": "JIRAUSER10100", "active": True},
            match=[matchers.query_param_matcher({"username": name})],
        )
        http.get(
            jira.BASE + "/rest/api/2/user/permission/search",
            json=payload("jira", "api_user_permission_search_dc_prefix"),
            match=[matchers.query_param_matcher(query, strict_match=False)],
        )

        assert desk.is_agent_on("IT-7", name) is expected


@pytest.mark.parametrize(
    ("status", "error"),
    [(403, AuthError), (503, UnavailableError)],
    ids=["no-administer-projects-stays-unknown", "outage-is-retried"],
)
def test_jira_failures_are_not_cached_as_answers(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    status: int,
    error: type[Exception],
) -> None:
    _user(jira_http, payload, ATLASSIAN, "api_user")
    body = {"errorMessages": ["You do not have the permission to see the specified users."]}
    jira_http.get(PERMISSION_SEARCH, status=status, json=body)
    desk = jira.make_desk(limiter, clock)

    with pytest.raises(error):
        desk.is_agent_on("IT-7", ATLASSIAN)
    jira_http.replace(responses.GET, PERMISSION_SEARCH, json=[])
    assert desk.is_agent_on("IT-7", ATLASSIAN) is False, "asked again, not a cached failure"


@pytest.mark.parametrize("key", ['IT-7" OR 1=1', "it-7", ""], ids=["injection", "lower", "empty"])
def test_jira_a_key_that_names_no_project_cannot_say(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, key: str
) -> None:
    assert jira.make_desk(limiter, clock).is_agent_on(key, ATLASSIAN) is None


def _beth(http: responses.RequestsMock, payload: Payload) -> None:
    http.get(
        USERS,
        json=payload("servicenow", "api_sys_user_by_name_full"),
        match=[
            matchers.query_param_matcher(
                {"sysparm_query": "user_name=beth.anglin"}, strict_match=False
            )
        ],
    )


@pytest.mark.parametrize(
    ("roles", "fixture", "expected"),
    [
        (("itil",), "api_sys_user_has_role_itil", True),
        (("itil", "sn_incident_write"), None, False),
    ],
    ids=["itil-holder", "no-fulfiller-role"],
)
def test_servicenow_resolves_the_journal_user_name_then_asks_roles_once(
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    roles: tuple[str, ...],
    fixture: str | None,
    expected: bool,
) -> None:
    found = payload("servicenow", fixture) if fixture else {"result": []}
    query = {
        "sysparm_query": f"user={BETH}^role.nameIN{','.join(roles)}",
        "sysparm_fields": "sys_id",
        "sysparm_limit": "1",
    }
    desk = servicenow.make_desk(limiter, clock, agent_roles=roles)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        _beth(http, payload)
        http.get(USER_ROLES, json=found, match=[matchers.query_param_matcher(query)])

        assert desk.is_agent_on("INC0010001", "beth.anglin") is expected
        assert desk.is_agent_on("INC0010002", "beth.anglin") is expected
        assert len(http.calls) == 2, "the user and the roles are each asked once"


def test_servicenow_without_agent_roles_does_not_guess(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True):
        assert servicenow.make_desk(limiter, clock, agent_roles=()).is_agent_on("INC1", "x") is None


def test_servicenow_unreadable_roles_are_a_permanent_error(
    limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    denied = {
        "error": {
            "message": "User Not Authorized",
            "detail": "Required to provide Auth information",
        },
        "status": "failure",
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        _beth(http, payload)
        http.get(USER_ROLES, status=403, json=denied)

        with pytest.raises(PermanentError):
            servicenow.make_desk(limiter, clock).is_agent_on("INC1", "beth.anglin")
