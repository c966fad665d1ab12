"""
Who is an agent of a JSM service project, for ``JiraDesk`` (``connectors.desks.TicketAgents``).

Jira's user API does not say: agency is a licence and a project permission, not a profile
field (only ``accountType`` ``customer``/``app`` rules a person out). The project permission
``SERVICEDESK_AGENT`` ("Service project agent", configurable as ``agent_permission``) is asked
with ``GET /rest/api/{3|2}/user/permission/search?permissions=…&projectKey=<project>`` and the
person: ``accountId`` on Cloud (matched exactly), ``username`` on Data Center (a prefix match,
so the answer is filtered for the exact ``name``/``key``). Listed means agent; not listed means
not an agent of that project. The API user needs *Administer Projects* on the service project
(or *Administer Jira*); a refusal, or a Jira without JSM (400: no such permission), is a
``PermanentError`` and the person stays unknown. Answers are cached per (project, person).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from connectors.desks import DeskPerson
from connectors.desks.jira_options import JiraOptions

_ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-[0-9]+$")


class _Jira(Protocol):
    _cloud: bool

    @property
    def _agents(self) -> Callable[[str, str], bool]: ...

    options: JiraOptions

    def _get(self, path: str, call: str, params: Mapping[str, str | int]) -> Any: ...

    def find_person(self, person_id: str) -> DeskPerson: ...


def agent_search(
    project: str, person_id: str, permission: str, *, cloud: bool
) -> tuple[str, dict[str, str | int]]:
    """The permission search listing ``person_id`` only if they hold ``permission`` on ``project``."""
    params: dict[str, str | int] = {
        "permissions": permission,
        "projectKey": project,
        ("accountId" if cloud else "username"): person_id,
        "maxResults": 50,
    }
    return f"/rest/api/{3 if cloud else 2}/user/permission/search", params


def lists_person(users: Any, person_id: str, *, cloud: bool) -> bool:
    """Whether the search answer ``users`` names ``person_id`` exactly."""
    fields = ("accountId",) if cloud else ("name", "key")
    return any(
        isinstance(user, Mapping) and any(user.get(f) == person_id for f in fields)
        for user in (users if isinstance(users, list) else [])
    )


class JiraAgents:
    """``is_agent_on`` for ``JiraDesk``."""

    def is_agent_on(self: _Jira, key: str, person_id: str) -> bool | None:
        project = _ISSUE_KEY.match(key)
        if project is None or not person_id:
            return None
        if self.find_person(person_id).is_agent is False:  # a portal customer or an app
            return False
        return self._agents(project.group(1), person_id)

    def _fetch_agent(self: _Jira, project: str, person_id: str) -> bool:
        path, params = agent_search(
            project, person_id, self.options.agent_permission, cloud=self._cloud
        )
        users = self._get(path, "jira.agent_permission", params)
        return lists_person(users, person_id, cloud=self._cloud)


__all__ = ["JiraAgents", "agent_search", "lists_person"]
