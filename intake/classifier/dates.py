"""
Dates and durations as people write them in tickets, resolved against a given ``now``.

"until Friday", "for two weeks", "until 2026-12-31", "last day is 12 March", "starting Monday".
A date without a year is the next such date on or after ``now``; a weekday is the next such day
after today. An end ("until …", "last day …") is the end of that day in ``now``'s time zone; a
start ("starting …", "from …") is the start of that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_WEEKDAYS = {
    d: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for d in names
}
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fourteen": 14, "thirty": 30,
    "a couple of": 2, "a few": 3,
}  # fmt: skip
_UNITS = {"hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400}

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
DATE_PATTERN = (
    r"(?:\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTH_RE})\b\.?(?:,?\s+\d{{4}})?"
    rf"|(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?"
    rf"|(?:next\s+|this\s+)?(?:{_DAY_RE})\b"
    r"|today|tomorrow|end of (?:the )?(?:week|month|year)"
    r"|next week|next month)"
)
_END_CUE = re.compile(
    rf"\b(?:until|till|til|through|thru|up to|expires?(?: on)?|ends?(?: on)?|by|"
    rf"(?:last|final) (?:working )?day(?: is| will be| on)?|leaving(?: on)?|leaves(?: on)?)"
    rf"\s*:?\s+(?:the\s+)?({DATE_PATTERN})",
    re.IGNORECASE,
)
_START_CUE = re.compile(
    rf"\b(?:starting|starts?(?: on)?|from|as of|effective(?: from)?|beginning|joins?(?: on)?|"
    rf"joining(?: on)?|first day(?: is| will be| on)?|start date(?: is)?)\s*:?\s+(?:the\s+)?"
    rf"({DATE_PATTERN})",
    re.IGNORECASE,
)
_NUM_RE = "|".join(sorted((re.escape(k) for k in _NUMBERS), key=len, reverse=True))
_DURATION = re.compile(
    rf"\bfor\s+(?:the\s+next\s+)?(\d+|{_NUM_RE})\s+(hour|day|week|month)s?\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Period:
    """When the ask starts and ends, as far as the text says."""

    until: datetime | None = None
    duration_s: int | None = None
    effective_date: datetime | None = None
    is_last_day: bool = False


def _year_for(month: int, day: int, now: datetime) -> int:
    if (month, day) < (now.month, now.day):
        return now.year + 1
    return now.year


def _safe_date(year: int, month: int, day: int, now: datetime) -> datetime | None:
    try:
        return datetime.combine(date(year, month, day), time(), tzinfo=now.tzinfo)
    except ValueError:
        return None


def _numeric_date(text: str, now: datetime) -> datetime | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        y, m, d = (int(p) for p in text.split("-"))
        return _safe_date(y, m, d, now)
    day, month, year = (int(p) for p in re.split(r"[./]", text))
    if year < 100:
        year += 2000
    # Day first: the teams these tickets come from write 31/12 far more often than 12/31.
    if month > 12 and day <= 12:
        day, month = month, day
    return _safe_date(year, month, day, now)


def _named_date(text: str, now: datetime) -> datetime | None:
    words = re.findall(r"[a-z]+|\d+", text.lower())
    nums = [int(w) for w in words if w.isdigit()]
    month = next((_MONTHS[w] for w in words if w in _MONTHS), None)
    if month is None or not nums:
        return None
    day = next((n for n in nums if n <= 31), None)
    year = next((n for n in nums if n > 31), None)
    if day is None:
        return None
    return _safe_date(year or _year_for(month, day, now), month, day, now)


def _relative_date(text: str, now: datetime) -> datetime | None:
    low = text.lower()
    today = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    if low == "today":
        return today
    if low == "tomorrow":
        return today + timedelta(days=1)
    if low in ("next week", "next month"):
        return today + timedelta(days=7 if low == "next week" else 30)
    if low.startswith("end of"):
        return _end_of(low.rsplit(" ", 1)[-1], today)
    word = low.split()[-1]
    if word in _WEEKDAYS:
        ahead = (_WEEKDAYS[word] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead + (7 if low.startswith("next") and ahead < 7 else 0))
    return None


def _end_of(unit: str, today: datetime) -> datetime:
    if unit == "week":
        return today + timedelta(days=4 - today.weekday() if today.weekday() < 5 else 0)
    if unit == "year":
        return today.replace(month=12, day=31)
    first_next = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def parse_date(text: str, now: datetime) -> datetime | None:
    """The start of the day ``text`` names (ISO, 31/12/2026, 12 March, Friday, tomorrow…)."""
    text = text.strip().rstrip(".")
    if re.match(r"\d{4}-|\d{1,2}[./]\d{1,2}[./]", text):
        return _numeric_date(text, now)
    return _named_date(text, now) or _relative_date(text, now)


def _end_of_day(day: datetime) -> datetime:
    return day + timedelta(days=1) - timedelta(seconds=1)


def extract_period(text: str, now: datetime) -> Period:
    """The end, duration and start an ask mentions (each None when the text does not say)."""
    until: datetime | None = None
    duration_s: int | None = None
    is_last_day = False
    end = _END_CUE.search(text)
    if end and (day := parse_date(end.group(1), now)) is not None:
        until = _end_of_day(day)
        is_last_day = bool(re.search(r"last|final|leav", end.group(0), re.IGNORECASE))
    dur = _DURATION.search(text)
    if dur:
        amount = dur.group(1).lower()
        count = int(amount) if amount.isdigit() else _NUMBERS[amount]
        duration_s = count * _UNITS[dur.group(2).lower()]
        until = until or now + timedelta(seconds=duration_s)
    start = _START_CUE.search(text)
    effective = parse_date(start.group(1), now) if start else None
    if is_last_day and effective is None:
        effective = until
    return Period(
        until=until, duration_s=duration_s, effective_date=effective, is_last_day=is_last_day
    )
