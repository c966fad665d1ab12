"""What a breach does and how reconciliation compares clocks, decided without I/O."""

from __future__ import annotations

import datetime as dt

import pytest

from intake.model import Priority
from sla.breach import bumped_priority, notify_payload
from sla.drift import Drift, compare_breach

AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("priority", "bumped"),
    [
        ("low", Priority.NORMAL),
        ("normal", Priority.HIGH),
        ("high", Priority.URGENT),
        ("urgent", None),
        (None, None),
        ("P1", None),
    ],
    ids=["low", "normal", "high", "already-urgent", "none", "unknown"],
)
def test_priority_goes_one_step_up(priority: str | None, bumped: Priority | None) -> None:
    assert bumped == bumped_priority(priority)


def test_notify_payload_names_the_ticket_and_the_missed_goal() -> None:
    payload = notify_payload(
        desk="jira-it", ticket="IT-3", url="https://jira/IT-3", metric="resolution", breach_at=AT
    )

    assert {
        "event": "sla.breached",
        "desk": "jira-it",
        "ticket": "IT-3",
        "url": "https://jira/IT-3",
        "metric": "resolution",
        "breach_at": "2026-11-25T09:00:00+00:00",
    } == payload


MIN = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("desk_at", "desk_breached", "ours_at", "ours_breached", "expected"),
    [
        (AT, False, AT, False, Drift(0.0, False)),
        (AT + MIN, False, AT, False, Drift(60.0, False)),
        (AT + 10 * MIN, False, AT, False, Drift(600.0, True)),
        (AT - 10 * MIN, False, AT, False, Drift(-600.0, True)),
        (AT, True, AT, False, Drift(0.0, True)),
        (AT, True, None, None, Drift(None, False)),
        (None, True, AT, True, Drift(None, False)),
        (None, False, AT, True, Drift(None, True)),
    ],
    ids=[
        "agree",
        "within-tolerance",
        "desk-later",
        "desk-earlier",
        "flags-differ",
        "no-clock-of-ours",
        "desk-has-no-time",
        "desk-has-no-time-flags-differ",
    ],
)
def test_reconciliation_compares_times_within_tolerance_and_the_breach_flags(
    desk_at: dt.datetime | None,
    desk_breached: bool,
    ours_at: dt.datetime | None,
    ours_breached: bool | None,
    expected: Drift,
) -> None:
    assert expected == compare_breach(
        desk_at, desk_breached, ours_at, ours_breached, tolerance_s=300
    )
