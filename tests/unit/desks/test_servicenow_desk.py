"""ServiceNowDesk at the HTTP boundary, with payloads shaped like the Table API documentation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import PostedComment
from connectors.desks.servicenow import ServiceNowDesk, ServiceNowOptions
from connectors.desks.transport import RetryPolicy
from connectors.errors import NotSupportedError, RateLimitedError, RejectedError
from connectors.ratelimit import LocalRateLimiter

from .cases import ERROR_IDS, ERROR_TABLE, PERMANENT, retry_after_of, status_of
from .conftest import FakeClock

BASE = "https://example.service-now.com"
SYS_ID = "9d385017c611228701d22104cc95c371"
TABLE = f"{BASE}/api/now/table/incident"
RECORD = f"{TABLE}/{SYS_ID}"
JOURNAL = f"{BASE}/api/now/table/sys_journal_field"
RESOLVED = {
    "state": "6",
    "close_code": "Solved (Permanently)",
    "close_notes": "Resolved by deskpilot",
}


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def make_desk(limiter: Any, clock: Any, **options: Any) -> ServiceNowDesk:
    return ServiceNowDesk(
        "snow-it",
        BASE,
        username="svc_deskpilot",
        password="not-a-real-password",
        limiter=limiter,
        options=ServiceNowOptions(
            status_map={"resolved": RESOLVED, "in_progress": {"state": "2"}}, **options
        ),
        sleep=clock.sleep,
    )


JOURNAL_ENTRY = "5b1c0e4d0b2322007518478d83673d11"


def journal_with(text: str) -> dict[str, Any]:
    """sys_journal_field rows as the Table API returns them for the marker query."""
    return {"result": [{"sys_id": JOURNAL_ENTRY, "value": text}]}


def marker_query() -> Any:
    query = f"element_id={SYS_ID}^elementINcomments,work_notes^valueLIKE[deskpilot:"
    return matchers.query_param_matcher(
        {"sysparm_query": query, "sysparm_fields": "sys_id,value", "sysparm_limit": "1000"}
    )


@pytest.mark.parametrize(
    ("public", "element"),
    [(False, "work_notes"), (True, "comments")],
    ids=["internal-note", "public-reply"],
)
def test_comment_goes_to_work_notes_or_comments(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
    public: bool,
    element: str,
) -> None:
    """Internal notes are work_notes, public replies are (additional) comments; plain text; the
    journal is read back and the new entry is the comment's id."""
    http.get(JOURNAL, json={"result": []}, match=[marker_query()])
    text = "Account unlocked.\n\n[deskpilot:run-42.result]"
    http.patch(
        RECORD,
        json=payload("servicenow", "api_incident_patch"),
        match=[matchers.json_params_matcher({element: text})],
    )
    http.get(JOURNAL, json=journal_with(text), match=[marker_query()])

    posted = make_desk(limiter, clock).post_comment(
        SYS_ID, "Account **unlocked**.", public=public, marker="run-42.result"
    )

    assert posted == PostedComment(JOURNAL_ENTRY, created=True)


