"""
``list_attachments`` on the desks whose deliveries do not carry a ticket's files (Zendesk event
subscriptions, ServiceNow Business Rules, Salesforce Outbound Messages), at the HTTP boundary
(Zendesk requests checked against its published API document): the files, oldest first, by the
id ``download_attachment`` takes, and no more of them asked for than the listing's ``limit``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from connectors.desks import MAX_LISTED_FILES, DeskFile, FileListing, TicketFiles
from connectors.desks.jira import JiraDesk
from connectors.desks.memory import MemoryDesk
from connectors.desks.zendesk_attach import LISTED_COMMENT_PAGES, STOPPED_AT
from connectors.errors import NotFoundError
from connectors.ratelimit import LocalRateLimiter

from .conftest import FakeClock
from .test_set_priority import SF_API, SNOW, ZENDESK, salesforce, snow, zendesk

SYS_ID = "46d44a5dc611227d0122a9a0c9ffa3d1"
CASE_ID = "500RO00000AbcdEYAR"
COMMENTS = f"{ZENDESK}/api/v2/tickets/7/comments.json"


def _zendesk_file(number: int, name: str) -> dict[str, object]:
    return {
        "id": number, "file_name": name, "content_type": "text/csv", "size": 120,
        "content_url": f"{ZENDESK}/attachments/token/t{number}/?name={name}",
        "url": f"{ZENDESK}/api/v2/attachments/{number}.json", "inline": False,
    }  # fmt: skip


def test_zendesk_lists_the_files_of_every_comment_in_order(
    vendor_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    file = _zendesk_file
    vendor_http.get(
        COMMENTS,
        json={
            "comments": [
                {"id": 1, "body": "New starters attached", "public": True,
                 "attachments": [file(498001, "starters.csv")]},
                {"id": 2, "body": "Nothing attached", "public": True, "attachments": []},
                {"id": 3, "body": "Corrected file", "public": True,
                 "attachments": [file(498002, "starters-v2.csv")]},
            ],
            "meta": {"has_more": False},
        },
    )  # fmt: skip

    found = zendesk(limiter, clock).list_attachments("7")

    assert found == FileListing(
        (
            DeskFile("498001", "starters.csv", 120, "text/csv"),
            DeskFile("498002", "starters-v2.csv", 120, "text/csv"),
        )
    )


@pytest.mark.parametrize(
    ("files_per_page", "pages", "limit", "read", "kept", "stopped_at"),
    [
        (40, 20, MAX_LISTED_FILES, 3, MAX_LISTED_FILES, None),
        (40, 20, MAX_LISTED_FILES + 1, 3, MAX_LISTED_FILES + 1, None),
        (1, 20, MAX_LISTED_FILES, LISTED_COMMENT_PAGES, LISTED_COMMENT_PAGES, STOPPED_AT),
        (0, 20, MAX_LISTED_FILES, LISTED_COMMENT_PAGES, 0, STOPPED_AT),
        (
            1,
            LISTED_COMMENT_PAGES,
            MAX_LISTED_FILES,
            LISTED_COMMENT_PAGES,
            LISTED_COMMENT_PAGES,
            None,
        ),
        (1, 2, MAX_LISTED_FILES, 2, 2, None),
        (40, 20, 0, 0, 0, None),
    ],
    ids=[
        "stops-once-the-limit-is-found",
        "one-more-as-ingestion-asks",
        "stops-after-the-page-bound-and-says-so",
        "page-bound-without-files-says-so",
        "thread-ending-on-the-bound-is-complete",
        "short-thread-read-to-its-end",
        "no-limit-no-request",
    ],
)
def test_zendesk_reads_comment_pages_only_until_the_limit_or_the_page_bound(
    vendor_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    files_per_page: int,
    pages: int,
    limit: int,
    read: int,
    kept: int,
    stopped_at: str | None,
) -> None:
    """A thread of ``pages`` cursor pages (one comment each, ``files_per_page`` files on it):
    only the first ``read`` pages are registered, so a further request would fail; a thread
    that goes on past the page bound is named as stopped there (its later files are unseen)."""
    for page in range(read):
        files = [_zendesk_file(1000 * page + n, f"p{page}-{n}.csv") for n in range(files_per_page)]
        more = page + 1 < pages
        after = f"{COMMENTS}?page%5Bafter%5D=c{page + 1}&page%5Bsize%5D=100"
        vendor_http.get(
            COMMENTS,
            json={
                "comments": [{"id": page + 1, "body": "", "public": True, "attachments": files}],
                "meta": {"has_more": more, "after_cursor": f"c{page + 1}"},
                "links": {"prev": None, "next": after if more else None},
            },
            match=[
                matchers.query_param_matcher(
                    {"page[size]": "100"} | ({"page[after]": f"c{page}"} if page else {})
                )
            ],
        )

    found = zendesk(limiter, clock).list_attachments("7", limit=limit)

    assert len(vendor_http.calls) == read
    assert [f.filename for f in found.files] == [
        f"p{page}-{n}.csv" for page in range(read) for n in range(files_per_page)
    ][:kept]
    assert found.stopped_at == stopped_at


def test_servicenow_lists_the_records_files_from_the_attachment_api(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    query = {
        "sysparm_query": f"table_name=incident^table_sys_id={SYS_ID}^ORDERBYsys_created_on",
        "sysparm_fields": "sys_id,file_name,size_bytes,content_type",
        "sysparm_limit": "100",
    }
    result = [
        {"sys_id": "a7a2a3f0db1f2010f1a2e8c3f39619ab", "file_name": "joiners.csv",
         "size_bytes": "2048", "content_type": "text/csv"},
        {"sys_id": "b7a2a3f0db1f2010f1a2e8c3f39619ac", "file_name": "scan.pdf",
         "size_bytes": "", "content_type": "application/pdf"},
    ]  # fmt: skip
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(
            f"{SNOW}/api/now/attachment",
            json={"result": result},
            match=[matchers.query_param_matcher(query)],
        )

        # the delivery's sys_id saves looking the number up (an unregistered call would fail)
        found = snow(limiter, clock).list_attachments("RITM0010001", record_id=SYS_ID)

    assert found == FileListing(
        (
            DeskFile("a7a2a3f0db1f2010f1a2e8c3f39619ab", "joiners.csv", 2048, "text/csv"),
            DeskFile("b7a2a3f0db1f2010f1a2e8c3f39619ac", "scan.pdf", None, "application/pdf"),
        )
    )


def _versions_soql(limit: int) -> str:
    return (
        "SELECT Id, PathOnClient, Title, FileExtension, ContentSize FROM ContentVersion "  # noqa: S608 (the expected query)
        "WHERE IsLatest = true AND ContentDocumentId IN (SELECT ContentDocumentId FROM "
        f"ContentDocumentLink WHERE LinkedEntityId = '{CASE_ID}') ORDER BY CreatedDate "
        f"LIMIT {limit}"
    )


def _classic_soql(limit: int) -> str:
    return (
        "SELECT Id, Name, BodyLength, ContentType FROM Attachment "  # noqa: S608 (the expected query)
        f"WHERE ParentId = '{CASE_ID}' ORDER BY CreatedDate LIMIT {limit}"
    )


def _version(number: int) -> dict[str, object]:
    return {"attributes": {"type": "ContentVersion"}, "Id": f"068RO00000{number:04d}AYAC",
            "PathOnClient": f"v{number}.csv", "Title": f"v{number}", "FileExtension": "csv",
            "ContentSize": number}  # fmt: skip


def _classic(number: int) -> dict[str, object]:
    return {"attributes": {"type": "Attachment"}, "Id": f"00PRO00000{number:04d}AYAC",
            "Name": f"a{number}.csv", "BodyLength": number, "ContentType": "text/csv"}  # fmt: skip


def test_salesforce_lists_the_cases_files_then_its_classic_attachments(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    versions = _versions_soql(MAX_LISTED_FILES)
    classic = _classic_soql(MAX_LISTED_FILES - 2)
    files = [
        {"attributes": {"type": "ContentVersion"}, "Id": "068RO000001AbcdYAC",
         "PathOnClient": "C:\\Users\\rosa\\joiners.csv", "Title": "joiners",
         "FileExtension": "csv", "ContentSize": 512},
        {"attributes": {"type": "ContentVersion"}, "Id": "068RO000001AbceYAC",
         "PathOnClient": None, "Title": "handover", "FileExtension": "xlsx", "ContentSize": 9000},
    ]  # fmt: skip
    old = [
        {"attributes": {"type": "Attachment"}, "Id": "00PRO000001AbcdYAC",
         "Name": "legacy.csv", "BodyLength": 64, "ContentType": "text/csv"},
    ]  # fmt: skip
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        for soql, records in ((versions, files), (classic, old)):
            http.get(
                f"{SF_API}/query",
                json={"totalSize": len(records), "done": True, "records": records},
                match=[matchers.query_param_matcher({"q": soql})],
            )

        found = salesforce(limiter, clock).list_attachments("00001026", record_id=CASE_ID)

    assert found == FileListing(
        (
            DeskFile("068RO000001AbcdYAC", "joiners.csv", 512),
            DeskFile("068RO000001AbceYAC", "handover.xlsx", 9000),
            DeskFile("00PRO000001AbcdYAC", "legacy.csv", 64, "text/csv"),
        )
    )


@pytest.mark.parametrize(
    ("limit", "versions", "classic", "queries", "kept"),
    [
        (MAX_LISTED_FILES + 1, 3, 2, [_versions_soql(101), _classic_soql(98)], ["v0", "v1", "v2", "a0", "a1"]),
        (3, 3, 2, [_versions_soql(3)], ["v0", "v1", "v2"]),
        (3, 1, 5, [_versions_soql(3), _classic_soql(2)], ["v0", "a0", "a1"]),
        (3, 0, 5, [_versions_soql(3), _classic_soql(3)], ["a0", "a1", "a2"]),
        (0, 3, 2, [], []),
    ],
    ids=[
        "one-more-as-ingestion-asks",
        "files-fill-the-limit-no-classic-query",
        "classic-query-limited-to-what-is-left",
        "no-files-classic-gets-the-limit",
        "no-limit-no-query",
    ],
)  # fmt: skip
def test_salesforce_soql_carries_a_limit_and_reads_no_more(
    limiter: LocalRateLimiter,
    clock: FakeClock,
    limit: int,
    versions: int,
    classic: int,
    queries: list[str],
    kept: list[str],
) -> None:
    """Each expected query answers what the org holds up to its LIMIT; an unexpected one fails."""
    answers = {
        "ContentVersion": [_version(n) for n in range(versions)],
        "Attachment": [_classic(n) for n in range(classic)],
    }
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        for soql in queries:
            records = answers["ContentVersion" if "ContentVersion" in soql else "Attachment"]
            records = records[: int(soql.rsplit(" ", 1)[1])]
            http.get(
                f"{SF_API}/query",
                json={"totalSize": len(records), "done": True, "records": records},
                match=[matchers.query_param_matcher({"q": soql})],
            )

        found = salesforce(limiter, clock).list_attachments(
            "00001026", record_id=CASE_ID, limit=limit
        )

        sent = [parse_qs(urlsplit(str(call.request.url)).query)["q"][0] for call in http.calls]
        assert sent == queries
    assert [f.filename.removesuffix(".csv") for f in found.files] == kept


def test_salesforce_follows_no_records_page_past_the_limit(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    """A batch smaller than the LIMIT sends ``nextRecordsUrl``: the next page is read while the
    limit is not reached, none after it (an unregistered request would fail)."""
    more = "/services/data/v61.0/query/01gRO0000016PIAYA2-{}"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(
            f"{SF_API}/query",
            json={"totalSize": 3, "done": False, "nextRecordsUrl": more.format(2),
                  "records": [_version(0), _version(1)]},
            match=[matchers.query_param_matcher({"q": _versions_soql(3)})],
        )  # fmt: skip
        http.get(
            f"https://example.my.salesforce.com{more.format(2)}",
            json={"totalSize": 3, "done": False, "nextRecordsUrl": more.format(4),
                  "records": [_version(2), _version(3)]},
        )  # fmt: skip

        found = salesforce(limiter, clock).list_attachments("00001026", record_id=CASE_ID, limit=3)

    assert found.stopped_at is None
    assert [f.filename for f in found.files] == ["v0.csv", "v1.csv", "v2.csv"]


def test_memory_lists_the_named_files_it_was_given() -> None:
    desk = MemoryDesk("memory", strict=True)
    desk.register("IT-7")
    desk.add_attachment("IT-7", "1", b"a,b\n", filename="one.csv")
    desk.add_attachment("IT-7", "2", b"unlisted")  # a Jira delivery lists its own files
    desk.add_attachment("IT-8", "3", b"x", filename="other.csv")

    assert desk.list_attachments("IT-7") == FileListing((DeskFile("1", "one.csv", 4),))
    assert desk.list_attachments("IT-7", limit=0) == FileListing()
    with pytest.raises(NotFoundError):
        desk.list_attachments("IT-9")


@pytest.mark.parametrize(
    ("desk_type", "lists"),
    [("jira", False), ("zendesk", True), ("servicenow", True), ("salesforce", True)],
    ids=["jira-deliveries-carry-files", "zendesk", "servicenow", "salesforce"],
)
def test_only_desks_whose_deliveries_lack_files_list_them(
    limiter: LocalRateLimiter, clock: FakeClock, desk_type: str, lists: bool
) -> None:
    kinds = {"zendesk": zendesk, "servicenow": snow, "salesforce": salesforce}
    desk = JiraDesk if desk_type == "jira" else type(kinds[desk_type](limiter, clock))
    assert issubclass(desk, TicketFiles) is lists
