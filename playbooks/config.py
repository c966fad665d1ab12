"""
The ``playbooks`` section of deskpilot's configuration: guardrails, approvers, catalogues.

``PolicySettings`` is a pydantic model so the worker can embed it in its YAML configuration and
validate it with the rest; the planner and the policy only read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from playbooks.duration import parse_duration

PRIVILEGED_GROUPS = (
    "Domain Admins",
    "Enterprise Admins",
    "Schema Admins",
    "Administrators",
    "Account Operators",
    "Backup Operators",
    "Server Operators",
    "Print Operators",
    "Group Policy Creator Owners",
    "DnsAdmins",
    "Key Admins",
    "Enterprise Key Admins",
    "Global Administrators",
    "Super Admins",
)
PRIVILEGED_ACCOUNTS = (
    r"^(administrator|admin|root|krbtgt|guest|sa|sysadmin|superuser)$",
    r"^(adm|admin|da|sa)[-_.]",
    r"[-_.](adm|admin|da)$",
    r"^svc[-_.]",
    r"^breakglass|^break-glass",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ReplyEvent = Literal[
    "done",
    "nothing",
    "asked",
    "rejected",
    "declined",
    "pending_approval",
    "refused",
    "escalated",
    "failed",
    "expired",
]
"""What can happen on a ticket that the requester might be told about publicly."""
DEFAULT_PUBLIC_REPLIES: tuple[ReplyEvent, ...] = (
    "done",
    "nothing",
    "asked",
    "rejected",
    "declined",
)
"""A public reply only when the requester must act or learn an outcome: fulfilled (``done``,
``nothing`` to change), refused by policy (``rejected``) or by an approver's ``/reject``
(``declined``), or information is needed (``asked``)."""


class ReplySettings(_Section):
    """
    Which events write a public reply on the ticket, and in which words (section
    ``playbooks.replies``). Every other event is told to the agents in an internal note only.
    """

    public: tuple[ReplyEvent, ...] = DEFAULT_PUBLIC_REPLIES
    templates: dict[ReplyEvent, str] = Field(default_factory=dict)
    """A public reply's wording for an event (Jinja, the context of the playbooks' ``notes``);
    it replaces the playbook's own and the built-in wording for every playbook."""

    def is_public(self, event: ReplyEvent) -> bool:
        """
        True when ``event`` writes a public reply.

        Args:
            event: what happened.
        """
        return event in self.public


class Application(_Section):
    """An application of the catalogue: the group that grants it, who owns it, its licence."""

    name: str
    aliases: tuple[str, ...] = ()
    group: str | None = None
    """The group that grants it; None for an application that is only a licence."""
    owners: tuple[str, ...] = Field(min_length=1)
    """Logins or e-mail addresses of the people who approve access to it."""
    license: str | None = None
    directory: str | None = None

    @model_validator(mode="after")
    def _grants_something(self) -> Application:
        if self.group is None and self.license is None:
            raise ValueError("name the `group` that grants it, its `license`, or both")
        return self


class RoleTemplate(_Section):
    """What a new starter in ``department`` (optionally with ``title``) gets."""

    department: str
    title: str | None = None
    groups: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()


class RateLimit(_Section):
    """At most ``count`` events per ``window``."""

    count: int = Field(default=3, ge=1)
    window: str = "1h"

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def window_s(self) -> int:
        """The window in seconds."""
        return parse_duration(self.window)


class HandoverSettings(_Section):
    """How the ``handover`` step hands a leaver's mailbox and files to someone."""

    method: Literal["group", "manual"] = "manual"
    """``group``: add the receiver to a delegation group; ``manual``: a task for an agent."""
    group: str = "handover-{{ target.login }}"
    """The delegation group's name (a template with ``target``), for ``method: group``."""
    directory: str | None = None


class PolicySettings(_Section):
    """Guardrails and catalogues the planner and the policy read (config section ``playbooks``)."""

    privileged_groups: tuple[str, ...] = PRIVILEGED_GROUPS
    privileged_accounts: tuple[str, ...] = PRIVILEGED_ACCOUNTS
    """Regular expressions (case-insensitive) matched against a login."""
    blast_radius: int = Field(default=50, ge=1)
    """More changes than this in one run need the security group's approval."""
    security_group: str = "security-approvers"
    sod_pairs: tuple[tuple[str, str], ...] = ()
    """Pairs of groups one person may not hold together."""
    reset_rate_limit: RateLimit = Field(default_factory=RateLimit)
    approval_expires_after: str = "7d"
    applications: tuple[Application, ...] = ()
    role_templates: tuple[RoleTemplate, ...] = ()
    handover: HandoverSettings = Field(default_factory=HandoverSettings)
    bulk_batch_size: int = Field(default=20, ge=1)
    field_names: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Form-field names the playbooks read → the desk's own field keys (``customfield_10101``)."""
    replies: ReplySettings = Field(default_factory=ReplySettings)

    @field_validator("privileged_accounts")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            re.compile(pattern)
        return value

    @model_validator(mode="after")
    def _durations(self) -> PolicySettings:
        parse_duration(self.approval_expires_after)
        return self

    def application(self, text: str) -> Application | None:
        """
        The catalogue's application called or aliased ``text`` (case-insensitive), if any.

        Args:
            text: an application name as the requester wrote it.
        """
        wanted = text.strip().casefold()
        for app in self.applications:
            if wanted in {app.name.casefold(), *(a.casefold() for a in app.aliases)}:
                return app
        return None

    def role_for(self, department: str, title: str | None) -> RoleTemplate | None:
        """
        The role template for a department and title (an exact title wins over the department's).

        Args:
            department: the department as written.
            title: the job title, if known.
        """
        dept = [r for r in self.role_templates if r.department.casefold() == department.casefold()]
        exact = [r for r in dept if title and r.title and r.title.casefold() == title.casefold()]
        general = [r for r in dept if r.title is None]
        found = exact or general
        return found[0] if found else None

    def named_fields(self, fields: Mapping[str, str]) -> dict[str, str]:
        """
        A ticket's fields with ``field_names`` added: each name gets its first non-empty key's value.

        Args:
            fields: the desk's fields by their own keys (a value already under a name wins).
        """
        named = dict(fields)
        for name, keys in self.field_names.items():
            found = next((fields[k] for k in keys if fields.get(k)), None)
            if found is not None and not named.get(name):
                named[name] = found
        return named

    def is_privileged_login(self, login: str) -> bool:
        """
        True if ``login`` looks like an administrative or service account.

        Args:
            login: the account's login.
        """
        return any(re.search(p, login, re.IGNORECASE) for p in self.privileged_accounts)

    def is_privileged_group(self, group: str) -> bool:
        """
        True if ``group`` is one of the privileged groups (case-insensitive).

        Args:
            group: a group name.
        """
        return group.casefold() in {g.casefold() for g in self.privileged_groups}

    def known_groups(self) -> frozenset[str]:
        """Every group named by the role templates and the application catalogue."""
        groups = {g for r in self.role_templates for g in r.groups}
        return frozenset(groups | {a.group for a in self.applications if a.group is not None})