def test_a_note_servicenow_silently_dropped_is_an_error(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """The PATCH answers 200 but a field the user may not write is ignored: not a success."""
    http.get(JOURNAL, json={"result": []}, match=[marker_query()])
    http.patch(RECORD, json=payload("servicenow", "api_incident_patch"))
    http.get(JOURNAL, json={"result": []}, match=[marker_query()])

    with pytest.raises(RejectedError, match=r"may not write incident\.work_notes"):
        make_desk(limiter, clock).post_comment(SYS_ID, "Plan", public=False, marker="run-42.plan")


def test_marker_found_in_journal_prevents_second_post(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """The journal holds the marker (and a look-alike): no PATCH, the exact match is returned."""
    http.get(
        TABLE,
        json=payload("servicenow", "api_incident_lookup"),
        match=[
            matchers.query_param_matcher(
                {
                    "sysparm_query": "number=INC0010042",
                    "sysparm_fields": "sys_id",
                    "sysparm_limit": "1",
                }
            )
        ],
    )
    http.get(JOURNAL, json=payload("servicenow", "api_journal_with_marker"), match=[marker_query()])

    posted = make_desk(limiter, clock).post_comment(
        "INC0010042", "Plan", public=False, marker="run-42.plan"
    )

    assert posted == PostedComment("3f741bd70b2322007518478d83673c02", created=False)


def test_429_then_500_then_success_patches_once(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    for _ in range(3):  # each attempt looks for its marker before writing
        http.get(JOURNAL, json={"result": []})
    http.patch(
        RECORD,
        status=429,
        headers={"Retry-After": "4", "X-RateLimit-Rule": "deskpilot"},
        json={"error": {"message": "Rate limit exceeded"}, "status": "failure"},
    )
    http.patch(RECORD, status=500, json={"error": {"message": "Internal"}, "status": "failure"})
    http.patch(RECORD, json=payload("servicenow", "api_incident_patch"))
    http.get(JOURNAL, json=journal_with("Done.\n\n[deskpilot:run-42.r]"))

    posted = make_desk(limiter, clock).post_comment(
        SYS_ID, "Done.", public=False, marker="run-42.r"
    )

    assert posted.created
    assert [status_of(c) for c in http.calls if c.request.method == "PATCH"] == [
        429,
        500,
        200,
    ]
    assert clock.sleeps[0] == 4.0


def test_transition_sets_the_mapped_fields(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.patch(
        RECORD,
        json=payload("servicenow", "api_incident_patch"),
        match=[
            matchers.json_params_matcher(RESOLVED),
            matchers.query_param_matcher({"sysparm_fields": "sys_id"}),
        ],
    )

    make_desk(limiter, clock).transition(SYS_ID, "resolved")


def test_assign_and_labels(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    http.patch(
        RECORD,
        json=payload("servicenow", "api_incident_patch"),
        match=[matchers.json_params_matcher({"assigned_to": "46d44a5dc611227a0003f4ffa8c9b6f3"})],
    )
    desk = make_desk(limiter, clock)

    desk.assign(SYS_ID, "46d44a5dc611227a0003f4ffa8c9b6f3")
    with pytest.raises(NotSupportedError):
        desk.add_labels(SYS_ID, ["deskpilot"])


COMMON = {
    "sysparm_limit": "2",
    "sysparm_display_value": "false",
    "sysparm_exclude_reference_link": "true",
    "sysparm_no_count": "true",
}
GROUP = "assignment_group=287ebd7da9fe198100f92cc8d1d2154e"
ORDER = "^ORDERBYsys_updated_on^ORDERBYsys_id"
FIRST = f"sys_updated_on>=2026-11-25 09:58:00^{GROUP}{ORDER}"


def after(updated: str, sys_id: str) -> str:
    """The keyset query: rows after (sys_updated_on, sys_id), in the same scope and order."""
    return (
        f"sys_updated_on>{updated}^{GROUP}^NQsys_updated_on={updated}^sys_id>{sys_id}^{GROUP}"
        + ORDER
    )


def page_query(query: str, offset: int = 0) -> Any:
    return matchers.query_param_matcher(
        {**COMMON, "sysparm_query": query, "sysparm_offset": str(offset)}
    )


def next_link(offset: int) -> dict[str, str]:
    return {"Link": f'<{TABLE}?sysparm_offset={offset}&sysparm_limit=2>;rel="next"'}


def poll_desk(limiter: LocalRateLimiter, clock: FakeClock) -> ServiceNowDesk:
    return make_desk(limiter, clock, page_size=2, poll_comments=False, query=GROUP)


def test_poll_pages_by_keyset_then_moves_watermark(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """The next page starts after the last row read; the next scan at the newest update - 2 min."""
    http.get(TABLE, json=payload("servicenow", "api_incident_page1"), headers=next_link(2),
             match=[page_query(FIRST)])  # fmt: skip
    last = "a9e30c7dc61122760116894de7bcc7bd"
    http.get(TABLE, json=payload("servicenow", "api_incident_page2"),
             match=[page_query(after("2026-11-25 10:04:30", last))])  # fmt: skip
    again = f"sys_updated_on>=2026-11-25 10:05:31^{GROUP}{ORDER}"
    http.get(TABLE, json={"result": []}, match=[page_query(again)])
    desk = poll_desk(limiter, clock)
    since = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    page1 = desk.poll(None, since=since)
    page2 = desk.poll(page1.cursor, since=since)
    page3 = desk.poll(page2.cursor, since=since)

    assert (page1.more, page2.more, page3.more) == (True, False, False)
    assert [d.dedupe_key for d in (*page1.deliveries, *page2.deliveries)] == [
        "poll:INC0010042:2026-11-25 10:03:12",
        "poll:INC0010043:2026-11-25 10:04:30",
        "poll:INC0010044:2026-11-25 10:07:31",
    ]


def test_pages_hidden_by_acls_are_stepped_over_not_reread(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    """
    sysparm_limit counts rows before ACLs: a page may be empty while more follow. An empty page
    moves the offset on from the same key (never the same request again); a partly hidden page
    moves the key to its last visible row (its visible rows are never read twice).
    """
    rows = payload("servicenow", "api_incident_page1")["result"]
    http.get(TABLE, json={"result": []}, headers=next_link(2), match=[page_query(FIRST)])
    http.get(TABLE, json={"result": []}, headers=next_link(4), match=[page_query(FIRST, 2)])
    http.get(TABLE, json={"result": rows[:1]}, headers=next_link(6), match=[page_query(FIRST, 4)])
    http.get(TABLE, json={"result": rows[1:]},
             match=[page_query(after("2026-11-25 10:03:12", SYS_ID))])  # fmt: skip
    desk = poll_desk(limiter, clock)
    since = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

    cursor: str | None = None
    seen: list[str] = []
    mores: list[bool] = []
    for _ in range(4):
        page = desk.poll(cursor, since=since)
        cursor, mores = page.cursor, [*mores, page.more]
        seen += [d.dedupe_key for d in page.deliveries]

    assert mores == [True, True, True, False]
    assert seen == ["poll:INC0010042:2026-11-25 10:03:12", "poll:INC0010043:2026-11-25 10:04:30"]


def test_429_waits_for_the_hourly_window_to_reset(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    """No Retry-After: X-RateLimit-Reset (Unix time) against the response's Date is the wait."""
    headers = {
        "X-RateLimit-Limit": "1000",
        "X-RateLimit-Reset": "1795604400",  # 2026-11-25 11:00:00 UTC
        "X-RateLimit-Rule": "deskpilot integration",
        "Date": "Wed, 25 Nov 2026 10:35:00 GMT",
    }
    http.patch(RECORD, status=429, headers=headers,
               json={"error": {"message": "Rate limit exceeded"}, "status": "failure"})  # fmt: skip

    with pytest.raises(RateLimitedError, match="deskpilot integration") as caught:
        make_desk(limiter, clock).transition(SYS_ID, "resolved")

    assert caught.value.retry_after_s == 25 * 60
    assert clock.sleeps == []


def test_poll_reads_comments_from_the_journal(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    page = payload("servicenow", "api_incident_page1")
    page["result"] = page["result"][:1]
    http.get(TABLE, json=page)
    http.get(JOURNAL, json=payload("servicenow", "api_journal_entries"))

    polled = make_desk(limiter, clock).poll(None, since=datetime(2026, 11, 25, 10, 0, tzinfo=UTC))

    body = json.loads(polled.deliveries[0].body)
    assert (body["kind"], body["record"]["number"]) == ("deskpilot.poll", "INC0010042")
    assert [c["value"] for c in body["comments"]] == ["Still locked, please help."]
    assert polled.more is False


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
        http.patch(RECORD, body=exc)
    else:
        http.patch(
            RECORD, status=status, headers=headers(), json=payload("servicenow", "api_error_400")
        )
    desk = ServiceNowDesk(
        "snow-it",
        BASE,
        oauth_token="not-a-real-token",
        limiter=limiter,
        options=ServiceNowOptions(status_map={"resolved": RESOLVED}),
        sleep=clock.sleep,
        policy=RetryPolicy(attempts=1),
    )

    with pytest.raises(expected) as caught:
        desk.transition(SYS_ID, "resolved")

    if retry_after is not None:
        assert retry_after_of(caught.value) == pytest.approx(retry_after, abs=5)
    if issubclass(expected, PERMANENT):
        assert str(caught.value).startswith("servicenow:snow-it: servicenow.transition: ")
