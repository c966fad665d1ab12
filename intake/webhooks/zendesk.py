"""
Zendesk webhooks, both connection methods.

* Event subscriptions: a fixed envelope ``{"type": "zen:event-type:…", "id", "subject",
  "detail", "event"}``; the event ``id`` is the dedupe key.
* Trigger/automation webhooks: whatever JSON body the admin templated. deskpilot reads the body
  in ``docs/webhooks.md`` (``{"deskpilot": "zendesk.trigger/1", "ticket": {…}}``) and answers any
  other shape 400 at the door, naming the first missing field: a body accepted with 202 and
  refused later by the normaliser would be a delivery Zendesk never retries and no one sees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from intake.webhooks.delivery import VerifiedDelivery
from intake.webhooks.errors import MalformedPayloadError
from intake.webhooks.node import Node, parse_json
from intake.webhooks.signing import replay_window_s, verify_zendesk

EVENT_PREFIX = "zen:event-type:"
TRIGGER_EVENT = "trigger"


def verify_zendesk_delivery(
    *,
    secret: bytes | None,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    options: Mapping[str, str],
) -> VerifiedDelivery:
    """Verify and parse one Zendesk delivery (see :func:`intake.webhooks.verify_delivery`)."""
    if secret is not None:
        verify_zendesk(secret, headers, body, now, replay_window_s(options))
    doc = parse_json(body)
    if not doc.is_object():
        raise MalformedPayloadError("expected a JSON object at $")
    event_type = doc.get("type").text() or ""
    if event_type.startswith(EVENT_PREFIX):
        return VerifiedDelivery(
            dedupe_key="event:" + doc.req("id").req_text(),
            event_type=event_type,
            ticket_ref=event_ticket_id(doc),
            signed=secret is not None,
        )
    ticket_id = trigger_ticket_id(doc)
    updated = doc.get("ticket").get("updated_at").text() if doc.get("ticket").is_object() else None
    material = f"{ticket_id}|{updated}".encode() if updated else body
    return VerifiedDelivery(
        dedupe_key="trigger:" + hashlib.sha256(material).hexdigest(),
        event_type=TRIGGER_EVENT,
        ticket_ref=ticket_id,
        signed=secret is not None,
    )


def event_ticket_id(doc: Node) -> str | None:
    """The ticket id of an event-subscription envelope (``subject: zen:ticket:<id>``)."""
    subject = doc.get("subject").text() or ""
    if subject.startswith("zen:ticket:"):
        return subject.removeprefix("zen:ticket:")
    return None


TRIGGER_REQUIRED = ("id", "subject", "created_at")
"""Members of ``$.ticket`` a trigger body must carry (and a requester e-mail or id)."""


def trigger_ticket_id(doc: Node) -> str:
    """
    The ticket id of a trigger body in the documented template; MalformedPayloadError otherwise.

    Checks what the normaliser needs, so a body it would refuse is refused here with a 400.
    """
    ticket = doc.get("ticket")
    if not ticket.is_object():
        raise MalformedPayloadError(
            "missing required field $.ticket (trigger bodies must follow the template in "
            'docs/webhooks.md, with "deskpilot": "zendesk.trigger/1")'
        )
    for name in TRIGGER_REQUIRED:
        ticket.req(name).req_text()
    ticket.get("created_at").instant()
    ticket.get("updated_at").instant()
    requester = ticket.get("requester")
    if not requester.is_object() or (
        requester.get("email").text() is None and requester.get("id").text() is None
    ):
        raise MalformedPayloadError(f"missing required field {ticket.path}.requester.email")
    return ticket.req("id").req_text()
