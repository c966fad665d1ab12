"""
JiraDesk on the ``jira`` client: retries off, every request under DeskTransport's budget and
classifier, and Jira Data Center (REST v2, personal access tokens) beside Cloud.

Cloud requests are checked against Atlassian's OpenAPI files (``jira_http``). Atlassian publishes
no machine-readable description of the Data Center REST API (none is in ../shared/specs), so the
Data Center requests are pinned here by path, query and body, as its REST reference shows them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from jira import JIRA
from responses import matchers

from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.errors import RateLimitedError
from connectors.ratelimit import Budget, LocalRateLimiter
from intake.normalize import normalize_delivery

from .cases import http_date, json_body
from .conftest import PAYLOADS, FakeClock

CLOUD = "https://your-domain.atlassian.net"
DC = "https://jira.example.com"
PAT = "NjM2NTk0OTI4NzE3Onot-a-real-personal-access-token"
STATUS_MAP = {"resolved": "Resolved"}


def cloud_desk(limiter: Any, clock: Any, **options: Any) -> JiraDesk:
    return JiraDesk("jira-it", CLOUD, email="deskpilot@example.com", api_token="not-a-real-token",
                    limiter=limiter, options=JiraOptions(status_map=STATUS_MAP, **options),
                    sleep=clock.sleep)  # fmt: skip


def dc_desk(limiter: Any, clock: Any, **options: Any) -> JiraDesk:
    return JiraDesk("jira-dc", DC, personal_access_token=PAT, limiter=limiter,
                    options=JiraOptions(deployment="datacenter", status_map=STATUS_MAP, **options),
                    sleep=clock.sleep)  # fmt: skip


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


# -- the client, under the transport -----------------------------------------------------------


def test_the_desk_speaks_through_the_jira_client_with_its_retries_off(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    desk = cloud_desk(limiter, clock)

    assert isinstance(desk._client, JIRA)
    assert desk._client._session.max_retries == 0


def test_a_comment_post_cut_off_is_resent_only_after_looking_for_its_marker(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """The client would resend the POST at once (a duplicate comment); here the marker is
    looked for first, and the second attempt finds the first one landed."""
    comments = f"{CLOUD}/rest/api/3/issue/IT-7/comment"
    jira_http.get(comments, json=payload("jira", "api_platform_comments"))
    jira_http.post(comments, body=requests.exceptions.ConnectionError("connection reset"))
    jira_http.get(comments, json=payload("jira", "api_platform_comments_with_marker"))

    posted = cloud_desk(limiter, clock, comment_api="platform").post_comment(
        "IT-7", "Plan", public=False, marker="run-42.plan"
    )

    methods = [c.request.method for c in jira_http.calls]
    assert methods == ["GET", "POST", "GET"]
    assert not posted.created


def test_every_client_request_takes_a_token_from_the_shared_budget(
    jira_http: responses.RequestsMock, clock: FakeClock, payload: Callable[[str, str], Any]
) -> None:
    """Budget of one request per second, no burst: the second request waits its turn."""
    limiter = LocalRateLimiter(clock=clock.monotonic)
    budget = Budget(requests=1, per_s=1.0, burst=1)
    jira_http.get(f"{CLOUD}/rest/api/3/issue/IT-7/transitions",
                  json=payload("jira", "api_transitions"))  # fmt: skip
    jira_http.post(f"{CLOUD}/rest/api/3/issue/IT-7/transitions", status=204)

    cloud_desk(limiter, clock, budget=budget).transition("IT-7", "resolved")

    assert clock.sleeps == [pytest.approx(1.0)]


def test_a_429_with_an_http_date_is_classified_not_a_client_crash(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    """The client's own handling crashes on the date form of Retry-After; it never sees it."""
    jira_http.put(f"{CLOUD}/rest/api/3/issue/IT-7/assignee", status=429,
                  headers={"Retry-After": http_date(300)})  # fmt: skip

    with pytest.raises(RateLimitedError) as caught:
        cloud_desk(limiter, clock).assign("IT-7", "557058:agent-bob")

    assert caught.value.retry_after_s == pytest.approx(300, abs=5)
    assert "HTTP 429" in str(caught.value)


# -- Data Center -------------------------------------------------------------------------------


def _bearer(call: Any) -> str:
    return str(call.request.headers.get("Authorization"))


