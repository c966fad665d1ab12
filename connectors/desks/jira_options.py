"""What a Jira admin maps and tunes for a Jira desk, and deskpilot's priorities in Jira's names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from connectors.desks.download import MAX_ATTACHMENT_BYTES
from connectors.ratelimit import Budget
from connectors.render import JsonObject

JIRA_PRIORITIES = {"low": "Low", "normal": "Medium", "high": "High", "urgent": "Highest"}
"""deskpilot priority → the name of Jira's default priority scheme."""


@dataclass(frozen=True)
class JiraOptions:
    """What the Jira admin maps and tunes (``desks[].options`` in the configuration)."""

    status_map: Mapping[str, str] = field(default_factory=dict)
    """deskpilot category → Jira status name or transition name, e.g. ``resolved: Resolved``."""
    transition_fields: Mapping[str, JsonObject] = field(default_factory=dict)
    """deskpilot category → ``fields`` sent with that transition, e.g. a resolution."""
    deployment: Literal["cloud", "datacenter"] = "cloud"
    """Jira Cloud (REST v3, e-mail + API token) or Data Center (REST v2, personal access token)."""
    comment_api: Literal["servicedesk", "platform"] = "servicedesk"
    jql: str | None = None
    """Scope of polling, e.g. ``project = IT``; ANDed before the ``updated`` clause."""
    extra_fields: tuple[str, ...] = ()
    """Custom fields to poll as well, e.g. ``customfield_10010`` (JSM request type)."""
    timezone: str = "UTC"
    """The API user's profile time zone: JQL dates are read in it."""
    agent_permission: str = "SERVICEDESK_AGENT"
    """The project permission that makes a comment's author an agent (JSM's service project agent)."""
    overlap_s: float = 120.0
    page_size: int = 50
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    budget: Budget = field(default_factory=lambda: Budget(requests=600, per_s=60.0, burst=20))


__all__ = ["JIRA_PRIORITIES", "JiraOptions"]
