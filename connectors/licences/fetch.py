"""
GET requests for a licence snapshot: bounded, classified by ``check_response``, and retried.

A snapshot reads thousands of users page by page; one 429 must not throw the pages already read
away. Every read here is a GET, so resending is always safe: a 429 waits its ``Retry-After``
(the header in seconds or as an HTTP date), a 5xx or a dropped connection backs off
exponentially, and after ``attempts`` tries (or a wait longer than ``max_wait_s``) the transient
error is raised for the queue to retry the whole snapshot later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from connectors.errors import AuthError, RejectedError, TransientError
from connectors.http import BoundedSession, check_response, request_error

__all__ = ["Fetcher"]

ATTEMPTS = 6
MAX_WAIT_S = 120.0
BACKOFF_S = 1.0


class Fetcher:
    """Reads JSON pages from one vendor account."""

    def __init__(
        self,
        system: str,
        *,
        session: requests.Session | None = None,
        headers: Callable[[], Mapping[str, str]] = dict,
        auth_hint: str = "",
        attempts: int = ATTEMPTS,
        max_wait_s: float = MAX_WAIT_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """
        Args:
            system: the configured account name, for errors.
            session: the HTTP session (default: a ``BoundedSession`` with timeouts).
            headers: called before every request (a bearer token that may have been renewed).
            auth_hint: what to check, appended to a 401/403 message.
            attempts: tries per request before a transient error is raised.
            max_wait_s: the longest single wait; a longer ``Retry-After`` is raised at once.
            sleep: how to wait (tests pass a recorder).
        """
        self.system = system
        self.session = session or BoundedSession()
        self._headers = headers
        self._hint = auth_hint
        self._attempts = attempts
        self._max_wait_s = max_wait_s
        self._sleep = sleep
        self.requests = 0
        """Requests sent, retries included (for the benchmark and the run's record)."""

    def get(self, url: str, params: Mapping[str, str | int] | None = None) -> Any:
        """The decoded JSON body of ``GET url``, retried on 429, 5xx and dropped connections."""
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            wait=self._wait,
            stop=stop_after_attempt(self._attempts),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._once, url, params)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after_s", None)
        if asked is None:
            return float(min(BACKOFF_S * 2 ** (state.attempt_number - 1), self._max_wait_s))
        if asked > self._max_wait_s and exc is not None:
            raise exc  # longer than a snapshot is held open: the queue retries it later
        return float(asked)

    def _once(self, url: str, params: Mapping[str, str | int] | None) -> Any:
        self.requests += 1
        try:
            response = self.session.get(url, params=params, headers=dict(self._headers()))
        except requests.RequestException as exc:
            raise request_error(exc, system=self.system) from None
        try:
            check_response(response, system=self.system)
        except AuthError as exc:
            hint = f"; {self._hint}" if self._hint else ""
            raise AuthError(f"{exc.args[0]}{hint}", system=self.system, status=exc.status) from exc
        try:
            return response.json()
        except ValueError:
            raise RejectedError(
                f"GET {url.split('?', 1)[0]} answered {response.status_code} without JSON",
                system=self.system,
                status=response.status_code,
            ) from None
