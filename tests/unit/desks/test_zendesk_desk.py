"""ZendeskDesk at the HTTP boundary, with payloads shaped like Zendesk's API reference."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import PostedComment
from connectors.desks.transport import RetryPolicy
from connectors.desks.zendesk import ZendeskDesk, ZendeskOptions
from connectors.errors import AuthError, NotSupportedError, RateLimitedError, RejectedError
from connectors.ratelimit import LocalRateLimiter

from .cases import ERROR_IDS, ERROR_TABLE, PERMANENT, retry_after_of, status_of
from .conftest import FakeClock, OpenApiContract

BASE = "https://example.zendesk.com"
TICKET = f"{BASE}/api/v2/tickets/35436.json"
COMMENTS = f"{BASE}/api/v2/tickets/35436/comments.json"
EXPORT = f"{BASE}/api/v2/incremental/tickets/cursor.json"
SEARCH = f"{BASE}/api/v2/search/export.json"
CURRENT_TOKEN = f"{BASE}/api/v2/oauth/tokens/current.json"


def token_with(*scopes: str) -> dict[str, Any]:
    """``GET /api/v2/oauth/tokens/current`` as Zendesk answers it (the token shown truncated)."""
    return {
        "token": {
            "id": 1005,
            "user_id": 366729,
            "client_id": 41,
            "token": "af3t24tfj3",
            "scopes": list(scopes),
            "created_at": "2026-11-01T09:00:00Z",
            "url": f"{BASE}/api/v2/oauth/tokens/1005.json",
        }
    }


@pytest.fixture
def http(zendesk_http: responses.RequestsMock) -> responses.RequestsMock:
    """Every request these tests capture is checked against Zendesk's Support API document."""
    return zendesk_http


def make_desk(limiter: Any, clock: Any, **options: Any) -> ZendeskDesk:
    status_map = {"resolved": "solved", "pending_requester": "pending", "in_progress": "12345"}
    return ZendeskDesk(
        "zendesk-it",
        BASE,
        email="deskpilot@example.com",
        api_token="not-a-real-token",
        limiter=limiter,
        options=ZendeskOptions(status_map=status_map, **options),
        sleep=clock.sleep,
    )


@pytest.mark.parametrize("public", [False, True], ids=["internal-note", "public-reply"])
def test_comment_is_html_with_public_flag(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    public: bool,
) -> None:
    """The note goes in a ticket update as html_body, public only when asked."""
    http.get(
        COMMENTS,
        json=payload("zendesk", "api_ticket_comments"),
        match=[matchers.query_param_matcher({"page[size]": "100"})],
    )
    html = "<p>Account <strong>unlocked</strong>.</p>\n<p>[deskpilot:run-42.result]</p>"
    http.put(
        TICKET,
        json=payload("zendesk", "api_ticket_update"),
        match=[
            matchers.json_params_matcher(
                {"ticket": {"comment": {"html_body": html, "public": public}}}
            )
        ],
    )

    posted = make_desk(limiter, clock).post_comment(
        "35436", "Account **unlocked**.", public=public, marker="run-42.result"
    )

    assert posted == PostedComment("1301", created=True)
    assert http.calls[1].request.headers["Authorization"].startswith("Basic ")


