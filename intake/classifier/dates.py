"""
Dates and durations as people write them in tickets, resolved against a given ``now``.

"until Friday", "for two weeks", "until 2026-12-31", "last day Fri 24/10", "on the 24th",
"starting Monday", "in 3 days", "until the end of my contract". A date without a year is the next
such date on or after ``now``; a weekday alone is the next such day after today. An end ("until
…", "last day …") is the end of that day in ``now``'s time zone; a start ("starting …", "from …")
is the start of that day.

Numbers alone do not say whether ``03/04`` is the 3rd of April or March the 4th. The readings are
narrowed, in order, by: a part above 12 (only one reading is a date); a weekday written with the
date (``Fri 24/10``: only the reading that falls on a Friday); the text's other numeric dates
whose order is plain (``25/12/2026`` elsewhere means day first); then the ``order`` the caller
gives (the desk's or requester's locale), day first by default. A weekday that matches no reading
makes the date unreadable (None) rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

DateOrder = Literal["dmy", "mdy"]
"""Which part of ``03/04`` comes first when nothing else in the ticket says: day or month."""

MONTHS = {
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
"""English month names and abbreviations (lower case) → month number."""
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

MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_NUM_RE = "|".join(sorted((re.escape(k) for k in _NUMBERS), key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)"
_WEEKDAY_PREFIX = rf"(?:(?:{_DAY_RE})\b\.?,?(?:\s*[-\u2013(]\s*|\s+)(?:the\s+)?)?"
"""A weekday written before a date: "Fri 24/10", "Friday, 24 October", "Fri (24/10)", "Fri - 24/10"."""
_WEEKDAY_SUFFIX = rf"(?:,?\s*\(?(?:{_DAY_RE})\b\.?\)?)?"
"""A weekday written after a date: "24/10 (Fri)", "24/10, Friday"."""
DATE_PATTERN = (
    r"(?:"
    rf"(?:{_DAY_RE})\b\.?,?(?:\s*[-\u2013(]\s*|\s+)\d{{1,2}}-\d{{1,2}}(?:-\d{{2,4}})?\b(?!-\d)"
    rf"|{_WEEKDAY_PREFIX}(?:\d{{4}}-\d{{2}}-\d{{2}}\b"
    r"|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\b(?![./]\d)"
    rf"|\d{{1,2}}{_ORD}?(?:\s+of)?\s+(?:{MONTH_RE})\b\.?(?:,?\s+\d{{4}})?"
    rf"|(?:{MONTH_RE})\.?\s+\d{{1,2}}{_ORD}?\b(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}{_ORD}\b(?:\s+of\s+(?:this|next)\s+month)?){_WEEKDAY_SUFFIX}"
    rf"|(?:next\s+|this\s+|coming\s+)?(?:{_DAY_RE})\b"
    rf"|in\s+(?:\d+|{_NUM_RE})\s+(?:day|week|month)s?\b"
    r"|today|tomorrow|day after tomorrow|end of (?:the |this |next )?(?:week|month|year)"
    r"|next week|next month)"
)
_END_CUE = re.compile(
    rf"\b(?:until|till|til|through|thru|up to|expires?(?: on)?|ends?(?: on)?|"
    rf"offboard(?:ing|ed)?(?: on| effective)?|"
    rf"(?:last|final) (?:working )?day(?: is| will be| on| of work)?|leaving(?: on)?|"
    rf"(?:leaving|leave|exit|termination|end) date(?: is| will be)?|"
    rf"leaves(?: on)?|finish(?:es|ing)?(?: on)?)"
    rf"\s*[:\-\u2013]?\s+(?:on\s+)?(?:the\s+)?({DATE_PATTERN})",
    re.IGNORECASE,
)
_START_CUE = re.compile(
    rf"\b(?:starting|starts?(?: on)?|from|as of|effective(?: from)?|beginning|joins?(?: on)?|"
    rf"joining(?: on)?|first day(?: is| will be| on)?|start date(?: is)?)\s*:?\s+(?:on\s+)?"
    rf"(?:the\s+)?({DATE_PATTERN})",
    re.IGNORECASE,
)
_DURATION = re.compile(
    rf"\bfor\s+(?:the\s+next\s+)?(\d+|{_NUM_RE})\s+(hour|day|week|month)s?\b", re.IGNORECASE
)
CONTRACT_END = re.compile(
    r"\b(?:end|expiry|close|finish)\s+of\s+(?:my|his|her|their|the|our)?\s*"
    r"(?:contract|engagement|assignment|placement)\b|\bcontract\s+end(?:s|\s+date)?\b",
    re.IGNORECASE,
)
"""``until the end of my contract``: the end is the person's contract end, not a calendar date."""
_NUMERIC = re.compile(r"\b(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\b")
_NUMERIC_DASHED = re.compile(r"\b(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2,4}))?\b")
"""A numeric date as a date pattern found it: "Fri 24-10" takes dashes, the text's order does not
(``2025-12-31`` is no month-first ``12-31``)."""


