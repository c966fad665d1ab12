"""Dates as tickets write them: day/month order, weekdays that pick a reading, relative dates."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest

from intake.classifier.dates import DateOrder, extract_period, parse_date, text_order
from intake.date_order import date_order_for, needs_order

NOW = datetime(2025, 10, 6, 8, 30, tzinfo=UTC)  # a Monday


def day(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


def end_of(iso: str) -> datetime:
    return day(iso) + timedelta(days=1, seconds=-1)


DATES: list[tuple[str, str, DateOrder, str | None]] = [
    # id, text, locale order, expected day (None: unreadable)
    ("iso", "2025-12-31", "dmy", "2025-12-31"),
    ("iso-with-weekday", "Wed 2025-12-31", "dmy", "2025-12-31"),
    ("iso-wrong-weekday", "Mon 2025-12-31", "dmy", None),
    ("numeric-with-year", "31/12/2026", "dmy", "2026-12-31"),
    ("numeric-us-with-year", "12/31/2026", "dmy", "2026-12-31"),
    ("numeric-dots", "24.10.2025", "dmy", "2025-10-24"),
    ("numeric-two-digit-year", "24/10/25", "dmy", "2025-10-24"),
    ("no-year-only-day-first-valid", "24/10", "dmy", "2025-10-24"),
    ("no-year-only-month-first-valid", "10/24", "dmy", "2025-10-24"),
    ("ambiguous-day-first-locale", "03/04", "dmy", "2026-04-03"),
    ("ambiguous-month-first-locale", "03/04", "mdy", "2026-03-04"),
    ("weekday-picks-day-first", "Fri 03/04", "mdy", "2026-04-03"),
    ("weekday-picks-month-first", "Wednesday 03/04", "dmy", "2026-03-04"),
    ("weekday-confirms-only-reading", "Fri 24/10", "dmy", "2025-10-24"),
    ("weekday-contradicts-date", "Sat 24/10", "dmy", None),
    ("weekday-contradicts-both", "Tue 03/04", "dmy", None),
    ("named-day-month", "24 October", "dmy", "2025-10-24"),
    ("named-with-weekday-and-year", "Friday 24 October 2025", "dmy", "2025-10-24"),
    ("named-month-day-ordinal", "October 24th, 2025", "dmy", "2025-10-24"),
    ("named-of", "the 3rd of March", "dmy", "2026-03-03"),
    ("named-past-rolls-to-next-year", "1 October", "dmy", "2026-10-01"),
    ("ordinal-alone", "the 24th", "dmy", "2025-10-24"),
    ("ordinal-past-is-next-month", "the 2nd", "dmy", "2025-11-02"),
    ("ordinal-with-weekday", "Monday the 24th", "dmy", "2025-11-24"),
    ("ordinal-next-month", "the 10th of next month", "dmy", "2025-11-10"),
    ("weekday", "Friday", "dmy", "2025-10-10"),
    ("weekday-today-means-next-week", "Monday", "dmy", "2025-10-13"),
    ("next-weekday", "next Friday", "dmy", "2025-10-17"),
    ("today", "today", "dmy", "2025-10-06"),
    ("tomorrow", "tomorrow", "dmy", "2025-10-07"),
    ("in-days", "in 3 days", "dmy", "2025-10-09"),
    ("in-weeks-words", "in two weeks", "dmy", "2025-10-20"),
    ("end-of-week", "end of the week", "dmy", "2025-10-10"),
    ("end-of-month", "end of the month", "dmy", "2025-10-31"),
    ("end-of-next-month", "end of next month", "dmy", "2025-11-30"),
    ("end-of-year", "end of year", "dmy", "2025-12-31"),
    ("leap-day-waits-for-leap-year", "29/02", "dmy", "2028-02-29"),
    ("not-a-date", "in a while", "dmy", None),
    ("impossible-date", "31/02/2026", "dmy", None),
]


@pytest.mark.parametrize(
    ("text", "order", "want"), [c[1:] for c in DATES], ids=[c[0] for c in DATES]
)
def test_parse_date(text: str, order: DateOrder, want: str | None) -> None:
    """Each way of writing a day reads as that day, or as nothing when it contradicts itself."""
    assert parse_date(text, NOW, order) == (day(want) if want else None)


ORDERS: list[tuple[str, str, DateOrder]] = [
    ("day-first-elsewhere", "until 03/04, the audit is due 25/12/2026", "dmy"),
    ("month-first-elsewhere", "until 03/04 (audit 12/25/2026)", "mdy"),
    ("nothing-plain-keeps-default", "until 03/04", "dmy"),
    ("iso-date-is-no-month-first", "until 03/04 (opened 2025-12-31)", "dmy"),
]


@pytest.mark.parametrize(("text", "want"), [c[1:] for c in ORDERS], ids=[c[0] for c in ORDERS])
def test_text_order(text: str, want: DateOrder) -> None:
    """A ticket's plain numeric dates decide the order of its ambiguous ones."""
    assert text_order(text) == want


