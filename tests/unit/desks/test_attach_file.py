"""
``attach_file`` on every desk, at the HTTP boundary (Jira Cloud and Zendesk requests checked
against their published API documents): one upload per file name, none when the ticket already
has the file (a retry after a timeout, a second writeback), and names that could inject refused.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
import responses
from responses import matchers

from connectors.desks import FileAttachments
from connectors.desks.memory import MemoryDesk
from connectors.errors import RejectedError
from connectors.ratelimit import LocalRateLimiter

from .conftest import FakeClock
from .test_set_priority import JIRA, SF_API, SNOW, ZENDESK, jira, salesforce, snow, zendesk

NAME = "bulk-result-IT-7-run3.csv"
CSV = b"row,result,detail\r\n2,created,\r\n3,failed,no such group\r\n"
SYS_ID = "46d44a5dc611227d0122a9a0c9ffa3d1"
CASE_ID = "500RO00000AbcdEYAR"


@pytest.fixture
def http(vendor_http: responses.RequestsMock) -> responses.RequestsMock:
    return vendor_http


def _jira_attachment(attachment_id: str, filename: str) -> dict[str, object]:
    return {
        "self": f"{JIRA}/rest/api/3/attachment/{attachment_id}",
        "id": attachment_id,
        "filename": filename,
        "created": "2026-12-07T10:00:00.000+0000",
        "size": len(CSV),
        "mimeType": "text/csv",
        "content": f"{JIRA}/rest/api/3/attachment/content/{attachment_id}",
    }


@pytest.fixture
def uploads() -> Iterator[responses.RequestsMock]:
    """Uploads are not checked against the copied documents: the checker cannot read a
    multipart body, and Zendesk's copy omits ``filename``, which its own text calls required."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_jira_uploads_multipart_with_the_xsrf_header(
    uploads: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http = uploads
    http.get(
        f"{JIRA}/rest/api/3/issue/IT-7",
        json={"id": "10007", "key": "IT-7", "fields": {"attachment": []}},
        match=[matchers.query_param_matcher({"fields": "attachment"})],
    )
    http.post(
        f"{JIRA}/rest/api/3/issue/IT-7/attachments",
        json=[_jira_attachment("10301", NAME)],
        match=[matchers.header_matcher({"X-Atlassian-Token": "no-check"})],
    )

    found = jira(limiter, clock).attach_file("IT-7", NAME, CSV, "text/csv")

    upload = http.calls[1].request
    assert found == "10301"
    assert str(upload.headers["Content-Type"]).startswith("multipart/form-data; boundary=")
    assert isinstance(upload.body, bytes)
    assert f'name="file"; filename="{NAME}"'.encode() in upload.body
    assert CSV in upload.body


