"""``create_ticket`` on every desk, at the HTTP boundary: one ticket per marker, even on a retry."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from connectors.desks import CreatedTicket, NewTicket
from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.desks.memory import MemoryDesk
from connectors.errors import RejectedError
from connectors.ratelimit import LocalRateLimiter

from .conftest import FakeClock
from .test_set_priority import JIRA, SF_API, SNOW, ZENDESK, jira, salesforce, snow, zendesk

REVIEW = NewTicket(
    subject="Access review: Finance Q4 (ann)",
    body="Please review **3 items**.\n\n- #1 ann: group finance-share",
    marker="deskpilot-review-7-3",
    requester_email="boss@corp.example",
    project="IT",
)
SYS_ID = "46d44a5dc611227d0122a9a0c9ffa3d1"


@pytest.fixture
def http(vendor_http: responses.RequestsMock) -> responses.RequestsMock:
    """Jira Cloud and Zendesk requests checked against their published API documents."""
    return vendor_http


CASE_ID = "500RO00000NewCaseYAR"


def test_jira_searches_the_label_then_creates_the_issue(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{JIRA}/rest/api/3/search/jql",
        json={"issues": [], "isLast": True},
        match=[matchers.query_param_matcher(
            {"jql": 'labels = "deskpilot-review-7-3"', "fields": "key", "maxResults": "1"}
        )],
    )  # fmt: skip
    http.post(
        f"{JIRA}/rest/api/3/issue",
        status=201,
        json={"id": "10000", "key": "IT-24", "self": f"{JIRA}/rest/api/3/issue/10000"},
    )

    found = jira(limiter, clock).create_ticket(REVIEW)

    assert found == CreatedTicket("IT-24", f"{JIRA}/browse/IT-24", created=True)
    sent = http.calls[1].request.body
    assert isinstance(sent, bytes)
    assert b'"labels": ["deskpilot-review-7-3"]' in sent
    assert b'"project": {"key": "IT"}' in sent
    assert b'"type": "doc"' in sent  # Cloud takes the description as an ADF document


def test_jira_finds_the_issue_a_timed_out_attempt_created(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(f"{JIRA}/rest/api/3/search/jql", json={"issues": [{"id": "10000", "key": "IT-24"}]})

    found = jira(limiter, clock).create_ticket(REVIEW)

    assert found == CreatedTicket("IT-24", f"{JIRA}/browse/IT-24", created=False)


def test_jira_needs_a_project(limiter: LocalRateLimiter, clock: FakeClock) -> None:
    with pytest.raises(RejectedError, match="needs a project key"):
        jira(limiter, clock).create_ticket(NewTicket("s", "b", "m-1"))


def test_zendesk_creates_with_external_id_and_requester(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{ZENDESK}/api/v2/tickets.json",
        json={"tickets": [], "count": 0, "next_page": None, "previous_page": None},
        match=[matchers.query_param_matcher({"external_id": "deskpilot-review-7-3"})],
    )
    http.post(
        f"{ZENDESK}/api/v2/tickets.json",
        status=201,
        json={"ticket": {"id": 35436, "subject": REVIEW.subject, "external_id": REVIEW.marker}},
        match=[matchers.json_params_matcher({"ticket": {
            "subject": REVIEW.subject,
            "comment": {"html_body": "<p>Please review <strong>3 items</strong>.</p>\n<ul>\n<li>#1 ann: group finance-share</li>\n</ul>\n", "public": True},
            "external_id": "deskpilot-review-7-3",
            "tags": ["deskpilot-review"],
            "requester": {"email": "boss@corp.example"},
        }})],
    )  # fmt: skip

    found = zendesk(limiter, clock).create_ticket(REVIEW)

    assert found == CreatedTicket("35436", f"{ZENDESK}/agent/tickets/35436", created=True)


def test_zendesk_finds_the_ticket_by_external_id(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(f"{ZENDESK}/api/v2/tickets.json", json={"tickets": [{"id": 35436}], "count": 1})

    assert zendesk(limiter, clock).create_ticket(REVIEW).created is False


def test_servicenow_creates_with_correlation_id(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{SNOW}/api/now/table/incident",
        json={"result": []},
        match=[matchers.query_param_matcher({
            "sysparm_query": "correlation_id=deskpilot-review-7-3",
            "sysparm_fields": "sys_id,number",
            "sysparm_limit": "1",
        })],
    )  # fmt: skip
    http.post(
        f"{SNOW}/api/now/table/incident",
        status=201,
        json={"result": {"sys_id": SYS_ID, "number": "INC0010009"}},
        match=[matchers.json_params_matcher({
            "short_description": REVIEW.subject,
            "description": "For: boss@corp.example\n\nPlease review 3 items.\n\n- #1 ann: group finance-share",
            "correlation_id": "deskpilot-review-7-3",
            "correlation_display": "deskpilot",
        })],
    )  # fmt: skip

    found = snow(limiter, clock).create_ticket(REVIEW)

    assert found.key == "INC0010009"
    assert found.created is True
    assert found.url == f"{SNOW}/nav_to.do?uri=incident.do%3Fsys_id%3D{SYS_ID}"


def test_servicenow_finds_the_record_by_correlation_id(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{SNOW}/api/now/table/incident",
        json={"result": [{"sys_id": SYS_ID, "number": "INC0010009"}]},
    )

    assert snow(limiter, clock).create_ticket(REVIEW).key == "INC0010009"


def test_salesforce_creates_the_case_and_reads_its_number(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{SF_API}/query",
        json={"totalSize": 0, "done": True, "records": []},
        match=[matchers.query_param_matcher({
            "q": "SELECT Id, CaseNumber FROM Case WHERE Subject LIKE '%[deskpilot-review-7-3]'"
        })],
    )  # fmt: skip
    http.post(
        f"{SF_API}/sobjects/Case",
        status=201,
        json={"id": CASE_ID, "success": True, "errors": []},
        match=[matchers.json_params_matcher({
            "Subject": f"{REVIEW.subject} [deskpilot-review-7-3]",
            "Description": "Please review 3 items.\n\n- #1 ann: group finance-share",
            "SuppliedEmail": "boss@corp.example",
        })],
    )  # fmt: skip
    http.get(
        f"{SF_API}/sobjects/Case/{CASE_ID}",
        json={"attributes": {"type": "Case"}, "Id": CASE_ID, "CaseNumber": "00001026"},
        match=[matchers.query_param_matcher({"fields": "CaseNumber"})],
    )

    found = salesforce(limiter, clock).create_ticket(REVIEW)

    assert found == CreatedTicket(
        "00001026",
        f"https://example.my.salesforce.com/lightning/r/Case/{CASE_ID}/view",
        created=True,
    )


def test_salesforce_finds_the_case_by_its_subject_marker(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{SF_API}/query",
        json={"totalSize": 1, "done": True, "records": [
            {"attributes": {"type": "Case"}, "Id": CASE_ID, "CaseNumber": "00001026"}
        ]},
    )  # fmt: skip

    assert salesforce(limiter, clock).create_ticket(REVIEW).created is False


@pytest.mark.parametrize("make", [snow, salesforce], ids=["servicenow", "salesforce"])
def test_a_marker_that_could_change_the_query_is_refused(
    make: object, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    desk = make(limiter, clock)  # type: ignore[operator]
    with pytest.raises(RejectedError):
        desk.create_ticket(NewTicket("s", "b", "x' OR Subject != '"))


def test_memory_desk_creates_once_per_marker() -> None:
    desk = MemoryDesk("review", strict=True)
    first = desk.create_ticket(REVIEW)
    assert first.created
    assert desk.create_ticket(REVIEW) == CreatedTicket(first.key, None, created=False)
    desk.post_comment(first.key, "reminder", public=True, marker="m")


def test_jira_data_center_searches_v2_and_sends_plain_text(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    base = "https://jira.example.com"
    desk = JiraDesk("jira-dc", base, personal_access_token="not-a-real-pat", limiter=limiter,
                    options=JiraOptions(deployment="datacenter"), sleep=clock.sleep)  # fmt: skip
    http.get(
        f"{base}/rest/api/2/search",
        json={"startAt": 0, "maxResults": 1, "total": 0, "issues": []},
        match=[matchers.query_param_matcher(
            {"jql": 'labels = "deskpilot-review-7-3"', "fields": "key", "maxResults": "1"}
        )],
    )  # fmt: skip
    http.post(
        f"{base}/rest/api/2/issue",
        status=201,
        json={"id": "10000", "key": "IT-24", "self": f"{base}/rest/api/2/issue/10000"},
        match=[matchers.json_params_matcher({"fields": {
            "project": {"key": "IT"},
            "summary": REVIEW.subject,
            "issuetype": {"name": "Task"},
            "labels": ["deskpilot-review-7-3"],
            "description": "Please review 3 items.\n\n- #1 ann: group finance-share",
        }})],
    )  # fmt: skip

    assert desk.create_ticket(REVIEW) == CreatedTicket(
        "IT-24", f"{base}/browse/IT-24", created=True
    )
