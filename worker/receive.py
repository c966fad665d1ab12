"""
Receiving a delivery: verify it, keep it, hand its id to the worker.

Used by the webhook endpoint and by the poller, so a change seen both ways is stored once
(the inbox is unique per desk and dedupe key) and ingested by the same code.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from sqlalchemy import select

from intake.webhooks import (
    DESK_TYPES,
    SignatureError,
    VerifiedDelivery,
    WebhookError,
    verify_delivery,
)
from worker.db import InboxItem
from worker.runtime import Runtime
from worker.store import insert_ignore_id

log = structlog.get_logger("deskpilot.receive")


class Outcome(enum.Enum):
    """What the endpoint answers."""

    ACCEPTED = 202
    DUPLICATE = 200
    UNKNOWN_DESK = 404
    BAD_SIGNATURE = 401
    MALFORMED = 400
    TOO_LARGE = 413


@dataclass(frozen=True)
class Receipt:
    """The answer to one delivery."""

    outcome: Outcome
    detail: str
    inbox_id: int | None = None
    response_body: bytes | None = None
    response_media_type: str | None = None


def receive_webhook(
    rt: Runtime, desk_name: str, headers: Mapping[str, str], body: bytes
) -> Receipt:
    """Verify a webhook delivery for ``desk_name``, store it once and enqueue its ingestion."""
    desk = rt.settings.desk(desk_name)
    if desk is None:
        return Receipt(Outcome.UNKNOWN_DESK, f"no desk named {desk_name!r} is configured")
    if desk.type not in DESK_TYPES:
        return Receipt(Outcome.UNKNOWN_DESK, f"desk {desk_name!r} ({desk.type}) takes no webhooks")
    if len(body) > rt.settings.web.max_body_bytes:
        return Receipt(Outcome.TOO_LARGE, f"body over {rt.settings.web.max_body_bytes} bytes")
    lowered = {k.lower(): v for k, v in headers.items()}
    options = {k: str(v) for k, v in desk.options.items() if isinstance(v, str | int | float)}
    try:
        verified = verify_delivery(
            desk.type,
            secret=rt.webhook_secrets.get(desk_name),
            headers=lowered,
            body=body,
            now=rt.clock(),
            options=options,
        )
    except SignatureError as exc:
        log.warning("webhook.rejected", desk=desk_name, reason=str(exc))
        return Receipt(Outcome.BAD_SIGNATURE, str(exc))
    except WebhookError as exc:
        log.warning("webhook.malformed", desk=desk_name, reason=str(exc))
        return Receipt(Outcome.MALFORMED, str(exc))
    return store_delivery(rt, desk_name, verified, body, source="webhook")


def store_delivery(
    rt: Runtime, desk_name: str, verified: VerifiedDelivery, body: bytes, *, source: str
) -> Receipt:
    """Keep a verified delivery in the inbox (once) and enqueue it; duplicates do nothing."""
    now = rt.clock()
    with rt.db.session(urgent=source == "webhook") as session:
        inbox_id = insert_ignore_id(
            session,
            InboxItem,
            {
                "desk": desk_name,
                "dedupe_key": verified.dedupe_key[:255],
                "source": source,
                "event_type": verified.event_type[:128],
                "body": body,
                "received_at": now,
                "state": "received",
                "attempts": 0,
                "updated_at": now,
            },
            ("desk", "dedupe_key"),
        )
        inserted = inbox_id is not None
        if not inserted:
            inbox_id = session.scalar(
                select(InboxItem.id).where(
                    InboxItem.desk == desk_name, InboxItem.dedupe_key == verified.dedupe_key[:255]
                )
            )
    outcome = Outcome.ACCEPTED if inserted else Outcome.DUPLICATE
    if inserted and inbox_id is not None:
        rt.send("ingest", inbox_id)
    return Receipt(
        outcome,
        "accepted" if inserted else "duplicate delivery; already received",
        inbox_id,
        verified.response_body,
        verified.response_media_type,
    )
