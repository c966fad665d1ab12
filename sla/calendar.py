"""
Business calendars and exact business-time arithmetic.

A calendar has an IANA time zone, weekly windows on the local wall clock (split days, night shifts
split at midnight, "24:00" ends), closed dates (holidays from the ``holidays`` package for a
country/region plus the admin's own dates) and versions with an effective local date: an edit
never rewrites history, because each local date is measured with the version in effect on it
(decision D5).

All arithmetic is on UTC instants (decision D1, see ``sla.zone``). Long spans skip whole weeks
whose offset, version and holidays are plain, so a year costs ~52 steps, not 525,600 minutes.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache

import holidays as holidays_lib

from sla.zone import Interval, day_ceil, day_floor, local_date, transitions_between, window_preimage

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_ZERO = timedelta(0)
_HORIZON_DAYS = 3660
_DASH = "\u2013"  # an en dash, so a window reads as a time range
_LABEL = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)(\+1)?$")


class CalendarError(ValueError):
    """A calendar is malformed, or business time cannot be found in it."""


@dataclass(frozen=True, order=True)
class Window:
    """An open window on one local date: ``[start_min, end_min)`` minutes after midnight."""

    start_min: int
    end_min: int


@dataclass(frozen=True)
class HolidaySource:
    """Closed local dates: a country's (and region's) public holidays plus the admin's own dates."""

    country: str | None = None
    subdivision: str | None = None
    dates: frozenset[date] = frozenset()

    def is_closed(self, d: date) -> bool:
        """
        Whether the whole local date ``d`` is closed.

        Args:
            d: a local date of the calendar.
        """
        if d in self.dates:
            return True
        return self.country is not None and d in _country_holidays(
            self.country, self.subdivision, d.year
        )


@lru_cache(maxsize=512)
def _country_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True)
class CalendarVersion:
    """The windows and holidays in effect from ``effective_from`` (a local date) onwards."""

    effective_from: date
    weekly: tuple[tuple[Window, ...], ...]
    """Seven tuples, Monday first, each sorted and non-overlapping."""
    holidays: HolidaySource = HolidaySource()

    @cached_property
    def week_seconds(self) -> timedelta:
        """Business time in a week without holidays or clock changes."""
        return timedelta(minutes=sum(w.end_min - w.start_min for day in self.weekly for w in day))


@dataclass(frozen=True)
class Calendar:
    """A business calendar: zone, versions sorted by effective date (the first from date.min)."""

    name: str
    timezone: str
    versions: tuple[CalendarVersion, ...]
    _starts: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.versions or self.versions[0].effective_from != date.min:
            raise CalendarError(f"calendar {self.name}: the first version must start at date.min")
        starts = tuple(v.effective_from for v in self.versions)
        if list(starts) != sorted(set(starts)):
            raise CalendarError(f"calendar {self.name}: versions must have increasing dates")
        object.__setattr__(self, "_starts", starts)

    def version_on(self, d: date) -> CalendarVersion:
        """
        The version in effect on local date ``d``.

        Args:
            d: a local date.
        """
        return self.versions[bisect.bisect_right(self._starts, d) - 1]


def parse_label(text: str) -> tuple[int, bool]:
    """
    Read a wall-clock label ``HH:MM`` (``24:00`` allowed, ``+1`` suffix = next day).

    Args:
        text: the label.

    Returns:
        Minutes after midnight and whether the label is on the next day.

    Raises:
        CalendarError: the label is not a time of day.
    """
    match = _LABEL.match(text.strip())
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if match is None or minutes > 1440:
        raise CalendarError(f"{text!r} is not a time of day (HH:MM, 24:00, or HH:MM+1)")
    return minutes, match.group(3) is not None


