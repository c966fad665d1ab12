"""
A guard for the rule "no connector call inside a database transaction".

It watches the two real boundaries, not deskpilot's modules: SQLAlchemy's connection events say
when a thread holds an open transaction, and the outbound transports — ``requests`` (every SaaS
connector, the notifier, ``responses``-faked or real) and ``ldap3`` (the LDAP and Active
Directory connectors) — report each call. A call made while its thread holds a transaction is
recorded with the request and the stack, and the test that caused it fails.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine


@dataclass
class TransactionGuard:
    """Open transactions per thread, and the connector calls made while one was open."""

    violations: list[str] = field(default_factory=list)
    _open: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open_transactions(self) -> set[int]:
        """The ids of the connections that hold a transaction on this thread."""
        if not hasattr(self._open, "ids"):
            self._open.ids = set()
        ids: set[int] = self._open.ids
        return ids

    def began(self, connection: Connection) -> None:
        self.open_transactions().add(id(connection))

    def ended(self, connection: Connection) -> None:
        self.open_transactions().discard(id(connection))

    def connector_call(self, what: str) -> None:
        """Record ``what`` if this thread holds a transaction."""
        if self.open_transactions():
            stack = "".join(traceback.format_stack(limit=12)[:-2])
            with self._lock:
                self.violations.append(f"{what} inside an open database transaction\n{stack}")


def _wrap(
    owner: type[Any], name: str, describe: Callable[..., str], guard: TransactionGuard
) -> Callable[[], None]:
    original = getattr(owner, name)

    def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        guard.connector_call(describe(self, *args, **kwargs))
        return original(self, *args, **kwargs)

    setattr(owner, name, guarded)
    return lambda: setattr(owner, name, original)


def _http(_session: requests.Session, request: requests.PreparedRequest, **_: Any) -> str:
    return f"HTTP {request.method} {request.url}"


def _ldap(_strategy: object, message_type: str, *_: Any, **__: Any) -> str:
    return f"LDAP {message_type}"


@contextmanager
def transaction_guard() -> Iterator[TransactionGuard]:
    """Watch transactions and connector calls for the duration of the block."""
    # ldap3 through deskpilot's LDAP module first: it keeps pyasn1's import-time warnings quiet.
    import connectors.identity.ldap  # noqa: F401

    # isort: split
    from ldap3.strategy.base import BaseStrategy

    guard = TransactionGuard()
    listeners = [("begin", guard.began), ("commit", guard.ended), ("rollback", guard.ended)]
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    undo = [
        _wrap(requests.Session, "send", _http, guard),
        _wrap(BaseStrategy, "send", _ldap, guard),
    ]
    try:
        yield guard
    finally:
        for restore in undo:
            restore()
        for name, listener in listeners:
            event.remove(Engine, name, listener)
