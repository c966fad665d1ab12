"""Salesforce Outbound Messages: organisation id check, SOAP ack, safe XML parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.webhooks import (
    MalformedPayloadError,
    SignatureError,
    sign_servicenow,
    unsigned_key,
    verify_delivery,
)

OURS = Path(__file__).resolve().parents[2] / "payloads" / "salesforce"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "payloads" / "salesforce"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
BODY = (OURS / "outbound_message_case.xml").read_bytes()
ORG = {"organization_id": "00DHs000000AcMeMAK"}


def test_outbound_message_is_acknowledged() -> None:
    """The delivery answers with the SOAP ack and dedupes on the notification ids."""
    delivery = verify_delivery(
        "salesforce", secret=None, headers={}, body=BODY, now=NOW, options=ORG
    )

    assert (delivery.event_type, delivery.ticket_ref) == ("salesforce:outbound", "00001042")
    assert delivery.dedupe_key.startswith("unsigned:notifications:2:")
    assert not delivery.signed  # an organisation id proves nothing: only a notification
    swapped = (
        BODY.replace(b"N0tif1", b"N0tifX")
        .replace(b"N0tif2", b"N0tif1")
        .replace(b"N0tifX", b"N0tif2")
    )
    again = verify_delivery(
        "salesforce", secret=None, headers={}, body=swapped, now=NOW, options=ORG
    )
    # Unsigned: bound to the body, so another body under the same ids is another delivery.
    assert again.dedupe_key.startswith(delivery.dedupe_key.rpartition(":")[0] + ":")
    assert again.dedupe_key != delivery.dedupe_key
    assert (
        delivery.response_media_type,
        b"<Ack>true</Ack>" in (delivery.response_body or b""),
    ) == ("text/xml", True)


def test_ack_has_the_documented_shape() -> None:
    """Our ack parses to the same elements as the documented response."""
    import xml.etree.ElementTree as ET  # parsing our own constant and a reference file

    path = SHARED / "outbound_message_ack_response.xml"
    if not path.is_file():
        pytest.skip(f"shared payloads not available at {SHARED}")
    delivery = verify_delivery(
        "salesforce", secret=None, headers={}, body=BODY, now=NOW, options=ORG
    )

    def shape(xml: bytes) -> list[tuple[str, str]]:
        return [(e.tag, (e.text or "").strip()) for e in ET.fromstring(xml).iter()]  # noqa: S314

    assert shape(path.read_bytes()) == shape(delivery.response_body or b"")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"organization_id": "00DHs000000OtHeR"}, "does not match"),
        ({}, "not configured"),
        ({"organization_id": " "}, "not configured"),
    ],
    ids=["other-org", "unset", "blank"],
)
def test_organization_is_checked(options: dict[str, str], match: str) -> None:
    """A foreign or unconfigured organisation id is a 401."""
    with pytest.raises(SignatureError, match=match):
        verify_delivery("salesforce", secret=None, headers={}, body=BODY, now=NOW, options=options)


def test_fifteen_character_org_id_matches() -> None:
    """The 15-character form of the org id is accepted."""
    delivery = verify_delivery(
        "salesforce",
        secret=None,
        headers={},
        body=BODY,
        now=NOW,
        options={"organization_id": "00DHs000000AcMe"},
    )
    assert delivery.ticket_ref == "00001042"


def test_optional_hmac() -> None:
    """With options.hmac a relay's X-Deskpilot-Signature is required and checked."""
    options = {**ORG, "hmac": "true"}
    headers = {k.lower(): v for k, v in sign_servicenow(b"k", BODY, int(NOW.timestamp())).items()}
    signed = verify_delivery(
        "salesforce", secret=b"k", headers=headers, body=BODY, now=NOW, options=options
    )
    assert signed.signed
    with pytest.raises(SignatureError, match="missing header"):
        verify_delivery("salesforce", secret=b"k", headers={}, body=BODY, now=NOW, options=options)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<soapenv:Envelope", "not XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><x>&lol2;</x>',
            "DTD or entities",
        ),
        (b'<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd"><x/>', "DTD or entities"),
        (
            BODY.replace(b"<OrganizationId>00DHs000000AcMeMAK</OrganizationId>", b""),
            "OrganizationId",
        ),
        (BODY.replace(b"<Id>04lHs00000N0tif1AAA</Id>", b""), r"Notification\[1\]/Id"),
        (b"<a/>", "notifications"),
    ],
    ids=[
        "truncated",
        "entity-expansion",
        "external-dtd",
        "org-missing",
        "notification-id",
        "not-soap",
    ],
)
def test_malformed_xml_is_refused_safely(body: bytes, match: str) -> None:
    """Broken or hostile XML is a 400 naming the problem; entities are never expanded."""
    with pytest.raises(MalformedPayloadError, match=match):
        verify_delivery("salesforce", secret=None, headers={}, body=body, now=NOW, options=ORG)


def test_real_outbound_message_parses() -> None:
    """The published Account outbound message verifies against its org id."""
    path = SHARED / "abrarsheikhsony_outbound_message_account.xml"
    if not path.is_file():
        pytest.skip(f"shared payloads not available at {SHARED}")
    delivery = verify_delivery(
        "salesforce",
        secret=None,
        headers={},
        body=path.read_bytes(),
        now=NOW,
        options={"organization_id": "ABC90000000gNcmEAE"},
    )
    assert (delivery.dedupe_key, delivery.ticket_ref) == (
        unsigned_key("notification:04l9000001olR84AAE", path.read_bytes()),
        "0019000001KwyWtAAJ",
    )
