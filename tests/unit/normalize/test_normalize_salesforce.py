"""Salesforce Outbound Messages and SOQL Case records normalise."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.model import Priority, StatusCategory
from intake.normalize import IntakeOptions, normalize_deliveries, normalize_delivery
from intake.webhooks import MalformedPayloadError, UnsupportedEventError

OURS = Path(__file__).resolve().parents[2] / "payloads" / "salesforce"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "payloads" / "salesforce"
BASE = "https://acme.my.salesforce.com"


def test_outbound_message_with_two_cases() -> None:
    """Each notification is one ticket; queue owners are teams, nil fields are absent."""
    first, second = normalize_deliveries(
        "salesforce", "sf", (OURS / "outbound_message_case.xml").read_bytes(), base_url=BASE
    )

    assert (
        first.ticket.key,
        first.ticket.status,
        first.ticket.priority,
    ) == ("00001042", StatusCategory.NEW, Priority.NORMAL)
    assert (
        first.ticket.requester.email,
        first.ticket.request_type,
    ) == ("emma.martin@corp.example.com", "Account")
    assert (first.ticket.assignee, first.ticket.team) == (None, "00GHs000001QueueAAA")
    assert [e.desk_event_id for e in first.events] == ["created:500Hs00001XyZaBIAV"]
    assert f"{BASE}/lightning/r/Case/500Hs00001XyZaBIAV/view" == first.ticket.url
    assert (
        second.ticket.status,
        second.ticket.requester.name,
    ) == (StatusCategory.CLOSED, "Emma Martin")
    assert second.events[-1].desk_event_id == "500Hs00001XyZbCIAV:2026-11-25T08:05:02+00:00"


def test_single_ticket_api_refuses_a_batch() -> None:
    """normalize_delivery on a batch says to use normalize_deliveries."""
    with pytest.raises(MalformedPayloadError, match="normalize_deliveries"):
        normalize_delivery("salesforce", "sf", (OURS / "outbound_message_case.xml").read_bytes())


def test_soql_case_with_comments() -> None:
    """A polled Case: contact and owner relationships, IsPublished visibility, custom fields."""
    result = normalize_delivery(
        "salesforce", "sf", (OURS / "soql_case_with_comments.json").read_bytes()
    )
    ticket = result.ticket

    assert (ticket.status, ticket.priority) == (StatusCategory.IN_PROGRESS, Priority.HIGH)
    assert (ticket.requester.name, ticket.assignee.name) == ("Emma Martin", "David Nguyen")  # type: ignore[union-attr]
    assert dict(ticket.custom_fields) == {
        "Reason": "Locked out",
        "Origin": "Web",
        "Region__c": "EMEA",
    }
    assert [c.public for c in ticket.comments] == [True, False]
    assert [e.desk_event_id for e in result.events] == [
        "created:500Hs00001XyZaBIAV",
        "comment:00aHs00000Cm1AAA",
        "comment:00aHs00000Cm2AAA",
        "500Hs00001XyZaBIAV:2026-11-25T08:40:01+00:00",
    ]


def test_inbound_status_map_override() -> None:
    """options.inbound_status_map maps an org's own picklist values."""
    body = (
        (OURS / "soql_case_with_comments.json")
        .read_bytes()
        .replace(b'"Working"', b'"Awaiting Vendor"')
    )
    options = IntakeOptions.of(statuses={"Awaiting Vendor": StatusCategory.PENDING_OTHER})
    result = normalize_delivery("salesforce", "sf", body, options=options)
    assert result.ticket.status == StatusCategory.PENDING_OTHER


@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        (b"<not-xml", MalformedPayloadError, "not XML"),
        (b'{"kind": "other"}', MalformedPayloadError, "Outbound Message"),
        (
            b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body/></soapenv:Envelope>",
            MalformedPayloadError,
            "notifications",
        ),
    ],
    ids=["xml", "json", "envelope"],
)
def test_malformed_is_named(body: bytes, error: type[Exception], match: str) -> None:
    """Broken bodies are refused with what is missing."""
    with pytest.raises(error, match=match):
        normalize_delivery("salesforce", "sf", body)


def test_account_notification_is_not_a_ticket() -> None:
    """The real Account outbound message is well-formed but not about a Case."""
    path = SHARED / "abrarsheikhsony_outbound_message_account.xml"
    if not path.is_file():
        pytest.skip(f"shared payloads not available at {SHARED}")
    with pytest.raises(UnsupportedEventError, match="Account, not a Case"):
        normalize_delivery("salesforce", "sf", path.read_bytes())