def weekly_windows(
    weekly: Mapping[str, Sequence[Sequence[str]]],
) -> tuple[tuple[Window, ...], ...]:
    """
    Turn ``{"mon": [["09:00", "17:00"], ["22:00", "06:00+1"]], ...}`` into per-weekday windows.

    A night shift ending on the next day (``+1``) is split at midnight; its second half belongs to
    the next weekday (and is closed if that date is a holiday, as D1 measures by local date).

    Args:
        weekly: weekday names (mon..sun) to lists of ``[start, end]`` labels.

    Raises:
        CalendarError: unknown weekday, unreadable label, inverted or overlapping window.
    """
    days: list[list[Window]] = [[] for _ in WEEKDAYS]
    for name, windows in weekly.items():
        if name not in WEEKDAYS:
            raise CalendarError(f"{name!r} is not a weekday (use {', '.join(WEEKDAYS)})")
        index = WEEKDAYS.index(name)
        for pair in windows:
            for day, window in _split(index, pair):
                days[day].append(window)
    for index, day_windows in enumerate(days):
        day_windows.sort()
        for before, after in itertools.pairwise(day_windows):
            if after.start_min < before.end_min:
                raise CalendarError(f"{WEEKDAYS[index]}: windows overlap")
    return tuple(tuple(d) for d in days)


def _split(index: int, pair: Sequence[str]) -> list[tuple[int, Window]]:
    if len(pair) != 2:
        raise CalendarError(f"a window is [start, end], got {list(pair)!r}")
    (start, start_next), (end, end_next) = parse_label(pair[0]), parse_label(pair[1])
    if start_next or start == 1440:
        raise CalendarError(f"window {pair[0]}-{pair[1]} must start before 24:00 of its day")
    if not end_next:
        if end <= start:
            raise CalendarError(f"window {pair[0]}{_DASH}{pair[1]} is inverted")
        return [(index, Window(start, end))]
    if end == 0 or end > start:
        raise CalendarError(f"night shift {pair[0]}-{pair[1]} must end before it starts again")
    return [(index, Window(start, 1440)), ((index + 1) % 7, Window(0, end))]


def make_calendar(
    name: str,
    timezone: str,
    weekly: Mapping[str, Sequence[Sequence[str]]],
    holidays: HolidaySource = HolidaySource(),
    versions: Iterable[
        tuple[date, Mapping[str, Sequence[Sequence[str]]], HolidaySource | None]
    ] = (),
) -> Calendar:
    """
    Build a calendar from wall-clock labels.

    Args:
        name: the calendar's name (for messages).
        timezone: IANA zone.
        weekly: the first version's windows (see ``weekly_windows``).
        holidays: the first version's closed dates.
        versions: later versions as ``(effective_from, weekly, holidays or None to keep)``.
    """
    built = [CalendarVersion(date.min, weekly_windows(weekly), holidays)]
    for effective_from, later_weekly, later_holidays in sorted(versions, key=lambda v: v[0]):
        keep = later_holidays if later_holidays is not None else built[-1].holidays
        built.append(CalendarVersion(effective_from, weekly_windows(later_weekly), keep))
    return Calendar(name, timezone, tuple(built))


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise CalendarError(f"{instant.isoformat()} has no time zone; SLA instants must be aware")
    return instant.astimezone(UTC)


@lru_cache(maxsize=131072)
def _day_intervals(tz: str, version: CalendarVersion, d: date) -> tuple[Interval, ...]:
    if version.holidays.is_closed(d):
        return ()
    out: list[Interval] = []
    for window in version.weekly[d.weekday()]:
        out.extend(window_preimage(tz, d, window.start_min, window.end_min))
    return tuple(sorted(out))


def business_intervals(cal: Calendar, d: date) -> tuple[Interval, ...]:
    """
    The UTC intervals of business time whose local date is ``d``.

    Args:
        cal: the calendar.
        d: a local date.
    """
    return _day_intervals(cal.timezone, cal.version_on(d), d)


def _plain_week(cal: Calendar, d: date) -> CalendarVersion | None:
    """The version if dates d..d+6 share it, have no holiday and no offset change, else None."""
    version = cal.version_on(d)
    if cal.version_on(d + 6 * _DAY) is not version:
        return None
    if any(version.holidays.is_closed(d + i * _DAY) for i in range(7)):
        return None
    if transitions_between(cal.timezone, day_floor(d), day_ceil(d + _WEEK)):
        return None
    return version


def business_seconds_between(cal: Calendar, start: datetime, end: datetime) -> float:
    """
    Business seconds in ``[start, end)`` (0 when ``end <= start``).

    Args:
        cal: the calendar.
        start: aware instant.
        end: aware instant.
    """
    return business_between(cal, _utc(start), _utc(end)).total_seconds()


