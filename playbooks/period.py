"""
Until when access is asked for: a form field, the text ("for 2 weeks", "until 31 March",
"till Friday"), or "until the end of my contract" (the contractor's end date in the directory).

Pure, with ``now`` a parameter. An ask that is plainly time-bound but whose end cannot be read
comes back as ``Unreadable`` — the requester is asked — so temporary access never becomes
permanent silently.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from connectors.identity import DirectoryUser
from intake.classifier.dates import (
    CONTRACT_END,
    DATE_PATTERN,
    MONTH_RE,
    MONTHS,
    DateOrder,
    extract_period,
    parse_date,
    text_order,
)
from playbooks.config import field_key
from playbooks.duration import DurationError, parse_duration

DURATION_FIELDS = ("Access duration", "Duration", "For how long", "How long", "Access period")
UNTIL_FIELDS = ("Access until", "Until", "End date", "Access end date", "Expiry date", "Expires")
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30, "a couple of": 2, "a few": 3, "couple of": 2,
}  # fmt: skip
_NUMBER_WORDS |= {
    f"{tens}{sep}{unit}": value + n
    for tens, value in (("twenty", 20), ("thirty", 30))
    for n, unit in enumerate(
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"), 1
    )
    for sep in (" ", "-")
}  # "twenty-one days"
_UNIT_S = {
    "hour": 3600, "hr": 3600, "day": 86400, "week": 604800, "wk": 604800,
    "fortnight": 1209600, "month": 2592000,
}  # fmt: skip
_UNIT = r"(hour|hr|day|week|wk|fortnight|month)s?"
_NUM = "|".join(sorted((re.escape(k) for k in _NUMBER_WORDS), key=len, reverse=True))
_LEAD = (
    r"(?:\bfor|\bduring|\bover|[-\u2013\u2014:(])\s*(?:the\s+next\s+|another\s+|about\s+|around\s+|"
    r"approx(?:imately|\.)?\s+|roughly\s+|some\s+|just\s+|only\s+)*"
)
_TEXT_DURATION = re.compile(rf"{_LEAD}(\d{{1,3}}|{_NUM})[\s-]*{_UNIT}\b", re.IGNORECASE)
_WORKING_DAYS = re.compile(
    rf"{_LEAD}(\d{{1,3}}|{_NUM})[\s-]*(?:working|business|work)[\s-]*days?\b", re.IGNORECASE
)
"""``10 working days``: weekdays from the ask, so a weekend in between adds to the calendar time."""
_MORE_END = re.compile(
    rf"\b(?:up\s+to\s+and\s+including|expiring(?:\s+on)?|between\s+now\s+and|"
    rf"from\s+(?:today|now|tomorrow|{DATE_PATTERN})\s+(?:to|until|till|-|\u2013))\s+(?:the\s+)?"
    rf"({DATE_PATTERN})",
    re.IGNORECASE,
)
"""Ends written the other ways people write them: "up to and including 20 March", "expiring on
the 20th", "from today to 20 March", "between now and Friday". Not "ending 31 March", which as
often dates what the access is for ("the quarter ending 31 March")."""
_THIS_WEEK = re.compile(
    r"\bfor\s+(?:the\s+rest\s+of\s+(?:this|the)|this)\s+week\b(?!\s+of\b)", re.IGNORECASE
)
_MONTH_END = re.compile(
    r"\b(?:until|till|til|through|thru|to|by)\s+(?:the\s+)?end\s+of\s+(?:the\s+)?(?:"
    rf"({MONTH_RE})\.?(?:\s+(\d{{4}}))?"
    r"|(quarter)|q([1-4])(?:\s+(\d{4}))?)\b",
    re.IGNORECASE,
)
"""'until the end of March' / 'through end of Nov 2026': the month's last day, the next such
month when no year is written; 'until the end of the quarter' / 'of Q3': the quarter's last day."""
_WEEK_OF = re.compile(
    rf"\b(?:for|during|in)\s+(?:the\s+)?week\s+(?:of|commencing|beginning|starting)\s+"
    rf"(?:the\s+)?({DATE_PATTERN})",
    re.IGNORECASE,
)
"""'for the week of 20 October': until the end of that working week (its Friday)."""
""""for this week only", "for the rest of the week": until the end of the working week."""
_RANGE = re.compile(r"\s+(?:to|until|till|through|-|\u2013)\s+")
_UNTIL_KEY = re.compile(r"(?:^|_)(?:until|till|expir\w*|expires?|end|ends|remove|revoke)(?:_|$)")
_DURATION_KEY = re.compile(r"(?:^|_)(?:duration|how_long|period|days|weeks|months)(?:_|$)")
_UNIT_KEY = re.compile(r"(?:^|_)(hours|days|weeks|months)(?:_|$)")
"""A form's own label for an end date or a duration ("Valid until", "Access expiry",
"Remove access on", "Duration (days)"), when it is none of the usual ones."""
_TIME_BOUND = re.compile(
    r"\btemporar(?:y|ily)\b|\buntil\b|\btill\b|\bonly\s+(?:needed|required)\s+(?:for|until|till)\b|"
    r"\btime[- ]?(?:bound|limited)\b|\bshort[- ]term\b|\bfor\s+the\s+duration\s+of\b|"
    r"\bfor\s+(?:a\s+)?(?:while|bit|limited\s+time)\b|"
    r"\bwhile\s+(?:\w+\s+){1,3}(?:is|are|am)\s+(?:on|away|out|off)\b|"
    r"\bduring\s+(?:\w+\s+){0,2}(?:leave|absence|holidays?|vacation|secondment|audit|"
    r"migration|cut-?over|project|sprint)\b|\bcover(?:ing)?\s+for\b|"
    r"\bfor\s+(?:the\s+)?(?:next|coming|current|upcoming)\s+(?:sprint|project|release|audit|"
    r"migration|quarter)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Until:
    """The access ends at ``at``; ``source`` says where that was read."""

    at: datetime
    source: str
    """``field``, ``text``, ``contract_end`` or ``entity``."""


@dataclass(frozen=True)
class Unreadable:
    """The ask is time-bound but its end cannot be read: ask the requester ``question``."""

    question: str


Period = Until | Unreadable | None


def read_period(
    fields: Mapping[str, str],
    text: str,
    *,
    now: datetime,
    target: DirectoryUser | None,
    contract_end_attribute: str = "contract_end",
    entity_until: datetime | None = None,
    entity_duration_s: int | None = None,
    duration_fields: Sequence[str] = DURATION_FIELDS,
    until_fields: Sequence[str] = UNTIL_FIELDS,
    order: DateOrder | None = None,
) -> Period:
    """
    Until when the ticket asks for access; None when it asks for nothing time-bound.

    Form fields win over the text; "end of contract" reads the target's contract end.

    Args:
        fields: form fields by label.
        text: the requester's own words (subject and newest message).
        now: the time the ask is read (durations count from here).
        target: whose contract end "end of contract" means.
        contract_end_attribute: the directory attribute with the contract end (ISO date).
        entity_until: an end the classifier read, if any.
        entity_duration_s: a duration the classifier read, if any.
        duration_fields: labels of duration fields.
        until_fields: labels of end-date fields.
        order: day or month first for an ambiguous date the text does not settle (the
            requester's locale, ``Ticket.date_order``); None: day first.
    """
    order = text_order(text, order or "dmy")
    folded = {field_key(k): v.strip() for k, v in fields.items() if v and v.strip()}
    for label in (*until_fields, *duration_fields):
        value = folded.get(field_key(label))
        if value:
            return _from_value(value, now, target, contract_end_attribute, label, order)
    for key, value in folded.items():  # the form's own words for an end or a duration
        if not (_UNTIL_KEY.search(key) or _DURATION_KEY.search(key)):
            continue
        unit = _UNIT_KEY.search(key)
        if unit is not None and value.isdigit():
            value = f"{value} {unit.group(1)}"  # "Duration (days)": 10
        read = _from_value(value, now, target, contract_end_attribute, key, order)
        if isinstance(read, Until):  # a field of another meaning is not a question to ask
            return read
    if extract_period(text, now, order).until_contract_end:
        return _contract_end(target, now, contract_end_attribute)
    from_text = _from_text(text, now, order)
    if from_text is not None:
        return from_text
    if entity_until is not None and entity_until > now:
        return Until(entity_until, "entity")
    if entity_duration_s:
        return Until(now + timedelta(seconds=entity_duration_s), "entity")
    if _TIME_BOUND.search(text):
        return Unreadable("This looks like temporary access: until when do you need it?")
    return None


def _from_value(
    value: str,
    now: datetime,
    target: DirectoryUser | None,
    attribute: str,
    label: str,
    order: DateOrder,
) -> Until | Unreadable:
    if CONTRACT_END.search(value):
        return _contract_end(target, now, attribute)
    seconds = duration_seconds(value)
    if seconds is not None:
        return Until(now + timedelta(seconds=seconds), "field")
    working = _WORKING_DAYS.fullmatch(f"for {value.strip()}")
    if working is not None:
        return Until(_after_working_days(now, _count(working.group(1))), "field")
    parts = _RANGE.split(value.strip())
    if len(parts) == 2 and all(parse_date(p, now, order) is not None for p in parts):
        value = parts[1]  # "2026-03-02 to 2026-03-20": the end of the range
    day = parse_date(value, now, order)
    if day is not None:
        return Until(_end_of_day(day), "field")
    return Unreadable(
        f"I could not read “{value}” ({label}) as a duration or a date. "
        "Until when do you need this access (e.g. 2 weeks, or 2025-12-31)?"
    )


def _from_text(text: str, now: datetime, order: DateOrder) -> Until | None:
    working = _WORKING_DAYS.search(text)
    if working:
        return Until(_after_working_days(now, _count(working.group(1))), "text")
    match = _TEXT_DURATION.search(text)
    if match:
        count = _count(match.group(1))
        return Until(now + timedelta(seconds=count * _UNIT_S[match.group(2).lower()]), "text")
    period = extract_period(text, now, order)
    if period.until is not None and period.until > now and not period.is_last_day:
        return Until(period.until, "text")
    more = _MORE_END.search(text)
    day = parse_date(more.group(1), now, order) if more else None
    if day is None and _THIS_WEEK.search(text):
        day = parse_date("end of this week", now, order)
    if day is not None and _end_of_day(day) > now:
        return Until(_end_of_day(day), "text")
    return _named_end(text, now, order)


def _named_end(text: str, now: datetime, order: DateOrder) -> Until | None:
    """The end of a month or quarter ("until the end of March") or of a named week."""
    month = _MONTH_END.search(text)
    if month is not None:
        if month.group(3):  # the current quarter
            last = (now.month - 1) // 3 * 3 + 3
            year = now.year
        else:
            last = MONTHS[month.group(1).lower()] if month.group(1) else 3 * int(month[4])
            written = month.group(2) or month.group(5)
            year = int(written) if written else now.year + (last < now.month)
        end = datetime(year, last, calendar.monthrange(year, last)[1], tzinfo=now.tzinfo)
        if _end_of_day(end) > now:
            return Until(_end_of_day(end), "text")
    week = _WEEK_OF.search(text)
    day = parse_date(week.group(1), now, order) if week else None
    if day is not None:
        friday = day + timedelta(days=max(0, 4 - day.weekday()))
        if _end_of_day(friday) > now:
            return Until(_end_of_day(friday), "text")
    return None


def _after_working_days(now: datetime, count: int) -> datetime:
    """The end of the ``count``-th weekday after ``now`` (Saturdays and Sundays skipped)."""
    day = now
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return _end_of_day(day)


def duration_seconds(value: str) -> int | None:
    """
    A duration as written in a field (``14 days``, ``2w``, ``P14D``, ``two weeks``), in seconds.

    Args:
        value: the text.
    """
    try:
        return parse_duration(value.strip())
    except DurationError:
        pass
    match = re.fullmatch(
        rf"\s*(?:about\s+|around\s+)?(\d{{1,3}}|{_NUM})[\s-]*{_UNIT}\s*\.?\s*",
        value,
        re.IGNORECASE,
    )
    if match is None:
        return None
    return _count(match.group(1)) * _UNIT_S[match.group(2).lower()]


def _count(written: str) -> int:
    low = " ".join(written.lower().split())
    return int(low) if low.isdigit() else _NUMBER_WORDS[low]


def _contract_end(
    target: DirectoryUser | None, now: datetime, attribute: str
) -> Until | Unreadable:
    raw = (target.attributes.get(attribute) if target is not None else None) or ""
    try:
        day = datetime.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        day = None
    if day is None:
        return Unreadable(
            "You asked for access until the end of the contract, but no contract end date is "
            "recorded for this account. Until when (YYYY-MM-DD) is it needed?"
        )
    if day.tzinfo is None:
        day = day.replace(tzinfo=now.tzinfo or UTC)
    if day.time() == time():
        day = _end_of_day(day)
    if day <= now:
        return Unreadable(
            f"The contract end recorded for this account ({raw}) is already past. "
            "Until when (YYYY-MM-DD) is the access needed?"
        )
    return Until(day, "contract_end")


def _end_of_day(day: datetime) -> datetime:
    return datetime.combine(day.date(), time(), tzinfo=day.tzinfo) + timedelta(days=1, seconds=-1)
