"""next_instants: the durable timers the worker schedules (at-risk warnings and the breach)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla.calendar import WEEKDAYS, make_calendar
from sla.clock import ClockEvent, ClockEventKind, ClockSpec, evaluate_clock
from sla.timer import Due, Threshold, is_at_risk, next_instants

T0 = datetime(2025, 6, 2, 10, tzinfo=UTC)  # Monday
ALWAYS = make_calendar("utc", "UTC", {d: [["00:00", "24:00"]] for d in WEEKDAYS})
NY = make_calendar("ny", "America/New_York", {d: [["09:00", "17:00"]] for d in WEEKDAYS[:5]})
RISK = (Threshold(percent=75), Threshold(time_left_seconds=1800))


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_running_clock_schedules_warnings_and_breach_on_the_worker_clock() -> None:
    """With the worker 60 s ahead, every instant is shifted by 60 s; sorted; only future ones."""
    start = [ClockEvent(T0, ClockEventKind.START)]
    now = h(1) + timedelta(seconds=60)
    result = evaluate_clock(ClockSpec(ALWAYS, 4 * 3600), start, now, skew_seconds=60)

    dues = next_instants(result, RISK, now)

    minute = timedelta(seconds=60)
    assert [
        Due("at_risk:pct75", h(3) + minute),
        Due("at_risk:left1800", h(3.5) + minute),
        Due("breach", h(4) + minute),
    ] == dues


def test_business_hours_warning_waits_for_the_next_morning() -> None:
    """Start Mon 16:00 EDT, goal 2 h: 75 % is reached Tue 09:30 EDT, breach Tue 10:00 EDT."""
    start = datetime(2025, 6, 2, 20, tzinfo=UTC)
    result = evaluate_clock(
        ClockSpec(NY, 7200),
        [ClockEvent(start, ClockEventKind.START)],
        start + timedelta(minutes=30),
    )

    dues = next_instants(result, (Threshold(percent=75),), start + timedelta(minutes=30))

    assert [
        ("at_risk:pct75", datetime(2025, 6, 3, 13, 30, tzinfo=UTC)),
        ("breach", datetime(2025, 6, 3, 14, tzinfo=UTC)),
    ] == [tuple(d) for d in dues]


@pytest.mark.parametrize(
    ("events", "now_h"),
    [
        ([(0, "start"), (1, "pause")], 2),
        ([(0, "start"), (1, "stop")], 2),
        ([(0, "start")], 5),
        ([], 1),
    ],
    ids=["paused", "stopped", "breached", "never-started"],
)
def test_nothing_to_schedule(events: list[tuple[float, str]], now_h: float) -> None:
    """Paused, stopped, breached or absent clocks need no timer."""
    clock = [ClockEvent(h(t), ClockEventKind(k)) for t, k in events]
    result = evaluate_clock(ClockSpec(ALWAYS, 4 * 3600), clock, h(now_h))

    assert next_instants(result, RISK, h(now_h)) == []


def test_at_risk_flag_follows_thresholds() -> None:
    """At risk once 75 % is used, not before; never when breached."""
    start = [ClockEvent(T0, ClockEventKind.START)]
    spec = ClockSpec(ALWAYS, 4 * 3600)

    assert [is_at_risk(evaluate_clock(spec, start, h(t)), RISK) for t in (2.9, 3.0, 3.9, 4.5)] == [
        False,
        True,
        True,
        False,
    ]