PERIODS: list[tuple[str, str, dict[str, object]]] = [
    (
        "leaver-weekday-numeric-subject",
        "Leaver - Research - last day Fri 24/10\n\nShe finishes on the 24th.",
        {
            "until": end_of("2025-10-24"),
            "is_last_day": True,
            "effective_date": end_of("2025-10-24"),
        },
    ),
    (
        "contradicted-subject-falls-to-body",
        "last day Sat 24/10\n\nHer last working day is Friday 24 October 2025.",
        {"until": end_of("2025-10-24"), "is_last_day": True},
    ),
    (
        "ambiguous-end-ordered-by-other-date",
        "access until 03/04 please; review due 12/25/2026",
        {"until": end_of("2026-03-04"), "is_last_day": False},
    ),
    ("until-ordinal", "Keep it until the 24th please", {"until": end_of("2025-10-24")}),
    ("until-relative", "need it until end of next month", {"until": end_of("2025-11-30")}),
    (
        "for-duration",
        "for two weeks",
        {"until": NOW + timedelta(days=14), "duration_s": 14 * 86400},
    ),
    ("start", "starting Monday the 13th", {"effective_date": day("2025-10-13"), "until": None}),
    (
        "contract-end",
        "until the end of my contract",
        {"until": None, "until_contract_end": True},
    ),
    (
        "contract-end-with-a-date",
        "until 30/11, the end of my contract",
        {"until": end_of("2025-11-30"), "until_contract_end": True},
    ),
    ("nothing", "please add me to the group", {"until": None, "until_contract_end": False}),
    (
        "offboarding-on-a-date",
        "Checklist: I will be offboarding on 24/10, please remove me from the tools.",
        {"until": end_of("2025-10-24"), "is_last_day": True},
    ),
    ("by-is-a-deadline-not-an-end", "Sam needs the licence by Friday", {"until": None}),
    (
        "past-duration-is-no-ask",
        "I have been locked out for 3 days, please unlock me",
        {"until": None, "duration_s": None},
    ),
    (
        "perfect-without-elapsed-time-keeps-the-ask",
        "My manager has approved access for two weeks.",
        {"duration_s": 14 * 86400},
    ),
    (
        "elapsed-time-is-no-ask",
        "Deletion please: the account has not worked for 3 months.",
        {"duration_s": None},
    ),
    (
        "past-then-asked-duration",
        "It has been broken for a week. Please grant access for two weeks.",
        {"duration_s": 14 * 86400},
    ),
]


# NOW is Monday 6 October 2025: the next Friday is the 10th, the one a date gives the 24th
LEAVER_DATES: list[tuple[str, str, str | None]] = [
    # id, text, last day (None: unreadable)
    ("weekday-dd-mm-subject", "Leaver - Finance - last day Fri 24/10", "2025-10-24"),
    ("weekday-dd-mm-in-brackets", "last day Fri (24/10)", "2025-10-24"),
    ("weekday-dash-dd-mm", "Leaving us: last day Friday - 24/10", "2025-10-24"),
    ("weekday-dd-mm-dashed", "last day Fri 24-10", "2025-10-24"),
    ("dd-mm-then-weekday", "last day 24/10 (Fri)", "2025-10-24"),
    ("dd-mm-then-wrong-weekday", "last day 24/10 (Sat)", None),
    ("weekday-mm-dd", "her last working day will be Fri 10/24", "2025-10-24"),
    ("weekday-settles-month-first", "last day Wed 03/04", "2026-03-04"),
    ("weekday-d-month", "Her last day is Friday 24 October.", "2025-10-24"),
    ("weekday-month-d", "last day: Friday, October 24th", "2025-10-24"),
    ("weekday-alone", "His last day is Friday.", "2025-10-10"),
    ("date-alone", "last day 24/10", "2025-10-24"),
    ("last-working-day", "Please note the last working day is Fri 24/10.", "2025-10-24"),
    ("leaving-date-field", "Leaving date: Fri 24/10", "2025-10-24"),
    ("last-day-dash", "Last day - Fri 24/10", "2025-10-24"),
    ("in-body", "Leaver notification\n\nHi team, Sam leaves us. Last day Fri 24/10, thanks.",
     "2025-10-24"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "want"), [c[1:] for c in LEAVER_DATES], ids=[c[0] for c in LEAVER_DATES]
)
def test_weekday_is_read_with_its_date(text: str, want: str | None) -> None:
    """A weekday written next to a date (before or after it, in brackets or after a dash) is
    read with that date, never as the next such weekday; alone it is the next one."""
    period = extract_period(text, NOW)
    assert (period.until, period.is_last_day) == ((end_of(want), True) if want else (None, False))