def test_jira_does_not_upload_a_file_the_issue_has(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    issue = {
        "id": "10007",
        "key": "IT-7",
        "fields": {"attachment": [_jira_attachment("10301", NAME)]},
    }
    http.get(f"{JIRA}/rest/api/3/issue/IT-7", json=issue)

    assert jira(limiter, clock).attach_file("IT-7", NAME, CSV, "text/csv") == "10301"


def test_zendesk_uploads_then_comments_internally_with_the_token(
    uploads: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http = uploads
    http.get(
        f"{ZENDESK}/api/v2/tickets/7/comments.json",
        json={
            "comments": [{"id": 1, "body": "Hi", "attachments": []}],
            "meta": {"has_more": False},
        },
    )
    http.post(
        f"{ZENDESK}/api/v2/uploads.json",
        status=201,
        json={"upload": {
            "token": "6bk3gql82em5nmf", "expires_at": "2026-12-10T10:00:00Z",
            "attachments": [],
            "attachment": {"id": 498483, "file_name": NAME, "content_type": "text/csv",
                           "size": len(CSV)},
        }},
        match=[matchers.query_param_matcher({"filename": NAME})],
    )  # fmt: skip
    http.put(
        f"{ZENDESK}/api/v2/tickets/7.json",
        json={"ticket": {"id": 7}, "audit": {"events": []}},
        match=[matchers.json_params_matcher({"ticket": {"comment": {
            "body": f"Attached: {NAME}", "public": False, "uploads": ["6bk3gql82em5nmf"],
        }}})],
    )  # fmt: skip

    found = zendesk(limiter, clock).attach_file("7", NAME, CSV, "text/csv")

    assert found == "498483"
    assert http.calls[1].request.body == CSV
    assert http.calls[1].request.headers["Content-Type"] == "text/csv"


def test_zendesk_finds_the_file_on_a_comment(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    comment = {
        "id": 2,
        "body": f"Attached: {NAME}",
        "attachments": [{"id": 498483, "file_name": NAME}],
    }
    http.get(
        f"{ZENDESK}/api/v2/tickets/7/comments.json",
        json={"comments": [comment], "meta": {"has_more": False}},
    )

    assert zendesk(limiter, clock).attach_file("7", NAME, CSV, "text/csv") == "498483"


def test_servicenow_posts_the_bytes_to_the_attachment_api(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    query = f"table_name=incident^table_sys_id={SYS_ID}^file_name={NAME}"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(
            f"{SNOW}/api/now/attachment",
            json={"result": []},
            match=[matchers.query_param_matcher(
                {"sysparm_query": query, "sysparm_fields": "sys_id,file_name", "sysparm_limit": "1"}
            )],
        )  # fmt: skip
        http.post(
            f"{SNOW}/api/now/attachment/file",
            status=201,
            json={"result": {
                "sys_id": "a7a2a3f0db1f2010f1a2e8c3f39619ab", "file_name": NAME,
                "table_name": "incident", "table_sys_id": SYS_ID, "content_type": "text/csv",
                "size_bytes": str(len(CSV)),
            }},
            match=[
                matchers.query_param_matcher(
                    {"table_name": "incident", "table_sys_id": SYS_ID, "file_name": NAME}
                ),
                matchers.header_matcher({"Content-Type": "text/csv"}),
            ],
        )  # fmt: skip

        found = snow(limiter, clock).attach_file(SYS_ID, NAME, CSV, "text/csv")

        assert found == "a7a2a3f0db1f2010f1a2e8c3f39619ab"
        assert http.calls[1].request.body == CSV


def test_salesforce_publishes_a_content_version_on_the_case(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    soql = (
        f"SELECT Id FROM ContentVersion WHERE FirstPublishLocationId = '{CASE_ID}' "  # noqa: S608 (the expected query)
        f"AND PathOnClient = '{NAME}' AND IsLatest = true"
    )
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(
            f"{SF_API}/query",
            json={"totalSize": 0, "done": True, "records": []},
            match=[matchers.query_param_matcher({"q": soql})],
        )
        http.post(
            f"{SF_API}/sobjects/ContentVersion",
            status=201,
            json={"id": "068RO000001AbcdYAC", "success": True, "errors": []},
        )

        found = salesforce(limiter, clock).attach_file(CASE_ID, NAME, CSV, "text/csv")

        body = json.loads(http.calls[1].request.body or b"{}")
        assert found == "068RO000001AbcdYAC"
        assert body["FirstPublishLocationId"] == CASE_ID
        assert body["PathOnClient"] == NAME
        assert base64.b64decode(body["VersionData"]) == CSV


@pytest.mark.parametrize(
    "name",
    ["report.csv' OR Id != '", "../../etc/passwd.csv", "report", "r\u00e9sum\u00e9.csv", ""],
    ids=["soql-quote", "path", "no-extension", "non-ascii", "empty"],
)
def test_a_name_that_is_not_a_plain_file_name_is_refused(
    limiter: LocalRateLimiter, clock: FakeClock, name: str
) -> None:
    """Refused before any request (no mock is registered: a request would fail the test)."""
    desks: list[FileAttachments] = [
        jira(limiter, clock), zendesk(limiter, clock), snow(limiter, clock),
        salesforce(limiter, clock), MemoryDesk("memory"),
    ]  # fmt: skip
    for desk in desks:
        with pytest.raises(RejectedError, match="file name"):
            desk.attach_file("7", name, CSV, "text/csv")


def test_memory_keeps_one_file_per_name() -> None:
    desk = MemoryDesk("memory")

    first = desk.attach_file("IT-7", NAME, CSV, "text/csv")
    again = desk.attach_file("IT-7", NAME, b"other", "text/csv")

    assert first == again
    assert desk.files["IT-7"] == {NAME: CSV}
