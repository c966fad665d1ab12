"""
The name of the team a ticket is assigned to, as each desk's own API gives it.

``Ticket.team`` is what the desk's payload carries: a Zendesk ``group_id``, a Salesforce queue
(``Group``) id in ``OwnerId``, a ServiceNow ``assignment_group`` (its display value when the
payload had one, else the ``sys_user_group`` sys_id), a Jira component name or the configured
team field (a JSM organisation id when that field is *Organizations*). Each function asks the
desk for the name when the value is an id, and returns a value that is already a name as it is:

* Zendesk: ``GET /api/v2/groups/{id}.json`` → ``group.name``;
* ServiceNow: ``GET /api/now/table/sys_user_group/{sys_id}?sysparm_fields=sys_id,name`` →
  ``result.name``;
* Jira Service Management: ``GET /rest/servicedeskapi/organization/{id}`` → ``name``;
* Salesforce: SOQL ``SELECT Id, Name, DeveloperName, Type FROM Group WHERE Id = '…'`` (queues
  and public groups are both ``Group`` records) → ``records[0].Name``.

``get(path, call)`` is the connector's own authenticated, retrying GET returning the decoded
JSON. An unknown id raises ``NotFoundError``, a value that cannot be an id ``RejectedError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from connectors.desks.transport import DeskTransport
from connectors.errors import NotFoundError, RejectedError

Get = Callable[[str, str], Any]


def json_get(transport: DeskTransport, check: Callable[[], None] = lambda: None) -> Get:
    """``transport``'s retrying GET of a path, decoded, after ``check`` (say, the scopes)."""

    def get(path: str, call: str) -> Any:
        check()
        return transport.json("GET", path, call=call)

    return get


_SYS_ID = re.compile(r"[0-9a-f]{32}")
_SF_GROUP = re.compile(r"00G[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?")


def _named(found: Any, call: str, what: str, system: str) -> str:
    name = found.get("name") if isinstance(found, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise NotFoundError(f"{call}: the desk has no name for {what}", system=system)
    return name.strip()


def zendesk_group_name(get: Get, group_id: str, system: str) -> str:
    """A Zendesk group's name (``group_id`` is numeric)."""
    call = "zendesk.group_name"
    if not group_id.isdigit():
        raise RejectedError(
            f"{call}: a Zendesk group id is numeric, not {group_id[:40]!r}", system=system
        )
    found = get(f"/api/v2/groups/{group_id}.json", call) or {}
    return _named(found.get("group"), call, f"group {group_id}", system)


def servicenow_group_name(get: Get, group: str, system: str) -> str:
    """A ServiceNow assignment group's name; a value that is not a sys_id is the name."""
    call = "servicenow.group_name"
    if not _SYS_ID.fullmatch(group):
        return group
    found = get(f"/api/now/table/sys_user_group/{group}?sysparm_fields=sys_id,name", call) or {}
    return _named(found.get("result"), call, f"sys_user_group {group}", system)


def jira_team_name(get: Get, team: str, system: str) -> str:
    """A JSM organisation's name when ``team`` is its numeric id; otherwise ``team`` is the name."""
    call = "jira.group_name"
    if not team.isdigit():
        return team
    found = get(f"/rest/servicedeskapi/organization/{team}", call)
    return _named(found, call, f"organization {team}", system)


def salesforce_group_name(get: Get, api: str, group_id: str, system: str) -> str:
    """A Salesforce queue's (or public group's) name from its ``00G`` id."""
    call = "salesforce.group_name"
    if not _SF_GROUP.fullmatch(group_id):
        raise RejectedError(
            f"{call}: a queue id starts with 00G, not {group_id[:40]!r}", system=system
        )
    soql = f"SELECT Id, Name, DeveloperName, Type FROM Group WHERE Id = '{group_id}'"  # noqa: S608 (an id matched by _SF_GROUP: letters and digits only)
    found = get(f"{api}/query?q={quote(soql)}", call) or {}
    records = found.get("records") or []
    if not records:
        raise NotFoundError(f"{call}: no queue or group {group_id}", system=system)
    return _named({"name": records[0].get("Name")}, call, f"queue {group_id}", system)