_PAST = re.compile(
    r"\b(?:been|since)\b|\b(?:has|have|had)(?:\s+not\b|n't\b)|\b(?:the\s+)?(?:last|past)\s*$",
    re.IGNORECASE,
)
"""A clause in the past or perfect ("has not worked for 3 months", "I have been locked out for
two days"): its duration is how long something lasted, not how long the ask is for."""


def _clause_before(text: str, match: re.Match[str]) -> str:
    start = max(text.rfind(p, 0, match.start()) for p in ".!?;\n")
    return text[start + 1 : match.start()]


@dataclass(frozen=True)
class Period:
    """When the ask starts and ends, as far as the text says."""

    until: datetime | None = None
    duration_s: int | None = None
    effective_date: datetime | None = None
    is_last_day: bool = False
    until_contract_end: bool = False
    """The end is the contract's end: the directory's date wins over one the text gives."""


def _safe_date(year: int, month: int, day: int, now: datetime) -> datetime | None:
    try:
        return datetime.combine(date(year, month, day), time(), tzinfo=now.tzinfo)
    except ValueError:
        return None


def _dated(day: int, month: int, year: int | None, now: datetime) -> datetime | None:
    """That day; without a year, the next one on or after ``now``'s day."""
    if year is not None:
        return _safe_date(year + 2000 if year < 100 else year, month, day, now)
    for ahead in range(9):  # 29 February waits for the next leap year
        found = _safe_date(now.year + ahead, month, day, now)
        if found is not None and found.date() >= now.date():
            return found
    return None


def text_order(text: str, default: DateOrder = "dmy") -> DateOrder:
    """
    The order the text's own numeric dates show (a part above 12), else ``default``.

    Args:
        text: the whole ticket text.
        default: the locale's order.
    """
    for match in _NUMERIC.finditer(text):
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            return "dmy"
        if second > 12 >= first:
            return "mdy"
    return default


def _weekday_of(text: str) -> int | None:
    """The weekday written with a date, before it ("Fri 24/10") or after it ("24/10 (Fri)")."""
    word = re.search(rf"\b({_DAY_RE})\b", text.lower())
    return _WEEKDAYS[word.group(1)] if word else None


def _numeric_date(
    text: str, now: datetime, weekday: int | None, order: DateOrder
) -> datetime | None:
    match = _NUMERIC_DASHED.search(text)
    if match is None:
        return None
    a, b = int(match.group(1)), int(match.group(2))
    year = int(match.group(3)) if match.group(3) else None
    readings = {"dmy": _dated(a, b, year, now), "mdy": _dated(b, a, year, now)}
    found = [(o, d) for o, d in readings.items() if d is not None]
    if weekday is not None:
        found = [(o, d) for o, d in found if d.weekday() == weekday]
    found.sort(key=lambda od: od[0] != order)
    return found[0][1] if found else None


def _named_date(text: str, now: datetime, weekday: int | None) -> datetime | None:
    words = re.findall(r"[a-z]+|\d+", text.lower())
    nums = [int(w) for w in words if w.isdigit()]
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    day = next((n for n in nums if 1 <= n <= 31), None)
    if month is None or day is None:
        return None
    year = next((n for n in nums if n > 31), None)
    found = _dated(day, month, year, now)
    if found is None or (weekday is not None and found.weekday() != weekday):
        return None
    return found


