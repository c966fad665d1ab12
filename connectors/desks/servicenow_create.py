"""
Opening a ServiceNow record exactly once (in the configured table, ``incident`` by default):
``GET /api/now/table/{table}?sysparm_query=correlation_id=<marker>`` first, then
``POST /api/now/table/{table}`` with ``correlation_id`` and ``correlation_display=deskpilot``.
"""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import quote

from connectors.desks import CreatedTicket, NewTicket
from connectors.desks.servicenow_wire import ServiceNowOptions
from connectors.desks.transport import DeskTransport
from connectors.errors import RejectedError
from connectors.render import to_journal

MARKER = re.compile(r"^[A-Za-z0-9-]{1,100}$")
"""correlation_id is a 100-character string; no ``^`` (the query separator) can get in."""


class _ServiceNow(Protocol):
    _t: DeskTransport
    _table: str
    options: ServiceNowOptions


class ServiceNowTicketCreation:
    """``create_ticket`` for ``ServiceNowDesk``."""

    def create_ticket(self: _ServiceNow, ticket: NewTicket) -> CreatedTicket:
        call = "servicenow.create_ticket"
        if not MARKER.fullmatch(ticket.marker):
            raise RejectedError(f"{call}: marker {ticket.marker[:40]!r}", system=self._t.system)
        description = to_journal(ticket.body)
        if ticket.requester_email:
            description = f"For: {ticket.requester_email}\n\n{description}"
        record = {
            "short_description": ticket.subject[:160],
            "description": description,
            "correlation_id": ticket.marker,
            "correlation_display": "deskpilot",
        }
        query = {
            "sysparm_query": f"correlation_id={ticket.marker}",
            "sysparm_fields": "sys_id,number",
            "sysparm_limit": 1,
        }

        def once() -> CreatedTicket:
            found = self._t.send("GET", self._table, call=call, params=query).json()
            existing = (found or {}).get("result") or []
            if existing:
                return _created(self._t.base_url, self.options.table, existing[0], created=False)
            params = {"sysparm_fields": "sys_id,number"}
            answer = self._t.send("POST", self._table, call=call, params=params, json=record)
            return _created(
                self._t.base_url, self.options.table, answer.json()["result"], created=True
            )

        return self._t.retrying(once)


def _created(base_url: str, table: str, record: dict[str, str], *, created: bool) -> CreatedTicket:
    sys_id = quote(str(record["sys_id"]), safe="")
    url = f"{base_url.rstrip('/')}/nav_to.do?uri={table}.do%3Fsys_id%3D{sys_id}"
    return CreatedTicket(str(record["number"]), url, created=created)
