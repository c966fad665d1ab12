"""
ServiceNow: our Business Rule's JSON, signed with our ``X-Deskpilot-Signature`` scheme.

The body shape is documented in ``docs/webhooks.md`` and parsed by
``intake.normalize.servicenow``: ``{"deskpilot": "servicenow/1", "operation": "insert|update",
"table": "incident", "sys_id", "sys_mod_count", "record": {…}, "requester": {…},
"journal": […]}``. ``sys_id:sys_mod_count`` identifies one version of a record, so it is the
dedupe key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from intake.webhooks.delivery import VerifiedDelivery
from intake.webhooks.errors import MalformedPayloadError
from intake.webhooks.node import parse_json
from intake.webhooks.signing import replay_window_s, verify_deskpilot


def verify_servicenow_delivery(
    *,
    secret: bytes | None,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    options: Mapping[str, str],
) -> VerifiedDelivery:
    """Verify and parse one ServiceNow delivery (see :func:`intake.webhooks.verify_delivery`)."""
    if secret is not None:
        verify_deskpilot(secret, headers, body, now, replay_window_s(options))
    doc = parse_json(body)
    if not doc.is_object():
        raise MalformedPayloadError("expected a JSON object at $")
    table = doc.req("table").req_text()
    operation = doc.get("operation").text() or "update"
    sys_id = doc.req("sys_id").req_text()
    mod_count = doc.req("sys_mod_count").req_text()
    number = doc.get("number").text()
    kind = "created" if operation == "insert" else "updated"
    return VerifiedDelivery(
        dedupe_key=f"{table}:{sys_id}:{mod_count}",
        event_type=f"servicenow:{table}.{kind}",
        ticket_ref=number or sys_id,
        signed=secret is not None,
    )
