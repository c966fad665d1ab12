"""
The directory kind: where accounts live (AD/LDAP, Okta, Entra ID, Google Workspace, SCIM apps…).

Every mutation is idempotent ("already a member" and "already gone" are success) and returns a
``Change`` with before/after values for the audit record. A capability a system lacks raises
``NotSupportedError`` and is listed in ``capabilities`` so planners can tell before they try.
Passwords go in (``set_one_time_password``) and never come back out.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol


class Capability(enum.StrEnum):
    """What a directory can do beyond find/read/groups."""

    CREATE_USER = "create_user"
    UPDATE_USER = "update_user"
    DISABLE_USER = "disable_user"
    DELETE_USER = "delete_user"
    GROUPS = "groups"
    RESET_PASSWORD_FLOW = "reset_password_flow"  # noqa: S105 (a capability name)
    ONE_TIME_PASSWORD = "one_time_password"  # noqa: S105 (a capability name)
    UNLOCK = "unlock"
    RESET_MFA = "reset_mfa"
    REVOKE_SESSIONS = "revoke_sessions"
    LICENSES = "licenses"


class UserStatus(enum.StrEnum):
    """An account's state, in one vocabulary for every directory."""

    ACTIVE = "active"
    DISABLED = "disabled"
    LOCKED = "locked"
    STAGED = "staged"
    """Created but not yet activated (Okta STAGED/PROVISIONED)."""


