"""
``list_attachments`` on the desks whose deliveries do not carry a ticket's files (Zendesk event
subscriptions, ServiceNow Business Rules, Salesforce Outbound Messages), at the HTTP boundary
(Zendesk requests checked against its published API document): every file, oldest first, by the
id ``download_attachment`` takes.
"""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from connectors.desks import DeskFile, TicketFiles
from connectors.desks.jira import JiraDesk
from connectors.desks.memory import MemoryDesk
from connectors.errors import NotFoundError
from connectors.ratelimit import LocalRateLimiter

from .conftest import FakeClock
from .test_set_priority import SF_API, SNOW, ZENDESK, salesforce, snow, zendesk

SYS_ID = "46d44a5dc611227d0122a9a0c9ffa3d1"
CASE_ID = "500RO00000AbcdEYAR"


def test_zendesk_lists_the_files_of_every_comment_in_order(
    vendor_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    def file(number: int, name: str) -> dict[str, object]:
        return {
            "id": number, "file_name": name, "content_type": "text/csv", "size": 120,
            "content_url": f"{ZENDESK}/attachments/token/t{number}/?name={name}",
            "url": f"{ZENDESK}/api/v2/attachments/{number}.json", "inline": False,
        }  # fmt: skip

    vendor_http.get(
        f"{ZENDESK}/api/v2/tickets/7/comments.json",
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

    assert found == (
        DeskFile("498001", "starters.csv", 120, "text/csv"),
        DeskFile("498002", "starters-v2.csv", 120, "text/csv"),
    )


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

    assert found == (
        DeskFile("a7a2a3f0db1f2010f1a2e8c3f39619ab", "joiners.csv", 2048, "text/csv"),
        DeskFile("b7a2a3f0db1f2010f1a2e8c3f39619ac", "scan.pdf", None, "application/pdf"),
    )


def test_salesforce_lists_the_cases_files_then_its_classic_attachments(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    versions = (
        "SELECT Id, PathOnClient, Title, FileExtension, ContentSize FROM ContentVersion "  # noqa: S608 (the expected query)
        "WHERE IsLatest = true AND ContentDocumentId IN (SELECT ContentDocumentId FROM "
        f"ContentDocumentLink WHERE LinkedEntityId = '{CASE_ID}') ORDER BY CreatedDate"
    )
    classic = (
        "SELECT Id, Name, BodyLength, ContentType FROM Attachment "  # noqa: S608 (the expected query)
        f"WHERE ParentId = '{CASE_ID}' ORDER BY CreatedDate"
    )
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

    assert found == (
        DeskFile("068RO000001AbcdYAC", "joiners.csv", 512),
        DeskFile("068RO000001AbceYAC", "handover.xlsx", 9000),
        DeskFile("00PRO000001AbcdYAC", "legacy.csv", 64, "text/csv"),
    )


def test_memory_lists_the_named_files_it_was_given() -> None:
    desk = MemoryDesk("memory", strict=True)
    desk.register("IT-7")
    desk.add_attachment("IT-7", "1", b"a,b\n", filename="one.csv")
    desk.add_attachment("IT-7", "2", b"unlisted")  # a Jira delivery lists its own files
    desk.add_attachment("IT-8", "3", b"x", filename="other.csv")

    assert desk.list_attachments("IT-7") == (DeskFile("1", "one.csv", 4),)
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
