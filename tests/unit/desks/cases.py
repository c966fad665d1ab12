"""The status → deskpilot error table every desk connector is tested against."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from typing import Any

import requests
from responses import Call

from connectors.errors import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)


def http_date(seconds_from_now: float) -> str:
    """An HTTP-date ``Retry-After`` that far in the future."""
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


ErrorCase = tuple[
    int | None, Callable[[], dict[str, str]], Exception | None, type[Exception], float | None
]
"""One row of ``ERROR_TABLE``."""

ERROR_TABLE: list[ErrorCase] = [
    (429, lambda: {"Retry-After": "45"}, None, RateLimitedError, 45.0),
    (429, lambda: {"Retry-After": http_date(120)}, None, RateLimitedError, 120.0),
    (500, dict, None, UnavailableError, None),
    (503, dict, None, UnavailableError, None),
    # A 503 that says how long to stay away: longer than the inline wait, so the worker waits it.
    (503, lambda: {"Retry-After": "20"}, None, RateLimitedError, 20.0),
    (None, dict, requests.exceptions.ReadTimeout("read timed out"), UnavailableError, None),
    (None, dict, requests.exceptions.ConnectionError("connection reset"), UnavailableError, None),
    (401, dict, None, AuthError, None),
    (403, dict, None, AuthError, None),
    (404, dict, None, NotFoundError, None),
    (400, dict, None, RejectedError, None),
    (422, dict, None, RejectedError, None),
]
"""(status, headers factory (called in the test, so an HTTP-date is fresh), transport exception, error class, Retry-After)."""
ERROR_IDS = [
    "429-seconds",
    "429-http-date",
    "500",
    "503",
    "503-retry-after",
    "timeout",
    "connection-reset",
    "401",
    "403",
    "404",
    "400",
    "422",
]
PERMANENT = (AuthError, NotFoundError, RejectedError)


def status_of(call: Call) -> int:
    """The HTTP status a recorded call answered with (a raised transport error has none)."""
    assert isinstance(call.response, requests.Response), call.response
    return call.response.status_code


def retry_after_of(error: BaseException) -> float:
    """The Retry-After a rate-limited error carries."""
    assert isinstance(error, RateLimitedError), error
    return error.retry_after_s


def json_body(call: Call) -> Any:
    """The JSON a recorded call sent."""
    assert call.request.body is not None
    return json.loads(call.request.body)
