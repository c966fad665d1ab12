"""
HTTP helpers shared by every SaaS connector: bounded sessions and the one status classifier.

``check_response`` is the only place that turns HTTP status codes into deskpilot errors, so a call
site can never forget to treat a 429 as transient or a 403 as permanent.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from connectors.errors import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
    UnreachableError,
)

DEFAULT_TIMEOUT_S: tuple[float, float] = (5.0, 30.0)
"""(connect, read) timeout applied to every request that does not name its own."""

DEFAULT_RETRY_AFTER_S = 30.0
"""What we wait after a 429 that carries no usable ``Retry-After``."""


class BoundedSession(requests.Session):
    """A ``requests.Session`` whose every request has a timeout, so no call can hang forever."""

    def __init__(self, timeout: tuple[float, float] = DEFAULT_TIMEOUT_S) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """
    Seconds to wait according to a ``Retry-After`` header, in either of its two forms.

    RFC 9110 allows delay-seconds (``"120"``) or an HTTP-date (``"Wed, 21 Oct 2026 07:28:00 GMT"``).
    The jira client crashes on the date form; we accept both and never return a negative wait.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def check_response(
    response: requests.Response,
    *,
    system: str,
    rate_limit_headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """
    Return ``response`` if it succeeded, else raise the deskpilot error for its status.

    429 → RateLimitedError (honouring Retry-After), 5xx → UnavailableError (carrying a 503's
    Retry-After), 401/403 → AuthError,
    404 → NotFoundError, any other 4xx → RejectedError. The vendor's error text is kept in the
    message (it never holds secrets: bodies are not logged, only raised to the run's record).
    """
    status = response.status_code
    if status < 400:
        return response
    detail = _error_detail(response)
    if status == 429:
        headers = rate_limit_headers if rate_limit_headers is not None else response.headers
        wait = parse_retry_after(headers.get("Retry-After"))
        raise RateLimitedError(
            f"rate limited: {detail}",
            retry_after_s=DEFAULT_RETRY_AFTER_S if wait is None else wait,
            system=system,
            status=status,
        )
    if status >= 500:
        # RFC 9110: a 503 (Jira, Zendesk in maintenance) may say how long the outage lasts.
        wait = parse_retry_after(response.headers.get("Retry-After"))
        raise UnavailableError(
            f"server error: {detail}", system=system, status=status, retry_after_s=wait
        )
    if status in (401, 403):
        raise AuthError(
            f"not authorised (check the API credentials and their scopes): {detail}",
            system=system,
            status=status,
        )
    if status == 404:
        raise NotFoundError(f"not found: {detail}", system=system, status=status)
    raise RejectedError(f"request rejected: {detail}", system=system, status=status)


def request_error(exc: requests.RequestException, *, system: str) -> UnavailableError:
    """
    Map a transport failure (timeout, connection reset, DNS) to a transient error:
    ``UnreachableError`` when no connection was made (refused, unresolved, connect timeout), so
    the request was certainly not acted on.
    """
    text = f"{type(exc).__name__}: {exc}"
    if _never_connected(exc):
        return UnreachableError(text, system=system)
    return UnavailableError(text, system=system)


def _never_connected(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or not exc.args:
        return False
    reason = getattr(exc.args[0], "reason", exc.args[0])  # urllib3's MaxRetryError wraps it
    return isinstance(reason, NewConnectionError)


def _error_detail(response: requests.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    reason = response.reason or ""
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"{response.request.method if response.request else ''} {_path(response)} → {reason} {text}".strip()


def _path(response: requests.Response) -> str:
    # Only the path: query strings can carry tokens or personal data.
    url = response.url or ""
    return url.split("?", 1)[0]
