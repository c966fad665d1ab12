"""A thread-safe bound LDAP connection with timeouts, verified TLS and paged listings."""

from __future__ import annotations

import secrets
import select
import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from connectors.errors import NotFoundError, RejectedError, UnavailableError, UnreachableError
from connectors.identity.ldap import (
    BASE,
    NONE,
    SUBTREE,
    Connection,
    Entry,
    LDAPException,
    LDAPOperationResult,
    LdapOptions,
    Server,
    Tls,
    classify_ldap_error,
    rc,
    result_code,
)

T = TypeVar("T")

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"


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
            error = classify_ldap_error(exc, system=self.system, action="bind")
            if isinstance(error, UnavailableError) and not error.answered:
                # Nothing was sent yet: connecting, StartTLS and binding come before any change.
                raise UnreachableError(str(error.args[0]), system=self.system) from exc
            raise error from exc
        return conn

    def run(self, action: str, operation: Callable[[Connection], T]) -> T:
        """Run ``operation`` on the shared connection; classify whatever it raises."""
        with self._lock:
            if self._conn is not None and (self._conn.closed or _peer_closed(self._conn)):
                # The server went away (restarted, stopped) since the last call: a change sent
                # on this connection would fail without saying whether it was done.
                self._drop()
            if self._conn is None:
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


def _peer_closed(conn: Connection) -> bool:
    """Whether the server has closed ``conn``'s socket (seen without sending anything)."""
    sock = conn.socket
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    # An idle LDAP connection has nothing to read unless the server closed it (or sent a
    # notice of disconnection, after which it closes it anyway).
    return bool(readable)


def _entries(response: Iterable[Mapping[str, Any]] | None) -> list[Entry]:
    found = []
    for item in response or ():
        if item.get("type") != "searchResEntry":
            continue
        raw = item.get("raw_attributes", {})
        values = {str(k).lower(): tuple(v) for k, v in raw.items() if v}
        found.append(Entry(str(item["dn"]), values))
    return found
