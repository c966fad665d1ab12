"""Durations as people write them in playbooks and ticket comments: ``2w``, ``3 days``, ``P7D``."""

from __future__ import annotations

import re

_UNITS = {
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "wks": 604800, "week": 604800, "weeks": 604800,
    "mo": 2592000, "month": 2592000, "months": 2592000,
}  # fmt: skip
_HUMAN = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$", re.IGNORECASE)
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$", re.IGNORECASE)


class DurationError(ValueError):
    """A duration could not be understood."""


def parse_duration(text: str) -> int:
    """
    Parse a duration into seconds.

    Args:
        text: ``2w``, ``3 days``, ``12h``, ``1 month`` (30 days) or ISO 8601 ``P7D``/``PT8H``.

    Returns:
        The duration in seconds (always > 0).
    """
    human = _HUMAN.match(text)
    if human and human.group(2).lower() in _UNITS:
        seconds = int(human.group(1)) * _UNITS[human.group(2).lower()]
    else:
        iso = _ISO.match(text.strip())
        if not iso or not any(iso.groups()):
            raise DurationError(f"cannot read duration {text!r} (try 2w, 3 days, 12h or P7D)")
        weeks, days, hours, minutes = (int(g or 0) for g in iso.groups())
        seconds = weeks * 604800 + days * 86400 + hours * 3600 + minutes * 60
    if seconds <= 0:
        raise DurationError(f"duration {text!r} must be longer than zero")
    return seconds


def format_duration(seconds: int) -> str:
    """
    Say a duration the way a person would (``2 weeks``, ``3 days``, ``8 hours``).

    Args:
        seconds: the duration.
    """
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
