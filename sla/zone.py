"""
Exact UTC pre-images of local wall-clock windows (decision D1 of the SLA model).

A UTC instant is business time iff its local wall-clock label lies in an open window of its local
date. Local time is piecewise ``utc + offset``: within each constant-offset period the pre-image of
``[start_label, end_label)`` is a plain translation, so a window is mapped period by period. That
makes the DST cases exact without special-casing them:

* a window whose start label falls in a spring-forward gap opens at the transition (02:30 on a
  night that jumps 02:00 → 03:00 opens at 03:00 local);
* a window over repeated (ambiguous) labels counts both occurrences, so its pre-image may be two
  disjoint UTC intervals;
* a night window is one hour shorter or longer on the nights the clocks change.

``replace(tzinfo=…)`` and aware ``datetime + timedelta`` (wall-clock arithmetic in Python) are never
used on boundaries: every instant here is a UTC datetime.
"""

from __future__ import annotations

import bisect
import itertools
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MARGIN = timedelta(hours=15)
"""Larger than any UTC offset in the tz database (-12 h to +14 h)."""
_SAMPLE = timedelta(hours=2)

Interval = tuple[datetime, datetime]


def zone_of(name: str) -> ZoneInfo:
    """
    The IANA zone called ``name``.

    Args:
        name: an IANA time zone name such as ``Europe/London``.

    Raises:
        ValueError: the name is not in the tz database.
    """
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError subclasses KeyError
        raise ValueError(f"unknown time zone {name!r}") from exc


def local_date(tz: str, instant: datetime) -> date:
    """
    The calendar date on the wall clock of ``tz`` at ``instant``.

    Args:
        tz: IANA zone name.
        instant: an aware datetime.
    """
    return instant.astimezone(zone_of(tz)).date()


def day_floor(d: date) -> datetime:
    """A UTC instant at or before every instant whose local date is ``d``, in any zone."""
    return datetime.combine(d, time(), tzinfo=UTC) - MARGIN


def day_ceil(d: date) -> datetime:
    """A UTC instant at or after every instant whose local date is before ``d``, in any zone."""
    return datetime.combine(d, time(), tzinfo=UTC) + MARGIN


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _find_transition(zone: ZoneInfo, lo: datetime, hi: datetime) -> datetime:
    """The first whole second in (lo, hi] whose offset differs from the offset at lo."""
    before = _offset(zone, lo)
    low, high = int(lo.timestamp()), int(hi.timestamp())
    while high - low > 1:
        mid = (low + high) // 2
        if _offset(zone, datetime.fromtimestamp(mid, UTC)) == before:
            low = mid
        else:
            high = mid
    return datetime.fromtimestamp(high, UTC)


@lru_cache(maxsize=4096)
def transitions(tz: str, year: int) -> tuple[datetime, ...]:
    """
    Every UTC instant in ``year`` (UTC) at which the offset of ``tz`` changes, sorted.

    Args:
        tz: IANA zone name.
        year: the UTC year to scan.
    """
    zone = zone_of(tz)
    at = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    found: list[datetime] = []
    offset = _offset(zone, at)
    while at < end:
        nxt = min(at + _SAMPLE, end)
        new = _offset(zone, nxt)
        if new != offset:
            found.append(_find_transition(zone, at, nxt))
        at, offset = nxt, new
    return tuple(found)


def transitions_between(tz: str, lo: datetime, hi: datetime) -> list[datetime]:
    """
    The offset changes of ``tz`` strictly inside ``(lo, hi)``.

    Args:
        tz: IANA zone name.
        lo: UTC start.
        hi: UTC end.
    """
    out: list[datetime] = []
    for year in range(lo.year - 1, hi.year + 1):
        found = transitions(tz, year)
        out.extend(found[bisect.bisect_right(found, lo) : bisect.bisect_left(found, hi)])
    return out


def offset_pieces(
    tz: str, lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime, timedelta]]:
    """
    Split ``[lo, hi)`` into periods of constant UTC offset.

    Args:
        tz: IANA zone name.
        lo: UTC start.
        hi: UTC end.

    Returns:
        ``(start, end, offset)`` triples covering ``[lo, hi)`` in order.
    """
    zone = zone_of(tz)
    cuts = [lo, *transitions_between(tz, lo, hi), hi]
    return [(a, b, _offset(zone, a)) for a, b in itertools.pairwise(cuts) if a < b]


def window_preimage(tz: str, d: date, start_min: int, end_min: int) -> list[Interval]:
    """
    The UTC instants whose wall-clock label on date ``d`` lies in ``[start_min, end_min)``.

    Args:
        tz: IANA zone name.
        d: the local date.
        start_min: window start in minutes after local midnight.
        end_min: window end in minutes after local midnight (1440 = "24:00").

    Returns:
        Disjoint, sorted UTC intervals (two of them when the window covers repeated labels).
    """
    midnight = datetime.combine(d, time(), tzinfo=UTC)
    label_start = midnight + timedelta(minutes=start_min)
    label_end = midnight + timedelta(minutes=end_min)
    out: list[Interval] = []
    for lo, hi, offset in offset_pieces(tz, label_start - MARGIN, label_end + MARGIN):
        a, b = max(lo, label_start - offset), min(hi, label_end - offset)
        if a < b:
            if out and out[-1][1] == a:
                a = out.pop()[0]
            out.append((a, b))
    return out