def business_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """
    Business time in ``[start, end)`` as an exact timedelta (UTC instants).

    Args:
        cal: the calendar.
        start: UTC instant.
        end: UTC instant.
    """
    total = _ZERO
    if end <= start:
        return total
    d, last = local_date(cal.timezone, start) - _DAY, local_date(cal.timezone, end) + _DAY
    while d <= last:
        if day_floor(d) >= start and day_ceil(d + _WEEK) <= end:
            version = _plain_week(cal, d)
            if version is not None:
                total, d = total + version.week_seconds, d + _WEEK
                continue
        for a, b in business_intervals(cal, d):
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                total += hi - lo
        d += _DAY
    return total


def add_business_seconds(cal: Calendar, start: datetime, seconds: float) -> datetime:
    """
    The first instant at which ``seconds`` of business time have passed since ``start``.

    When the goal is used up exactly at a window's end, that end is the answer (decision D2).

    Args:
        cal: the calendar.
        start: aware instant.
        seconds: business seconds to add (>= 0).

    Raises:
        CalendarError: negative seconds, or the calendar has too little business time in the
            ten years after ``start``.
    """
    if seconds < 0:
        raise CalendarError(f"cannot add {seconds} business seconds (negative)")
    return add_business(cal, _utc(start), timedelta(seconds=seconds))


def add_business(cal: Calendar, start: datetime, amount: timedelta) -> datetime:
    """
    Like ``add_business_seconds`` on a UTC instant and an exact timedelta.

    Args:
        cal: the calendar.
        start: UTC instant.
        amount: business time to add (>= 0).
    """
    if amount <= _ZERO:
        return start
    remaining, pending = amount, list[Interval]()
    d = local_date(cal.timezone, start) - _DAY
    horizon = max(d, cal.versions[-1].effective_from) + _HORIZON_DAYS * _DAY
    while d <= horizon:
        version = _plain_week(cal, d) if day_floor(d) >= start else None
        if version is not None:
            hit, remaining = _take(pending, remaining)
            if hit is not None:
                return hit
            pending = []
            if remaining > version.week_seconds:
                remaining, d = remaining - version.week_seconds, d + _WEEK
                continue
        pending.extend((max(a, start), b) for a, b in business_intervals(cal, d) if b > start)
        pending.sort()
        cut = bisect.bisect_left(pending, (day_floor(d + _DAY),))
        hit, remaining = _take(pending[:cut], remaining)
        if hit is not None:
            return hit
        pending, d = pending[cut:], d + _DAY
    raise CalendarError(
        f"calendar {cal.name}: fewer than {amount.total_seconds():g} business seconds "
        f"in the ten years after {start.isoformat()}"
    )


def _take(intervals: Sequence[Interval], remaining: timedelta) -> tuple[datetime | None, timedelta]:
    for a, b in intervals:
        if b - a >= remaining:
            return a + remaining, _ZERO
        remaining -= b - a
    return None, remaining


def next_business_instant(cal: Calendar, instant: datetime) -> datetime:
    """
    The first business instant at or after ``instant`` (itself when it is business time).

    Args:
        cal: the calendar.
        instant: aware instant.

    Raises:
        CalendarError: no business time in the ten years after ``instant``.
    """
    start = _utc(instant)
    d = local_date(cal.timezone, start) - _DAY
    candidates: list[datetime] = []
    for _ in range(_HORIZON_DAYS):
        candidates.extend(max(a, start) for a, b in business_intervals(cal, d) if b > start)
        if candidates and min(candidates) < day_floor(d + _DAY):
            return min(candidates)
        d += _DAY
    if candidates:
        return min(candidates)
    raise CalendarError(f"calendar {cal.name}: no business time after {start.isoformat()}")


def is_business_instant(cal: Calendar, instant: datetime) -> bool:
    """
    Whether ``instant`` lies inside an open window of its local date.

    Args:
        cal: the calendar.
        instant: aware instant.
    """
    at = _utc(instant)
    return any(a <= at < b for a, b in business_intervals(cal, local_date(cal.timezone, at)))


def always_open(name: str = "24x7", timezone: str = "UTC") -> Calendar:
    """
    A calendar open every second (what a "calendar hours" clock measures against).

    Args:
        name: the calendar's name.
        timezone: IANA zone (irrelevant to the arithmetic, kept for display).
    """
    return make_calendar(name, timezone, {day: [["00:00", "24:00"]] for day in WEEKDAYS})
