"""
Opening a Jira issue exactly once: ``POST /rest/api/{3|2}/issue`` with the marker as a label,
after a search (``labels = "<marker>"``: ``/rest/api/3/search/jql`` on Cloud,
``/rest/api/2/search`` on Data Center) finds none carrying it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote

import requests

from connectors.desks import CreatedTicket, NewTicket
from connectors.desks.transport import DeskTransport
from connectors.errors import RejectedError
from connectors.render import JsonObject, to_adf, to_wiki

MARKER = re.compile(r"^[A-Za-z0-9-]{1,200}$")
ISSUE_TYPE = "Task"


class _Jira(Protocol):
    _cloud: bool
    _api: str
    _t: DeskTransport

    def _get(self, path: str, call: str, params: Mapping[str, str | int]) -> Any: ...

    def _send(self, method: str, path: str, call: str, **kwargs: Any) -> requests.Response: ...


class JiraTicketCreation:
    """``create_ticket`` for ``JiraDesk``."""

    def create_ticket(self: _Jira, ticket: NewTicket) -> CreatedTicket:
        call = "jira.create_ticket"
        if not MARKER.fullmatch(ticket.marker) or not ticket.project:
            raise RejectedError(
                f"{call}: needs a project key and a marker of letters, digits and -",
                system=self._t.system,
            )
        search = "/rest/api/3/search/jql" if self._cloud else "/rest/api/2/search"
        jql = f'labels = "{ticket.marker}"'
        description: Any = to_adf(ticket.body) if self._cloud else to_wiki(ticket.body)
        fields: JsonObject = {
            "project": {"key": ticket.project},
            "summary": ticket.subject[:255],
            "issuetype": {"name": ISSUE_TYPE},
            "labels": [ticket.marker],
            "description": description,
        }

        def once() -> CreatedTicket:
            found = self._get(search, call, {"jql": jql, "fields": "key", "maxResults": 1})
            issues = found.get("issues") or []
            if issues:
                key = str(issues[0]["key"])
                return CreatedTicket(key, _browse(self._t.base_url, key), created=False)
            created = self._send(
                "POST", f"/rest/api/{self._api}/issue", call, json={"fields": fields}
            )
            key = str(created.json()["key"])
            return CreatedTicket(key, _browse(self._t.base_url, key), created=True)

        return self._t.retrying(once)


def _browse(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/browse/{quote(key, safe='')}"
