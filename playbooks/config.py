"""
The ``playbooks`` section of deskpilot's configuration: guardrails, approvers, catalogues.

``PolicySettings`` is a pydantic model so the worker can embed it in its YAML configuration and
validate it with the rest; the planner and the policy only read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fnmatch import fnmatchcase
from functools import lru_cache

from pydantic import Field, field_validator, model_validator

from playbooks.authority import CommandPolicy
from playbooks.duration import parse_duration
from playbooks.model import Playbook
from playbooks.sections import (
    DEFAULT_PUBLIC_REPLIES,
    PERSON_FIELDS,
    HandoverSettings,
    NamingSettings,
    PeopleSettings,
    PlaybookOverride,
    RateLimit,
    ReplyEvent,
    ReplySettings,
    RoleTemplate,
    Section,
)

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


def _matches(pattern: str, value: str) -> bool:
    """``value`` matches the shell-style ``pattern`` (``*``, ``?``), case and spacing aside."""
    return fnmatchcase(" ".join(value.split()).casefold(), " ".join(pattern.split()).casefold())


@lru_cache(maxsize=4096)
def field_key(label: str) -> str:
    """
    A form field's label as inputs and settings name it: ``Job title``, ``job_title`` and
    ``Job-Title`` are one key, and so are ``Who is locked out?`` and ``who_is_locked_out``.

    Args:
        label: the label or key as written.
    """
    return re.sub(r"[\W_]+", "_", label.casefold()).strip("_")


def app_names(app: Application) -> set[str]:
    """Every name a catalogue item answers to (name, aliases, group, licence), casefolded."""
    names = [app.name, *app.aliases, app.group or "", app.license or ""]
    return {" ".join(n.split()).casefold() for n in names if n}


ITEM_APPROVAL = re.compile(r"^(manager|owner_only|manager_or_owner|group:\S.*)$")
"""An item's approval rule: the target's manager, its owners, either, or a group's members."""


class Application(Section):
    """
    An item of the catalogue: an application, a group or a licence people ask for by name.

    ``group`` grants it, ``license`` is the seat it needs (an item may have either or both);
    ``approval`` says who approves it (``manager``, ``owner_only``, ``manager_or_owner`` or
    ``group:<name>``; unset: the playbook's ``approval.fallback``); ``max_duration`` caps
    time-bound access to it.
    """

    name: str
    aliases: tuple[str, ...] = ()
    group: str | None = None
    owners: tuple[str, ...] = ()
    """Logins or e-mail addresses of the people who own it (and may approve access to it)."""
    license: str | None = None
    directory: str | None = None
    approval: str | None = None
    """None: the playbook's ``approval.fallback`` rule."""
    max_duration: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Application:
        if self.group is None and self.license is None:
            raise ValueError(f"catalogue item `{self.name}` needs a `group` or a `license`")
        if self.approval is not None and not ITEM_APPROVAL.match(self.approval):
            raise ValueError(
                f"catalogue item `{self.name}`: approval `{self.approval}` is not one of "
                "manager, owner_only, manager_or_owner, group:<name>"
            )
        if self.approval == "owner_only" and not self.owners:
            raise ValueError(f"catalogue item `{self.name}`: approval owner_only needs `owners`")
        if self.max_duration is not None:
            parse_duration(self.max_duration)
        return self

    @property
    def approval_group(self) -> str | None:
        """The group whose members approve (``group:<name>``), else None."""
        kind, _, group = (self.approval or "").partition(":")
        return group.strip() if kind == "group" else None


class PolicySettings(Section):
    """Guardrails and catalogues the planner and the policy read (config section ``playbooks``)."""

    privileged_groups: tuple[str, ...] = PRIVILEGED_GROUPS
    privileged_accounts: tuple[str, ...] = PRIVILEGED_ACCOUNTS
    """Regular expressions (case-insensitive) matched against a login."""
    blast_radius: int = Field(default=50, ge=1, strict=True)
    """More changes than this in one run need the security group's approval."""
    security_group: str = "security-approvers"
    sod_pairs: tuple[tuple[str, str], ...] = ()
    """Pairs of groups one person may not hold together."""
    reset_rate_limit: RateLimit = Field(default_factory=RateLimit)
    approval_expires_after: str = "7d"
    applications: tuple[Application, ...] = ()
    role_templates: tuple[RoleTemplate, ...] = ()
    handover: HandoverSettings = Field(default_factory=HandoverSettings)
    bulk_batch_size: int = Field(default=20, ge=1, strict=True)
    field_names: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Form-field names the playbooks read → the desk's own field keys (``customfield_10101``)."""
    replies: ReplySettings = Field(default_factory=ReplySettings)
    overrides: dict[str, PlaybookOverride] = Field(default_factory=dict)
    """Per playbook name: its approval rule and who may ask, as this deployment wants them."""
    group_names: dict[str, str] = Field(default_factory=dict)
    """The groups playbooks name (``hr-team``, ``change-approvers``) → this deployment's groups."""
    naming: NamingSettings = Field(default_factory=NamingSettings)
    people: PeopleSettings = Field(default_factory=PeopleSettings)
    commands: CommandPolicy = Field(default_factory=CommandPolicy)
    """Who counts as an agent for ``/intent``, ``/retry``, ``/revoke-now`` and rollbacks."""

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
        wanted = " ".join(text.split()).casefold()
        for app in self.applications:
            if wanted in app_names(app):
                return app
        return None

    def role_for(self, department: str, title: str | None) -> RoleTemplate | None:
        """
        The first role template whose department and title patterns match (``*`` = anything).

        Args:
            department: the department as written.
            title: the job title, if known (a template with a title pattern other than ``*``
                needs one).
        """
        for role in self.role_templates:
            if not _matches(role.department, department):
                continue
            if role.title is None or role.title.strip() == "*":
                return role
            if title and _matches(role.title, title):
                return role
        return None

    def effective(self, playbook: Playbook) -> Playbook:
        """
        ``playbook`` with this deployment's ``overrides`` applied (its approval, who may ask).

        Args:
            playbook: as loaded from the library.
        """
        override = self.overrides.get(playbook.name)
        if override is None:
            return playbook
        update = {k: v for k, v in override if v is not None}
        return playbook.model_copy(update=update)

    def group_name(self, name: str) -> str:
        """
        The deployment's group for a group a playbook names (itself when not mapped).

        Args:
            name: the playbook's group name.
        """
        return self.group_names.get(name, name)

    def has_department(self, department: str) -> bool:
        """
        True if some role template's department pattern matches ``department``.

        Args:
            department: the department as written.
        """
        return any(_matches(r.department, department) for r in self.role_templates)

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
        return frozenset(groups | {a.group for a in self.applications if a.group})


__all__ = [
    "DEFAULT_PUBLIC_REPLIES",
    "ITEM_APPROVAL",
    "PERSON_FIELDS",
    "PRIVILEGED_ACCOUNTS",
    "PRIVILEGED_GROUPS",
    "Application",
    "HandoverSettings",
    "NamingSettings",
    "PeopleSettings",
    "PlaybookOverride",
    "PolicySettings",
    "RateLimit",
    "ReplyEvent",
    "ReplySettings",
    "RoleTemplate",
    "app_names",
    "field_key",
]
