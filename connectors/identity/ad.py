"""
Active Directory (and Samba AD) over LDAP with simple binds inside TLS.

- ids are ``objectGUID`` (stable across renames and moves); logins are ``sAMAccountName``, and
  ``find_user(login=…)`` also matches ``userPrincipalName``;
- disabled is bit 2 of ``userAccountControl``; must-change is ``pwdLastSet: 0``;
- locked is bit 16 of ``msDS-User-Account-Control-Computed`` (AD computes it against the
  domain's lockout duration); without that attribute, ``lockoutTime`` > 0 still inside the
  domain's ``lockoutDuration``; unlock writes ``lockoutTime: 0``;
- passwords are written to ``unicodePwd`` (UTF-16-LE, quoted), only over LDAPS or StartTLS;
- new accounts get CN = sAMAccountName in ``user_base``, a random password nobody knows (so they
  can be enabled under the domain policy) and must-change; hand out a password with
  ``set_one_time_password``;
- transitive membership (privilege and segregation-of-duties checks) is the server's own
  LDAP_MATCHING_RULE_IN_CHAIN; the primary group (``primaryGroupID``, normally Domain Users) is
  not a ``member`` value and is not reported.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from connectors.errors import AuthError, NotFoundError, RejectedError
from connectors.identity import Change, NewUser, UserStatus
from connectors.identity.ldap import (
    MODIFY_REPLACE,
    Entry,
    LdapOptions,
    escape_bytes,
    escape_filter_chars,
    escape_rdn,
)
from connectors.identity.ldap_directory import LdapDirectoryBase

UAC_ACCOUNTDISABLE = 0x2
UAC_NORMAL_ACCOUNT = 0x200
UAC_LOCKOUT = 0x10
_FILETIME_EPOCH_OFFSET_S = 11_644_473_600
"""Seconds between 1601-01-01 (Windows FILETIME) and 1970-01-01."""
_COMPUTED = "msDS-User-Account-Control-Computed"
IN_CHAIN = "1.2.840.113556.1.4.1941"
"""LDAP_MATCHING_RULE_IN_CHAIN: the server follows nested ``member`` values to any depth."""


def unicode_password(password: str) -> bytes:
    """The value AD wants in ``unicodePwd``: the password in double quotes, UTF-16-LE."""
    return f'"{password}"'.encode("utf-16-le")


class ActiveDirectory(LdapDirectoryBase):
    """An Active Directory domain (or Samba AD DC)."""

    KIND = "Active Directory"
    USER_FILTER = "(&(objectCategory=person)(objectClass=user))"
    GROUP_FILTER = "(&(objectClass=group)(|(cn={name})(sAMAccountName={name})))"
    FIELDS: ClassVar[dict[str, str]] = {
        "email": "mail",
        "display_name": "displayName",
        "given_name": "givenName",
        "family_name": "sn",
        "employee_id": "employeeID",
        "title": "title",
        "department": "department",
        "manager_id": "manager",
    }
    EXTRA_ATTRS = (
        "objectGUID",
        "sAMAccountName",
        "userPrincipalName",
        "userAccountControl",
        "lockoutTime",
        "pwdLastSet",
        _COMPUTED,
        "lastLogonTimestamp",
    )

    def __init__(
        self,
        name: str,
        options: LdapOptions,
        *,
        upn_suffix: str | None = None,
        read_attributes: Iterable[str] = (),
    ) -> None:
        """
        Args:
            name: the configured instance name.
            options: where the domain controller is and how to bind (TLS required for passwords).
            upn_suffix: the suffix of new accounts' userPrincipalName when the login has no
                ``@`` (default: the DNS name of ``base_dn``, e.g. ``corp.example.com``).
            read_attributes: other attributes to report in ``DirectoryUser.attributes`` under
                their own names (first value), e.g. ``extensionAttribute7`` with a contract end.
        """
        super().__init__(name, options, read_attributes)
        self.upn_suffix = upn_suffix or _dns_name(options.base_dn)
        self._lockout_duration_s: float | None = None

    # -- identity -----------------------------------------------------------------------------

    def _id_of(self, entry: Entry) -> str:
        raw = entry.raw("objectGUID")
        return str(uuid.UUID(bytes_le=raw)) if raw and len(raw) == 16 else entry.dn

    def _id_filter(self, user_id: str) -> str | None:
        try:
            guid = uuid.UUID(user_id)
        except ValueError:
            return None
        return f"(objectGUID={escape_bytes(guid.bytes_le)})"

    def _login_filter(self, login: str) -> str:
        value = escape_filter_chars(login)
        return f"(|(sAMAccountName={value})(userPrincipalName={value}))"

    def _login_of(self, entry: Entry) -> str:
        return entry.first("sAMAccountName") or ""

    # -- state --------------------------------------------------------------------------------

    def _holders_in_chain(self, dn: str) -> set[str]:
        """The server walks the nesting itself: LDAP_MATCHING_RULE_IN_CHAIN on ``member``."""
        in_chain = f"(&(objectClass=group)(member:{IN_CHAIN}:={escape_filter_chars(dn)}))"
        found = self.session.search(self.options.groups, in_chain, ["cn"])
        return {e.dn for e in found if e.dn.casefold() != dn.casefold()}  # a cycle back to dn

    def _state(self, entry: Entry) -> tuple[UserStatus, bool, bool]:
        uac = int(entry.first("userAccountControl") or 0)
        locked = self._locked(entry)
        must_change = entry.first("pwdLastSet") == "0"
        if uac & UAC_ACCOUNTDISABLE:
            return UserStatus.DISABLED, locked, must_change
        return (UserStatus.LOCKED if locked else UserStatus.ACTIVE), locked, must_change

    def _activity(self, entry: Entry) -> dict[str, str]:
        """``last_login``: ``lastLogonTimestamp`` (replicated, so up to 14 days behind), ISO 8601."""
        stamp = int(entry.first("lastLogonTimestamp") or 0)
        if stamp <= 0:
            return {}
        at = dt.datetime.fromtimestamp(stamp / 10_000_000 - _FILETIME_EPOCH_OFFSET_S, dt.UTC)
        return {"last_login": at.isoformat()}

    def _locked(self, entry: Entry) -> bool:
        computed = entry.first(_COMPUTED)
        if computed is not None:
            return bool(int(computed) & UAC_LOCKOUT)
        lockout = int(entry.first("lockoutTime") or 0)
        if lockout <= 0:
            return False
        duration = self._lockout_duration()
        if duration is None:
            return True
        return lockout / 10_000_000 - _FILETIME_EPOCH_OFFSET_S + duration > time.time()

    def _lockout_duration(self) -> float | None:
        """The domain's lockout duration in seconds; None when locks last until an admin acts."""
        if self._lockout_duration_s is None:
            try:
                raw = self.session.read(self.options.base_dn, ["lockoutDuration"]).first(
                    "lockoutDuration"
                )
            except (NotFoundError, AuthError):
                raw = None
            # Stored as a negative count of 100 ns; 0 or "never" (the most negative) means forever.
            value = abs(int(raw or 0)) / 10_000_000
            self._lockout_duration_s = value if 0 < value < 10**11 else -1.0
        return self._lockout_duration_s if self._lockout_duration_s > 0 else None

    # -- creation -----------------------------------------------------------------------------

    def _new_entry(
        self, user: NewUser, manager_dn: str | None
    ) -> tuple[str, list[str], dict[str, Any]]:
        sam, upn = self._names(user.login)
        values = {
            "sAMAccountName": sam,
            "userPrincipalName": upn,
            "givenName": user.given_name,
            "sn": user.family_name,
            "displayName": user.display_name or f"{user.given_name} {user.family_name}",
            "mail": user.email,
            "employeeID": user.employee_id,
            "title": user.title,
            "department": user.department,
            "manager": manager_dn,
            **user.attributes,
        }
        dn = f"CN={escape_rdn(sam)},{self.options.users}"
        classes = ["top", "person", "organizationalPerson", "user"]
        return dn, classes, {k: v for k, v in values.items() if v is not None}

    def create_user(self, user: NewUser) -> Change:
        """Create an enabled or disabled account (TLS only: it gets a password); adopt an existing one."""
        self._require_tls("create_user")
        return super().create_user(user)

    def _after_create(self, dn: str, user: NewUser) -> None:
        # A random password nobody learns lets the account be enabled under the domain's
        # policy; must-change makes sure a real one is set before anyone uses it.
        password = secrets.token_urlsafe(24) + "aA1!"
        uac = UAC_NORMAL_ACCOUNT | (0 if user.enabled else UAC_ACCOUNTDISABLE)
        self.session.modify(dn, {"unicodePwd": [(MODIFY_REPLACE, [unicode_password(password)])]})
        self.session.modify(
            dn,
            {
                "userAccountControl": [(MODIFY_REPLACE, [uac])],
                "pwdLastSet": [(MODIFY_REPLACE, [0])],
            },
        )

    def _names(self, login: str) -> tuple[str, str]:
        sam = login.split("@", 1)[0]
        if len(sam) > 20:
            raise RejectedError(
                f"login {login!r}: sAMAccountName is limited to 20 characters", system=self.name
            )
        return sam, login if "@" in login else f"{sam}@{self.upn_suffix}"

    # -- state changes ------------------------------------------------------------------------

    def disable_user(self, user_id: str) -> Change:
        """Set bit 2 (ACCOUNTDISABLE) of userAccountControl; already disabled is success."""
        return self._set_disabled(user_id, True, "disable_user")

    def enable_user(self, user_id: str) -> Change:
        """Clear bit 2 of userAccountControl; already enabled is success."""
        return self._set_disabled(user_id, False, "enable_user")

    def _set_disabled(self, user_id: str, disabled: bool, operation: str) -> Change:
        entry = self._entry(user_id)
        uac = int(entry.first("userAccountControl") or UAC_NORMAL_ACCOUNT)
        wanted = uac | UAC_ACCOUNTDISABLE if disabled else uac & ~UAC_ACCOUNTDISABLE
        before = self._state(entry)[0]
        if wanted != uac:
            self.session.modify(entry.dn, {"userAccountControl": [(MODIFY_REPLACE, [wanted])]})
        after = self._state(self._entry(user_id))[0]
        return self._change(
            operation, user_id, {"status": before.value}, {"status": after.value}, wanted != uac
        )

    def unlock(self, user_id: str) -> Change:
        """Write ``lockoutTime: 0``; not locked (or the lock already expired) is success."""
        entry = self._entry(user_id)
        if not self._locked(entry):
            return self._change("unlock", user_id, {"locked": "false"}, {"locked": "false"}, False)
        self.session.modify(entry.dn, {"lockoutTime": [(MODIFY_REPLACE, [0])]})
        return self._change("unlock", user_id, {"locked": "true"}, {"locked": "false"})

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        """Write ``unicodePwd`` (TLS only) and ``pwdLastSet: 0`` so it must be changed at logon."""
        self._require_tls("set_one_time_password")
        entry = self._entry(user_id)
        before = self._state(entry)[2]
        self.session.modify(
            entry.dn, {"unicodePwd": [(MODIFY_REPLACE, [unicode_password(password)])]}
        )
        self.session.modify(entry.dn, {"pwdLastSet": [(MODIFY_REPLACE, [0])]})
        return self._change(
            "set_one_time_password",
            user_id,
            {"password_must_change": str(before).lower()},
            {"password_must_change": "true"},
        )


def _dns_name(base_dn: str) -> str:
    """``DC=corp,DC=example,DC=com`` → ``corp.example.com``."""
    parts = [p.split("=", 1)[1] for p in base_dn.split(",") if p.strip().lower().startswith("dc=")]
    return ".".join(parts)
