"""One retry rule: transient errors are retried (up to a bound), everything else is not."""

from __future__ import annotations

import dramatiq
import pytest

from connectors.errors import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)
from worker.broker import MAX_RETRIES, should_retry


@pytest.mark.parametrize(
    ("exc", "retried"),
    [
        (UnavailableError("503"), True),
        (RateLimitedError("429", retry_after_s=3), True),
        (dramatiq.Retry(), True),
        (AuthError("401"), False),
        (NotFoundError("404"), False),
        (RejectedError("400"), False),
        (KeyError("bug"), False),
    ],
    ids=["unavailable", "rate-limited", "explicit-retry", "auth", "not-found", "rejected", "bug"],
)
def test_only_transient_errors_are_retried(exc: BaseException, retried: bool) -> None:
    assert retried == should_retry(0, exc)


def test_retries_are_bounded() -> None:
    assert not should_retry(MAX_RETRIES, UnavailableError("still down"))
