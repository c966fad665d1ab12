"""The shared request budget: the same GCRA rules in process memory and in Redis."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from connectors.ratelimit import Budget, LocalRateLimiter, RateLimiter, RedisRateLimiter

SLOW = Budget(requests=1, per_s=60.0, burst=5)
"""Five at once, then one a minute: no test runs long enough to earn a sixth."""


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at 127.0.0.1:6379 is required under CI: {exc}")
        pytest.skip(f"Redis at 127.0.0.1:6379 is not running: {exc}")
    yield client
    client.close()


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def shared_limiter(request: pytest.FixtureRequest, clock: Any) -> Iterator[RateLimiter]:
    if request.param == "local":
        yield LocalRateLimiter(clock=clock.monotonic)
        return
    client = request.getfixturevalue("redis_client")
    prefix = f"deskpilot-test:{uuid.uuid4().hex}:"
    yield RedisRateLimiter(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_budget_is_shared_by_two_threads(shared_limiter: RateLimiter) -> None:
    """Two workers hammering one key get the burst between them, not each."""
    admitted: list[int] = []

    def worker() -> None:
        admitted.append(sum(shared_limiter.acquire("zendesk:acme", SLOW) == 0.0 for _ in range(20)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(admitted) == 5


def test_refused_acquire_says_how_long_and_counts_nothing(shared_limiter: RateLimiter) -> None:
    for _ in range(5):
        assert shared_limiter.acquire("jira:it", SLOW) == 0.0

    waits = [shared_limiter.acquire("jira:it", SLOW) for _ in range(3)]

    assert all(50.0 < wait <= 60.0 for wait in waits)


def test_blocked_until_is_honoured_and_only_extended(shared_limiter: RateLimiter) -> None:
    """After a 429 every acquire waits out the Retry-After; a shorter block does not shorten it."""
    shared_limiter.block("sf:org", 30.0)
    shared_limiter.block("sf:org", 5.0)

    wait = shared_limiter.acquire("sf:org", Budget(requests=1000, per_s=1.0))

    assert 25.0 < wait <= 30.0
    assert shared_limiter.acquire("sf:other", Budget(requests=1000, per_s=1.0)) == 0.0


def test_local_limiter_admits_again_once_time_passes(clock: Any) -> None:
    limiter = LocalRateLimiter(clock=clock.monotonic)
    budget = Budget(requests=2, per_s=1.0, burst=1)
    assert limiter.acquire("k", budget) == 0.0
    wait = limiter.acquire("k", budget)

    clock.sleep(wait)

    assert (wait, limiter.acquire("k", budget)) == (0.5, 0.0)


@pytest.mark.parametrize(
    "args",
    [(0, 60.0, 1), (10, 0.0, 1), (10, 60.0, 0)],
    ids=["no-requests", "no-period", "no-burst"],
)
def test_budget_rejects_nonsense(args: tuple[int, float, int]) -> None:
    with pytest.raises(ValueError, match="budget needs"):
        Budget(*args)
