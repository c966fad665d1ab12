"""
OpenLDAP (and other RFC directories with the ppolicy overlay): inetOrgPerson accounts,
groupOfNames groups with ``memberOf``.

State lives in ppolicy's operational attributes:

- locked: ``pwdAccountLockedTime`` holds a time (ppolicy sets it after too many failed binds);
  unlock deletes it.
- disabled: ``pwdAccountLockedTime: 000001010000Z``, which ppolicy defines as "locked until an
  administrator unlocks" and never expires; enable deletes it. Disabled users can be listed with
  ``(pwdAccountLockedTime=000001010000Z)``.
- must change password: ``pwdReset: TRUE`` (enforced when the policy has ``pwdMustChange: TRUE``).

A groupOfNames needs at least one ``member``: removing the last one puts ``empty_group_member``
in its place (the group is never deleted), and adding a real member takes it out again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from connectors.identity import Change, NewUser, UserStatus
from connectors.identity.ldap import (
    ALREADY_ABSENT,
    MODIFY_ADD,
    MODIFY_DELETE,
    MODIFY_REPLACE,
    Entry,
    LdapOptions,
    escape_filter_chars,
    escape_rdn,
    rc,
)
from connectors.identity.ldap_directory import LdapDirectoryBase

DISABLED_LOCK = "000001010000Z"
"""ppolicy's permanent administrative lock, used to disable an account."""

_LOCK = "pwdAccountLockedTime"