def test_marker_on_a_later_comment_page_prevents_second_post(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """The marker check follows links.next; nothing is PUT."""
    http.get(
        COMMENTS,
        json=payload("zendesk", "api_ticket_comments_page1"),
        match=[matchers.query_param_matcher({"page[size]": "100"})],
    )
    http.get(
        COMMENTS,
        json=payload("zendesk", "api_ticket_comments_page2_with_marker"),
        match=[matchers.query_param_matcher({"page[after]": "xxx", "page[size]": "100"})],
    )

    posted = make_desk(limiter, clock).post_comment(
        "35436", "Plan", public=False, marker="run-42.plan"
    )

    assert posted == PostedComment("1290", created=False)


def test_429_then_500_then_success_posts_once(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """Each retry re-checks the marker before writing; the first wait is the Retry-After."""
    http.get(COMMENTS, json=payload("zendesk", "api_ticket_comments"))
    http.put(TICKET, status=429, headers={"Retry-After": "2"}, json={"error": "TooManyRequests"})
    http.put(TICKET, status=500, json={"error": "InternalError"})
    http.put(TICKET, json=payload("zendesk", "api_ticket_update"))

    posted = make_desk(limiter, clock).post_comment(
        "35436", "Done.", public=False, marker="run-42.r"
    )

    assert posted.created
    puts = [status_of(c) for c in http.calls if c.request.method == "PUT"]
    assert puts == [429, 500, 200]
    assert clock.sleeps[0] == 2.0


@pytest.mark.parametrize(
    ("category", "change"),
    [
        ("resolved", {"status": "solved"}),
        ("pending_requester", {"status": "pending"}),
        ("in_progress", {"custom_status_id": 12345}),
    ],
    ids=["solved", "pending", "custom-status"],
)
def test_transition_maps_category_to_status(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    category: str,
    change: dict[str, object],
) -> None:
    http.put(
        TICKET,
        json=payload("zendesk", "api_ticket_update"),
        match=[matchers.json_params_matcher({"ticket": change})],
    )

    make_desk(limiter, clock).transition("35436", category)


def test_unmapped_category_is_not_supported(limiter: LocalRateLimiter, clock: FakeClock) -> None:
    with pytest.raises(NotSupportedError, match=r"options\.status_map\.pending_approval"):
        make_desk(limiter, clock).transition("35436", "pending_approval")


@pytest.mark.parametrize(
    ("assignee", "change"),
    [
        ("366729", {"assignee_id": 366729}),
        ("bob@example.com", {"assignee_email": "bob@example.com"}),
    ],
    ids=["by-id", "by-email"],
)
def test_assign(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    assignee: str,
    change: dict[str, object],
) -> None:
    http.put(
        TICKET,
        json=payload("zendesk", "api_ticket_update"),
        match=[matchers.json_params_matcher({"ticket": change})],
    )

    make_desk(limiter, clock).assign("35436", assignee)


def test_add_labels_adds_tags(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.put(
        f"{BASE}/api/v2/tickets/35436/tags.json",
        json={"tags": ["account", "deskpilot"]},
        match=[matchers.json_params_matcher({"tags": ["deskpilot"]})],
    )

    make_desk(limiter, clock).add_labels("35436", ["deskpilot", "deskpilot"])


def test_non_numeric_key_is_rejected(limiter: LocalRateLimiter, clock: FakeClock) -> None:
    with pytest.raises(RejectedError, match="numeric id"):
        make_desk(limiter, clock).assign("../users/1", "1")


def test_poll_incremental_start_time_then_cursor_until_end_of_stream(
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    zendesk_contract: OpenApiContract | None,
) -> None:
    """
    start_time = since - 2 min on the first call, then the after_cursor, which is kept at the end.

    Only the first call is checked against the document: the copy marks start_time required on
    every call, while Zendesk's export guide sends the cursor alone after the first.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        _poll_incremental(http, limiter, clock, payload)
        if zendesk_contract is not None:
            zendesk_contract.check(http.calls[0].request)


def _poll_incremental(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    since = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    start = int(since.timestamp()) - 120
    http.get(
        EXPORT,
        json=payload("zendesk", "api_incremental_cursor_page1"),
        match=[matchers.query_param_matcher({"start_time": str(start), "per_page": "100"})],
    )
    http.get(COMMENTS, json=payload("zendesk", "api_ticket_comments"))
    http.get(
        EXPORT,
        json=payload("zendesk", "api_incremental_cursor_page2"),
        match=[
            matchers.query_param_matcher({"cursor": "MTU3NjYxMzUzOS4wfHw0Njd8", "per_page": "100"})
        ],
    )
    http.get(
        f"{BASE}/api/v2/tickets/35440/comments.json",
        json={"comments": [], "meta": {"has_more": False}},
    )
    http.get(
        EXPORT,
        json={"tickets": [], "after_cursor": "MTU3NjYxMzUzOS4wfHw0NzB8", "end_of_stream": True},
        match=[
            matchers.query_param_matcher({"cursor": "MTU3NjYxMzUzOS4wfHw0NzB8", "per_page": "100"})
        ],
    )
    desk = make_desk(limiter, clock, poll_api="incremental")

    page1 = desk.poll(None, since=since)
    page2 = desk.poll(page1.cursor, since=since)
    page3 = desk.poll(page2.cursor, since=since)

    assert (page1.more, page2.more, page3.more) == (True, False, False)
    keys = [d.dedupe_key for d in (*page1.deliveries, *page2.deliveries)]
    assert keys == [
        "poll:35436:2026-11-25T10:03:12Z",
        "poll:35440:2026-11-25T10:06:45Z",
        "poll:35401:2026-11-25T10:07:00Z",
    ]
    first = json.loads(page1.deliveries[0].body)
    assert (first["kind"], first["record"]["id"], [c["id"] for c in first["comments"]]) == (
        "deskpilot.poll",
        35436,
        [1274],
    )
    assert json.loads(page2.deliveries[1].body)["comments"] == []  # deleted: no comment fetch


@pytest.mark.parametrize(
    ("status", "headers", "exc", "expected", "retry_after"), ERROR_TABLE, ids=ERROR_IDS
)
def test_status_to_error_class(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    status: int | None,
    headers: Callable[[], dict[str, str]],
    exc: Exception | None,
    expected: type[Exception],
    retry_after: float | None,
) -> None:
    http.get(CURRENT_TOKEN, json=token_with("tickets:read", "tickets:write", "users:read"))
    if exc is not None:
        http.put(TICKET, body=exc)
    else:
        http.put(TICKET, status=status, headers=headers(), json=payload("zendesk", "api_error_422"))
    desk = ZendeskDesk(
        "zendesk-it",
        BASE,
        oauth_token="not-a-real-token",
        limiter=limiter,
        sleep=clock.sleep,
        policy=RetryPolicy(attempts=1),
    )

    with pytest.raises(expected) as caught:
        desk.assign("35436", "366729")

    assert http.calls[-1].request.headers["Authorization"] == "Bearer not-a-real-token"
    if retry_after is not None:
        assert retry_after_of(caught.value) == pytest.approx(retry_after, abs=5)
    if issubclass(expected, PERMANENT):
        assert str(caught.value).startswith("zendesk:zendesk-it: zendesk.assign: ")


def test_long_retry_after_is_not_slept(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.put(TICKET, status=429, headers={"Retry-After": "60"})

    with pytest.raises(RateLimitedError):
        make_desk(limiter, clock).assign("35436", "366729")

    assert clock.sleeps == []


def _search_page(tickets: list[Any], after: str | None) -> dict[str, Any]:
    """One page of ``GET /api/v2/search/export`` (cursor paging)."""
    return {
        "results": tickets,
        "facets": None,
        "meta": {"has_more": after is not None, "after_cursor": after, "before_cursor": None},
        "links": {"prev": None, "next": f"{SEARCH}?page%5Bafter%5D={after}" if after else None},
    }


def test_poll_search_is_agent_safe_and_pages_by_cursor(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """updated> since minus the overlap, page[after] while has_more; the next scan starts anew
    from the newest update seen (minus the overlap), in whatever order the export returned."""
    since = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    tickets = payload("zendesk", "api_incremental_cursor_page1")["tickets"]
    later = {**tickets[0], "id": 35440, "updated_at": "2026-11-25T10:06:45Z", "status": "deleted"}
    first = {"query": "updated>2026-11-25T09:58:00Z", "filter[type]": "ticket", "page[size]": "100"}
    http.get(SEARCH, json=_search_page([later], "eyJvIjoiMSJ9"),
             match=[matchers.query_param_matcher(first)])  # fmt: skip
    http.get(SEARCH, json=_search_page(tickets, None),
             match=[matchers.query_param_matcher({**first, "page[after]": "eyJvIjoiMSJ9"})])  # fmt: skip
    http.get(COMMENTS, json=payload("zendesk", "api_ticket_comments"))
    again = {**first, "query": "updated>2026-11-25T10:04:45Z"}
    http.get(SEARCH, json=_search_page([], None), match=[matchers.query_param_matcher(again)])
    desk = make_desk(limiter, clock)

    page1 = desk.poll(None, since=since)
    page2 = desk.poll(page1.cursor, since=since)
    page3 = desk.poll(page2.cursor, since=since)

    assert (page1.more, page2.more, page3.more) == (True, False, False)
    keys = [d.dedupe_key for d in (*page1.deliveries, *page2.deliveries)]
    assert keys == ["poll:35440:2026-11-25T10:06:45Z", "poll:35436:2026-11-25T10:03:12Z"]
    assert all("incremental" not in str(c.request.url) for c in http.calls)


def test_poll_search_restarts_a_scan_whose_cursor_expired(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    """Zendesk keeps an export cursor for an hour; a refused one restarts the scan, not the poll."""
    since = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    first = {"query": "updated>2026-11-25T09:58:00Z", "filter[type]": "ticket", "page[size]": "100"}
    http.get(SEARCH, json=_search_page([], "c1"), match=[matchers.query_param_matcher(first)])
    http.get(SEARCH, status=400, json={"error": "InvalidPaginationParameter"},
             match=[matchers.query_param_matcher({**first, "page[after]": "c1"})])  # fmt: skip
    http.get(SEARCH, json=_search_page([], None), match=[matchers.query_param_matcher(first)])
    desk = make_desk(limiter, clock)

    page = desk.poll(desk.poll(None, since=since).cursor, since=since)

    assert (page.more, page.deliveries) == (False, ())


@pytest.mark.parametrize(
    ("poll_api", "url", "hint"),
    [
        ("incremental", EXPORT, "options.poll_api: search"),
        ("search", SEARCH, "needs an agent"),
    ],
    ids=["incremental-needs-admin", "search-needs-agent"],
)
def test_poll_403_says_what_to_change(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    poll_api: str,
    url: str,
    hint: str,
) -> None:
    """A 403 on the poll names the cause instead of a bare 'not authorised'."""
    http.get(url, status=403, json={"error": "Forbidden", "description": "You do not have access"})

    with pytest.raises(AuthError, match=hint) as caught:
        make_desk(limiter, clock, poll_api=poll_api).poll(
            None, since=datetime(2026, 11, 25, tzinfo=UTC)
        )

    assert caught.value.status == 403


def _oauth_desk(limiter: LocalRateLimiter, clock: FakeClock) -> ZendeskDesk:
    return ZendeskDesk("zendesk-it", BASE, oauth_token="not-a-real-token", limiter=limiter,
                       sleep=clock.sleep, options=ZendeskOptions(status_map={"resolved": "solved"}))  # fmt: skip


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        (("tickets:read", "tickets:write"), "users:read"),
        (("read",), "tickets:write"),
        (("users:read", "tickets:write"), "tickets:read"),
    ],
    ids=["no-users-read", "read-only", "no-tickets-read"],
)
def test_oauth_token_without_the_scopes_stops_before_any_work(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    scopes: tuple[str, ...],
    missing: str,
) -> None:
    """The first call reads the token's scopes and names what is missing; nothing else is sent."""
    http.get(CURRENT_TOKEN, json=token_with(*scopes))

    with pytest.raises(AuthError, match=f"lacks {missing}"):
        _oauth_desk(limiter, clock).transition("35436", "resolved")

    assert [c.request.method for c in http.calls] == ["GET"]


@pytest.mark.parametrize(
    "scopes",
    [("tickets:read", "tickets:write", "users:read"), ("read", "write")],
    ids=["fine-grained", "read-write"],
)
def test_oauth_scopes_are_checked_once(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    scopes: tuple[str, ...],
) -> None:
    http.get(CURRENT_TOKEN, json=token_with(*scopes))
    http.put(TICKET, json=payload("zendesk", "api_ticket_update"))
    http.put(TICKET, json=payload("zendesk", "api_ticket_update"))
    desk = _oauth_desk(limiter, clock)

    desk.transition("35436", "resolved")
    desk.transition("35436", "resolved")

    assert [c.request.method for c in http.calls] == ["GET", "PUT", "PUT"]
