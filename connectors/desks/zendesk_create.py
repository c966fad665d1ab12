"""
Opening a Zendesk ticket exactly once: ``GET /api/v2/tickets?external_id=<marker>`` first, then
``POST /api/v2/tickets`` with ``external_id``, the requester by address and the body as the
first (public: it is addressed to the requester) comment.
"""

from __future__ import annotations

from typing import Protocol

from connectors.desks import CreatedTicket, NewTicket
from connectors.desks.transport import DeskTransport
from connectors.render import JsonObject, to_html


class _Zendesk(Protocol):
    _t: DeskTransport


class ZendeskTicketCreation:
    """``create_ticket`` for ``ZendeskDesk``."""

    def create_ticket(self: _Zendesk, ticket: NewTicket) -> CreatedTicket:
        call = "zendesk.create_ticket"
        body: JsonObject = {
            "subject": ticket.subject,
            "comment": {"html_body": to_html(ticket.body), "public": True},
            "external_id": ticket.marker,
            "tags": ["deskpilot-review"],
        }
        if ticket.requester_email:
            body["requester"] = {"email": ticket.requester_email}

        def once() -> CreatedTicket:
            found = self._t.send(
                "GET", "/api/v2/tickets.json", call=call, params={"external_id": ticket.marker}
            ).json()
            existing = (found or {}).get("tickets") or []
            if existing:
                return _created(self._t.base_url, existing[0]["id"], created=False)
            answer = self._t.send("POST", "/api/v2/tickets.json", call=call, json={"ticket": body})
            return _created(self._t.base_url, answer.json()["ticket"]["id"], created=True)

        return self._t.retrying(once)


def _created(base_url: str, ticket_id: object, *, created: bool) -> CreatedTicket:
    key = str(ticket_id)
    return CreatedTicket(key, f"{base_url.rstrip('/')}/agent/tickets/{key}", created=created)