class LdapDirectory(LdapDirectoryBase):
    """An OpenLDAP directory with the ppolicy and memberof overlays."""

    KIND = "OpenLDAP"
    USER_FILTER = "(objectClass=inetOrgPerson)"
    GROUP_FILTER = "(&(objectClass=groupOfNames)(cn={name}))"
    FIELDS: ClassVar[dict[str, str]] = {
        "email": "mail",
        "display_name": "displayName",
        "given_name": "givenName",
        "family_name": "sn",
        "employee_id": "employeeNumber",
        "title": "title",
        "department": "departmentNumber",
        "manager_id": "manager",
    }
    EXTRA_ATTRS = ("entryUUID", "uid", _LOCK, "pwdReset")

    def __init__(
        self,
        name: str,
        options: LdapOptions,
        *,
        empty_group_member: str | None = None,
        read_attributes: Iterable[str] = (),
    ) -> None:
        """
        Args:
            name: the configured instance name.
            options: where the server is and how to bind.
            empty_group_member: the placeholder DN kept in a group whose last member left
                (default ``cn=nobody,<base_dn>``; match slapd's ``refint_nothing``).
            read_attributes: other attributes to report in ``DirectoryUser.attributes``
                under their own names (first value), e.g. a contractor's contract end.
        """
        super().__init__(name, options, read_attributes)
        self.empty_group_member = empty_group_member or f"cn=nobody,{options.base_dn}"

    def _id_of(self, entry: Entry) -> str:
        return entry.first("entryUUID") or entry.dn

    def _id_filter(self, user_id: str) -> str | None:
        try:
            return f"(entryUUID={uuid.UUID(user_id)})"
        except ValueError:
            return None

    def _login_filter(self, login: str) -> str:
        return f"(uid={escape_filter_chars(login)})"

    def _login_of(self, entry: Entry) -> str:
        return entry.first("uid") or ""

    def _state(self, entry: Entry) -> tuple[UserStatus, bool, bool]:
        lock = entry.first(_LOCK)
        must_change = (entry.first("pwdReset") or "").upper() == "TRUE"
        if lock == DISABLED_LOCK:
            return UserStatus.DISABLED, False, must_change
        if lock is not None:
            return UserStatus.LOCKED, True, must_change
        return UserStatus.ACTIVE, False, must_change

    def _new_entry(
        self, user: NewUser, manager_dn: str | None
    ) -> tuple[str, list[str], dict[str, Any]]:
        display = user.display_name or f"{user.given_name} {user.family_name}"
        values = {
            "uid": user.login,
            "cn": display,
            "sn": user.family_name,
            "givenName": user.given_name,
            "displayName": display,
            "mail": user.email,
            "employeeNumber": user.employee_id,
            "title": user.title,
            "departmentNumber": user.department,
            "manager": manager_dn,
            _LOCK: None if user.enabled else DISABLED_LOCK,
            **user.attributes,
        }
        dn = f"uid={escape_rdn(user.login)},{self.options.users}"
        return dn, ["inetOrgPerson"], {k: v for k, v in values.items() if v is not None}

    # -- state changes -------------------------------------------------------------------------

    def disable_user(self, user_id: str) -> Change:
        """Disable with ppolicy's permanent lock; already disabled is success."""
        entry = self._entry(user_id)
        status = self._state(entry)[0]
        if status is UserStatus.DISABLED:
            return self._status_change("disable_user", user_id, status, status)
        self.session.modify(entry.dn, {_LOCK: [(MODIFY_REPLACE, [DISABLED_LOCK])]})
        return self._status_change("disable_user", user_id, status, UserStatus.DISABLED)

    def enable_user(self, user_id: str) -> Change:
        """Remove the permanent lock; already enabled is success (a lockout is left alone)."""
        entry = self._entry(user_id)
        status = self._state(entry)[0]
        if status is not UserStatus.DISABLED:
            return self._status_change("enable_user", user_id, status, status)
        self.session.modify(entry.dn, {_LOCK: [(MODIFY_DELETE, [])]}, tolerate=ALREADY_ABSENT)
        return self._status_change("enable_user", user_id, status, UserStatus.ACTIVE)

    def unlock(self, user_id: str) -> Change:
        """Delete ``pwdAccountLockedTime`` set by a lockout; not locked is success."""
        entry = self._entry(user_id)
        if not self._state(entry)[1]:
            return self._change("unlock", user_id, {"locked": "false"}, {"locked": "false"}, False)
        self.session.modify(entry.dn, {_LOCK: [(MODIFY_DELETE, [])]}, tolerate=ALREADY_ABSENT)
        return self._change("unlock", user_id, {"locked": "true"}, {"locked": "false"})

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        """Set the password (RFC 3062 extended operation) and ``pwdReset: TRUE``; TLS only."""
        self._require_tls("set_one_time_password")
        entry = self._entry(user_id)
        before = self._state(entry)[2]
        self.session.run(
            f"set password of {entry.dn}",
            lambda conn: conn.extend.standard.modify_password(entry.dn, new_password=password),
        )
        self.session.modify(entry.dn, {"pwdReset": [(MODIFY_REPLACE, ["TRUE"])]})
        return self._change(
            "set_one_time_password",
            user_id,
            {"password_must_change": str(before).lower()},
            {"password_must_change": "true"},
        )

    # -- groupOfNames needs a member -------------------------------------------------------------

    def _remove_member(self, group_dn: str, user_dn: str) -> bool:
        code = self.session.modify(
            group_dn,
            {"member": [(MODIFY_DELETE, [user_dn])]},
            tolerate=ALREADY_ABSENT | {rc.RESULT_OBJECT_CLASS_VIOLATION},
        )
        if code == rc.RESULT_OBJECT_CLASS_VIOLATION:
            # The last member: swap in the placeholder in one atomic modify.
            code = self.session.modify(
                group_dn,
                {"member": [(MODIFY_ADD, [self.empty_group_member]), (MODIFY_DELETE, [user_dn])]},
                tolerate=ALREADY_ABSENT,
            )
        return code == rc.RESULT_SUCCESS

    def _after_member_added(self, group_dn: str) -> None:
        self.session.modify(
            group_dn,
            {"member": [(MODIFY_DELETE, [self.empty_group_member])]},
            tolerate=ALREADY_ABSENT | {rc.RESULT_OBJECT_CLASS_VIOLATION},
        )

    def _status_change(
        self, operation: str, user_id: str, before: UserStatus, after: UserStatus
    ) -> Change:
        return self._change(
            operation, user_id, {"status": before.value}, {"status": after.value}, before != after
        )
