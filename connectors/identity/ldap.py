"""
What OpenLDAP and Active Directory share: the options, the one LDAP error classifier, search
results, and ldap3 itself (imported here once, quietly; other modules take its names from here).
The connection lives in ``ldap_session``.

``classify_ldap_error`` is the only place that turns LDAP result codes and ldap3 exceptions into
deskpilot errors. The directories built on this module are ``openldap.LdapDirectory`` and
``ad.ActiveDirectory``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.errors import (
    AuthError,
    DeskpilotError,
    NotFoundError,
    RejectedError,
    UnavailableError,
)

with warnings.catch_warnings():
    # ldap3 2.9.1 imports names that pyasn1 >= 0.6 deprecates; harmless, and no ldap3 release
    # fixes it. ldap3 is imported here first so the warning never escapes (the other LDAP
    # modules import ldap3's names from this module).
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="ldap3")
    from ldap3 import (
        BASE,
        MODIFY_ADD,
        MODIFY_DELETE,
        MODIFY_REPLACE,
        NONE,
        SUBTREE,
        Connection,
        Server,
        Tls,
    )
    from ldap3.core import results as rc
    from ldap3.core.exceptions import (
        LDAPBindError,
        LDAPCommunicationError,
        LDAPException,
        LDAPOperationResult,
        LDAPResponseTimeoutError,
        LDAPSocketOpenError,
        LDAPStartTLSError,
    )
    from ldap3.utils.conv import escape_bytes, escape_filter_chars
    from ldap3.utils.dn import escape_rdn, parse_dn


_AUTH_CODES = frozenset(
    {
        rc.RESULT_INVALID_CREDENTIALS,
        rc.RESULT_INSUFFICIENT_ACCESS_RIGHTS,
        rc.RESULT_STRONGER_AUTH_REQUIRED,
        rc.RESULT_CONFIDENTIALITY_REQUIRED,
        rc.RESULT_INAPPROPRIATE_AUTHENTICATION,
        rc.RESULT_AUTH_METHOD_NOT_SUPPORTED,
        rc.RESULT_AUTHORIZATION_DENIED,
    }
)
_TRANSIENT_CODES = frozenset(
    {
        rc.RESULT_BUSY,
        rc.RESULT_UNAVAILABLE,
        rc.RESULT_TIME_LIMIT_EXCEEDED,
        rc.RESULT_ADMIN_LIMIT_EXCEEDED,
        rc.RESULT_LOOP_DETECTED,
    }
)
# unwillingToPerform is usually a refusal, but servers also use it while shutting down or
# when a replica is read-only for a moment; these diagnostic texts mark the transient cases.
_TRANSIENT_HINTS = ("shutting down", "read-only", "readonly", "busy", "try again", "unavailable")
# Codes that mean "already in the wanted state" for idempotent membership changes.
ALREADY_PRESENT = frozenset({rc.RESULT_ATTRIBUTE_OR_VALUE_EXISTS, rc.RESULT_ENTRY_ALREADY_EXISTS})
ALREADY_ABSENT = frozenset({rc.RESULT_NO_SUCH_ATTRIBUTE, rc.RESULT_UNWILLING_TO_PERFORM})


def classify_ldap_error(exc: LDAPException, *, system: str, action: str) -> DeskpilotError:
    """
    The deskpilot error for an ldap3 exception raised while doing ``action``.

    busy/unavailable/time limits, timeouts and socket errors → UnavailableError;
    invalidCredentials/insufficientAccessRights/strongerAuthRequired → AuthError;
    noSuchObject → NotFoundError; unwillingToPerform → RejectedError unless the server's
    diagnostic says it is momentary; every other result code → RejectedError.
    """
    if isinstance(exc, LDAPOperationResult):
        return _classify_result(exc, system=system, action=action)
    text = f"{action}: {type(exc).__name__}: {_first_line(exc)}"
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return AuthError(f"{text} (the server's TLS certificate is not trusted)", system=system)
    if isinstance(exc, LDAPCommunicationError | LDAPResponseTimeoutError | LDAPStartTLSError):
        return UnavailableError(text, system=system)
    if isinstance(exc, LDAPBindError):
        return AuthError(text, system=system)
    return RejectedError(text, system=system)


def _classify_result(exc: LDAPOperationResult, *, system: str, action: str) -> DeskpilotError:
    code = exc.result if isinstance(exc.result, int) else rc.RESULT_OTHER
    text = f"{action}: {exc.description} ({code}) {exc.message or ''}".strip()
    # A result code is the server's own answer: the operation was refused, nothing changed.
    if code in _AUTH_CODES:
        return AuthError(text, system=system, answered=True)
    if code == rc.RESULT_NO_SUCH_OBJECT:
        return NotFoundError(text, system=system, answered=True)
    if code in _TRANSIENT_CODES:
        return UnavailableError(text, system=system, answered=True)
    if code == rc.RESULT_UNWILLING_TO_PERFORM and any(
        hint in (exc.message or "").lower() for hint in _TRANSIENT_HINTS
    ):
        return UnavailableError(text, system=system, answered=True)
    return RejectedError(text, system=system, answered=True)


def result_code(exc: LDAPException) -> int | None:
    """The LDAP result code an operation failed with, None for transport errors."""
    return exc.result if isinstance(exc, LDAPOperationResult) else None


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:300]


@dataclass(frozen=True)
class LdapOptions:
    """Where the directory is and how deskpilot's service account binds to it."""

    url: str
    """``ldaps://host:636`` or ``ldap://host:389`` (then set ``start_tls``)."""
    bind_dn: str
    bind_password: str = field(repr=False)
    base_dn: str
    user_base: str = ""
    """Where users are searched and created (default: ``base_dn``)."""
    group_base: str = ""
    """Where groups are searched by name (default: ``base_dn``)."""
    ca_file: str | None = None
    """PEM bundle that signs the server certificate (default: the system's CAs)."""
    start_tls: bool = False
    timeout_s: float = 10.0

    @property
    def users(self) -> str:
        """The effective user search base."""
        return self.user_base or self.base_dn

    @property
    def groups(self) -> str:
        """The effective group search base."""
        return self.group_base or self.base_dn

    @property
    def encrypted(self) -> bool:
        """True when every byte to the server travels inside TLS."""
        return self.url.lower().startswith("ldaps://") or self.start_tls


