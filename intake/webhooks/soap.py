"""
Salesforce Outbound Message SOAP envelopes, parsed safely into frozen dataclasses.

``defusedxml`` refuses DTDs and entity declarations, so a hostile body cannot expand entities
or reach external resources. Paths in error messages are given as XPath-like element paths.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only for types; parsing goes through defusedxml
from collections.abc import Mapping
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from intake.webhooks.errors import MalformedPayloadError

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

ACK_RESPONSE = (
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n'
    b"  <soapenv:Body>\n"
    b'    <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n'
    b"      <Ack>true</Ack>\n"
    b"    </notificationsResponse>\n"
    b"  </soapenv:Body>\n"
    b"</soapenv:Envelope>\n"
)
"""What Salesforce must receive, or it retries the message for up to 24 hours."""


@dataclass(frozen=True)
class SObject:
    """One record as an outbound message carries it: its type and its current field values."""

    type: str | None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """One ``Notification`` element: the notification id (the dedupe key) and the record."""

    id: str
    sobject: SObject


@dataclass(frozen=True)
class OutboundMessage:
    """A parsed ``notifications`` envelope (up to 100 notifications)."""

    organization_id: str
    action_id: str | None
    notifications: tuple[Notification, ...]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child_text(parent: ET.Element, name: str, where: str, *, required: bool = True) -> str | None:
    child = parent.find(f"{{{OUTBOUND_NS}}}{name}")
    text = (child.text or "").strip() if child is not None else ""
    if not text and required:
        raise MalformedPayloadError(f"missing required element {where}/{name}")
    return text or None


def parse_outbound_message(body: bytes) -> OutboundMessage:
    """Parse a Salesforce Outbound Message; MalformedPayloadError when it is not one."""
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise MalformedPayloadError(
            f"body XML declares a DTD or entities: {type(exc).__name__}"
        ) from exc
    except ET.ParseError as exc:
        raise MalformedPayloadError(f"body is not XML: {exc}") from exc
    where = "/Envelope/Body/notifications"
    found = root.find(f"{{{SOAP_NS}}}Body/{{{OUTBOUND_NS}}}notifications")
    if _local(root.tag) != "Envelope" or found is None:
        raise MalformedPayloadError(f"missing required element {where}")
    organization = _child_text(found, "OrganizationId", where)
    assert organization is not None
    notifications = tuple(
        _notification(element, f"{where}/Notification[{index + 1}]")
        for index, element in enumerate(found.findall(f"{{{OUTBOUND_NS}}}Notification"))
    )
    if not notifications:
        raise MalformedPayloadError(f"missing required element {where}/Notification")
    action = _child_text(found, "ActionId", where, required=False)
    return OutboundMessage(organization, action, notifications)


def _notification(element: ET.Element, where: str) -> Notification:
    notification_id = _child_text(element, "Id", where)
    assert notification_id is not None
    record = element.find(f"{{{OUTBOUND_NS}}}sObject")
    if record is None:
        raise MalformedPayloadError(f"missing required element {where}/sObject")
    sobject_type = record.get(XSI_TYPE)
    fields = {
        _local(child.tag): (child.text or "").strip()
        for child in record
        if child.get(XSI_NIL) != "true" and len(child) == 0
    }
    return Notification(
        id=notification_id,
        sobject=SObject(
            type=sobject_type.rpartition(":")[2] if sobject_type else None, fields=fields
        ),
    )
