"""
Who is a fulfiller on a ServiceNow instance, for ``ServiceNowDesk`` (``TicketAgents``).

A ``sys_user`` record does not say: an agent is a user holding a fulfiller role, ``itil`` by
default (``agent_roles`` in the options; an empty list turns the look-up off, so nobody's role
is guessed). A journal entry names its author by ``sys_created_by`` (a ``user_name``), so the
person is resolved to their ``sys_user`` first (``find_person``), then
``GET /api/now/table/sys_user_has_role?sysparm_query=user=<sys_id>^role.nameIN<roles>`` is asked
for one row: any row (direct or inherited, e.g. ``admin`` contains ``itil``) means agent, none
means not. The API user needs read access to ``sys_user_has_role`` (and ``sys_user_role``'s
``name`` for the dot-walk). Answers are cached per user, whatever the ticket.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from connectors.desks import DeskPerson
from connectors.desks.servicenow_wire import SYS_ID, ServiceNowOptions

USER_ROLES = "/api/now/table/sys_user_has_role"
_ROLE = re.compile(r"^[a-z][a-z0-9_.]{0,99}$")


class _ServiceNow(Protocol):
    _t: Any

    @property
    def _agents(self) -> Callable[[str], bool]: ...

    options: ServiceNowOptions

    def find_person(self, person_id: str) -> DeskPerson: ...


def role_query(user_sys_id: str, roles: tuple[str, ...]) -> dict[str, str | int]:
    """The ``sys_user_has_role`` query for one of ``roles`` held by ``user_sys_id``."""
    if not SYS_ID.fullmatch(user_sys_id):
        raise ValueError(f"a sys_user id is 32 hex digits, not {user_sys_id[:40]!r}")
    bad = [role for role in roles if not _ROLE.fullmatch(role)]
    if bad:
        raise ValueError(f"servicenow agent_roles: {bad[0][:40]!r} is not a role name")
    return {
        "sysparm_query": f"user={user_sys_id}^role.nameIN{','.join(roles)}",
        "sysparm_fields": "sys_id",
        "sysparm_limit": 1,
    }


class ServiceNowAgents:
    """``is_agent_on`` for ``ServiceNowDesk``."""

    def is_agent_on(self: _ServiceNow, key: str, person_id: str) -> bool | None:
        if not self.options.agent_roles or not person_id:
            return None
        user = self.find_person(person_id)  # a user name (journal) → the sys_user's sys_id
        return self._agents(user.id) if SYS_ID.fullmatch(user.id) else None

    def _fetch_agent(self: _ServiceNow, user_sys_id: str) -> bool:
        params = role_query(user_sys_id, tuple(self.options.agent_roles))
        found = self._t.json("GET", USER_ROLES, call="servicenow.agent_role", params=params)
        return bool((found or {}).get("result"))


__all__ = ["USER_ROLES", "ServiceNowAgents", "role_query"]
