"""The published signature test vectors verify, and any tampering is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake.webhooks import MalformedPayloadError, SignatureError, verify_delivery
from intake.webhooks.node import parse_instant

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "payloads"
VECTORS = SHARED / "signature_test_vectors.json"


def _vectors() -> dict[str, object]:
    if not VECTORS.is_file():
        pytest.skip(f"shared payloads not available at {SHARED}")
    loaded: dict[str, object] = json.loads(VECTORS.read_text())
    return loaded


def _zendesk_cases() -> list[tuple[bytes, str, bytes, str]]:
    vectors = _vectors()["zendesk"]
    assert isinstance(vectors, dict)
    cases = []
    for case in vectors["cases"]:
        body = (
            (SHARED / case["body_file"]).read_bytes()
            if "body_file" in case
            else case["body"].encode()
        )
        cases.append((vectors["secret"].encode(), case["timestamp"], body, case["signature"]))
    return cases


def _zendesk_headers(stamp: str, signature: str) -> dict[str, str]:
    return {
        "x-zendesk-webhook-signature": signature,
        "x-zendesk-webhook-signature-timestamp": stamp,
    }


def test_zendesk_vectors_verify() -> None:
    """
    Every Zendesk vector verifies at its own timestamp (the secret is used verbatim).

    A vector whose body is neither an event nor our trigger template passes the signature (checked
    first) and is then refused for its shape, never for its signature.
    """
    for secret, stamp, body, signature in _zendesk_cases():
        now = parse_instant(stamp, where="test")
        headers = _zendesk_headers(stamp, signature)
        if not str(json.loads(body).get("type", "")).startswith("zen:event-type:"):
            with pytest.raises(MalformedPayloadError, match=r"\$\.ticket"):
                verify_delivery("zendesk", secret=secret, headers=headers, body=body, now=now)
            continue
        delivery = verify_delivery("zendesk", secret=secret, headers=headers, body=body, now=now)
        assert delivery.dedupe_key.startswith("event:")


@pytest.mark.parametrize(
    "tamper",
    ["body", "signature", "timestamp", "secret"],
    ids=["body", "signature", "timestamp", "secret"],
)
def test_zendesk_vectors_tampered(tamper: str) -> None:
    """Changing any input of the Zendesk signature makes it fail."""
    for secret, stamp, body, signature in _zendesk_cases():
        now = parse_instant(stamp, where="test")
        if tamper == "body":
            body = body + b" "
        elif tamper == "signature":
            signature = "A" + signature[1:] if signature[0] != "A" else "B" + signature[1:]
        elif tamper == "timestamp":
            stamp = stamp.replace(":27Z", ":28Z").replace(":18Z", ":19Z")
        else:
            secret = b"wrong"
        with pytest.raises(SignatureError):
            verify_delivery(
                "zendesk",
                secret=secret,
                headers=_zendesk_headers(stamp, signature),
                body=body,
                now=now,
            )


def test_zendesk_vector_replayed_later_is_refused() -> None:
    """A correctly signed delivery replayed outside the window is refused."""
    secret, stamp, body, signature = _zendesk_cases()[0]
    now = parse_instant(stamp, where="test") + timedelta(seconds=301)
    with pytest.raises(SignatureError, match="window 300 s"):
        verify_delivery(
            "zendesk", secret=secret, headers=_zendesk_headers(stamp, signature), body=body, now=now
        )


def test_jira_vectors_verify_and_tampering_fails() -> None:
    """The Jira vector verifies; a changed body or secret does not."""
    vectors = _vectors()["jira"]
    assert isinstance(vectors, dict)
    for case in vectors["cases"]:
        body = (SHARED / case["body_file"]).read_bytes()
        # Verified as of when Jira fired it: the body's own timestamp is held to the replay window.
        now = datetime.fromtimestamp(json.loads(body)["timestamp"] / 1000, tz=UTC)
        headers = {"x-hub-signature": case["x_hub_signature"]}
        secret = vectors["secret"].encode()
        delivery = verify_delivery("jira", secret=secret, headers=headers, body=body, now=now)
        assert delivery.event_type == "comment_created"
        with pytest.raises(SignatureError):
            verify_delivery("jira", secret=secret, headers=headers, body=body + b"\n", now=now)
        with pytest.raises(SignatureError):
            verify_delivery("jira", secret=b"other", headers=headers, body=body, now=now)
        assert delivery.signed
        # The same captured delivery an hour later proves nothing about the ticket any more.
        replayed = verify_delivery(
            "jira", secret=secret, headers=headers, body=body, now=now + timedelta(hours=1)
        )
        assert (replayed.signed, replayed.why_notification) == (
            False,
            "signed, but $.timestamp is 3600 s away from now (window 300 s)",
        )