@dataclass(frozen=True)
class DirectoryUser:
    """An account as a directory reports it, in deskpilot's names."""

    id: str
    """The directory's stable id (DN, objectGUID, Okta id, SCIM id…)."""
    login: str
    email: str | None = None
    display_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    employee_id: str | None = None
    title: str | None = None
    department: str | None = None
    manager_id: str | None = None
    status: UserStatus = UserStatus.ACTIVE
    locked: bool = False
    password_must_change: bool = False
    mfa_factors: tuple[str, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        """True unless the account is disabled (a locked account is still enabled)."""
        return self.status is not UserStatus.DISABLED


@dataclass(frozen=True)
class NewUser:
    """What is needed to create an account; the directory fills in the rest from its defaults."""

    login: str
    given_name: str
    family_name: str
    email: str | None = None
    display_name: str | None = None
    employee_id: str | None = None
    title: str | None = None
    department: str | None = None
    manager_id: str | None = None
    enabled: bool = True
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class License:
    """A licence (SKU, subscription, permission-set licence) and how many seats are left."""

    id: str
    name: str
    total: int | None = None
    assigned: int | None = None

    @property
    def available(self) -> int | None:
        """Seats left, when the system reports both figures."""
        if self.total is None or self.assigned is None:
            return None
        return self.total - self.assigned


@dataclass(frozen=True)
class Change:
    """What one operation changed (or found already so), for the audit record and the note."""

    operation: str
    system: str
    target: str
    before: Mapping[str, str | None]
    after: Mapping[str, str | None]
    changed: bool
    """False when the directory was already in the wanted state (idempotent no-op)."""


@dataclass(frozen=True)
class UserPage:
    """One page of ``list_users``; pass ``cursor`` back for the next, None means the end."""

    users: tuple[DirectoryUser, ...]
    cursor: str | None


class DirectoryClient(Protocol):
    """One directory deskpilot reads and changes on behalf of playbooks."""

    name: str
    """The configured instance name, e.g. ``corp-ad``."""
    capabilities: frozenset[Capability]

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        """Return the one account matching every given key, None if none does."""
        ...

    def get_user(self, user_id: str) -> DirectoryUser:
        """Read an account with its status; NotFoundError if it does not exist."""
        ...

    def create_user(self, user: NewUser) -> Change:
        """Create an account; if one with the same login exists, adopt it (changed=False)."""
        ...

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        """Set the given attributes (None clears one); unchanged values are not rewritten."""
        ...

    def disable_user(self, user_id: str) -> Change:
        """Disable (suspend, deactivate) the account; already disabled is success."""
        ...

    def enable_user(self, user_id: str) -> Change:
        """Enable the account again; already enabled is success."""
        ...

    def delete_user(self, user_id: str) -> Change:
        """Delete the account where the system allows it; already gone is success."""
        ...

    def groups_of(self, user_id: str) -> list[str]:
        """The names of the groups the account is a direct member of, sorted."""
        ...

    def transitive_groups_of(self, user_id: str) -> list[str]:
        """
        The names of every group the account belongs to, directly or through nested groups, sorted.

        Privilege and segregation-of-duties checks use this, never ``groups_of``: a member of a
        group nested in Domain Admins is a domain admin.
        """
        ...

    def groups_containing(self, group: str) -> list[str]:
        """
        The names of every group ``group`` is nested in, directly or transitively, sorted.

        Adding someone to ``group`` makes them a member of all of these too.
        """
        ...

    def add_to_group(self, user_id: str, group: str) -> Change:
        """Make the account a member of ``group``; already a member is success."""
        ...

    def remove_from_group(self, user_id: str, group: str) -> Change:
        """Remove the account from ``group``; not a member is success."""
        ...

    def send_password_reset(self, user_id: str) -> Change:
        """Start the system's own reset flow (the owner gets the link from the system itself)."""
        ...

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        """Set a password that must be changed at next login. The password is never returned."""
        ...

    def unlock(self, user_id: str) -> Change:
        """Clear a lockout; not locked is success."""
        ...

    def reset_mfa(self, user_id: str) -> Change:
        """Remove the account's MFA factors so the owner enrols again."""
        ...

    def revoke_sessions(self, user_id: str) -> Change:
        """End the account's sessions and refresh tokens everywhere the system can."""
        ...

    def list_licenses(self) -> list[License]:
        """The licences this system can assign, with seat counts where known."""
        ...

    def licenses_of(self, user_id: str) -> list[str]:
        """The ids of the licences assigned to the account, sorted."""
        ...

    def assign_license(self, user_id: str, license_id: str) -> Change:
        """Assign a licence; already assigned is success."""
        ...

    def remove_license(self, user_id: str, license_id: str) -> Change:
        """Remove a licence; not assigned is success."""
        ...

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        """One page of all accounts, for reconciliation."""
        ...


EMPLOYEE_TYPE = "employee_type"
"""The ``DirectoryUser.attributes`` key a connector reports the employee type under (employee,
contractor, intern, …), as the directory spells it; review filters read it as
``user.employee_type``."""


def employee_type(value: object) -> dict[str, str]:
    """``{EMPLOYEE_TYPE: value}`` for ``DirectoryUser.attributes``, or nothing when it is empty."""
    text = str(value).strip() if value is not None else ""
    return {EMPLOYEE_TYPE: text} if text else {}


def read_texts(names: Iterable[str], value_of: Callable[[str], object]) -> dict[str, str]:
    """
    The other attributes a connector reports under their own names (``read_attributes``, e.g.
    the contract end ``playbooks.people`` names): each name whose value is non-empty text,
    stripped. Anything else (absent, null, a number, a list) is left out, so a reader such as
    "until the end of my contract" finds nothing and asks the requester instead of guessing.

    Args:
        names: the attribute names, as configured.
        value_of: the raw value the directory holds for one name.
    """
    found: dict[str, str] = {}
    for name in names:
        value = value_of(name)
        if isinstance(value, str) and value.strip():
            found[name] = value.strip()
    return found


def iter_users(directory: DirectoryClient, page_size: int = 200) -> Iterator[DirectoryUser]:
    """Every account of ``directory``, page by page."""
    cursor: str | None = None
    while True:
        page = directory.list_users(cursor, page_size)
        yield from page.users
        if page.cursor is None:
            return
        cursor = page.cursor


__all__ = [
    "EMPLOYEE_TYPE",
    "Capability",
    "Change",
    "DirectoryClient",
    "DirectoryUser",
    "License",
    "NewUser",
    "UserPage",
    "UserStatus",
    "employee_type",
    "iter_users",
    "read_texts",
]
