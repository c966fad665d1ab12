"""
Outages are transient, and a request that never left is known to have changed nothing.

Each case meets a real refusal on loopback (nothing listens on port 1): the rate limiter's Redis,
the broker's Redis, an LDAP server, an HTTP API.
"""

from __future__ import annotations

import pytest
import redis
import requests
from redis.backoff import NoBackoff
from redis.retry import Retry

from connectors.errors import (
    DeskpilotError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
    UnreachableError,
    changed_nothing,
)
from connectors.http import request_error
from connectors.identity.ldap import LdapOptions
from connectors.identity.ldap_session import LdapSession
from connectors.ratelimit import Budget, RedisRateLimiter
from worker.queue.broker import should_retry

NOWHERE = ("127.0.0.1", 1)


def _redis_down() -> redis.Redis:
    return redis.Redis(
        host=NOWHERE[0], port=NOWHERE[1], socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


def test_the_rate_limiters_redis_down_is_transient() -> None:
    """Dramatiq gave up on a desk call whose limiter could not reach Redis: it is retried now."""
    limiter = RedisRateLimiter(_redis_down())

    with pytest.raises(UnreachableError) as caught:
        limiter.acquire("jira:jira-it", Budget(100))

    assert should_retry(0, caught.value)
    assert changed_nothing(caught.value)


def test_the_brokers_redis_down_is_transient() -> None:
    with pytest.raises(redis.ConnectionError) as caught:
        _redis_down().ping()

    assert should_retry(0, caught.value)


def test_a_refused_ldap_connection_changed_nothing() -> None:
    session = LdapSession(
        LdapOptions(
            url=f"ldap://{NOWHERE[0]}:{NOWHERE[1]}",
            bind_dn="cn=admin,dc=example,dc=com",
            bind_password="not-a-real-password",
            base_dn="dc=example,dc=com",
            timeout_s=1,
        ),
        system="corp",
    )

    with pytest.raises(UnreachableError) as caught:
        session.modify("uid=alice,ou=people,dc=example,dc=com", {})

    assert should_retry(0, caught.value)
    assert changed_nothing(caught.value)


def test_a_refused_http_connection_changed_nothing() -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get(f"http://{NOWHERE[0]}:{NOWHERE[1]}/", timeout=1)

    error = request_error(caught.value, system="okta")

    assert isinstance(error, UnreachableError)
    assert changed_nothing(error)


@pytest.mark.parametrize(
    ("error", "nothing_changed"),
    [
        (UnavailableError("ReadTimeout: no answer", system="okta"), False),
        (UnavailableError("server error", system="okta", status=503), True),
        (UnavailableError("busy (51)", system="corp", answered=True), True),
        (RateLimitedError("slow down", retry_after_s=3, system="okta"), True),
        (RejectedError("invalid", system="okta", status=400), True),
    ],
    ids=["timeout-waiting-for-the-answer", "http-status", "ldap-result-code", "429", "4xx"],
)
def test_what_an_error_says_about_the_change(error: DeskpilotError, nothing_changed: bool) -> None:
    assert nothing_changed == changed_nothing(error)
