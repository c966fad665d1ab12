"""
How every desk connector sends an HTTP request: budget first, one classifier, bounded retries.

Each attempt takes a token from the shared rate limiter (a short wait is slept, a long one is
raised as ``RateLimitedError`` so the worker re-enqueues the message with a delay), sends the
request on a ``BoundedSession`` (every request has a timeout) and hands the response to
``connectors.http.check_response``. A 429 blocks the limiter key for its Retry-After, so every
worker of this desk backs off together.

Transient failures (429 with a short Retry-After, 5xx, timeouts, connection resets) are retried
with tenacity: a few attempts, no more than ``max_total_wait_s`` of sleeping in all. Anything
longer is raised for the worker's queue. A 5xx that says how long to stay away (a 503's
``Retry-After``) is waited out like a 429: slept when short, and when long raised as
``RateLimitedError`` with that wait, so the worker comes back then and not on its own backoff. Permanent errors are raised at once, their message
prefixed with the name of the call (``jira.post_comment: request rejected: POST …``).

``sleep`` is injected (tests pass a fake clock's sleep) and never patched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_any
from tenacity.stop import stop_base
from tenacity.wait import wait_exponential_jitter

from connectors.errors import PermanentError, RateLimitedError, TransientError, UnavailableError
from connectors.http import check_response, request_error
from connectors.ratelimit import Budget, RateLimiter

T = TypeVar("T")

Classifier = Callable[[requests.Response], None]
"""A vendor hook run before ``check_response``; raises for statuses the vendor overloads."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the in-process retries; anything beyond them is the worker queue's job."""

    attempts: int = 4
    max_total_wait_s: float = 30.0
    max_inline_wait_s: float = 10.0
    """A Retry-After or budget wait longer than this is raised, not slept."""


class DeskTransport:
    """One desk instance's HTTP sender: limiter, session, classifier and retry policy."""

    def __init__(
        self,
        *,
        system: str,
        base_url: str,
        session: requests.Session,
        limiter: RateLimiter,
        budget: Budget,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy | None = None,
        classify: Classifier | None = None,
    ) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        self.session = session
        self._limiter = limiter
        self._budget = budget
        self._sleep = sleep
        self._policy = policy or RetryPolicy()
        self._classify = classify
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=8.0)

    def call(self, method: str, path: str, *, call: str, **kwargs: Any) -> requests.Response:
        """Send one request with the retry policy; ``call`` names it in errors."""
        return self.retrying(lambda: self.send(method, path, call=call, **kwargs))

    def json(self, method: str, path: str, *, call: str, **kwargs: Any) -> Any:
        """``call`` and decode the JSON body (``None`` for an empty body, e.g. 204)."""
        response = self.call(method, path, call=call, **kwargs)
        return response.json() if response.content else None

    def retrying(self, fn: Callable[[], T]) -> T:
        """
        Run ``fn`` (built from ``send`` calls) under the retry policy.

        Non-idempotent operations wrap their whole check-then-write in one ``fn``, so a retry
        re-checks before writing again.
        """
        policy = self._policy
        retrying = Retrying(
            retry=retry_if_exception(self._worth_retrying),
            wait=self._wait,
            stop=stop_any(
                stop_after_attempt(policy.attempts), _StopOnTotalWait(policy.max_total_wait_s)
            ),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(fn)

    def change_once(
        self, done: Callable[[], bool], write: Callable[[], object], *, resend: bool = False
    ) -> None:
        """
        Send a state change at most once: before any resend — a retry here after an error or a
        timeout, or ``resend`` when an earlier attempt may have applied it — ``done`` reads the
        desk, and nothing is sent when the ticket is already so. Both use ``send`` (one attempt).
        """
        attempts = 0

        def once() -> None:
            nonlocal attempts
            attempts += 1
            if (resend or attempts > 1) and done():
                return
            write()

        self.retrying(once)

    def send(
        self,
        method: str,
        path: str,
        *,
        call: str,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """One attempt, no retry: throttle, send, classify."""
        self._throttle()
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        try:
            response = self.session.request(method, url, headers=dict(headers or {}), **kwargs)
        except requests.RequestException as exc:
            raise request_error(exc, system=self.system) from exc
        return self.classified(response, call=call)

    def classified(self, response: requests.Response, *, call: str) -> requests.Response:
        """``response`` if it succeeded, else the deskpilot error for it (``call`` names it)."""
        try:
            if self._classify is not None:
                self._classify(response)
            return check_response(response, system=self.system)
        except RateLimitedError as exc:
            self._limiter.block(self.system, exc.retry_after_s)
            raise
        except UnavailableError as exc:
            if exc.retry_after_s is None:
                raise
            self._limiter.block(self.system, exc.retry_after_s)
            if exc.retry_after_s <= self._policy.max_inline_wait_s:
                raise
            raise RateLimitedError(
                f"{call}: unavailable, asked to come back in {exc.retry_after_s:.0f} s: {exc.args[0]}",
                retry_after_s=exc.retry_after_s,
                system=self.system,
                status=exc.status,
            ) from exc
        except PermanentError as exc:
            raise type(exc)(f"{call}: {exc.args[0]}", system=exc.system, status=exc.status) from exc

    def adapter(self, call: Callable[[], str]) -> HTTPAdapter:
        """
        A ``requests`` adapter that puts a vendor client's own session under this transport.

        Mounted on a client's session (the ``jira`` client's), every request it sends takes a
        token from the budget first and its response goes through ``classified``: a failure
        raises the deskpilot error before the client sees the response, so the client's own
        retries and error types never come into play. ``call`` names the operation in progress.
        """
        return _MeteredAdapter(self, call)

    def _throttle(self) -> None:
        for _ in range(8):
            wait = self._limiter.acquire(self.system, self._budget)
            if wait <= 0:
                return
            if wait > self._policy.max_inline_wait_s:
                break
            self._sleep(wait)
        else:
            wait = self._budget.interval_s
        raise RateLimitedError("request budget exhausted", retry_after_s=wait, system=self.system)

    def _worth_retrying(self, exc: BaseException) -> bool:
        if isinstance(exc, RateLimitedError):
            return exc.retry_after_s <= self._policy.max_inline_wait_s
        return isinstance(exc, TransientError)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError):
            return exc.retry_after_s
        if isinstance(exc, UnavailableError) and exc.retry_after_s is not None:
            return exc.retry_after_s
        return float(self._backoff(state))


class _MeteredAdapter(HTTPAdapter):
    """See ``DeskTransport.adapter``."""

    def __init__(self, transport: DeskTransport, call: Callable[[], str]) -> None:
        super().__init__()
        self._transport = transport
        self._call = call

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        transport = self._transport
        transport._throttle()
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException as exc:
            raise request_error(exc, system=transport.system) from exc
        return transport.classified(response, call=self._call())


class _StopOnTotalWait(stop_base):
    """Stop before the next sleep would take the total time slept past ``limit_s``."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        return retry_state.idle_for + retry_state.upcoming_sleep > self.limit_s


__all__ = ["Classifier", "DeskTransport", "RetryPolicy"]
