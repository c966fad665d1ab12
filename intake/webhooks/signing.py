"""
HMAC signatures as each desk computes them, for verifying and (in tests and the demo) signing.

* Jira Cloud/JSM admin webhooks: ``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>``.
* Zendesk: ``X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))`` with the
  timestamp in ``X-Zendesk-Webhook-Signature-Timestamp``; the signing secret is used verbatim.
* ServiceNow (and optionally Salesforce), our own scheme: ``X-Deskpilot-Timestamp: <unix s>``
  and ``X-Deskpilot-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from intake.webhooks.errors import MalformedPayloadError, SignatureError
from intake.webhooks.node import parse_instant

JIRA_SIGNATURE = "x-hub-signature"
ZENDESK_SIGNATURE = "x-zendesk-webhook-signature"
ZENDESK_TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
DESKPILOT_SIGNATURE = "x-deskpilot-signature"
DESKPILOT_TIMESTAMP = "x-deskpilot-timestamp"
DEFAULT_REPLAY_WINDOW_S = 300


def _mac(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def sign_jira(secret: bytes, body: bytes) -> dict[str, str]:
    """Headers a Jira admin webhook with ``secret`` sends with ``body``."""
    return {"X-Hub-Signature": "sha256=" + _mac(secret, body).hex()}


def sign_zendesk(secret: bytes, body: bytes, timestamp: str) -> dict[str, str]:
    """Headers a Zendesk webhook sends; ``timestamp`` is ISO 8601 (``2026-11-25T10:00:00Z``)."""
    signature = base64.b64encode(_mac(secret, timestamp.encode() + body)).decode()
    return {
        "X-Zendesk-Webhook-Signature": signature,
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
    }


def sign_servicenow(secret: bytes, body: bytes, timestamp: int) -> dict[str, str]:
    """Headers our ServiceNow Business Rule sends; ``timestamp`` is Unix seconds."""
    stamp = str(timestamp)
    signature = _mac(secret, stamp.encode() + b"." + body).hex()
    return {"X-Deskpilot-Timestamp": stamp, "X-Deskpilot-Signature": "v1=" + signature}


def _same(expected: str, got: str) -> bool:
    """Constant-time comparison of a signature with what came, which may hold any character:
    ``hmac.compare_digest`` raises ``TypeError`` for ``str`` with non-ASCII characters (header
    bytes are read as Latin-1), so both are compared as UTF-8 bytes."""
    return hmac.compare_digest(expected.encode(), got.encode())


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name, "").strip()
    if not value:
        raise SignatureError(f"missing header {name}")
    return value


def replay_window_s(options: Mapping[str, str] | None) -> int:
    """The accepted clock difference in seconds (``options["replay_window_s"]``, default 300)."""
    raw = (options or {}).get("replay_window_s", str(DEFAULT_REPLAY_WINDOW_S))
    try:
        window = int(raw)
    except ValueError as exc:
        raise SignatureError("options.replay_window_s is not an integer") from exc
    if window <= 0:
        raise SignatureError("options.replay_window_s must be positive")
    return window


def check_fresh(signed_at: datetime, now: datetime, window_s: int, *, header: str) -> None:
    """Refuse a timestamp further than ``window_s`` from ``now`` (either way)."""
    skew = abs((now - signed_at).total_seconds())
    if skew > window_s:
        raise SignatureError(f"{header} is {int(skew)} s away from now (window {window_s} s)")


def verify_jira(secret: bytes, headers: Mapping[str, str], body: bytes) -> None:
    """Check ``X-Hub-Signature`` against ``body``; SignatureError when it does not match."""
    method, _, got = _header(headers, JIRA_SIGNATURE).partition("=")
    if method.lower() != "sha256":
        raise SignatureError(f"{JIRA_SIGNATURE} uses {method!r:.20}, expected sha256")
    if not _same(_mac(secret, body).hex(), got.strip().lower()):
        raise SignatureError(f"{JIRA_SIGNATURE} does not match the body")


def verify_zendesk(
    secret: bytes, headers: Mapping[str, str], body: bytes, now: datetime, window_s: int
) -> None:
    """Check the Zendesk signature and that its timestamp is within ``window_s`` of ``now``."""
    stamp = _header(headers, ZENDESK_TIMESTAMP)
    got = _header(headers, ZENDESK_SIGNATURE)
    expected = base64.b64encode(_mac(secret, stamp.encode() + body)).decode()
    if not _same(expected, got):
        raise SignatureError(f"{ZENDESK_SIGNATURE} does not match the body and timestamp")
    try:
        signed_at = parse_instant(stamp, where=ZENDESK_TIMESTAMP)
    except MalformedPayloadError as exc:
        raise SignatureError(f"{ZENDESK_TIMESTAMP} is not an ISO 8601 timestamp") from exc
    check_fresh(signed_at, now, window_s, header=ZENDESK_TIMESTAMP)


def verify_deskpilot(
    secret: bytes, headers: Mapping[str, str], body: bytes, now: datetime, window_s: int
) -> None:
    """Check our ``X-Deskpilot-Signature`` scheme (ServiceNow, optionally Salesforce)."""
    stamp = _header(headers, DESKPILOT_TIMESTAMP)
    version, _, got = _header(headers, DESKPILOT_SIGNATURE).partition("=")
    if version != "v1":
        raise SignatureError(f"{DESKPILOT_SIGNATURE} has version {version!r:.10}, expected v1")
    expected = _mac(secret, stamp.encode() + b"." + body).hex()
    if not _same(expected, got.strip().lower()):
        raise SignatureError(f"{DESKPILOT_SIGNATURE} does not match the body and timestamp")
    if not stamp.isdigit():
        raise SignatureError(f"{DESKPILOT_TIMESTAMP} is not Unix seconds")
    signed_at = datetime.fromtimestamp(int(stamp), tz=UTC)
    check_fresh(signed_at, now, window_s, header=DESKPILOT_TIMESTAMP)
