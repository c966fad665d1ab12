"""
The part of a directory that OpenLDAP and Active Directory do the same way over LDAP: lookups,
attribute updates, deletion, group membership through ``member`` on the group, paged listing.

Subclasses (``openldap.LdapDirectory``, ``ad.ActiveDirectory``) say which object classes and
attributes they use and how an account is enabled, locked and given a one-time password.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from connectors.errors import NotFoundError, NotSupportedError, RejectedError
from connectors.identity import (
    Capability,
    Change,
    DirectoryUser,
    License,
    NewUser,
    UserPage,
    UserStatus,
    employee_type,
)
from connectors.identity.changes import ChangeRecorder
from connectors.identity.ldap import (
    ALREADY_ABSENT,
    ALREADY_PRESENT,
    MODIFY_ADD,
    MODIFY_DELETE,
    MODIFY_REPLACE,
    Entry,
    LdapOptions,
    escape_filter_chars,
    rc,
    rdn_value,
)
from connectors.identity.ldap_session import LdapSession
from connectors.identity.nesting import walk_up

LDAP_CAPABILITIES = frozenset(
    {
        Capability.CREATE_USER,
        Capability.UPDATE_USER,
        Capability.DISABLE_USER,
        Capability.DELETE_USER,
        Capability.GROUPS,
        Capability.ONE_TIME_PASSWORD,
        Capability.UNLOCK,
    }
)


class LdapDirectoryBase(ChangeRecorder, abc.ABC):
    """Directory operations shared by every LDAP flavour; see the module docstring."""

    capabilities: frozenset[Capability] = LDAP_CAPABILITIES
    KIND: ClassVar[str]
    USER_FILTER: ClassVar[str]
    GROUP_FILTER: ClassVar[str]
    """A filter with one ``{name}`` placeholder that finds a group by its name."""
    FIELDS: ClassVar[Mapping[str, str]]
    """deskpilot field → LDAP attribute, for every field ``update_user`` may set."""
    EXTRA_ATTRS: ClassVar[tuple[str, ...]]
    """The login, id and state attributes each user read asks for."""
    EMPLOYEE_TYPE: ClassVar[str] = "employeeType"
    """Reported as ``attributes["employee_type"]``: inetOrgPerson's ``employeeType`` (RFC 2798
    §2.3, multi-valued: the first value the server returns) and AD's single-valued
    ``employeeType`` (MS-ADA1 ``Employee-Type``). Read only: ``update_user`` does not set it."""

    def __init__(
        self, name: str, options: LdapOptions, read_attributes: Iterable[str] = ()
    ) -> None:
        self.name = name
        self.options = options
        self.read_attributes = tuple(dict.fromkeys(read_attributes))
        """Other attributes reported under their own names (the first value), e.g. the
        contract end ``people.contract_end_attributes`` names for this directory."""
        self.session = LdapSession(options, system=name)

    # -- flavour hooks -----------------------------------------------------------------------

    @abc.abstractmethod
    def _id_of(self, entry: Entry) -> str:
        """The stable id of an entry."""

    @abc.abstractmethod
    def _id_filter(self, user_id: str) -> str | None:
        """A filter matching the id, None if ``user_id`` cannot be an id here."""

    @abc.abstractmethod
    def _login_filter(self, login: str) -> str:
        """A filter matching a login (escaped inside)."""

    @abc.abstractmethod
    def _login_of(self, entry: Entry) -> str:
        """The login of an entry."""

    @abc.abstractmethod
    def _state(self, entry: Entry) -> tuple[UserStatus, bool, bool]:
        """(status, locked, password_must_change) of an entry."""

    @abc.abstractmethod
    def _new_entry(
        self, user: NewUser, manager_dn: str | None
    ) -> tuple[str, list[str], dict[str, Any]]:
        """(DN, object classes, attributes) of a new account."""

    def _after_create(self, dn: str, user: NewUser) -> None:
        """Finish a creation the add itself cannot express (AD: password, enabling)."""
        return

    def _activity(self, entry: Entry) -> dict[str, str]:
        """Activity the server reports (AD: ``last_login``), for ``DirectoryUser.attributes``."""
        return {}

    # -- reads -------------------------------------------------------------------------------

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        """Return the one account matching every given key, None if none does."""
        parts = [self.USER_FILTER]
        if email is not None:
            parts.append(f"({self.FIELDS['email']}={escape_filter_chars(email)})")
        if login is not None:
            parts.append(self._login_filter(login))
        if employee_id is not None:
            parts.append(f"({self.FIELDS['employee_id']}={escape_filter_chars(employee_id)})")
        if len(parts) == 1:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        found = self.session.search(
            self.options.users, f"(&{''.join(parts)})", self._attrs(), limit=2
        )
        if len(found) > 1:
            raise RejectedError(
                "more than one account matches; refusing to guess", system=self.name
            )
        return self._to_user(found[0], {}) if found else None

    def get_user(self, user_id: str) -> DirectoryUser:
        """Read an account with its status; NotFoundError if it does not exist."""
        return self._to_user(self._entry(user_id), {})

    def groups_of(self, user_id: str) -> list[str]:
        """The names of the groups the account is a direct member of, sorted."""
        return sorted(rdn_value(dn) for dn in self._entry(user_id).all("memberOf"))

    def transitive_groups_of(self, user_id: str) -> list[str]:
        """Every group holding the account, directly or through nested groups, sorted."""
        return sorted({rdn_value(dn) for dn in self._holders_in_chain(self._entry(user_id).dn)})

    def groups_containing(self, group: str) -> list[str]:
        """Every group ``group`` is nested in, directly or transitively, sorted."""
        return sorted({rdn_value(dn) for dn in self._holders_in_chain(self._group_dn(group))})

    def _holders_in_chain(self, dn: str) -> set[str]:
        """
        The DNs of every group holding ``dn`` through any chain of ``member`` values.

        OpenLDAP's memberOf overlay records direct membership only, so this climbs one search
        per group, each group once (a cycle ends the walk); Active Directory overrides it with
        the server's own in-chain matching rule.
        """
        return walk_up([dn], self._direct_holders)

    def _direct_holders(self, dn: str) -> list[str]:
        found = self.session.search(
            self.options.groups, f"(member={escape_filter_chars(dn)})", ["cn"]
        )
        return [entry.dn for entry in found]

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        """One page of all accounts (simple paged results), for reconciliation."""
        entries, next_cursor = self.session.page(self.USER_FILTER, self._attrs(), cursor, page_size)
        managers: dict[str, str | None] = {}
        return UserPage(tuple(self._to_user(e, managers) for e in entries), next_cursor)

    # -- changes -----------------------------------------------------------------------------

    def create_user(self, user: NewUser) -> Change:
        """Create an account; if one with the same login exists, adopt it (changed=False)."""
        existing = self.find_user(login=user.login)
        if existing is not None:
            return self._adopted(existing)
        manager_dn = self._entry(user.manager_id).dn if user.manager_id else None
        dn, classes, attributes = self._new_entry(user, manager_dn)
        try:
            self.session.add(dn, classes, attributes)
        except RejectedError:
            raced = self.find_user(login=user.login)
            if raced is None:
                raise
            return self._adopted(raced)
        self._after_create(dn, user)
        created = self._to_user(self.session.read(dn, self._attrs()), {})
        return self._change(
            "create_user",
            created.id,
            {"exists": "false"},
            {"exists": "true", "login": created.login},
        )

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        """Set the given attributes (None clears one); unchanged values are not rewritten."""
        unknown = sorted(set(attributes) - set(self.FIELDS))
        if unknown:
            raise RejectedError(f"cannot update {unknown}", system=self.name)
        entry = self._entry(user_id)
        current = self._to_user(entry, {})
        before = {key: getattr(current, key) for key in attributes}
        wanted = dict(attributes)
        changes = {
            self.FIELDS[key]: self._replacement(key, value, entry.first(self.FIELDS[key]))
            for key, value in wanted.items()
            if before[key] != value
        }
        changes = {attr: ops for attr, ops in changes.items() if ops}
        if changes:
            self.session.modify(entry.dn, changes)
        return self._change("update_user", user_id, before, wanted, bool(changes))

    def delete_user(self, user_id: str) -> Change:
        """Delete the account; already gone is success."""
        try:
            entry = self._entry(user_id)
        except NotFoundError:
            return self._deleted(user_id, existed=False)
        self.session.delete(entry.dn)
        return self._deleted(user_id)

    def add_to_group(self, user_id: str, group: str) -> Change:
        """Add the account to ``group`` (``member`` on the group); already a member is success."""
        user_dn, group_dn = self._entry(user_id).dn, self._group_dn(group)
        code = self.session.modify(
            group_dn, {"member": [(MODIFY_ADD, [user_dn])]}, tolerate=ALREADY_PRESENT
        )
        if code != rc.RESULT_SUCCESS and not self._is_member(group_dn, user_dn):
            raise RejectedError(f"could not add the account to {group}", system=self.name)
        self._after_member_added(group_dn)
        return self._membership("add_to_group", user_id, group, code != rc.RESULT_SUCCESS, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        """Remove the account from ``group``; not a member is success."""
        user_dn, group_dn = self._entry(user_id).dn, self._group_dn(group)
        removed = self._remove_member(group_dn, user_dn)
        if not removed and self._is_member(group_dn, user_dn):
            raise RejectedError(f"could not remove the account from {group}", system=self.name)
        return self._membership("remove_from_group", user_id, group, removed, False)

    def _remove_member(self, group_dn: str, user_dn: str) -> bool:
        """Delete ``user_dn`` from the group's ``member``; False if it was not there."""
        code = self.session.modify(
            group_dn, {"member": [(MODIFY_DELETE, [user_dn])]}, tolerate=ALREADY_ABSENT
        )
        return code == rc.RESULT_SUCCESS

    def _after_member_added(self, group_dn: str) -> None:
        """Hook after a member was added (OpenLDAP drops its empty-group placeholder)."""
        return

    # -- what LDAP has no notion of ------------------------------------------------------------

    def send_password_reset(self, user_id: str) -> Change:
        """Not supported: LDAP has no reset flow of its own; use ``set_one_time_password``."""
        raise self._unsupported("send_password_reset")

    def reset_mfa(self, user_id: str) -> Change:
        """Not supported: MFA is not kept in the directory."""
        raise self._unsupported("reset_mfa")

    def revoke_sessions(self, user_id: str) -> Change:
        """Not supported: LDAP binds leave no sessions to revoke."""
        raise self._unsupported("revoke_sessions")

    def list_licenses(self) -> list[License]:
        """Not supported: the directory assigns no licences."""
        raise self._unsupported("list_licenses")

    def licenses_of(self, user_id: str) -> list[str]:
        """Not supported: the directory assigns no licences."""
        raise self._unsupported("licenses_of")

    def assign_license(self, user_id: str, license_id: str) -> Change:
        """Not supported: the directory assigns no licences."""
        raise self._unsupported("assign_license")

    def remove_license(self, user_id: str, license_id: str) -> Change:
        """Not supported: the directory assigns no licences."""
        raise self._unsupported("remove_license")

    def close(self) -> None:
        """Unbind every connection."""
        self.session.close()

    # -- helpers -----------------------------------------------------------------------------

    def _attrs(self) -> list[str]:
        wanted = [*self.FIELDS.values(), *self.EXTRA_ATTRS, self.EMPLOYEE_TYPE, "memberOf"]
        return list(dict.fromkeys([*wanted, *self.read_attributes]))

    def _entry(self, user_id: str) -> Entry:
        id_filter = self._id_filter(user_id)
        found = (
            self.session.search(
                self.options.users, f"(&{self.USER_FILTER}{id_filter})", self._attrs(), limit=1
            )
            if id_filter
            else []
        )
        if not found:
            raise NotFoundError(f"no account with id {user_id}", system=self.name)
        return found[0]

    def _group_dn(self, group: str) -> str:
        name_filter = self.GROUP_FILTER.format(name=escape_filter_chars(group))
        found = self.session.search(self.options.groups, name_filter, ["cn"], limit=2)
        if len(found) != 1:
            raise NotFoundError(f"no single group named {group!r}", system=self.name)
        return found[0].dn

    def _is_member(self, group_dn: str, user_dn: str) -> bool:
        found = self.session.search(
            group_dn, f"(member={escape_filter_chars(user_dn)})", ["cn"], scope="BASE"
        )
        return bool(found)

    def _to_user(self, entry: Entry, managers: dict[str, str | None]) -> DirectoryUser:
        status, locked, must_change = self._state(entry)
        field = {key: entry.first(attr) for key, attr in self.FIELDS.items()}
        manager_dn = field["manager_id"]
        if manager_dn is not None and manager_dn not in managers:
            managers[manager_dn] = self._manager_id(manager_dn)
        return DirectoryUser(
            id=self._id_of(entry),
            login=self._login_of(entry),
            email=field["email"],
            display_name=field["display_name"],
            given_name=field["given_name"],
            family_name=field["family_name"],
            employee_id=field["employee_id"],
            title=field["title"],
            department=field["department"],
            manager_id=managers.get(manager_dn) if manager_dn else None,
            status=status,
            locked=locked,
            password_must_change=must_change,
            attributes={
                **{a: v for a in self.read_attributes if (v := entry.first(a)) is not None},
                "dn": entry.dn,
                **employee_type(entry.first(self.EMPLOYEE_TYPE)),
                **self._activity(entry),
            },
        )

    def _manager_id(self, manager_dn: str) -> str | None:
        try:
            return self._id_of(self.session.read(manager_dn, self.EXTRA_ATTRS))
        except NotFoundError:
            return None

    def _replacement(
        self, key: str, value: str | None, current: str | None
    ) -> list[tuple[str, list[Any]]]:
        if value is None:
            return [(MODIFY_DELETE, [])] if current is not None else []
        if key == "manager_id":
            value = self._entry(value).dn
        return [(MODIFY_REPLACE, [value])]

    def _adopted(self, user: DirectoryUser) -> Change:
        return self._change(
            "create_user",
            user.id,
            {"exists": "true"},
            {"exists": "true", "login": user.login},
            False,
        )

    def _unsupported(self, operation: str) -> NotSupportedError:
        return NotSupportedError(f"{operation} is not supported by {self.KIND}", system=self.name)

    def _require_tls(self, operation: str) -> None:
        if not self.options.encrypted:
            raise RejectedError(
                f"{operation}: refusing to send a password over an unencrypted connection "
                "(use an ldaps:// URL or start_tls)",
                system=self.name,
            )
