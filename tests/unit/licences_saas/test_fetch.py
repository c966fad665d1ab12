"""Fetcher: one GET, retried on 429 (Retry-After in seconds or as a date), 5xx and resets."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
import responses

from connectors.errors import AuthError, RateLimitedError, RejectedError, UnavailableError
from connectors.licences.fetch import Fetcher

URL = "https://api.example.test/v1/things"


def fetcher(sleeps: list[float], **kwargs: float | int) -> Fetcher:
    return Fetcher(
        "vendor",
        headers=lambda: {"Authorization": "Bearer t0k3n"},
        auth_hint="check the token",
        sleep=sleeps.append,
        **kwargs,  # type: ignore[arg-type]
    )


@responses.activate
def test_a_429_waits_its_retry_after_then_reads_the_page(sleeps: list[float]) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "7"}, json={"error": "slow down"})
    responses.get(URL, json={"items": [1]})

    assert {"items": [1]} == fetcher(sleeps).get(URL)
    assert [7.0] == sleeps
    assert "Bearer t0k3n" == responses.calls[1].request.headers["Authorization"]


@responses.activate
def test_a_retry_after_date_is_honoured(sleeps: list[float]) -> None:
    later = email.utils.formatdate(time.time() + 20, usegmt=True)
    responses.get(URL, status=429, headers={"Retry-After": later})
    responses.get(URL, json={})

    fetcher(sleeps).get(URL)

    assert 1 == len(sleeps)
    assert 15 < sleeps[0] <= 21


@responses.activate
def test_server_errors_and_resets_back_off_exponentially(sleeps: list[float]) -> None:
    responses.get(URL, status=502)
    responses.get(URL, body=requests.ConnectionError("reset by peer"))
    responses.get(URL, status=503)
    responses.get(URL, json={"ok": True})

    assert {"ok": True} == fetcher(sleeps).get(URL)
    assert [1.0, 2.0, 4.0] == sleeps


@responses.activate
def test_gives_up_after_the_attempts_with_the_transient_error(sleeps: list[float]) -> None:
    responses.get(URL, status=503)

    with pytest.raises(UnavailableError):
        fetcher(sleeps, attempts=3).get(URL)
    assert 3 == len(responses.calls)


@responses.activate
def test_a_wait_longer_than_the_limit_is_raised_at_once(sleeps: list[float]) -> None:
    responses.get(URL, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(RateLimitedError) as caught:
        fetcher(sleeps, max_wait_s=60).get(URL)
    assert 3600 == caught.value.retry_after_s
    assert [] == sleeps
    assert 1 == len(responses.calls)


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (400, RejectedError)],
    ids=["unauthorised", "forbidden", "bad-request"],
)
@responses.activate
def test_permanent_errors_are_not_retried(
    sleeps: list[float], status: int, error: type[Exception]
) -> None:
    responses.get(URL, status=status, json={"error": "no"})

    with pytest.raises(error) as caught:
        fetcher(sleeps).get(URL)
    assert 1 == len(responses.calls)
    assert "t0k3n" not in str(caught.value)
    if error is AuthError:
        assert "check the token" in str(caught.value)


@responses.activate
def test_a_page_that_is_not_json_is_a_clear_error(sleeps: list[float]) -> None:
    responses.get(URL, body="<html>maintenance</html>")

    with pytest.raises(RejectedError, match="without JSON"):
        fetcher(sleeps).get(URL)
