"""JiraDesk at the HTTP boundary; every request is also checked against Atlassian's OpenAPI files."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.desks.transport import RetryPolicy
from connectors.errors import RateLimitedError, RejectedError
from connectors.ratelimit import LocalRateLimiter

from .cases import ERROR_IDS, ERROR_TABLE, PERMANENT, json_body, retry_after_of, status_of
from .conftest import FakeClock, OpenApiContract

BASE = "https://your-domain.atlassian.net"
SD_COMMENTS = f"{BASE}/rest/servicedeskapi/request/IT-7/comment"
PLATFORM_COMMENTS = f"{BASE}/rest/api/3/issue/IT-7/comment"
TRANSITIONS = f"{BASE}/rest/api/3/issue/IT-7/transitions"
SEARCH = f"{BASE}/rest/api/3/search/jql"
STATUS_MAP = {
    "resolved": "Resolved",
    "in_progress": "Start work",
    "pending_requester": "Waiting for customer",
}


def make_desk(limiter: Any, clock: Any, **options: Any) -> JiraDesk:
    return JiraDesk(
        "jira-it",
        BASE,
        email="deskpilot@example.com",
        api_token="not-a-real-token",
        limiter=limiter,
        options=JiraOptions(status_map=STATUS_MAP, **options),
        sleep=clock.sleep,
    )


def test_spec_files_are_available(jira_contract: Any) -> None:
    """The request validation below needs ../shared/specs; say so instead of passing silently."""
    if jira_contract is None:
        pytest.skip(
            "../shared/specs is absent: Jira requests are not checked against the OpenAPI files"
        )
    assert jira_contract is not None


@pytest.mark.parametrize("public", [False, True], ids=["internal-note", "public-reply"])
def test_servicedesk_comment_sets_public_flag(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    public: bool,
) -> None:
    """JSM comments carry plain text, the marker footer and ``public`` exactly as asked."""
    jira_http.get(SD_COMMENTS, json=payload("jira", "api_servicedesk_comments"))
    jira_http.post(
        SD_COMMENTS,
        json=payload("jira", "api_servicedesk_comment_created"),
        status=201,
        match=[
            matchers.json_params_matcher(
                {"body": "Account unlocked.\n\n[deskpilot:run-42.result]", "public": public}
            )
        ],
    )

    posted = make_desk(limiter, clock).post_comment(
        "IT-7", "Account **unlocked**.", public=public, marker="run-42.result"
    )

    assert (posted.comment_id, posted.created) == ("10108", True)


@pytest.mark.parametrize(
    ("public", "properties"),
    [(False, [{"key": "sd.public.comment", "value": {"internal": True}}]), (True, None)],
    ids=["internal-note", "public-reply"],
)
def test_platform_comment_is_adf_with_internal_property(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    public: bool,
    properties: list[dict[str, object]] | None,
) -> None:
    """Platform comments are ADF; internal ones carry the sd.public.comment property."""
    jira_http.get(PLATFORM_COMMENTS, json=payload("jira", "api_platform_comments"))
    jira_http.post(
        PLATFORM_COMMENTS, json=payload("jira", "api_platform_comment_created"), status=201
    )

    posted = make_desk(limiter, clock, comment_api="platform").post_comment(
        "IT-7", "Account **unlocked**.", public=public, marker="run-42.result"
    )

    sent = json_body(jira_http.calls[1])
    assert sent.get("properties") == properties
    assert sent["body"]["content"] == [
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Account "},
                {"type": "text", "text": "unlocked", "marks": [{"type": "strong"}]},
                {"type": "text", "text": "."},
            ],
        },
        {"type": "paragraph", "content": [{"type": "text", "text": "[deskpilot:run-42.result]"}]},
    ]
    assert posted.created


@pytest.mark.parametrize(
    ("api", "url", "fixture"),
    [
        ("servicedesk", SD_COMMENTS, "api_servicedesk_comments_with_marker"),
        ("platform", PLATFORM_COMMENTS, "api_platform_comments_with_marker"),
    ],
    ids=["servicedesk", "platform"],
)
def test_marker_already_on_ticket_prevents_second_post(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    api: str,
    url: str,
    fixture: str,
) -> None:
    """A comment with the same marker is found; nothing is POSTed (no POST is registered)."""
    jira_http.get(url, json=payload("jira", fixture))

    posted = make_desk(limiter, clock, comment_api=api).post_comment(
        "IT-7", "Plan: unlock alice", public=False, marker="run-42.plan"
    )

    assert (posted.comment_id, posted.created) == ("10107", False)


def test_429_then_500_then_success_posts_once_after_retry_after(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """The desk throttles, then fails, then accepts: one comment, first wait = Retry-After."""
    jira_http.get(SD_COMMENTS, json=payload("jira", "api_servicedesk_comments"))
    jira_http.post(
        SD_COMMENTS,
        status=429,
        headers={"Retry-After": "3"},
        json={"errorMessages": ["Rate limit exceeded."]},
    )
    jira_http.post(SD_COMMENTS, status=500, json={"errorMessages": ["Internal server error"]})
    jira_http.post(SD_COMMENTS, status=201, json=payload("jira", "api_servicedesk_comment_created"))

    posted = make_desk(limiter, clock).post_comment(
        "IT-7", "Done.", public=False, marker="run-42.result"
    )

    posts = [c for c in jira_http.calls if c.request.method == "POST"]
    assert [status_of(c) for c in posts] == [429, 500, 201]
    assert posted == posted.__class__("10108", created=True)
    assert clock.sleeps[0] == 3.0
    assert len(clock.sleeps) == 2


def test_503_with_retry_after_waits_that_long_then_retries(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    """Atlassian sends Retry-After on some transient 5xx: the wait is its, not our backoff."""
    url = f"{BASE}/rest/api/3/issue/IT-7/assignee"
    jira_http.put(url, status=503, headers={"Retry-After": "7"},
                  json={"errorMessages": ["Service unavailable"]})  # fmt: skip
    jira_http.put(url, status=204)

    make_desk(limiter, clock).assign("IT-7", "557058:agent-bob")

    assert [status_of(c) for c in jira_http.calls] == [503, 204]
    assert clock.sleeps == [7.0]


def test_long_retry_after_is_raised_and_blocks_the_next_call(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    """A Retry-After beyond the inline limit goes to the queue, and blocks later calls too."""
    jira_http.put(
        f"{BASE}/rest/api/3/issue/IT-7/assignee", status=429, headers={"Retry-After": "120"}
    )
    desk = make_desk(limiter, clock)

    with pytest.raises(RateLimitedError) as first:
        desk.assign("IT-7", "557058:agent-bob")
    with pytest.raises(RateLimitedError) as second:
        desk.assign("IT-7", "557058:agent-bob")

    assert (first.value.retry_after_s, second.value.retry_after_s) == (120.0, 120.0)
    assert clock.sleeps == []
    assert len(jira_http.calls) == 1


@pytest.mark.parametrize(
    ("target", "transition_id"),
    [("resolved", "31"), ("in_progress", "11"), ("pending_requester", "21")],
    ids=["by-target-status", "by-transition-name", "waiting-for-customer"],
)
def test_transition_by_name(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    target: str,
    transition_id: str,
) -> None:
    """The transition is looked up by name (its own or its target status's) and POSTed by id."""
    jira_http.get(TRANSITIONS, json=payload("jira", "api_transitions"))
    jira_http.post(
        TRANSITIONS,
        status=204,
        match=[matchers.json_params_matcher({"transition": {"id": transition_id}})],
    )

    make_desk(limiter, clock).transition("IT-7", target)


def test_transition_sends_configured_fields(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """Fields the admin configured for a category (a resolution) go with the transition."""
    jira_http.get(TRANSITIONS, json=payload("jira", "api_transitions"))
    body = {"transition": {"id": "31"}, "fields": {"resolution": {"name": "Done"}}}
    jira_http.post(TRANSITIONS, status=204, match=[matchers.json_params_matcher(body)])
    desk = make_desk(
        limiter, clock, transition_fields={"resolved": {"resolution": {"name": "Done"}}}
    )

    desk.transition("IT-7", "resolved")


def test_transition_to_current_status_is_success(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """No transition leads to 'Resolved' because the issue is already there: success."""
    jira_http.get(TRANSITIONS, json={"expand": "transitions", "transitions": []})
    jira_http.get(
        f"{BASE}/rest/api/3/issue/IT-7", json=payload("jira", "api_issue_status_resolved")
    )

    make_desk(limiter, clock).transition("IT-7", "resolved")


def test_transition_unavailable_is_rejected_with_the_offered_names(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    jira_http.get(TRANSITIONS, json={"expand": "transitions", "transitions": []})
    issue = payload("jira", "api_issue_status_resolved")
    issue["fields"]["status"]["name"] = "Closed"
    jira_http.get(f"{BASE}/rest/api/3/issue/IT-7", json=issue)

    with pytest.raises(RejectedError, match="is in 'Closed'; no transition to 'Resolved'"):
        make_desk(limiter, clock).transition("IT-7", "resolved")


def test_assign_and_labels(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    jira_http.put(
        f"{BASE}/rest/api/3/issue/IT-7/assignee",
        status=204,
        match=[matchers.json_params_matcher({"accountId": "557058:agent-bob"})],
    )
    jira_http.put(
        f"{BASE}/rest/api/3/issue/IT-7",
        status=204,
        match=[
            matchers.json_params_matcher(
                {"update": {"labels": [{"add": "deskpilot"}, {"add": "unlock"}]}}
            )
        ],
    )
    desk = make_desk(limiter, clock)

    desk.assign("IT-7", "557058:agent-bob")
    desk.add_labels("IT-7", ["deskpilot", "unlock", "deskpilot"])


def test_poll_pages_with_token_then_moves_watermark_with_overlap(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """First scan starts at since-2min; it pages by nextPageToken; the next scan starts at the newest update-2min."""
    fields = "summary,description,status,priority,issuetype,project,reporter,assignee,labels,created,updated,comment,customfield_10010"
    common = {"maxResults": "50", "fields": fields, "expand": "changelog"}
    first_jql = '(project = IT) AND updated >= "2026/11/25 09:58" ORDER BY updated ASC'
    jira_http.get(
        SEARCH,
        json=payload("jira", "api_search_jql_page1"),
        match=[matchers.query_param_matcher({**common, "jql": first_jql})],
    )
    jira_http.get(
        SEARCH,
        json=payload("jira", "api_search_jql_page2"),
        match=[
            matchers.query_param_matcher({**common, "jql": first_jql, "nextPageToken": "CAEaAggD"})
        ],
    )
    next_jql = '(project = IT) AND updated >= "2026/11/25 10:05" ORDER BY updated ASC'
    jira_http.get(
        SEARCH,
        json={"issues": [], "isLast": True},
        match=[matchers.query_param_matcher({**common, "jql": next_jql})],
    )
    desk = make_desk(limiter, clock, jql="project = IT", extra_fields=("customfield_10010",))
    since = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    page1 = desk.poll(None, since=since)
    page2 = desk.poll(page1.cursor, since=since)
    page3 = desk.poll(page2.cursor, since=since)

    assert (page1.more, page2.more, page3.more) == (True, False, False)
    assert [d.dedupe_key for d in (*page1.deliveries, *page2.deliveries)] == [
        "poll:IT-7:2026-11-25T10:02:40.120+0000",
        "poll:IT-9:2026-11-25T10:07:31.004+0000",
    ]
    body = json.loads(page1.deliveries[0].body)
    assert body["kind"] == "deskpilot.poll"
    assert body["record"]["key"] == "IT-7"
    assert [c["id"] for c in body["comments"]] == ["10100"]
    assert page1.deliveries[0].source == "poll"
    assert page3.deliveries == ()


def test_poll_jql_uses_the_api_users_time_zone(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    """JQL dates are read in the user's profile zone; the cursor's UTC time is converted."""
    jql = 'updated >= "2026/11/25 10:58" ORDER BY updated ASC'
    jira_http.get(
        SEARCH,
        json={"issues": [], "isLast": True},
        match=[matchers.query_param_matcher({"jql": jql}, strict_match=False)],
    )

    make_desk(limiter, clock, timezone="Europe/Berlin").poll(
        None, since=datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("status", "headers", "exc", "expected", "retry_after"),
    ERROR_TABLE,
    ids=ERROR_IDS,
)
def test_status_to_error_class(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    status: int | None,
    headers: Callable[[], dict[str, str]],
    exc: Exception | None,
    expected: type[Exception],
    retry_after: float | None,
) -> None:
    """One table of vendor status → deskpilot error, with a single attempt so nothing retries."""
    url = f"{BASE}/rest/api/3/issue/IT-7"
    if exc is not None:
        jira_http.put(url, body=exc)
    else:
        jira_http.put(url, status=status, headers=headers(), json=payload("jira", "api_error_400"))
    desk = JiraDesk(
        "jira-it",
        BASE,
        email="e@example.com",
        api_token="x",
        limiter=limiter,
        sleep=clock.sleep,
        policy=RetryPolicy(attempts=1),
    )

    with pytest.raises(expected) as caught:
        desk.add_labels("IT-7", ["needs review"])

    if retry_after is not None:
        assert retry_after_of(caught.value) == pytest.approx(retry_after, abs=5)
    if issubclass(expected, PERMANENT):
        assert str(caught.value).startswith("jira:jira-it: jira.add_labels: ")


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", SD_COMMENTS, {"body": "x", "public": False, "internal": True}),
        ("GET", f"{SEARCH}?jql=x&startAt=50", None),
        ("POST", f"{BASE}/rest/api/3/issue/IT-7/comments", {"body": "x"}),
        ("PATCH", PLATFORM_COMMENTS, {"body": "x"}),
    ],
    ids=["unknown-body-property", "unknown-query-parameter", "unknown-path", "unknown-method"],
)
def test_contract_rejects_requests_the_spec_does_not_allow(
    jira_contract: OpenApiContract | None,
    method: str,
    url: str,
    body: dict[str, object] | None,
) -> None:
    """The validator used by every Jira test is not a rubber stamp."""
    if jira_contract is None:
        pytest.skip("../shared/specs is absent")
    request = requests.Request(method, url, json=body, auth=("e@example.com", "x")).prepare()

    from openapi_core.exceptions import OpenAPIError

    with pytest.raises((AssertionError, pytest.fail.Exception, OpenAPIError)):
        jira_contract.check(request)
