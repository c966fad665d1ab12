"""
What OpenLDAP and Active Directory share: the options, the one LDAP error classifier, a
thread-safe bound connection with timeouts, and paged listings.

``classify_ldap_error`` is the only place that turns LDAP result codes and ldap3 exceptions into
deskpilot errors. The directories built on this module are ``openldap.LdapDirectory`` and
``ad.ActiveDirectory``.
"""

from __future__ import annotations

import secrets
import ssl
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

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

T = TypeVar("T")

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"

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
    if code in _AUTH_CODES:
        return AuthError(text, system=system)
    if code == rc.RESULT_NO_SUCH_OBJECT:
        return NotFoundError(text, system=system)
    if code in _TRANSIENT_CODES:
        return UnavailableError(text, system=system)
    if code == rc.RESULT_UNWILLING_TO_PERFORM and any(
        hint in (exc.message or "").lower() for hint in _TRANSIENT_HINTS
    ):
        return UnavailableError(text, system=system)
    return RejectedError(text, system=system)


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


class VerifiedTls(Tls):
    """
    ldap3's ``Tls`` with the hostname checked by the ``ssl`` module during the handshake.

    ldap3 2.9 turns ``check_hostname`` off and calls ``ssl.match_hostname`` afterwards, which is
    deprecated (removed in Python 3.12); a standard verifying context does both checks.
    """

    def wrap_socket(self, connection: Connection, do_handshake: bool = False) -> None:
        context = ssl.create_default_context(cafile=self.ca_certs_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        connection.socket = context.wrap_socket(
            connection.socket,
            server_side=False,
            do_handshake_on_connect=do_handshake,
            server_hostname=connection.server.host,
        )


def close_quietly(conn: Connection) -> None:
    """Unbind, or at least close the socket when the connection is already broken."""
    try:
        conn.unbind()
    except (LDAPException, OSError):
        pass
    finally:
        # A connect that failed halfway leaves its socket behind, unbound but open.
        if conn.socket is not None:
            conn.socket.close()


class LdapSession:
    """
    One bound connection shared under a lock, reopened after a transport error.

    Paged listings get their own connection each, because a paged-results cookie only lives on
    the connection that started the search.
    """

    MAX_LISTINGS = 8

    def __init__(self, options: LdapOptions, *, system: str) -> None:
        self.options = options
        self.system = system
        self._lock = threading.Lock()
        self._conn: Connection | None = None
        self._listings: OrderedDict[str, tuple[Connection, bytes]] = OrderedDict()

    def connect(self) -> Connection:
        """A new bound connection (StartTLS first when configured)."""
        opts = self.options
        tls = VerifiedTls(ca_certs_file=opts.ca_file, validate=ssl.CERT_REQUIRED)
        use_ssl = opts.url.lower().startswith("ldaps://")
        server = Server(
            opts.url, use_ssl=use_ssl, tls=tls, get_info=NONE, connect_timeout=opts.timeout_s
        )
        conn = Connection(
            server,
            opts.bind_dn,
            opts.bind_password,
            raise_exceptions=True,
            receive_timeout=int(opts.timeout_s),
        )
        try:
            conn.open()
            if opts.start_tls and not use_ssl:
                conn.start_tls()
            conn.bind()
        except LDAPException as exc:
            close_quietly(conn)
            raise classify_ldap_error(exc, system=self.system, action="bind") from exc
        return conn

    def run(self, action: str, operation: Callable[[Connection], T]) -> T:
        """Run ``operation`` on the shared connection; classify whatever it raises."""
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = self.connect()
            try:
                return operation(self._conn)
            except LDAPException as exc:
                if result_code(exc) is None:
                    self._drop()
                raise classify_ldap_error(exc, system=self.system, action=action) from exc

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            close_quietly(conn)

    def search(
        self,
        base: str,
        search_filter: str,
        attributes: Sequence[str],
        *,
        scope: Literal["BASE", "LEVEL", "SUBTREE"] = SUBTREE,
        limit: int = 0,
    ) -> list[Entry]:
        """Entries under ``base`` matching ``search_filter``; a missing base is NotFoundError."""

        def op(conn: Connection) -> list[Entry]:
            conn.search(base, search_filter, scope, attributes=list(attributes), size_limit=limit)
            return _entries(conn.response)

        return self.run(f"search {base}", op)

    def read(self, dn: str, attributes: Sequence[str]) -> Entry:
        """One entry by DN; NotFoundError if it does not exist."""
        found = self.search(dn, "(objectClass=*)", attributes, scope=BASE)
        if not found:
            raise NotFoundError(f"no entry {dn}", system=self.system)
        return found[0]

    def modify(
        self,
        dn: str,
        changes: Mapping[str, list[tuple[str, list[Any]]]],
        *,
        tolerate: frozenset[int] = frozenset(),
    ) -> int:
        """
        Apply ``changes`` ({attribute: [(MODIFY_x, values)]}) to ``dn`` atomically.

        Returns the result code: success, or one of ``tolerate`` (which callers use for
        "already so" answers); every other failure is raised, classified.
        """

        def op(conn: Connection) -> int:
            try:
                conn.modify(dn, dict(changes))  # type: ignore[no-untyped-call]
            except LDAPOperationResult as exc:
                if exc.result in tolerate:
                    return int(exc.result)
                raise
            return rc.RESULT_SUCCESS

        return self.run(f"modify {dn}", op)

    def add(self, dn: str, object_classes: Sequence[str], attributes: Mapping[str, Any]) -> None:
        """Create the entry ``dn``."""
        self.run(f"add {dn}", lambda conn: conn.add(dn, list(object_classes), dict(attributes)))  # type: ignore[no-untyped-call]

    def delete(self, dn: str) -> None:
        """Delete the entry ``dn``."""
        self.run(f"delete {dn}", lambda conn: conn.delete(dn))  # type: ignore[no-untyped-call]

    def page(
        self, search_filter: str, attributes: Sequence[str], cursor: str | None, size: int
    ) -> tuple[list[Entry], str | None]:
        """One page of a simple-paged-results search under the user base, and the next cursor."""
        conn, cookie = self._listing(cursor)
        try:
            conn.search(
                self.options.users,
                search_filter,
                SUBTREE,
                attributes=list(attributes),
                paged_size=size,
                paged_cookie=cookie or None,
            )
        except LDAPException as exc:
            close_quietly(conn)
            raise classify_ldap_error(exc, system=self.system, action="list users") from exc
        entries = _entries(conn.response)
        control = conn.result.get("controls", {}).get(PAGED_RESULTS_OID, {})
        next_cookie: bytes = control.get("value", {}).get("cookie") or b""
        if not next_cookie:
            close_quietly(conn)
            return entries, None
        return entries, self._remember(conn, next_cookie)

    def _listing(self, cursor: str | None) -> tuple[Connection, bytes]:
        if cursor is None:
            return self.connect(), b""
        with self._lock:
            listing = self._listings.pop(cursor, None)
        if listing is None:
            raise RejectedError(
                "listing cursor expired or unknown; start the listing again", system=self.system
            )
        return listing

    def _remember(self, conn: Connection, cookie: bytes) -> str:
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._listings[token] = (conn, cookie)
            while len(self._listings) > self.MAX_LISTINGS:
                _, (old, _cookie) = self._listings.popitem(last=False)
                close_quietly(old)
        return token

    def close(self) -> None:
        """Unbind every connection this session holds."""
        with self._lock:
            self._drop()
            while self._listings:
                _, (conn, _cookie) = self._listings.popitem()
                close_quietly(conn)


def _entries(response: Iterable[Mapping[str, Any]] | None) -> list[Entry]:
    found = []
    for item in response or ():
        if item.get("type") != "searchResEntry":
            continue
        raw = item.get("raw_attributes", {})
        values = {str(k).lower(): tuple(v) for k, v in raw.items() if v}
        found.append(Entry(str(item["dn"]), values))
    return found


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
    "SUBTREE",
    "Connection",
    "Entry",
    "LDAPException",
    "LDAPOperationResult",
    "LDAPResponseTimeoutError",
    "LDAPSocketOpenError",
    "LdapOptions",
    "LdapSession",
    "Server",
    "Tls",
    "VerifiedTls",
    "classify_ldap_error",
    "close_quietly",
    "escape_bytes",
    "escape_filter_chars",
    "escape_rdn",
    "rc",
    "rdn_value",
    "result_code",
]
