"""
Salesforce Outbound Messages (SOAP): checked by organisation id, optionally by our HMAC.

Outbound Messages are not signed. The ``OrganizationId`` in the envelope must equal
``options["organization_id"]``; with ``options["hmac"]`` set (``true``) a relay in front of
Salesforce must also add our ``X-Deskpilot-Signature`` headers (same scheme as ServiceNow).
Salesforce needs the SOAP ack as the answer, so the delivery carries it as ``response_body``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from intake.webhooks.delivery import VerifiedDelivery
from intake.webhooks.errors import SignatureError
from intake.webhooks.signing import replay_window_s, verify_deskpilot
from intake.webhooks.soap import ACK_RESPONSE, parse_outbound_message

OUTBOUND_EVENT = "salesforce:outbound"


def verify_salesforce_delivery(
    *,
    secret: bytes | None,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    options: Mapping[str, str],
) -> VerifiedDelivery:
    """Verify and parse one Outbound Message (see :func:`intake.webhooks.verify_delivery`)."""
    signed = (options.get("hmac") or "").lower() in ("true", "1", "yes") and secret is not None
    if signed:
        assert secret is not None
        verify_deskpilot(secret, headers, body, now, replay_window_s(options))
    expected = (options.get("organization_id") or "").strip()
    if not expected:
        raise SignatureError("organization id not configured (options.organization_id)")
    message = parse_outbound_message(body)
    if not _same_org(message.organization_id, expected):
        raise SignatureError("OrganizationId does not match options.organization_id")
    first = message.notifications[0].sobject.fields
    return VerifiedDelivery(
        dedupe_key=_dedupe_key([n.id for n in message.notifications]),
        event_type=OUTBOUND_EVENT,
        ticket_ref=first.get("CaseNumber") or first.get("Id"),
        signed=signed,
        response_body=ACK_RESPONSE,
        response_media_type="text/xml",
    )


def _dedupe_key(ids: list[str]) -> str:
    """``notification:<id>``; a batch (up to 100 ids) is hashed to stay a short key."""
    if len(ids) == 1:
        return f"notification:{ids[0]}"
    digest = hashlib.sha256(",".join(sorted(ids)).encode()).hexdigest()
    return f"notifications:{len(ids)}:{digest}"


def _same_org(got: str, expected: str) -> bool:
    """Compare 15- or 18-character org ids (the 18-character form adds a checksum suffix)."""
    return hmac.compare_digest(got[:15].encode(), expected[:15].encode())
