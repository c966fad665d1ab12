"""
Receiving a delivery: verify it, keep it, hand its id to the worker.

Used by the webhook endpoint and by the poller, so a change seen both ways is stored once
(the inbox is unique per desk and dedupe key) and ingested by the same code.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import structlog
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from intake.webhooks import (
    DESK_TYPES,
    SignatureError,
    VerifiedDelivery,
    WebhookError,
    verify_delivery,
)
from worker.db.records import RejectedDeliveryRow
from worker.db.store import insert_ignore_id
from worker.db.tables import InboxItem
from worker.inbound.notification import why_unsigned
from worker.queue.names import ActorName
from worker.runtime import Runtime

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
    rt: Runtime,
    desk_name: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    received_at: dt.datetime | None = None,
    keep_refused: bool = True,
) -> Receipt:
    """
    Verify a webhook delivery for ``desk_name``, store it once and enqueue its ingestion.

    A refused delivery is kept in ``rejected_deliveries`` (``keep_refused``) so the admin can see
    what came and replay it. ``received_at`` verifies as of that instant (a replay checks the
    signature's timestamp against when the delivery came, not against now).
    """
    receipt = _verify_and_store(rt, desk_name, headers, body, received_at or rt.clock())
    if keep_refused and receipt.outcome not in (Outcome.ACCEPTED, Outcome.DUPLICATE):
        keep_refused_delivery(rt, desk_name, headers, body, receipt)
    return receipt


def _verify_and_store(
    rt: Runtime, desk_name: str, headers: Mapping[str, str], body: bytes, now: dt.datetime
) -> Receipt:
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
            now=now,
            options=options,
        )
    except SignatureError as exc:
        log.warning("webhook.rejected", desk=desk_name, reason=str(exc))
        return Receipt(Outcome.BAD_SIGNATURE, str(exc))
    except WebhookError as exc:
        log.warning("webhook.malformed", desk=desk_name, reason=str(exc))
        return Receipt(Outcome.MALFORMED, str(exc))
    if verified.signed:
        return store_delivery(rt, desk_name, verified, body, source="webhook")
    # An unsigned delivery is kept as a notification: ingest re-reads the ticket from the desk.
    if verified.why_notification:
        log.warning("webhook.notification_only", desk=desk_name, reason=verified.why_notification)
    why = verified.why_notification or why_unsigned(desk.type)
    return store_delivery(rt, desk_name, verified, body, source="notification", why=why)


CREDENTIAL_WORDS = ("auth", "key", "token", "secret", "password", "passwd", "cookie", "session")
"""A header whose name holds one of these is never kept with a refused delivery:
``Authorization``, ``Proxy-Authorization``, ``Cookie``, and an API gateway's or relay's
``X-Api-Key``, ``X-Auth-Token``, ``X-Relay-Secret`` (a header's name is the sender's choice). A
desk's signature header is not a credential: it is a hash of the body that proves nothing
without the secret."""


def is_credential_header(name: str) -> bool:
    """True for a header never kept with a refused delivery (see ``CREDENTIAL_WORDS``)."""
    lowered = name.lower()
    return any(word in lowered for word in CREDENTIAL_WORDS)


_INBOX = cast(Table, InboxItem.__table__)
_REJECTED = cast(Table, RejectedDeliveryRow.__table__)
_KEEP_REJECTED = insert(_REJECTED).returning(_REJECTED.c.id)
_PRUNE_REJECTED = delete(_REJECTED).where(_REJECTED.c.id <= bindparam("b_cut"))


def keep_refused_delivery(
    rt: Runtime,
    desk_name: str,
    headers: Mapping[str, str],
    body: bytes,
    receipt: Receipt,
    *,
    body_size: int | None = None,
) -> int | None:
    """
    Keep a refused delivery as received (less credentials), and only the newest
    ``web.keep_rejected`` of them; returns its id. ``body`` may be only the start of what came
    (``body_size`` then says how much did). Never raises: the sender's answer does not depend on it.
    """
    keep = rt.settings.web.keep_rejected
    if keep == 0:
        return None
    kept_headers = {k: v for k, v in headers.items() if not is_credential_header(k)}
    try:
        # Not urgent: unauthenticated requests must not get ahead of the pipeline's own work.
        with rt.db.connect() as connection:
            rejected_id = connection.scalar(
                _KEEP_REJECTED,
                {
                    "desk": desk_name[:64],
                    "received_at": rt.clock(),
                    "status": receipt.outcome.value,
                    "reason": receipt.detail,
                    "headers": kept_headers,
                    "body": body,
                    "body_size": len(body) if body_size is None else body_size,
                    "replayed_inbox_id": None,
                },
            )
            assert rejected_id is not None
            connection.execute(_PRUNE_REJECTED, {"b_cut": int(rejected_id) - keep})
    except SQLAlchemyError as exc:
        log.error("webhook.refusal_not_kept", desk=desk_name, error=str(exc))
        return None
    log.info("webhook.refusal_kept", desk=desk_name, rejected_id=rejected_id)
    return int(rejected_id)


class ReplayError(LookupError):
    """The refused delivery cannot be replayed (not kept, or only partly)."""


def replay_refused(rt: Runtime, rejected_id: int) -> Receipt:
    """
    Verify kept refused delivery ``rejected_id`` again, as of when it came, with today's
    configuration (a fixed secret or desk name); stored and enqueued like any delivery if it
    passes now. Replaying one that passed before answers duplicate.
    """
    with rt.db.connect() as connection:
        row = connection.execute(
            select(_REJECTED).where(_REJECTED.c.id == rejected_id)
        ).one_or_none()
    if row is None:
        raise ReplayError(f"no refused delivery {rejected_id} is kept")
    if row.body_size > len(row.body):
        raise ReplayError(
            f"refused delivery {rejected_id} was too large ({row.body_size:,} bytes), so its body "
            "was not kept: raise web.max_body_bytes and have the desk send it again"
        )
    receipt = receive_webhook(
        rt, row.desk, row.headers, row.body, received_at=row.received_at, keep_refused=False
    )
    if receipt.inbox_id is not None:
        with rt.db.connect() as connection:
            connection.execute(
                update(_REJECTED)
                .where(_REJECTED.c.id == rejected_id)
                .values(replayed_inbox_id=receipt.inbox_id)
            )
    return receipt


def store_delivery(
    rt: Runtime,
    desk_name: str,
    verified: VerifiedDelivery,
    body: bytes,
    *,
    source: str,
    why: str | None = None,
) -> Receipt:
    """
    Keep a verified delivery in the inbox (once) and enqueue it; duplicates do nothing.
    ``why`` says why a ``notification`` is only one (kept with the row, whatever its end).
    """
    now = rt.clock()
    with rt.db.connect(urgent=source in ("webhook", "notification")) as connection:
        inbox_id = insert_ignore_id(
            connection,
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
                # Why a verified delivery is only a notification (kept with the row as evidence).
                "error": verified.why_notification,
                "why_notification": why,
                "updated_at": now,
            },
            ("desk", "dedupe_key"),
        )
        inserted = inbox_id is not None
        if not inserted:
            inbox_id = connection.scalar(
                select(_INBOX.c.id).where(
                    _INBOX.c.desk == desk_name, _INBOX.c.dedupe_key == verified.dedupe_key[:255]
                )
            )
    outcome = Outcome.ACCEPTED if inserted else Outcome.DUPLICATE
    if inserted and inbox_id is not None:
        rt.send(ActorName.INGEST, inbox_id)
    return Receipt(
        outcome,
        "accepted" if inserted else "duplicate delivery; already received",
        inbox_id,
        verified.response_body,
        verified.response_media_type,
    )
