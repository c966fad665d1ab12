"""A signature header with bytes outside ASCII is a wrong signature (401), not a crash (500)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from intake.webhooks import SignatureError, verify_delivery

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))
JIRA = json.dumps({"webhookEvent": "jira:issue_created", "issue": {"key": "IT-1"}}).encode()
SNOW = json.dumps({"table": "incident", "sys_id": "a1", "sys_mod_count": "0"}).encode()
ZEN = json.dumps({"type": "zen:event-type:ticket.created", "id": "01J9"}).encode()
SF = b"<soapenv:Envelope/>"


@pytest.mark.parametrize(
    ("desk", "body", "headers", "options"),
    [
        ("jira", JIRA, {"x-hub-signature": "sha256=\xe9" * 2}, {}),
        ("jira", JIRA, {"x-hub-signature": "sha256=" + "\u00ff" * 64}, {}),
        ("servicenow", SNOW, {"x-deskpilot-timestamp": STAMP, "x-deskpilot-signature": "v1=\xe9"},
         {}),
        ("zendesk", ZEN, {"x-zendesk-webhook-signature": "\xe9",
                          "x-zendesk-webhook-signature-timestamp": "2026-11-25T10:00:00Z"}, {}),
        ("salesforce", SF, {"x-deskpilot-timestamp": STAMP, "x-deskpilot-signature": "v1=\xfe"},
         {"hmac": "true", "organization_id": "00DHs000000AcMe"}),
    ],
    ids=["jira-latin-1", "jira-full-length", "servicenow", "zendesk", "salesforce-relay"],
)  # fmt: skip
def test_a_non_ascii_signature_is_a_wrong_signature(
    desk: str, body: bytes, headers: dict[str, str], options: dict[str, str]
) -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify_delivery(desk, secret=b"k", headers=headers, body=body, now=NOW, options=options)
