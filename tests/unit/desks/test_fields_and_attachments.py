"""``set_field`` and ``download_attachment`` on every desk, at the HTTP boundary."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import DeskClient
from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.desks.memory import MemoryDesk
from connectors.desks.salesforce import SalesforceDesk, SalesforceOptions, StaticToken
from connectors.desks.servicenow import ServiceNowDesk, ServiceNowOptions
from connectors.desks.zendesk import ZendeskDesk, ZendeskOptions
from connectors.errors import NotFoundError, RejectedError
from connectors.ratelimit import LocalRateLimiter

from .conftest import FakeClock, OpenApiContract

JIRA = "https://your-domain.atlassian.net"
ZENDESK = "https://example.zendesk.com"
SNOW = "https://example.service-now.com"
SF_API = "https://example.my.salesforce.com/services/data/v61.0"
SYS_ID = "9d385017c611228701d22104cc95c371"
ATTACHMENT_SYS_ID = "615ea769c0a80166001cf5f2367302f5"
CASE_ID = "500RO00000AbcdEYAR"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    # Not ``vendor_http``: the 2024 copy of Zendesk's document describes a ticket's
    # ``custom_fields`` items as ticket-field definitions (``id`` read-only, ``key``/``type``/
    # ``title`` required), where its reference and every client send ``{id, value}``; and an
    # attachment's ``content_url`` is a file host, not the API.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def jira(limiter: Any, clock: Any, **options: Any) -> JiraDesk:
    return JiraDesk("jira-it", JIRA, email="deskpilot@example.com", api_token="not-a-real-token",
                    limiter=limiter, options=JiraOptions(**options), sleep=clock.sleep)  # fmt: skip


def zendesk(limiter: Any, clock: Any, **options: Any) -> ZendeskDesk:
    return ZendeskDesk("zendesk-it", ZENDESK, email="deskpilot@example.com",
                       api_token="not-a-real-token", limiter=limiter,
                       options=ZendeskOptions(**options), sleep=clock.sleep)  # fmt: skip


def snow(limiter: Any, clock: Any, **options: Any) -> ServiceNowDesk:
    return ServiceNowDesk("snow-it", SNOW, username="svc_deskpilot", password="not-a-real-password",
                          limiter=limiter, options=ServiceNowOptions(**options),
                          sleep=clock.sleep)  # fmt: skip


def salesforce(limiter: Any, clock: Any, **options: Any) -> SalesforceDesk:
    return SalesforceDesk("sf-it", "https://example.my.salesforce.com", limiter=limiter,
                          session_source=StaticToken("00DRO0000000001!static"),
                          options=SalesforceOptions(**options), sleep=clock.sleep)  # fmt: skip


# -- set_field --------------------------------------------------------------------------------


EDITMETA = f"{JIRA}/rest/api/3/issue/IT-7/editmeta"
PARAGRAPH = {"version": 1, "type": "doc", "content": [
    {"type": "paragraph", "content": [{"type": "text", "text": "Escalated to IAM"}]}]}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "sent"),
    [
        ("customfield_10102", "run-42", "run-42"),
        ("customfield_10099", "escalated", {"value": "Escalated"}),
        ("customfield_10100", "557058:agent-bob", {"accountId": "557058:agent-bob"}),
        ("customfield_10101", "Escalated to IAM", PARAGRAPH),
        ("customfield_10103", "okta, Active Directory",
         [{"value": "Okta"}, {"value": "Active Directory"}]),
        ("customfield_10104", "3", 3.0),
    ],
    ids=["text", "select", "user-picker", "paragraph-adf", "checkboxes", "number"],
)  # fmt: skip
def test_jira_set_field_sends_the_shape_of_the_fields_type(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Any,
    field: str,
    value: str,
    sent: Any,
) -> None:
    """editmeta says the field's type; the PUT carries what that type takes (not a bare string)."""
    jira_http.get(EDITMETA, json=payload("jira", "api_editmeta"))
    jira_http.put(f"{JIRA}/rest/api/3/issue/IT-7", status=204,
                  match=[matchers.json_params_matcher({"fields": {field: sent}})])  # fmt: skip

    jira(limiter, clock).set_field("IT-7", field, value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("customfield_10099", "Pending", "not an allowed value of customfield_10099 (allowed: "
         "Resolved, Escalated)"),
        ("customfield_19999", "x", "customfield_19999 is not editable on this issue"),
        ("customfield_10105", "x", "sd-customerrequesttype field, which deskpilot cannot set"),
        ("customfield_10104", "three", "takes a number"),
    ],
    ids=["option-not-allowed", "not-on-screen", "unknown-type", "not-a-number"],
)  # fmt: skip
def test_jira_set_field_refuses_what_the_field_cannot_take(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Any,
    field: str,
    value: str,
    message: str,
) -> None:
    """Refused before the PUT, saying why."""
    jira_http.get(EDITMETA, json=payload("jira", "api_editmeta"))

    with pytest.raises(RejectedError, match=re.escape(message)):
        jira(limiter, clock).set_field("IT-7", field, value)