@pytest.mark.parametrize(("text", "want"), [c[1:] for c in PERIODS], ids=[c[0] for c in PERIODS])
def test_extract_period(text: str, want: dict[str, object]) -> None:
    """The end, start and duration of an ask, and whether it ends with a contract."""
    period = extract_period(text, NOW)
    assert {k: getattr(period, k) for k in want} == want


LOCALES = [
    # id, locale, user date format, site setting, order (None: the text, then day first)
    ("zendesk-us", "en-US", None, "auto", "mdy"),
    ("jira-us", "en_US", None, "auto", "mdy"),
    ("zendesk-lowercase-gb", "en-gb", None, "auto", "dmy"),
    ("salesforce-de", "de_DE", None, "auto", "dmy"),
    ("spanish-us", "es_US", None, "auto", "mdy"),
    ("philippines", "en_PH", None, "auto", "mdy"),
    ("language-only", "en", None, "auto", None),
    ("no-locale", None, None, "auto", None),
    ("unreadable", "not a locale", None, "auto", None),
    ("servicenow-format-us", "en", "MM-dd-yyyy", "auto", "mdy"),
    ("servicenow-format-uk", "en", "dd/MM/yyyy", "auto", "dmy"),
    ("servicenow-format-iso", "en", "yyyy-MM-dd", "auto", None),
    ("format-wins-over-locale", "en_US", "dd.MM.yyyy", "auto", "dmy"),
    ("site-fixes-dmy", "en_US", None, "dmy", "dmy"),
    ("site-fixes-mdy", "en_GB", None, "mdy", "mdy"),
]


@pytest.mark.parametrize(
    ("locale", "date_format", "setting", "want"),
    [c[1:] for c in LOCALES],
    ids=[c[0] for c in LOCALES],
)
def test_date_order_for_a_requester(
    locale: str | None,
    date_format: str | None,
    setting: Literal["auto", "dmy", "mdy"],
    want: str | None,
) -> None:
    assert date_order_for(setting, locale, date_format) == want


CUES = [
    # id, text, the requester's order, expected last day (the next such day after NOW)
    ("locale-us", "My last day is 05/06.", "mdy", (2026, 5, 6)),
    ("locale-uk", "My last day is 05/06.", "dmy", (2026, 6, 5)),
    ("no-locale-day-first", "My last day is 05/06.", None, (2026, 6, 5)),
    ("part-above-12-beats-locale", "My last day is 25/06.", "mdy", (2026, 6, 25)),
    ("weekday-beats-locale", "My last day is Wed 05/06.", "dmy", (2026, 5, 6)),
    ("other-date-beats-locale", "Hired 25/12/2020; my last day is 05/06.", "mdy", (2026, 6, 5)),
]


@pytest.mark.parametrize(("text", "order", "want"), [c[1:] for c in CUES], ids=[c[0] for c in CUES])
def test_the_locale_comes_after_the_texts_own_cues(
    text: str, order: DateOrder | None, want: tuple[int, int, int] | None
) -> None:
    """A part above 12, a weekday and the ticket's other dates settle it before the locale."""
    period = extract_period(text, NOW, order)
    got = period.until.date() if period.until else None
    assert got == (dt.date(*want) if want else None)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("last day 05/06", True),
        ("last day 06/06", False),
        ("last day 25/06", False),
        ("hired 25/12/2020, last day 05/06", False),
        ("no date at all", False),
    ],
    ids=["ambiguous", "same-both-ways", "part-above-12", "settled-by-another-date", "none"],
)
def test_the_locale_is_asked_for_only_when_it_matters(text: str, want: bool) -> None:
    assert needs_order(text) is want
