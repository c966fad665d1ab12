"""
Jira Cloud / JSM webhooks: admin webhooks signed with ``X-Hub-Signature``.

Jira's signature covers the body only, no header timestamp, so a captured delivery would verify
for ever. The body carries its own ``timestamp`` (epoch milliseconds, when Jira fired the event)
inside what is signed, so a signed delivery is acted on as it is only within
``options.replay_window_s`` (default 300 s) of it, the window Zendesk's and our own signed
timestamps are held to. A signed body that is older or newer than that, or has no usable
``timestamp``, proves where it came from but not when (a replay, or Jira retrying late with the
same body): it is kept as a notification only, so the worker re-reads the issue from the API and
a replay cannot bring back an old snapshot or comment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

from intake.webhooks.delivery import VerifiedDelivery
from intake.webhooks.errors import MalformedPayloadError, SignatureError
from intake.webhooks.node import Node, parse_json
from intake.webhooks.signing import check_fresh, replay_window_s, verify_jira

WEBHOOK_IDENTIFIER = "x-atlassian-webhook-identifier"
BODY_TIMESTAMP = "$.timestamp"
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
    why_unsigned = _undated(doc, now, replay_window_s(options)) if secret is not None else None
    signed = secret is not None and why_unsigned is None
    identifier = headers.get(WEBHOOK_IDENTIFIER, "").strip()
    dedupe = identifier or "sha256:" + hashlib.sha256(body).hexdigest()
    return VerifiedDelivery(
        dedupe_key=dedupe,
        event_type=event,
        ticket_ref=issue.get("key").text(),
        signed=signed,
        why_notification=why_unsigned,
    )


def _undated(doc: Node, now: datetime, window_s: int) -> str | None:
    """Why a signed body cannot be acted on as it is (its age is unknown or outside the
    window), or None when its ``timestamp`` is within ``window_s`` of ``now``."""
    try:
        signed_at = body_timestamp(doc)
        if signed_at is None:
            return f"signed, but {BODY_TIMESTAMP} is missing"
        check_fresh(signed_at, now, window_s, header=BODY_TIMESTAMP)
    except SignatureError as exc:
        return f"signed, but {exc}"
    return None


def body_timestamp(doc: Node) -> datetime | None:
    """
    When Jira fired the event: ``$.timestamp`` (epoch milliseconds, inside the signed body);
    None when the body has none. SignatureError when it is not a plausible epoch-ms number.
    """
    stamp = doc.get("timestamp")
    if stamp.missing:
        return None
    value = stamp.value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SignatureError(f"{BODY_TIMESTAMP} is not epoch milliseconds")
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError(f"{BODY_TIMESTAMP} is not epoch milliseconds") from exc
