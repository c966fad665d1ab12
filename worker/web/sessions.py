"""
Web sessions every web worker agrees on: the key that signs session cookies and the sessions
``/logout`` ended.

With several uvicorn workers, a cookie signed with one process's random key was refused by the
others, and a logout recorded in one process left the cookie working on the rest. The key is
derived from ``web.secret_key`` (which every node shares; without it each process makes its
own, which only suits a single process), and revoked sessions are kept in Redis when
``broker.url`` names one, else in the database (``revoked_sessions``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from typing import Protocol

import redis
from sqlalchemy import delete, select

from worker.config import SecretRef
from worker.db.database import Database
from worker.db.records import RevokedSessionRow
from worker.web.throttle import StoreUnavailableError


def cookie_key(
    secret_key: SecretRef | None, purpose: bytes = b"deskpilot session cookies"
) -> bytes:
    """The key that signs session cookies (or, with another ``purpose``, the review pages' CSRF
    tokens): derived from ``web.secret_key``, so every web worker holds the same one; else random
    for this process (one worker only)."""
    if secret_key is None:
        return secrets.token_bytes(32)
    return hmac.new(secret_key.resolve().encode(), purpose, hashlib.sha256).digest()


class RevokedSessions(Protocol):
    """Sessions ended before their cookies expire."""

    def revoke(self, session: str, expires_at: float, now: float) -> None:
        """End ``session`` (its cookie expires at ``expires_at`` anyway)."""

    def is_revoked(self, session: str) -> bool:
        """True if ``session`` was ended."""


class RedisRevokedSessions:
    """One key per ended session, expiring with its cookie."""

    def __init__(self, client: redis.Redis, *, prefix: str = "deskpilot:revoked-session:") -> None:
        self._redis, self._prefix = client, prefix

    def revoke(self, session: str, expires_at: float, now: float) -> None:
        seconds = max(1, math.ceil(expires_at - now))
        try:
            self._redis.set(self._prefix + session, "1", ex=seconds)
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"sessions (Redis): {exc}") from exc

    def is_revoked(self, session: str) -> bool:
        try:
            return bool(self._redis.exists(self._prefix + session))
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"sessions (Redis): {exc}") from exc


class DatabaseRevokedSessions:
    """Rows of ``revoked_sessions``; expired ones are deleted when another is added."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def revoke(self, session: str, expires_at: float, now: float) -> None:
        with self._db.session() as db:
            db.execute(delete(RevokedSessionRow).where(RevokedSessionRow.expires_at < now))
            if db.get(RevokedSessionRow, session) is None:
                db.add(RevokedSessionRow(session_id=session, expires_at=expires_at))

    def is_revoked(self, session: str) -> bool:
        with self._db.session() as db:
            found = db.scalar(
                select(RevokedSessionRow.session_id).where(RevokedSessionRow.session_id == session)
            )
        return found is not None


def build_revoked_sessions(broker_url: str, db: Database) -> RevokedSessions:
    """Redis when the workers share one (``broker.url``), else the database."""
    if broker_url == "stub":
        return DatabaseRevokedSessions(db)
    return RedisRevokedSessions(redis.Redis.from_url(broker_url))


__all__ = [
    "DatabaseRevokedSessions",
    "RedisRevokedSessions",
    "RevokedSessions",
    "build_revoked_sessions",
    "cookie_key",
]