@dataclass(frozen=True)
class Entry:
    """One search result: its DN and raw attribute values (names lower-cased)."""

    dn: str
    values: Mapping[str, tuple[bytes, ...]]

    def raw(self, name: str) -> bytes | None:
        """The first raw value of ``name``, None if absent."""
        found = self.values.get(name.lower(), ())
        return found[0] if found else None

    def first(self, name: str) -> str | None:
        """The first value of ``name`` as text, None if absent."""
        value = self.raw(name)
        return None if value is None else value.decode("utf-8", errors="replace")

    def all(self, name: str) -> tuple[str, ...]:
        """Every value of ``name`` as text."""
        return tuple(v.decode("utf-8", errors="replace") for v in self.values.get(name.lower(), ()))


def rdn_value(dn: str) -> str:
    """The value of a DN's first RDN (``cn=vpn-users,ou=groups,…`` → ``vpn-users``)."""
    parts = parse_dn(dn, escape=False, strip=True)
    return str(parts[0][1]) if parts else dn


__all__ = [
    "ALREADY_ABSENT",
    "ALREADY_PRESENT",
    "BASE",
    "MODIFY_ADD",
    "MODIFY_DELETE",
    "MODIFY_REPLACE",
    "NONE",
    "SUBTREE",
    "Connection",
    "Entry",
    "LDAPException",
    "LDAPOperationResult",
    "LDAPResponseTimeoutError",
    "LDAPSocketOpenError",
    "LdapOptions",
    "Server",
    "Tls",
    "classify_ldap_error",
    "escape_bytes",
    "escape_filter_chars",
    "escape_rdn",
    "rc",
    "rdn_value",
    "result_code",
]
