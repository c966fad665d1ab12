"""
The sign-in throttle: failed logins per client address in a sliding window, shared by every web
worker.

A count kept in each process let an attacker spread guesses over the workers (with four uvicorn
workers, four times the limit). The count lives in Redis when deskpilot has one (``broker.url``),
else in the database (``login_failures``), which every worker already shares. When the store
cannot be reached, logins are refused (503): an unbounded guess rate is worse than a short wait.
"""

from __future__ import annotations

import math
import secrets
from typing import Protocol

import redis
from sqlalchemy import delete, func, select

from worker.db.database import Database
from worker.db.records import LoginFailureRow

FAILURE_LIMIT = 5
FAILURE_WINDOW_S = 300.0
CLIENT_CHARS = 64
"""An address is at most 45 characters (IPv6 with IPv4 tail); longer names are cut."""
SCOPED = "~"
"""How the keys of a throttle that counts something other than logins begin in the database
(``DatabaseLoginThrottle(prefix=...)``, e.g. the refused decisions of ``worker.web.refusals``):
no client address does, so the sign-in throttle's clean-up leaves their rows to their own window."""


class StoreUnavailableError(RuntimeError):
    """The shared store (Redis or the database) is unreachable: no login, no session check."""


class LoginThrottle(Protocol):
    """Failed logins per client address in a sliding window of ``window_s`` seconds."""

    limit: int
    window_s: float

    def retry_after(self, client: str, now: float) -> int | None:
        """Seconds until ``client`` may try again, None if it may now."""

    def failed(self, client: str, now: float) -> int:
        """Count a failure; returns how many ``client`` has in the window."""

    def succeeded(self, client: str) -> None:
        """A good login clears the address's failures."""


def _wait(oldest: float, window_s: float, now: float) -> int:
    return max(1, math.ceil(oldest + window_s - now))


_FAILED_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return redis.call('ZCARD', KEYS[1])
"""


class RedisLoginThrottle:
    """The failures of each address as a sorted set (score: when), expiring with the window."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        limit: int = FAILURE_LIMIT,
        window_s: float = FAILURE_WINDOW_S,
        prefix: str = "deskpilot:login-failures:",
    ) -> None:
        self.limit, self.window_s = limit, window_s
        self._redis, self._prefix = client, prefix
        self._failed = client.register_script(_FAILED_LUA)

    def retry_after(self, client: str, now: float) -> int | None:
        key = self._key(client)
        try:
            pipe = self._redis.pipeline()
            pipe.zremrangebyscore(key, "-inf", now - self.window_s)
            pipe.zcard(key)
            pipe.zrange(key, 0, 0, withscores=True)
            _, count, oldest = pipe.execute()
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"login throttle (Redis): {exc}") from exc
        if int(count) < self.limit or not oldest:
            return None
        return _wait(float(oldest[0][1]), self.window_s, now)

    def failed(self, client: str, now: float) -> int:
        member = f"{now!r}:{secrets.token_hex(4)}"  # two failures in one instant both count
        try:
            return int(self._failed(keys=[self._key(client)], args=[now, self.window_s, member]))
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"login throttle (Redis): {exc}") from exc

    def succeeded(self, client: str) -> None:
        try:
            self._redis.delete(self._key(client))
        except redis.RedisError as exc:
            raise StoreUnavailableError(f"login throttle (Redis): {exc}") from exc

    def _key(self, client: str) -> str:
        return self._prefix + client[:CLIENT_CHARS]


class DatabaseLoginThrottle:
    """The failures as rows of ``login_failures``; rows older than the window are deleted.
    A ``prefix`` (starting with ``SCOPED``) keeps another count in the same table, apart."""

    def __init__(
        self,
        db: Database,
        *,
        limit: int = FAILURE_LIMIT,
        window_s: float = FAILURE_WINDOW_S,
        prefix: str = "",
    ) -> None:
        if prefix and not prefix.startswith(SCOPED):
            raise ValueError(f"a throttle's prefix starts with {SCOPED!r}: {prefix!r}")
        self.limit, self.window_s = limit, window_s
        self._db, self._prefix = db, prefix
        starts = LoginFailureRow.client.startswith(prefix or SCOPED, autoescape=True)
        self._own = starts if prefix else ~starts

    def retry_after(self, client: str, now: float) -> int | None:
        client = self._key(client)
        with self._db.session() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(LoginFailureRow.at)).where(
                    LoginFailureRow.client == client, LoginFailureRow.at > now - self.window_s
                )
            ).one()
        if count < self.limit or oldest is None:
            return None
        return _wait(float(oldest), self.window_s, now)

    def failed(self, client: str, now: float) -> int:
        client = self._key(client)
        with self._db.session() as session:
            # Every address's old failures go (indexed by time): the table holds one window.
            session.execute(
                delete(LoginFailureRow).where(LoginFailureRow.at <= now - self.window_s, self._own)
            )
            session.add(LoginFailureRow(client=client, at=now))
            session.flush()
            count: int = (
                session.scalar(
                    select(func.count()).where(
                        LoginFailureRow.client == client, LoginFailureRow.at > now - self.window_s
                    )
                )
                or 0
            )
        return count

    def succeeded(self, client: str) -> None:
        with self._db.session() as session:
            session.execute(
                delete(LoginFailureRow).where(LoginFailureRow.client == self._key(client))
            )

    def _key(self, client: str) -> str:
        return (self._prefix + client)[:CLIENT_CHARS]


def build_throttle(broker_url: str, db: Database) -> LoginThrottle:
    """Redis when the workers share one (``broker.url``), else the database."""
    if broker_url == "stub":
        return DatabaseLoginThrottle(db)
    return RedisLoginThrottle(redis.Redis.from_url(broker_url))


__all__ = [
    "FAILURE_LIMIT",
    "FAILURE_WINDOW_S",
    "SCOPED",
    "DatabaseLoginThrottle",
    "LoginThrottle",
    "RedisLoginThrottle",
    "StoreUnavailableError",
    "build_throttle",
]
