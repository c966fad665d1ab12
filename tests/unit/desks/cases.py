"""The status → deskpilot error table every desk connector is tested against."""

from __future__ import annotations

import email.utils
import time

import requests

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


ERROR_TABLE = [
    (429, {"Retry-After": "45"}, None, RateLimitedError, 45.0),
    (429, {"Retry-After": http_date(120)}, None, RateLimitedError, 120.0),
    (500, {}, None, UnavailableError, None),
    (503, {"Retry-After": "20"}, None, UnavailableError, None),
    (None, {}, requests.exceptions.ReadTimeout("read timed out"), UnavailableError, None),
    (None, {}, requests.exceptions.ConnectionError("connection reset"), UnavailableError, None),
    (401, {}, None, AuthError, None),
    (403, {}, None, AuthError, None),
    (404, {}, None, NotFoundError, None),
    (400, {}, None, RejectedError, None),
    (422, {}, None, RejectedError, None),
]
ERROR_IDS = [
    "429-seconds",
    "429-http-date",
    "500",
    "503",
    "timeout",
    "connection-reset",
    "401",
    "403",
    "404",
    "400",
    "422",
]
PERMANENT = (AuthError, NotFoundError, RejectedError)
