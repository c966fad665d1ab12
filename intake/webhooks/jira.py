"""Jira Cloud / JSM webhooks: admin webhooks signed with ``X-Hub-Signature``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from intake.webhooks.delivery import VerifiedDelivery
from intake.webhooks.errors import MalformedPayloadError
from intake.webhooks.node import parse_json
from intake.webhooks.signing import verify_jira

WEBHOOK_IDENTIFIER = "x-atlassian-webhook-identifier"
AUTOMATION_EVENT = "jira:automation"
"""Event type given to JSM automation "Send web request" bodies that carry an issue, no event."""


def verify_jira_delivery(
    *,
    secret: bytes | None,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    options: Mapping[str, str],
) -> VerifiedDelivery:
    """Verify and parse one Jira delivery (see :func:`intake.webhooks.verify_delivery`)."""
    if secret is not None:
        verify_jira(secret, headers, body)
    doc = parse_json(body)
    if not doc.is_object():
        raise MalformedPayloadError("expected a JSON object at $")
    event = doc.get("webhookEvent").text()
    issue = doc.get("issue")
    if event is None:
        if doc.get("key").missing or not doc.get("fields").is_object():
            raise MalformedPayloadError("missing required field $.webhookEvent")
        event, issue = AUTOMATION_EVENT, doc
    identifier = headers.get(WEBHOOK_IDENTIFIER, "").strip()
    dedupe = identifier or "sha256:" + hashlib.sha256(body).hexdigest()
    return VerifiedDelivery(
        dedupe_key=dedupe,
        event_type=event,
        ticket_ref=issue.get("key").text(),
        signed=secret is not None,
    )