def _day_of_month(text: str, now: datetime, weekday: int | None) -> datetime | None:
    """``the 24th``: the next 24th on or after today (on ``weekday`` when one is named)."""
    match = re.search(rf"(\d{{1,2}}){_ORD}", text.lower())
    if match is None:
        return None
    day = int(match.group(1))
    start = 1 if "next month" in text.lower() else 0
    for ahead in range(start, 12 if weekday is not None else start + 3):
        month0 = now.month - 1 + ahead
        found = _safe_date(now.year + month0 // 12, month0 % 12 + 1, day, now)
        if found is None or found.date() < now.date():
            continue
        if weekday is None or found.weekday() == weekday:
            return found
    return None


def _relative_date(text: str, now: datetime) -> datetime | None:
    low = " ".join(text.lower().split())
    today = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    fixed = {"today": 0, "tomorrow": 1, "day after tomorrow": 2, "next week": 7, "next month": 30}
    if low in fixed:
        return today + timedelta(days=fixed[low])
    inside = re.fullmatch(rf"in (\d+|{_NUM_RE}) (day|week|month)s?", low)
    if inside:
        amount = inside.group(1)
        count = int(amount) if amount.isdigit() else _NUMBERS[amount]
        return today + timedelta(seconds=count * _UNITS[inside.group(2)])
    if low.startswith("end of"):
        return _end_of(low.rsplit(" ", 1)[-1], today, "next" in low)
    word = low.split()[-1]
    if word in _WEEKDAYS:
        ahead = (_WEEKDAYS[word] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead + (7 if low.startswith("next") and ahead < 7 else 0))
    return None


def _end_of(unit: str, today: datetime, following: bool) -> datetime:
    if unit == "week":
        friday = today + timedelta(days=4 - today.weekday() if today.weekday() < 5 else 0)
        return friday + timedelta(days=7 if following else 0)
    if unit == "year":
        return today.replace(year=today.year + following, month=12, day=31)
    month = today.replace(day=28) + timedelta(days=4)
    if following:
        month = month.replace(day=28) + timedelta(days=4)
    return month.replace(day=1) - timedelta(days=1)


def parse_date(text: str, now: datetime, order: DateOrder = "dmy") -> datetime | None:
    """
    The start of the day ``text`` names: ``2026-12-31``, ``31/12/2026``, ``Fri 24/10``,
    ``12 March``, ``March 12th, 2027``, ``the 24th``, ``Friday``, ``tomorrow``, ``in 3 days``…

    Args:
        text: the date as written.
        now: the time it was written (a date without a year is the next one from here).
        order: day or month first in an ambiguous ``03/04`` (the locale's order).
    """
    text = text.strip().rstrip(".")
    weekday = _weekday_of(text)
    if weekday is not None and re.search(r"\d", text) is None:
        return _relative_date(text, now)
    if re.search(r"\d{4}-\d{2}-\d{2}", text):
        y, m, d = (int(p) for p in re.findall(r"\d+", text)[:3])
        found = _safe_date(y, m, d, now)
        return found if found and (weekday is None or found.weekday() == weekday) else None
    if _NUMERIC_DASHED.search(text):
        return _numeric_date(text, now, weekday, order)
    return (
        _named_date(text, now, weekday)
        or _day_of_month(text, now, weekday)
        or _relative_date(text, now)
    )


def _end_of_day(day: datetime) -> datetime:
    return day + timedelta(days=1) - timedelta(seconds=1)


def _first_date(
    cue: re.Pattern[str], text: str, now: datetime, order: DateOrder
) -> tuple[datetime, re.Match[str]] | None:
    """The first date after ``cue`` that reads as one (a contradicted weekday skips it)."""
    for match in cue.finditer(text):
        day = parse_date(match.group(1), now, order)
        if day is not None:
            return day, match
    return None


def extract_period(text: str, now: datetime, order: DateOrder | None = None) -> Period:
    """
    The end, duration and start an ask mentions (each None when the text does not say).

    Args:
        text: the ticket's text.
        now: when it was written.
        order: day or month first for ambiguous numeric dates the text's own plain numeric
            dates do not settle (the requester's locale); None: day first.
    """
    order = text_order(text, order or "dmy")
    until: datetime | None = None
    duration_s: int | None = None
    is_last_day = False
    end = _first_date(_END_CUE, text, now, order)
    if end is not None:
        until = _end_of_day(end[0])
        is_last_day = bool(
            re.search(r"last|final|leav|finish|offboard", end[1].group(0), re.IGNORECASE)
        )
    dur = next(
        (d for d in _DURATION.finditer(text) if not _PAST.search(_clause_before(text, d))), None
    )
    if dur:
        amount = dur.group(1).lower()
        count = int(amount) if amount.isdigit() else _NUMBERS[amount]
        duration_s = count * _UNITS[dur.group(2).lower()]
        until = until or now + timedelta(seconds=duration_s)
    start = _first_date(_START_CUE, text, now, order)
    effective = start[0] if start else None
    if is_last_day and effective is None:
        effective = until
    return Period(
        until=until,
        duration_s=duration_s,
        effective_date=effective,
        is_last_day=is_last_day,
        until_contract_end=bool(CONTRACT_END.search(text)),
    )
