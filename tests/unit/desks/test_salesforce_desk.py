"""SalesforceDesk at the HTTP boundary, with payloads shaped like the REST API documentation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import PostedComment
from connectors.desks.salesforce import (
    PasswordLogin,
    SalesforceDesk,
    SalesforceOptions,
    StaticToken,
)
from connectors.desks.transport import RetryPolicy
from connectors.errors import AuthError, NotSupportedError, RateLimitedError
from connectors.ratelimit import LocalRateLimiter

from .cases import ERROR_IDS, ERROR_TABLE, PERMANENT, json_body, retry_after_of, status_of
from .conftest import FakeClock

BASE = "https://example.my.salesforce.com"
API = f"{BASE}/services/data/v61.0"
CASE_ID = "500RO00000AbcdEYAR"
CASE = f"{API}/sobjects/Case/{CASE_ID}"
COMMENT_SOQL = "SELECT Id, CommentBody FROM CaseComment WHERE ParentId = '500RO00000AbcdEYAR' ORDER BY CreatedDate DESC"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def make_desk(limiter: Any, clock: Any, source: Any = None, **kwargs: Any) -> SalesforceDesk:
    return SalesforceDesk(
        "sf-it",
        BASE,
        limiter=limiter,
        session_source=source or StaticToken("00DRO0000000001!static"),
        options=SalesforceOptions(status_map={"resolved": "Closed", "in_progress": "Working"}),
        sleep=clock.sleep,
        **kwargs,
    )


@dataclass
class RotatingToken:
    """A session source that hands out a new session id on refresh."""

    issued: list[str] = field(default_factory=lambda: ["expired"])

    def token(self, *, refresh: bool = False) -> str:
        if refresh:
            self.issued.append(f"fresh-{len(self.issued)}")
        return self.issued[-1]


@pytest.mark.parametrize("public", [False, True], ids=["internal-note", "public-reply"])
def test_case_comment_is_published_only_when_public(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    public: bool,
) -> None:
    http.get(
        f"{API}/query",
        json=payload("salesforce", "api_query_case_comments"),
        match=[matchers.query_param_matcher({"q": COMMENT_SOQL})],
    )
    body = {
        "ParentId": CASE_ID,
        "CommentBody": "Account unlocked.\n\n[deskpilot:run-42.result]",
        "IsPublished": public,
    }
    http.post(
        f"{API}/sobjects/CaseComment",
        status=201,
        json=payload("salesforce", "api_casecomment_created"),
        match=[matchers.json_params_matcher(body)],
    )

    posted = make_desk(limiter, clock).post_comment(
        CASE_ID, "Account **unlocked**.", public=public, marker="run-42.result"
    )

    assert posted == PostedComment("00aRO00000Cmt3AAA", created=True)
    assert http.calls[1].request.headers["Authorization"] == "Bearer 00DRO0000000001!static"


def test_marker_found_by_case_number_prevents_second_post(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.get(
        f"{API}/query",
        json=payload("salesforce", "api_query_case_by_number"),
        match=[
            matchers.query_param_matcher({"q": "SELECT Id FROM Case WHERE CaseNumber = '00001026'"})
        ],
    )
    http.get(
        f"{API}/query",
        json=payload("salesforce", "api_query_case_comments_with_marker"),
        match=[matchers.query_param_matcher({"q": COMMENT_SOQL})],
    )

    posted = make_desk(limiter, clock).post_comment(
        "00001026", "Plan", public=False, marker="run-42.plan"
    )

    assert posted == PostedComment("00aRO00000Cmt2AAA", created=False)


def test_long_body_is_shortened_to_4000_bytes_keeping_the_marker(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.get(f"{API}/query", json={"totalSize": 0, "done": True, "records": []})
    http.post(
        f"{API}/sobjects/CaseComment",
        status=201,
        json=payload("salesforce", "api_casecomment_created"),
    )

    make_desk(limiter, clock).post_comment(CASE_ID, "é" * 3000, public=False, marker="run-42.long")

    sent = json_body(http.calls[1])["CommentBody"]
    assert len(sent.encode()) <= 4000
    assert sent.endswith("…\n\n[deskpilot:run-42.long]")


def test_request_limit_exceeded_is_rate_limited_not_auth(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """Salesforce's 403 REQUEST_LIMIT_EXCEEDED backs every worker off; it is not a credentials problem."""
    http.patch(CASE, status=403, json=payload("salesforce", "api_error_request_limit_exceeded"))
    desk = make_desk(limiter, clock)

    with pytest.raises(RateLimitedError) as caught:
        desk.transition(CASE_ID, "resolved")
    with pytest.raises(RateLimitedError):
        desk.transition(CASE_ID, "resolved")  # blocked locally: no second request

    assert (caught.value.retry_after_s, caught.value.status) == (900.0, 403)
    assert clock.sleeps == []