def test_dc_platform_comment_is_rest_v2_text_with_a_personal_access_token(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    comments = f"{DC}/rest/api/2/issue/IT-7/comment"
    http.get(comments, json=payload("jira_dc", "api_comments"),
             match=[matchers.query_param_matcher({"startAt": "0", "maxResults": "100"})])  # fmt: skip
    http.post(comments, status=201, json=payload("jira_dc", "api_comment_created"))

    posted = dc_desk(limiter, clock, comment_api="platform").post_comment(
        "IT-7", "Account **unlocked**.", public=False, marker="run-42.result"
    )

    assert json_body(http.calls[1]) == {
        "body": "Account unlocked.\n\n[deskpilot:run-42.result]",
        "properties": [{"key": "sd.public.comment", "value": {"internal": True}}],
    }
    assert {_bearer(c) for c in http.calls} == {f"Bearer {PAT}"}
    assert (posted.comment_id, posted.created) == ("10108", True)


def test_dc_people_are_user_names(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.get(f"{DC}/rest/api/2/user", json=payload("jira_dc", "api_user"),
             match=[matchers.query_param_matcher({"username": "alice"})])  # fmt: skip
    http.put(f"{DC}/rest/api/2/issue/IT-7/assignee", status=204,
             match=[matchers.json_params_matcher({"name": "alice"})])  # fmt: skip
    desk = dc_desk(limiter, clock)

    person = desk.find_person("alice")
    desk.assign("IT-7", "alice")

    assert (person.email, person.name, person.active) == (
        "alice@example.com",
        "Alice Example",
        True,
    )


@pytest.mark.parametrize(
    ("field", "value", "sent"),
    [
        ("customfield_10100", "alice", {"name": "alice"}),
        ("customfield_10101", "Escalated to IAM", "Escalated to IAM"),
        ("customfield_10099", "escalated", {"value": "Escalated"}),
    ],
    ids=["user-picker-by-name", "paragraph-as-text", "select"],
)
def test_dc_set_field_sends_v2_shapes(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    field: str,
    value: str,
    sent: Any,
) -> None:
    http.get(f"{DC}/rest/api/2/issue/IT-7/editmeta", json=payload("jira", "api_editmeta"))
    http.put(f"{DC}/rest/api/2/issue/IT-7", status=204,
             match=[matchers.json_params_matcher({"fields": {field: sent}})])  # fmt: skip

    dc_desk(limiter, clock).set_field("IT-7", field, value)


def test_dc_poll_pages_by_start_at_until_total(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    search = f"{DC}/rest/api/2/search"
    common = {
        "jql": 'updated >= "2026/11/25 08:58" ORDER BY updated ASC',
        "maxResults": "1",
        "fields": "summary,description,status,priority,issuetype,project,reporter,assignee,"
        "labels,created,updated,comment",
        "expand": "changelog",
    }
    http.get(search, json=payload("jira_dc", "api_search_page1"),
             match=[matchers.query_param_matcher({**common, "startAt": "0"})])  # fmt: skip
    http.get(search, json=payload("jira_dc", "api_search_page2"),
             match=[matchers.query_param_matcher({**common, "startAt": "1"})])  # fmt: skip
    desk = dc_desk(limiter, clock, page_size=1)
    since = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    first = desk.poll(None, since=since)
    second = desk.poll(first.cursor, since=since)

    assert (first.more, second.more) == (True, False)
    assert [d.dedupe_key for d in (*first.deliveries, *second.deliveries)] == [
        "poll:IT-7:2026-11-25T10:03:12.000+0100",
        "poll:IT-8:2026-11-25T10:05:31.000+0100",
    ]


def test_dc_attachment_is_read_from_its_content_url(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    content = f"{DC}/secure/attachment/10500/users.csv"
    http.get(f"{DC}/rest/api/2/attachment/10500", json={
        "self": f"{DC}/rest/api/2/attachment/10500", "id": "10500", "filename": "users.csv",
        "size": 17, "mimeType": "text/csv", "content": content})  # fmt: skip
    http.get(content, body=b"login\nalice\nbob\n")

    data = dc_desk(limiter, clock).download_attachment("IT-7", "10500")

    assert data == b"login\nalice\nbob\n"


def test_dc_webhook_bodies_normalise_with_user_names() -> None:
    """Data Center webhooks are REST v2 JSON whose users carry ``name``/``key``, no accountId."""
    body = (PAYLOADS / "jira_dc" / "webhook_issue_created.json").read_bytes()

    result = normalize_delivery("jira", "jira-dc", body)

    assert (result.ticket.key, result.ticket.requester.id, result.ticket.requester.email) == (
        "IT-7",
        "alice",
        "alice@example.com",
    )
    assert json.loads(body)["user"]["name"] == "alice"
