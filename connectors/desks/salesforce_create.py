"""
Opening a Salesforce Case exactly once: a SOQL query for a Case whose subject ends with the
marker (``[marker]``) first, then ``POST /sobjects/Case`` and a read of its ``CaseNumber``
(the key deskpilot's normaliser uses).
"""

from __future__ import annotations

import re
from typing import Any

from connectors.desks import CreatedTicket, NewTicket
from connectors.desks.salesforce_options import SalesforceCalls
from connectors.errors import RejectedError
from connectors.render import to_plain

MARKER = re.compile(r"^[A-Za-z0-9-]{1,60}$")
"""Letters, digits and ``-``: nothing to escape in the SOQL, no LIKE wildcard."""
SUBJECT_MAX = 255


class SalesforceTicketCreation:
    """``create_ticket`` for ``SalesforceDesk``."""

    def create_ticket(self: SalesforceCalls, ticket: NewTicket) -> CreatedTicket:
        call = "salesforce.create_ticket"
        if not MARKER.fullmatch(ticket.marker):
            raise RejectedError(f"{call}: marker {ticket.marker[:40]!r}", system=self._t.system)
        suffix = f" [{ticket.marker}]"
        subject = ticket.subject[: SUBJECT_MAX - len(suffix)] + suffix
        case: dict[str, str] = {"Subject": subject, "Description": to_plain(ticket.body)[:32000]}
        if ticket.requester_email:
            case["SuppliedEmail"] = ticket.requester_email
        soql = f"SELECT Id, CaseNumber FROM Case WHERE Subject LIKE '%[{ticket.marker}]'"  # noqa: S608 (marker checked above)

        def once() -> CreatedTicket:
            found = self._query(soql, call, retry=False)
            if found:
                return _created(self._t.base_url, found[0], created=False)
            path = f"{self._api}/sobjects/Case"
            case_id = str(self._t.send("POST", path, call=call, json=case).json()["id"])
            record = self._t.send(
                "GET", f"{path}/{case_id}", call=call, params={"fields": "CaseNumber"}
            ).json()
            return _created(self._t.base_url, {"Id": case_id, **record}, created=True)

        return self._authorised(lambda: self._t.retrying(once))


def _created(base_url: str, record: dict[str, Any], *, created: bool) -> CreatedTicket:
    url = f"{base_url.rstrip('/')}/lightning/r/Case/{record['Id']}/view"
    return CreatedTicket(str(record["CaseNumber"]), url, created=created)
