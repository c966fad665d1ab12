"""Until when access is asked for: fields, text, contract end; unreadable time-bound asks ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.identity import DirectoryUser
from playbooks.period import Unreadable, Until, duration_seconds, read_period

NOW = datetime(2025, 10, 6, 8, 30, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
CONTRACTOR = DirectoryUser(id="c", login="c", attributes={"contract_end": "2025-11-28"})
EMPLOYEE = DirectoryUser(id="e", login="e")


def end_of(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + DAY - timedelta(seconds=1)


CASES = [
    # id, fields, text, target, expected end (datetime), "ask", or None (not time-bound)
    ("text-for-n-days", {}, "Viewer access for 10 days would be plenty", None, NOW + 10 * DAY),
    ("text-words", {}, "Could I have it for two weeks please?", None, NOW + 14 * DAY),
    ("text-about", {}, "read access for about 3 weeks while we review", None, NOW + 21 * DAY),
    ("subject-dash", {}, "GCP prod read access - 10 days for debugging", None, NOW + 10 * DAY),
    ("text-until-date", {}, "please keep it until 31 October 2025", None, end_of("2025-10-31")),
    ("text-till-weekday", {}, "I need it till Friday", None, end_of("2025-10-10")),
    (
        "field-duration",
        {"Access duration": "14 days"},
        "duration is on the form",
        None,
        NOW + 14 * DAY,
    ),
    ("field-iso-duration", {"Duration": "P7D"}, "", None, NOW + 7 * DAY),
    ("field-end-date", {"Access until": "2025-10-10"}, "", None, end_of("2025-10-10")),
    ("field-day-first", {"End date": "31/10/2025"}, "", None, end_of("2025-10-31")),
    ("field-wins-over-text", {"Access duration": "1 week"}, "for 3 months", None, NOW + 7 * DAY),
    (
        "contract-end-text",
        {},
        "set it to run until the end of my contract",
        CONTRACTOR,
        end_of("2025-11-28"),
    ),
    (
        "contract-end-field",
        {"Access until": "end of contract"},
        "",
        CONTRACTOR,
        end_of("2025-11-28"),
    ),
    ("contract-end-unknown", {}, "until the end of my contract", EMPLOYEE, "ask"),
    ("field-unreadable", {"Access duration": "for the project"}, "", None, "ask"),
    ("temporary-without-end", {}, "I need temporary access to the drive", None, "ask"),
    ("until-unreadable", {}, "until the audit is over", None, "ask"),
    ("permanent", {}, "Could I get access to the Deal Desk drive?", None, None),
    ("text-fortnight", {}, "I'd need the drive for a fortnight", None, NOW + 14 * DAY),
    ("text-abbreviated-unit", {}, "read access for 2 wks please", None, NOW + 14 * DAY),
    ("text-working-days", {}, "for ten working days", None, end_of("2025-10-20")),
    ("text-waited-days-not-a-period", {}, "I have waited 3 business days for this", None, None),
    ("text-up-to-and-including", {}, "needed up to and including 24 October", None,
     end_of("2025-10-24")),
    ("text-from-today-to", {}, "from today to 24 October", None, end_of("2025-10-24")),
    ("text-between-now-and", {}, "between now and Friday", None, end_of("2025-10-10")),
    ("text-quarter-ending-not-a-period", {}, "the report for the quarter ending 31 December",
     None, None),
    ("text-compound-number", {}, "for twenty-one days please", None, NOW + 21 * DAY),
    ("text-this-week-only", {}, "I only need it for this week", None, end_of("2025-10-10")),
    ("text-rest-of-the-week", {}, "for the rest of the week", None, end_of("2025-10-10")),
    ("text-the-week-of", {}, "access for the week of 20 October", None, end_of("2025-10-24")),
    ("text-end-of-named-month", {}, "until the end of November please", None,
     end_of("2025-11-30")),
    ("text-end-of-month-next-year", {}, "till end of Jan", None, end_of("2026-01-31")),
    ("text-end-of-month-with-year", {}, "through the end of March 2026", None,
     end_of("2026-03-31")),
    ("text-end-of-this-month-name", {}, "until the end of October", None, end_of("2025-10-31")),
    ("text-end-of-the-quarter", {}, "until the end of the quarter", None, end_of("2025-12-31")),
    ("text-end-of-named-quarter", {}, "until end of Q1", None, end_of("2026-03-31")),
    ("text-mid-month-asks", {}, "until mid-March", None, "ask"),
    ("text-while-away-asks", {}, "only while Priya is on leave", None, "ask"),
    ("text-during-leave-asks", {}, "during his parental leave", None, "ask"),
    ("text-covering-asks", {}, "I am covering for Tomas", None, "ask"),
    ("text-next-sprint-asks", {}, "for the next sprint", None, "ask"),
    ("text-during-login-not-a-period", {}, "during login I get an error", None, None),
    ("field-own-label-until", {"Valid until": "2025-10-24"}, "", None, end_of("2025-10-24")),
    ("field-own-label-expiry", {"Access expiry": "24/10/2025"}, "", None, end_of("2025-10-24")),
    ("field-own-label-remove-on", {"Remove access on": "2025-10-24"}, "", None,
     end_of("2025-10-24")),
    ("field-days-in-label", {"Duration (days)": "10"}, "", None, NOW + 10 * DAY),
    ("field-range", {"Access period": "2025-10-06 to 2025-10-24"}, "", None, end_of("2025-10-24")),
    ("field-fortnight", {"Access duration": "a fortnight"}, "", None, NOW + 14 * DAY),
    ("field-business-days", {"Duration": "10 business days"}, "", None, end_of("2025-10-20")),
    ("field-other-meaning-is-no-question", {"Weekend on call": "yes", "Period": "Q4 close"},
     "", None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "text", "target", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_read_period(
    fields: dict[str, str],
    text: str,
    target: DirectoryUser | None,
    expected: datetime | str | None,
) -> None:
    """A readable end is returned; a time-bound ask without one asks; anything else is permanent."""
    period = read_period(fields, text, now=NOW, target=target)

    if expected is None:
        assert period is None
    elif expected == "ask":
        assert isinstance(period, Unreadable), period
        assert "?" in period.question
    else:
        assert isinstance(period, Until), period
        assert expected == period.at


def test_contract_end_attribute_is_configurable() -> None:
    """A directory that keeps the end date elsewhere names its attribute."""
    target = DirectoryUser(id="x", login="x", attributes={"extensionAttribute7": "2025-12-19"})

    period = read_period({}, "until end of contract", now=NOW, target=target,
                         contract_end_attribute="extensionAttribute7")  # fmt: skip

    assert isinstance(period, Until)
    assert end_of("2025-12-19") == period.at


def test_a_past_contract_end_asks() -> None:
    """A contract that has already ended gives no access: the requester is asked."""
    target = DirectoryUser(id="x", login="x", attributes={"contract_end": "2025-09-30"})

    assert isinstance(read_period({}, "until end of contract", now=NOW, target=target), Unreadable)


DURATIONS = [
    ("short", "2w", 14),
    ("words", "three days", 3),
    ("about", "about 2 weeks", 14),
    ("iso", "P10D", 10),
]


@pytest.mark.parametrize(
    ("text", "days"), [c[1:] for c in DURATIONS], ids=[c[0] for c in DURATIONS]
)
def test_duration_fields(text: str, days: int) -> None:
    """Durations as written in a form field."""
    assert days * 86400 == duration_seconds(text)
