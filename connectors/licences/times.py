"""Vendor timestamps as aware datetimes: ISO 8601 in its vendor spellings, and "never" as None."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.errors import RejectedError

NEVER_BEFORE = datetime(1971, 1, 1, tzinfo=UTC)
"""Google writes ``1970-01-01T00:00:00.000Z`` and Zoom an empty string for "never logged in"."""


def when(value: object, *, system: str, field: str) -> datetime | None:
    """
    ``value`` as a UTC-aware time, or None when the vendor says "never".

    Raises:
        RejectedError: the vendor sent something that is not a time (naming the field).
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RejectedError(f"{field}: {value!r} is not a time", system=system)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RejectedError(f"{field}: {value!r} is not an ISO 8601 time", system=system) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None if parsed < NEVER_BEFORE else parsed.astimezone(UTC)
