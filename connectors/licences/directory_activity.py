"""
Last logons read from a directory, as activity signals for licences.

* Active Directory / Samba: ``lastLogonTimestamp`` (a FILETIME: 100 ns since 1601). It is
  replicated only when older than ``msDS-LogonTimeSyncInterval`` (14 days less up to 5), so it
  lags by 9 to 14 days (source ``ad_last_logon_timestamp``); ``lastLogon`` is per DC and not
  read. Disabled accounts (``userAccountControl`` bit 2) are reported as disabled.
* OpenLDAP: ``authTimestamp``, written on each successful bind by the ``lastbind`` overlay
  (source ``ldap_auth_timestamp``); without the overlay no entry has it.

Entries are read with the paged-results control on a connection of their own (the directory's
service account, its TLS settings), so a large directory never hits the server's size limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ldap3.core.exceptions import LDAPException

from connectors.errors import RejectedError
from connectors.identity.ad import UAC_ACCOUNTDISABLE
from connectors.identity.ldap import LdapOptions, classify_ldap_error
from connectors.identity.ldap_session import LdapSession, close_quietly
from connectors.licences import Activity, Logon

__all__ = ["DirectoryActivity", "filetime", "generalized_time"]

Kind = Literal["active_directory", "openldap"]
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_SPEC: Mapping[Kind, tuple[str, tuple[str, ...], str]] = {
    "active_directory": (
        "(&(objectCategory=person)(objectClass=user))",
        ("sAMAccountName", "userPrincipalName", "mail", "lastLogonTimestamp", "whenCreated",
         "userAccountControl"),
        "ad_last_logon_timestamp",
    ),
    "openldap": (
        "(objectClass=inetOrgPerson)",
        ("uid", "mail", "authTimestamp", "createTimestamp", "pwdAccountLockedTime"),
        "ldap_auth_timestamp",
    ),
}  # fmt: skip


def filetime(raw: bytes | str, *, system: str, field: str) -> datetime | None:
    """A FILETIME integer (100 ns since 1601-01-01 UTC) as a time; 0 or the maximum is never."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    try:
        ticks = int(text)
    except ValueError:
        raise RejectedError(f"{field}: {text!r} is not a FILETIME", system=system) from None
    if ticks <= 0 or ticks >= 0x7FFFFFFFFFFFFFFF:
        return None
    return FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def generalized_time(raw: bytes | str, *, system: str, field: str) -> datetime:
    """An LDAP GeneralizedTime (``20260827000000Z``, ``20261207131500.0Z``) as a UTC time."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    digits = text.rstrip("Z").split(".")[0]
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise RejectedError(f"{field}: {text!r} is not a GeneralizedTime", system=system) from None


class DirectoryActivity:
    """Reads every person's last logon from one LDAP directory."""

    def __init__(
        self, name: str, options: LdapOptions, *, kind: Kind, page_size: int = 500
    ) -> None:
        self.name = name
        self.kind = kind
        self._options = options
        self._page_size = page_size

    def logons(self) -> list[Logon]:
        """Every person under the user base, with the last logon the directory recorded."""
        search_filter, attributes, _ = _SPEC[self.kind]
        conn = LdapSession(self._options, system=self.name).connect()
        try:
            entries = conn.extend.standard.paged_search(
                self._options.users, search_filter, attributes=list(attributes),
                paged_size=self._page_size, generator=True,
            )  # fmt: skip
            return [self._logon(e) for e in _found(entries)]
        except LDAPException as exc:
            raise classify_ldap_error(exc, system=self.name, action="read last logons") from exc
        finally:
            close_quietly(conn)

    def _logon(self, entry: Mapping[str, Any]) -> Logon:
        raw: Mapping[str, Sequence[bytes]] = entry.get("raw_attributes") or {}

        def one(attr: str) -> bytes | None:
            values = raw.get(attr) or []
            return values[0] if values else None

        _, _, source = _SPEC[self.kind]
        if self.kind == "active_directory":
            login = (one("sAMAccountName") or b"").decode()
            stamp = one("lastLogonTimestamp")
            at = (
                None
                if stamp is None
                else filetime(stamp, system=self.name, field="lastLogonTimestamp")
            )
            made = one("whenCreated")
            flags = int((one("userAccountControl") or b"0").decode() or 0)
            enabled = not flags & UAC_ACCOUNTDISABLE
            others: tuple[bytes | None, ...] = (one("userPrincipalName"), one("mail"))
        else:
            login = (one("uid") or b"").decode()
            stamp = one("authTimestamp")
            at = (
                None
                if stamp is None
                else generalized_time(stamp, system=self.name, field="authTimestamp")
            )
            made = one("createTimestamp")
            enabled = one("pwdAccountLockedTime") is None
            others = (one("mail"),)
        names = tuple(
            dict.fromkeys(n.lower() for n in (login, *(o.decode() for o in others if o)) if n)
        )
        created = (
            None if made is None else generalized_time(made, system=self.name, field="created")
        )
        return Logon(login, names, () if at is None else (Activity(source, at),), created, enabled)


def _found(entries: Iterator[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Search result entries only (paged searches also yield references)."""
    return (e for e in entries if e.get("type") == "searchResEntry")
