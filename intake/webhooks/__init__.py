"""
Webhook verification and envelope parsing, one module per desk (pure: no I/O, no clock).

The web layer passes the raw body and the lower-cased headers; :func:`verify_delivery` checks
the signature (constant-time), the replay window and the envelope, and answers what the inbox
needs to store the delivery once. Normalising the body into a ``Ticket`` is
``intake.normalize``'s job, later, in the worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from intake.webhooks.delivery import VerifiedDelivery
from intake.webhooks.errors import (
    MalformedPayloadError,
    SignatureError,
    UnsupportedEventError,
    WebhookError,
)
from intake.webhooks.jira import verify_jira_delivery
from intake.webhooks.salesforce import verify_salesforce_delivery
from intake.webhooks.servicenow import verify_servicenow_delivery
from intake.webhooks.signing import sign_jira, sign_servicenow, sign_zendesk
from intake.webhooks.zendesk import verify_zendesk_delivery

_Verifier = Callable[..., VerifiedDelivery]
_VERIFIERS: Mapping[str, _Verifier] = {
    "jira": verify_jira_delivery,
    "zendesk": verify_zendesk_delivery,
    "servicenow": verify_servicenow_delivery,
    "salesforce": verify_salesforce_delivery,
}
DESK_TYPES = tuple(_VERIFIERS)


def verify_delivery(
    desk_type: str,
    *,
    secret: bytes | None,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    options: Mapping[str, str] | None = None,
) -> VerifiedDelivery:
    """
    Check that a webhook delivery comes from the desk and parse its envelope.

    Args:
        desk_type: ``jira``, ``zendesk``, ``servicenow`` or ``salesforce``.
        secret: the desk's webhook secret; ``None`` when the desk is configured unsigned (the
            signature is not checked, the body still is).
        headers: request headers with lower-cased names.
        body: the raw request body, exactly as received.
        now: the current time (timezone-aware), for replay windows.
        options: the desk's ``options`` from the configuration (``replay_window_s``,
            ``organization_id``, ``hmac``).

    Raises:
        SignatureError: bad or missing signature, stale timestamp, wrong organisation (401).
        MalformedPayloadError: the body is not what the desk sends (400).
        ValueError: ``desk_type`` is unknown or ``now`` is naive (a programming error).
    """
    verifier = _VERIFIERS.get(desk_type)
    if verifier is None:
        raise ValueError(f"unknown desk type {desk_type!r}; expected one of {DESK_TYPES}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    delivery: VerifiedDelivery = verifier(
        secret=secret, headers=headers, body=body, now=now, options=options or {}
    )
    if delivery.signed:
        return delivery
    return replace(delivery, dedupe_key=unsigned_key(delivery.dedupe_key, body))


def unsigned_key(claimed: str, body: bytes) -> str:
    """
    The dedupe key of a delivery no signature proves: the key its body or headers claim, bound to
    the body by a hash, in a namespace of its own.

    Anyone can post an unsigned body naming any key: a Salesforce notification id (sequential)
    or a ServiceNow ``sys_mod_count`` that the desk has yet to send, or a poll's
    ``poll:<key>:<updated>``. Under the claimed key alone, the forgery was stored first and the
    genuine delivery was then a duplicate, never read. Bound to the body, only the same body
    (the desk sending it again) is a duplicate.
    """
    digest = hashlib.sha256(claimed.encode() + b"\0" + body).hexdigest()
    return f"unsigned:{claimed[:120]}:{digest}"


__all__ = [
    "DESK_TYPES",
    "MalformedPayloadError",
    "SignatureError",
    "UnsupportedEventError",
    "VerifiedDelivery",
    "WebhookError",
    "sign_jira",
    "sign_servicenow",
    "sign_zendesk",
    "unsigned_key",
    "verify_delivery",
]
