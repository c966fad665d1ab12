"""
``JiraDesk.raised_by_unverified_channel``: JSM records a request's channel only as the JQL field
``request-channel-type`` (the issue's JSON does not carry it), so the desk is asked with a search,
at the HTTP boundary, on Cloud (checked against Atlassian's OpenAPI file) and Data Center.
"""

from __future__ import annotations

from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.ratelimit import LocalRateLimiter

from .conftest import FakeClock

BASE = "https://your-domain.atlassian.net"
JQL = 'issuekey = "IT-7" AND request-channel-type in (email, "anonymous portal")'
FOUND = {"issues": [{"expand": "", "id": "10007", "key": "IT-7"}], "isLast": True}
NONE = {"issues": [], "isLast": True}
NO_JSM = {
    "errorMessages": [
        "Field 'request-channel-type' does not exist or you do not have permission to view it."
    ],
    "errors": {},
}


def _desk(limiter: LocalRateLimiter, clock: FakeClock, deployment: str) -> JiraDesk:
    credentials: dict[str, Any] = (
        {"email": "deskpilot@example.com", "api_token": "not-a-real-token"}
        if deployment == "cloud"
        else {"personal_access_token": "not-a-real-token"}
    )
    return JiraDesk(
        "jira-it",
        BASE,
        limiter=limiter,
        options=JiraOptions(deployment=deployment),  # type: ignore[arg-type]
        sleep=clock.sleep,
        **credentials,
    )


CLOUD_SEARCH = BASE + "/rest/api/3/search/jql"
DC_SEARCH = BASE + "/rest/api/2/search"
QUERY = {"jql": JQL, "fields": "id", "maxResults": "1"}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [(200, FOUND, True), (200, NONE, False), (400, NO_JSM, None)],
    ids=["email", "portal", "jira-without-jsm"],
)
def test_cloud_asks_search_jql(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    status: int,
    body: dict[str, Any],
    expected: bool | None,
) -> None:
    """Checked against Atlassian's OpenAPI file (``jira_http``)."""
    jira_http.get(
        CLOUD_SEARCH, status=status, json=body, match=[matchers.query_param_matcher(QUERY)]
    )

    assert _desk(limiter, clock, "cloud").raised_by_unverified_channel("IT-7") is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"startAt": 0, "total": 1, **FOUND}, True), ({"startAt": 0, "total": 0, **NONE}, False)],
    ids=["email", "portal"],
)
def test_data_center_asks_search_v2(
    limiter: LocalRateLimiter, clock: FakeClock, body: dict[str, Any], expected: bool
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(DC_SEARCH, json=body, match=[matchers.query_param_matcher(QUERY)])

        assert _desk(limiter, clock, "datacenter").raised_by_unverified_channel("IT-7") is expected


@pytest.mark.parametrize(
    "key",
    ['IT-7" OR project = HR', "it-7", "IT-7 ", "IT"],
    ids=["jql-injection", "lower-case", "trailing-space", "no-number"],
)
def test_a_key_that_is_not_an_issue_key_is_not_put_into_jql(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, key: str
) -> None:
    """Nothing is sent (the mock answers nothing) and the desk cannot say."""
    assert _desk(limiter, clock, "cloud").raised_by_unverified_channel(key) is None
