"""
Request budgets shared by every worker that talks to the same vendor account.

Both limiters implement the generic cell rate algorithm (GCRA): a key's "theoretical arrival
time" (TAT) advances by one emission interval per admitted request, and a request is admitted
while the TAT is at most ``burst - 1`` intervals ahead of now. ``acquire`` either admits the
request (returns 0.0) or returns how long to wait without consuming anything, so a caller may
sleep a short wait and ask again, or give a long one back to the queue.

``block(key, seconds)`` records a ``blocked_until`` for the key (kept at its maximum), so a
429's Retry-After seen by one worker makes every worker wait.

* ``RedisRateLimiter``: one round trip per call (a Lua script on the server clock, so worker
  clock skew does not matter); the production choice when workers run on several machines.
* ``LocalRateLimiter``: the same rules in process memory, for the embedded single-process setup.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis

from connectors.errors import UnreachableError


@dataclass(frozen=True)
class Budget:
    """``requests`` per ``per_s`` seconds, with up to ``burst`` requests back to back."""

    requests: int
    per_s: float = 60.0
    burst: int = 10

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per_s <= 0 or self.burst < 1:
            raise ValueError(
                f"budget needs requests >= 1, per_s > 0, burst >= 1; got {self.requests}/{self.per_s}s burst {self.burst}"
            )

    @property
    def interval_s(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return self.per_s / self.requests


class RateLimiter(Protocol):
    """A budget keeper shared by every worker using the same vendor account."""

    def acquire(self, key: str, budget: Budget) -> float:
        """
        Take one request from ``key``'s budget, or say how long to wait.

        Returns 0.0 when the request may go now (and counts it), else the seconds to wait
        before asking again (nothing is counted). A key blocked by ``block`` waits until then.
        """
        ...

    def block(self, key: str, seconds: float) -> None:
        """Make every ``acquire`` on ``key`` wait ``seconds`` from now (e.g. after a 429)."""
        ...


class LocalRateLimiter:
    """GCRA in process memory; thread-safe. ``clock`` is injectable for tests."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}
        self._blocked_until: dict[str, float] = {}

    def acquire(self, key: str, budget: Budget) -> float:
        with self._lock:
            now = self._clock()
            blocked = self._blocked_until.get(key, 0.0)
            if blocked > now:
                return blocked - now
            tat = max(self._tat.get(key, now), now)
            allow_at = tat - budget.interval_s * (budget.burst - 1)
            if now < allow_at:
                return allow_at - now
            self._tat[key] = tat + budget.interval_s
            return 0.0

    def block(self, key: str, seconds: float) -> None:
        with self._lock:
            until = self._clock() + max(0.0, seconds)
            self._blocked_until[key] = max(self._blocked_until.get(key, 0.0), until)


_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then
  return blocked - now
end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local allow_at = tat - tolerance
if now < allow_at then
  return allow_at - now
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
return 0
"""

_BLOCK_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > current then
  redis.call('SET', KEYS[1], now + ms, 'PX', ms)
end
return 0
"""


class RedisRateLimiter:
    """GCRA in Redis: one EVALSHA per call, on the server's clock, shared by all workers."""

    def __init__(self, client: redis.Redis, *, prefix: str = "deskpilot:ratelimit:") -> None:
        self._prefix = prefix
        self._acquire = client.register_script(_ACQUIRE_LUA)
        self._block = client.register_script(_BLOCK_LUA)

    def acquire(self, key: str, budget: Budget) -> float:
        interval_ms = max(1, round(budget.interval_s * 1000))
        tolerance_ms = interval_ms * (budget.burst - 1)
        keys = [f"{self._prefix}{key}:tat", f"{self._prefix}{key}:blocked_until"]
        try:
            wait_ms = self._acquire(keys=keys, args=[interval_ms, tolerance_ms])
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            # No budget without the store: the request is not sent, and the message is retried.
            raise UnreachableError(f"rate limiter unavailable: {exc}", system="ratelimit") from exc
        return int(wait_ms) / 1000.0

    def block(self, key: str, seconds: float) -> None:
        ms = math.ceil(max(0.0, seconds) * 1000)
        if ms > 0:
            try:
                self._block(keys=[f"{self._prefix}{key}:blocked_until"], args=[ms])
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                raise UnreachableError(
                    f"rate limiter unavailable: {exc}", system="ratelimit"
                ) from exc


__all__ = ["Budget", "LocalRateLimiter", "RateLimiter", "RedisRateLimiter"]