def test_other_403_is_auth_error(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.patch(CASE, status=403, json=payload("salesforce", "api_error_insufficient_access"))

    with pytest.raises(AuthError, match=r"salesforce\.transition"):
        make_desk(limiter, clock).transition(CASE_ID, "resolved")


def test_expired_session_logs_in_again_once(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.patch(CASE, status=401, json=payload("salesforce", "api_error_invalid_session"))
    http.patch(CASE, status=204)
    source = RotatingToken()

    make_desk(limiter, clock, source).transition(CASE_ID, "resolved")

    auth = [c.request.headers["Authorization"] for c in http.calls]
    assert auth == ["Bearer expired", "Bearer fresh-1"]


def test_transition_and_assign_patch_without_assignment_rules(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.patch(
        CASE,
        status=204,
        match=[
            matchers.json_params_matcher({"Status": "Closed"}),
            matchers.header_matcher({"Sforce-Auto-Assign": "FALSE"}),
        ],
    )
    http.patch(
        CASE, status=204, match=[matchers.json_params_matcher({"OwnerId": "005RO00000AgentAAA"})]
    )
    desk = make_desk(limiter, clock)

    desk.transition(CASE_ID, "resolved")
    desk.assign(CASE_ID, "005RO00000AgentAAA")
    with pytest.raises(NotSupportedError):
        desk.add_labels(CASE_ID, ["x"])


def test_429_then_500_then_success_posts_once(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.get(f"{API}/query", json=payload("salesforce", "api_query_case_comments"))
    http.post(f"{API}/sobjects/CaseComment", status=429, headers={"Retry-After": "5"})
    http.post(
        f"{API}/sobjects/CaseComment",
        status=500,
        json=[{"errorCode": "UNKNOWN_EXCEPTION", "message": "x"}],
    )
    http.post(
        f"{API}/sobjects/CaseComment",
        status=201,
        json=payload("salesforce", "api_casecomment_created"),
    )

    posted = make_desk(limiter, clock).post_comment(
        CASE_ID, "Done.", public=False, marker="run-42.r"
    )

    assert posted.created
    assert [status_of(c) for c in http.calls if c.request.method == "POST"] == [
        429,
        500,
        201,
    ]
    assert clock.sleeps[0] == 5.0


def test_poll_queryall_pages_with_next_records_url(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """queryAll on SystemModstamp >= since-2min, paged by nextRecordsUrl; comments from the subquery."""
    soql = (
        "SELECT Id, CaseNumber, Subject, Description, Status, Priority, Origin, Type, OwnerId, ContactId, AccountId, "
        "ContactEmail, SuppliedEmail, IsClosed, IsDeleted, CreatedDate, LastModifiedDate, SystemModstamp, "
        "(SELECT Id, CommentBody, IsPublished, CreatedById, CreatedDate, SystemModstamp FROM CaseComments "
        "ORDER BY CreatedDate) FROM Case WHERE SystemModstamp >= 2026-11-25T09:58:00Z ORDER BY SystemModstamp, Id"
    )
    http.get(
        f"{API}/queryAll",
        json=payload("salesforce", "api_queryall_page1"),
        match=[matchers.query_param_matcher({"q": soql})],
    )
    http.get(
        f"{API}/queryAll/01gRO0000016PIAYA2-2", json=payload("salesforce", "api_queryall_page2")
    )
    again = soql.replace("2026-11-25T09:58:00Z", "2026-11-25T10:05:31Z")
    http.get(
        f"{API}/queryAll",
        json={"totalSize": 0, "done": True, "records": []},
        match=[matchers.query_param_matcher({"q": again})],
    )
    desk = make_desk(limiter, clock)
    since = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    page1 = desk.poll(None, since=since)
    page2 = desk.poll(page1.cursor, since=since)
    page3 = desk.poll(page2.cursor, since=since)

    assert (page1.more, page2.more, page3.more) == (True, False, False)
    assert [d.dedupe_key for d in (*page1.deliveries, *page2.deliveries)] == [
        "poll:00001026:2026-11-25T10:03:12.000+0000",
        "poll:00001027:2026-11-25T10:04:00.000+0000",
        "poll:00001028:2026-11-25T10:07:31.000+0000",
    ]
    first = json.loads(page1.deliveries[0].body)
    assert "CaseComments" not in first["record"]
    assert [c["Id"] for c in first["comments"]] == ["00aRO00000Cmt1AAA"]
    assert json.loads(page1.deliveries[1].body)["record"]["IsDeleted"] is True


def test_password_login_uses_simple_salesforce_soap_login(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload_text: Callable[[str, str], str],
) -> None:
    login_xml = payload_text("salesforce", "api_soap_login_response.xml")
    http.post(
        "https://login.salesforce.com/services/Soap/u/61.0", body=login_xml, content_type="text/xml"
    )
    http.patch(
        CASE,
        status=204,
        match=[
            matchers.header_matcher(
                {"Authorization": "Bearer 00DRO0000000001!AQ4AQFake.Session.Id"}
            )
        ],
    )
    source = PasswordLogin("deskpilot@example.com", "not-a-real-password", "not-a-real-token")

    make_desk(limiter, clock, source).transition(CASE_ID, "resolved")


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
    if exc is not None:
        http.patch(CASE, body=exc)
    else:
        http.patch(
            CASE,
            status=status,
            headers=headers(),
            json=payload("salesforce", "api_error_insufficient_access"),
        )
    desk = make_desk(limiter, clock, policy=RetryPolicy(attempts=1))

    with pytest.raises(expected) as caught:
        desk.assign(CASE_ID, "005RO00000AgentAAA")

    if retry_after is not None:
        assert retry_after_of(caught.value) == pytest.approx(retry_after, abs=5)
    if issubclass(expected, PERMANENT):
        assert str(caught.value).startswith("salesforce:sf-it: salesforce.assign: ")
