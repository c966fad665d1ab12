"""
Calls to Google's Directory and Licensing APIs: delegated-session errors classified like every
connector's, and quota 403s (which Google did not act on) retried with backoff before they
become a ``RateLimitedError``.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import google.auth.exceptions
import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from connectors.errors import AuthError, RateLimitedError, UnavailableError
from connectors.http import DEFAULT_TIMEOUT_S, check_response, request_error

__all__ = ["AUTH_HINT", "QUOTA_ATTEMPTS", "QUOTA_BACKOFF_MAX_S", "QUOTA_REASONS", "GoogleTransport"]

QUOTA_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"})
"""403 reasons that mean "slow down", not "not allowed"."""
QUOTA_ATTEMPTS = 4
QUOTA_BACKOFF_MAX_S = 16.0
AUTH_HINT = (
    "check the service-account key (credentials.service_account_json), that its client id has "
    "domain-wide delegation for the scopes in docs/directories-saas.md, and that "
    "options.admin_email is an admin allowed to manage these users"
)


class GoogleTransport:
    """Sends requests through the delegated session, bounded, classified and quota-aware."""

    def __init__(
        self,
        system: str,
        session: requests.Session,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.system = system
        self.session = session
        self.timeout = timeout
        self._sleep = sleep

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One Directory or Licensing API call; quota 403s retried with backoff, then rate-limited."""
        # A quota 403 means Google did not act on the request, so resending a write is safe.
        retrying = Retrying(
            retry=retry_if_exception_type(_QuotaExceededError),
            wait=wait_exponential_jitter(initial=1.0, max=QUOTA_BACKOFF_MAX_S),
            stop=stop_after_attempt(QUOTA_ATTEMPTS),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._send_once, method, url, **kwargs)
        except _QuotaExceededError as exc:
            raise RateLimitedError(
                f"quota still exceeded after {QUOTA_ATTEMPTS} attempts: {exc.args[0]}",
                retry_after_s=QUOTA_BACKOFF_MAX_S * 4,
                system=self.system,
                status=exc.status,
            ) from None

    def _send_once(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except google.auth.exceptions.RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise UnavailableError("token endpoint unavailable", system=self.system) from None
            raise AuthError(
                f"token refused: {exc.args[0] if exc.args else exc}; {AUTH_HINT}",
                system=self.system,
            ) from None
        except requests.RequestException as exc:
            raise request_error(exc, system=self.system) from None
        except google.auth.exceptions.TransportError as exc:
            raise UnavailableError(
                f"token endpoint unreachable: {type(exc).__name__}", system=self.system
            ) from None
        reason = _quota_reason(response) if response.status_code == 403 else None
        if reason is not None:
            path = urllib.parse.urlsplit(url).path
            raise _QuotaExceededError(
                f"{method} {path} → quota exceeded ({reason})", system=self.system, status=403
            )
        try:
            return check_response(response, system=self.system)
        except AuthError as exc:
            raise AuthError(
                f"{exc.args[0]}; {AUTH_HINT}", system=self.system, status=exc.status
            ) from exc


class _QuotaExceededError(UnavailableError):
    """A 403 whose reason is a quota or rate limit: retried here, never an ``AuthError``."""


def _quota_reason(response: requests.Response) -> str | None:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return None
    if not isinstance(error, dict):
        return None
    reasons = [str(e.get("reason", "")) for e in error.get("errors") or [] if isinstance(e, dict)]
    found = next((r for r in reasons if r in QUOTA_REASONS), None)
    if found is None and error.get("status") == "RESOURCE_EXHAUSTED":
        found = "RESOURCE_EXHAUSTED"
    return found
