"""
Telling a database that is briefly unable to answer from a statement that is wrong.

The first is worth waiting for (retry the message, answer a webhook 503 with ``Retry-After``);
the second is a bug and is reported as one.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError


def database_unavailable(exc: BaseException) -> bool:
    """
    True when ``exc`` says the database could not answer now: unreachable or restarting, a
    deadlock or lock timeout, no pooled connection free in time. A constraint violation or a bad
    statement is False.
    """
    if isinstance(exc, PoolTimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False  # IntegrityError, ProgrammingError, DataError…: the statement is wrong
    if isinstance(exc.orig, sqlite3.OperationalError):
        # SQLite files every error under OperationalError, "no such column" included: only a
        # lock held too long is worth waiting for.
        return any(word in str(exc.orig) for word in ("locked", "busy"))
    return True  # PostgreSQL: connection lost or refused, deadlock, serialization, timeout


__all__ = ["database_unavailable"]