def test_zendesk_set_field_sends_custom_fields(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    change = {"custom_fields": [{"id": 360012345678, "value": "waiting_approval"}]}
    answer = {"ticket": {"id": 35436, "custom_fields": change["custom_fields"]}}
    http.put(
        f"{ZENDESK}/api/v2/tickets/35436.json",
        json=answer,
        match=[matchers.json_params_matcher({"ticket": change})],
    )

    zendesk(limiter, clock).set_field("35436", "360012345678", "waiting_approval")


def test_servicenow_set_field_patches_the_column(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.patch(
        f"{SNOW}/api/now/table/incident/{SYS_ID}",
        json={"result": {"sys_id": SYS_ID}},
        match=[
            matchers.query_param_matcher({"sysparm_fields": "sys_id"}),
            matchers.json_params_matcher({"u_deskpilot_state": "escalated"}),
        ],
    )

    snow(limiter, clock).set_field(SYS_ID, "u_deskpilot_state", "escalated")


def test_salesforce_set_field_patches_the_case(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.patch(
        f"{SF_API}/sobjects/Case/{CASE_ID}",
        status=204,
        match=[
            matchers.json_params_matcher({"Deskpilot_State__c": "rejected"}),
            matchers.header_matcher({"Sforce-Auto-Assign": "FALSE"}),
        ],
    )

    salesforce(limiter, clock).set_field(CASE_ID, "Deskpilot_State__c", "rejected")


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (zendesk, "customfield_10099"),
        (snow, "u_state; DROP"),
        (salesforce, "State__c = 'x'"),
    ],
    ids=["zendesk-not-numeric", "servicenow-not-a-column", "salesforce-not-an-api-name"],
)
def test_set_field_refuses_a_field_id_the_desk_cannot_have(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    make: Callable[..., DeskClient],
    field: str,
) -> None:
    key = {zendesk: "35436", snow: SYS_ID, salesforce: CASE_ID}[make]

    with pytest.raises(RejectedError, match="set_field"):
        make(limiter, clock).set_field(key, field, "resolved")


def test_memory_set_field_keeps_the_latest_value() -> None:
    desk = MemoryDesk("memory-it")

    desk.set_field("T-1", "state", "waiting_approval")
    desk.set_field("T-1", "state", "resolved")
    desk.set_field("T-1", "state", "resolved")

    assert desk.fields["T-1"] == {"state": "resolved"}


# -- download_attachment ------------------------------------------------------------------------


def test_jira_download_follows_the_redirect_to_media(
    jira_contract: OpenApiContract | None, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    media = "https://api.media.atlassian.com/file/2a0e4c6f/binary?token=signed&name=screen.png"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.get(
            f"{JIRA}/rest/api/3/attachment/content/10001", status=303, headers={"Location": media}
        )
        http.get(media, body=PNG, content_type="image/png")

        data = jira(limiter, clock).download_attachment("IT-7", "10001")

        assert data == PNG
        assert "Authorization" not in http.calls[1].request.headers, "no credentials to media"
        if jira_contract is not None:
            jira_contract.check(http.calls[0].request)


def test_jira_download_over_the_cap_is_rejected(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    jira_http.get(f"{JIRA}/rest/api/3/attachment/content/10001", body=PNG)

    with pytest.raises(RejectedError, match="over the 16-byte cap"):
        jira(limiter, clock, max_attachment_bytes=16).download_attachment("IT-7", "10001")


def _zendesk_attachment(size: int, content_url: str) -> dict[str, Any]:
    return {
        "attachment": {
            "id": 498483,
            "file_name": "screen.png",
            "content_url": content_url,
            "content_type": "image/png",
            "size": size,
            "inline": False,
            "deleted": False,
            "malware_scan_result": "malware_not_found",
            "url": f"{ZENDESK}/api/v2/attachments/498483.json",
            "thumbnails": [],
        }
    }


def test_zendesk_download_reads_the_content_url(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    content = f"{ZENDESK}/attachments/token/tyBq1ms40dFaHefSIigxZpwGg/?name=screen.png"
    http.get(
        f"{ZENDESK}/api/v2/attachments/498483.json", json=_zendesk_attachment(len(PNG), content)
    )
    http.get(content, body=PNG, content_type="image/png")

    assert zendesk(limiter, clock).download_attachment("35436", "498483") == PNG


@pytest.mark.parametrize(
    ("size", "content_url", "message"),
    [
        (5_000_000, f"{ZENDESK}/attachments/token/abc/?name=big.iso", "over the 2097152-byte cap"),
        (40, "https://attacker.example.net/collect", "not on a Zendesk host"),
        (40, "http://example.zendesk.com/attachments/token/abc/", "not on a Zendesk host"),
    ],
    ids=["declared-size-over-cap", "foreign-host", "plain-http"],
)
def test_zendesk_download_refuses_before_fetching_content(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    size: int,
    content_url: str,
    message: str,
) -> None:
    http.get(
        f"{ZENDESK}/api/v2/attachments/498483.json", json=_zendesk_attachment(size, content_url)
    )

    with pytest.raises(RejectedError, match=message):
        zendesk(limiter, clock).download_attachment("35436", "498483")


def test_servicenow_download_reads_the_file(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{SNOW}/api/now/attachment/{ATTACHMENT_SYS_ID}/file", body=PNG, content_type="image/png"
    )

    assert snow(limiter, clock).download_attachment(SYS_ID, ATTACHMENT_SYS_ID) == PNG


def test_servicenow_unknown_attachment_is_not_found(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(
        f"{SNOW}/api/now/attachment/{ATTACHMENT_SYS_ID}/file",
        status=404,
        json={"error": {"message": "Record doesn't exist or ACL restricts the record retrieval"}},
    )

    with pytest.raises(NotFoundError):
        snow(limiter, clock).download_attachment(SYS_ID, ATTACHMENT_SYS_ID)


@pytest.mark.parametrize(
    ("attachment_id", "path"),
    [
        ("068RO0000001AbcYAE", "ContentVersion/068RO0000001AbcYAE/VersionData"),
        ("00PRO0000001AbcUAE", "Attachment/00PRO0000001AbcUAE/Body"),
    ],
    ids=["content-version", "classic-attachment"],
)
def test_salesforce_download_reads_the_blob(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    attachment_id: str,
    path: str,
) -> None:
    http.get(f"{SF_API}/sobjects/{path}", body=PNG, content_type="application/octet-stream")

    assert salesforce(limiter, clock).download_attachment(CASE_ID, attachment_id) == PNG


@pytest.mark.parametrize(
    ("make", "key", "attachment_id"),
    [
        (jira, "IT-7", "../10001"),
        (zendesk, "35436", "abc"),
        (snow, SYS_ID, "not-a-sys-id"),
        (salesforce, CASE_ID, "003RO0000001AbcYAE"),
    ],
    ids=["jira", "zendesk", "servicenow", "salesforce-contact-id"],
)
def test_download_refuses_ids_that_are_not_attachments(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    make: Callable[..., DeskClient],
    key: str,
    attachment_id: str,
) -> None:
    with pytest.raises(RejectedError, match="download_attachment"):
        make(limiter, clock).download_attachment(key, attachment_id)


def test_download_over_the_cap_stops_reading(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    big = bytes(3 * 1024 * 1024)
    http.get(f"{SNOW}/api/now/attachment/{ATTACHMENT_SYS_ID}/file", body=big)

    with pytest.raises(RejectedError, match="2097152-byte cap"):
        snow(limiter, clock).download_attachment(SYS_ID, ATTACHMENT_SYS_ID)
