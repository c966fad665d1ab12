"""
How deskpilot opens its database: the engine (SQLite file by default, PostgreSQL in production),
the one writer turn SQLite allows, sessions and Core connections, and the shell's clock.

The tables are in ``worker.db.tables`` (the ticket pipeline) and ``worker.db.records`` (what is
kept beside it); their declarative base is ``worker.db.base``.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.orm import Session, sessionmaker


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware UTC (the shell's only clock)."""
    return dt.datetime.now(dt.UTC)


def make_engine(url: str) -> Engine:
    """Open the database at ``url``; SQLite gets WAL, normal sync and a busy timeout."""
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_use_lifo=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _private_file(url: str) -> None:
    """
    Create the SQLite file readable by its owner only (0600), or narrow an existing one.

    It holds tickets, requesters' details and sealed secrets; SQLite gives its -wal and -shm
    files the main file's permissions.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit survives a crash of deskpilot itself; only a power loss or OS crash
    # can roll back the last transactions (fsync at checkpoints). FULL costs an fsync per commit,
    # which caps a single SQLite writer at tens of tickets per second. PostgreSQL is the choice
    # where even that window matters (docs/operations.md).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class WriterTurn:
    """
    SQLite's one writer at a time, taken in turns inside the process: re-entrant per thread, and
    a waiter marked urgent is served before every non-urgent waiter (a webhook's 2 ms insert
    should not queue behind a worker's batch of transactions).

    The turn is handed straight to the next waiter, which alone is woken: with eight worker
    threads, waking them all at every commit (a condition's ``notify_all``) cost ten times the
    context switches and a third more CPU per ticket.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._urgent: deque[tuple[int, threading.Lock]] = deque()
        self._waiting: deque[tuple[int, threading.Lock]] = deque()

    @contextmanager
    def hold(self, *, urgent: bool = False) -> Iterator[None]:
        """Hold the turn for the block."""
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:
                self._depth += 1
                wake = None
            elif self._owner is None:
                self._owner, self._depth = me, 1
                wake = None
            else:
                wake = threading.Lock()
                wake.acquire()
                (self._urgent if urgent else self._waiting).append((me, wake))
        if wake is not None:
            self._wait(me, wake)
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._pass_on()

    def _wait(self, me: int, wake: threading.Lock) -> None:
        """Block until the previous holder hands us the turn; leave cleanly if interrupted."""
        try:
            wake.acquire()  # released by the previous holder, which made us the owner
        except BaseException:
            with self._lock:
                for queue in (self._urgent, self._waiting):
                    if (me, wake) in queue:
                        queue.remove((me, wake))
                        break
                else:  # handed over meanwhile: a turn nobody will use must not stop the rest
                    if self._owner == me:
                        self._pass_on()
            raise

    def _pass_on(self) -> None:
        """Give the turn to the next waiter (urgent ones first), or free it (lock held)."""
        queue = self._urgent or self._waiting
        if queue:
            self._owner, wake = queue.popleft()
            self._depth = 1
            wake.release()
        else:
            self._owner, self._depth = None, 0


class Database:
    """An engine and a session factory; ``session()`` is one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and Python's driver waits for the lock by sleeping, in
        # steps of up to 100 ms; taking turns in-process instead keeps each transaction a few
        # milliseconds. (The embedded default is one process; PostgreSQL needs no such lock.)
        self._turn: WriterTurn | None = WriterTurn() if url.startswith("sqlite") else None

    @property
    def is_sqlite(self) -> bool:
        """True on the embedded default (SQLite)."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self, *, urgent: bool = False) -> Iterator[Session]:
        """
        A session that commits on success and rolls back on error.

        ``urgent`` (a webhook being acknowledged) goes ahead of queued background work on the
        embedded default, where transactions take turns.
        """
        if self._turn is None:
            with self._sessions() as session, session.begin():
                yield session
            return
        with self._turn.hold(urgent=urgent), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def connect(self, *, urgent: bool = False) -> Iterator[Connection]:
        """
        A Core connection in one transaction that commits on success and rolls back on error.

        For the pipeline's hot paths, which run only Core statements: a session's bookkeeping
        costs more there than the statements themselves (about 17 µs more per statement and
        50 µs more per transaction on SQLite). Takes turns like ``session``.
        """
        if self._turn is None:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._turn.hold(urgent=urgent), self.engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
