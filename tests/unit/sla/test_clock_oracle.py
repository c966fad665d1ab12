"""
Property tests: the interval engine against a brute-force minute-stepping oracle.

The oracle knows nothing of the engine: it steps UTC minute by minute, asks the wall clock of the
zone which local date and minute that is, checks the weekly windows and holidays (D1), and runs a
tiny start/pause/resume/stop state machine. Windows sit on a 15-minute grid and DST changes on
whole hours, so each UTC minute is wholly in or out of business time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.calendar import (
    WEEKDAYS,
    Calendar,
    HolidaySource,
    add_business_seconds,
    business_seconds_between,
    make_calendar,
)
from sla.clock import ClockEvent, ClockEventKind, ClockSpec, Stage, evaluate_clock
from sla.simulate import result_json

MINUTE = timedelta(minutes=1)
Business = Callable[[datetime], bool]
World = tuple[Calendar, "WeekPlan", frozenset[date], datetime]
# Each zone with an instant near one of its DST changes (Sao Paulo still had DST in 2018).
ZONES = {
    "America/New_York": datetime(2025, 3, 9, 7, tzinfo=UTC),
    "Europe/London": datetime(2025, 10, 26, 1, tzinfo=UTC),
    "Australia/Sydney": datetime(2025, 4, 5, 16, tzinfo=UTC),
    "Asia/Kolkata": datetime(2025, 6, 1, tzinfo=UTC),
    "America/Sao_Paulo": datetime(2018, 11, 4, 3, tzinfo=UTC),
}
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class WeekPlan:
    """Windows as (weekday, start_min, end_min) after splitting night shifts, plus the labels."""

    pieces: tuple[tuple[int, int, int], ...]
    labels: dict[str, list[list[str]]]


def _label(minutes: int, next_day: bool = False) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}" + ("+1" if next_day else "")


@st.composite
def week_plans(draw: st.DrawFn) -> WeekPlan:
    pieces: list[tuple[int, int, int]] = []
    labels: dict[str, list[list[str]]] = {}
    for day in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
        for lo, hi in zip(cuts[::2], cuts[1::2], strict=False):
            pieces.append((day, lo * 15, hi * 15))
            labels.setdefault(WEEKDAYS[day], []).append([_label(lo * 15), _label(hi * 15)])
    if draw(st.booleans()):
        day = draw(st.integers(0, 6))
        last = max((e for d, _, e in pieces if d == day), default=0)
        first = min((s for d, s, _ in pieces if d == (day + 1) % 7), default=1440)
        start, end = max(last, 18 * 60), min(first, 6 * 60)
        if 0 < end <= start < 1440:
            pieces += [(day, start, 1440), ((day + 1) % 7, 0, end)]
            labels.setdefault(WEEKDAYS[day], []).append([_label(start), _label(end, True)])
    return WeekPlan(tuple(pieces), labels)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Calendar, WeekPlan, frozenset[date], datetime]:
    tz = draw(st.sampled_from(sorted(ZONES)))
    plan = draw(week_plans())
    anchor = ZONES[tz] + draw(st.integers(-14 * 96, 7 * 96)) * timedelta(minutes=15)
    holidays = frozenset(
        anchor.date() + timedelta(days=draw(st.integers(-3, 21)))
        for _ in range(draw(st.integers(0, 3)))
    )
    cal = make_calendar("random", tz, plan.labels, HolidaySource(dates=holidays))
    return cal, plan, holidays, anchor


def oracle_is_business(
    cal: Calendar, plan: WeekPlan, holidays: frozenset[date], minute: datetime
) -> bool:
    local = minute.astimezone(ZoneInfo(cal.timezone))
    if local.date() in holidays:
        return False
    of_day = local.hour * 60 + local.minute
    return any(d == local.weekday() and s <= of_day < e for d, s, e in plan.pieces)


@FAST
@given(calendars(), st.integers(0, 3 * 7 * 24 * 60))
def test_business_seconds_between_matches_oracle(world: World, span_min: int) -> None:
    """Business seconds over spans up to three weeks equal the minute-by-minute count."""
    cal, plan, holidays, start = world
    expected = sum(
        60 for i in range(span_min) if oracle_is_business(cal, plan, holidays, start + i * MINUTE)
    )

    assert expected == business_seconds_between(cal, start, start + span_min * MINUTE)


@FAST
@given(calendars(), st.integers(1, 2500))
def test_add_business_seconds_matches_oracle(world: World, goal_min: int) -> None:
    """Adding business time lands where the oracle's running count first reaches it."""
    cal, plan, holidays, start = world
    if not plan.pieces:
        return
    at, used = start, 0
    while used < goal_min and at < start + timedelta(days=120):
        used += oracle_is_business(cal, plan, holidays, at)
        at += MINUTE
    if used < goal_min:
        return

    assert at == add_business_seconds(cal, start, goal_min * 60)


@dataclass
class OracleCycle:
    stage: str = "running"
    used: int = 0
    paused: int = 0
    reached: datetime | None = None
    breached: bool = False


def oracle_forward(business: Business, at: datetime, need: int) -> datetime | None:
    """Step on from ``at`` as if running until ``need`` more business minutes have passed."""
    limit = at + timedelta(days=120)
    while need > 0 and at < limit:
        need -= business(at)
        at += MINUTE
    return at if need <= 0 else None


def oracle_apply(cycles: list[OracleCycle], kind: str) -> None:
    active = cycles[-1] if cycles and cycles[-1].stage in ("running", "paused") else None
    if kind == "start" and active is None:
        cycles.append(OracleCycle())
    elif active is not None and kind == "stop":
        active.stage = "completed"
    elif active is not None and (kind, active.stage) in (
        ("pause", "running"),
        ("resume", "paused"),
    ):
        active.stage = "paused" if kind == "pause" else "running"


def oracle_tick(cycle: OracleCycle, at: datetime, business: bool, goal: int | None) -> None:
    if cycle.stage == "running":
        if cycle.reached is not None and at >= cycle.reached:
            cycle.breached = True
        cycle.used += business
        if goal is not None and cycle.reached is None and business and cycle.used == goal:
            cycle.reached = at + MINUTE
    elif cycle.stage == "paused":
        cycle.paused += business


def oracle_clock(
    business: Business,
    events: dict[datetime, str],
    start: datetime,
    now: datetime,
    goal: int | None,
) -> list[OracleCycle]:
    cycles: list[OracleCycle] = []
    at = start
    while at <= now:
        if at in events:
            oracle_apply(cycles, events[at])
        if at < now and cycles:
            oracle_tick(cycles[-1], at, business(at), goal)
        at += MINUTE
    return cycles


def oracle_breach_at(
    business: Business, cycle: OracleCycle, end: datetime, goal: int | None
) -> datetime | None:
    if goal is None or cycle.reached is not None:
        return cycle.reached
    if cycle.stage == "paused":
        return None
    return oracle_forward(business, end, goal - cycle.used)


KINDS = st.sampled_from(["start", "start", "pause", "resume", "stop"])


@FAST
@given(
    calendars(),
    st.dictionaries(st.integers(0, 2 * 7 * 96), KINDS, min_size=1, max_size=10),
    st.integers(0, 3 * 7 * 96),
    st.one_of(st.none(), st.integers(1, 200).map(lambda q: q * 15)),
)
def test_clock_matches_oracle(
    world: World, stream: dict[int, str], now_q: int, goal_min: int | None
) -> None:
    """Per cycle: stage, business elapsed and pause, breach flag and breach_at match the oracle."""
    cal, plan, holidays, anchor = world
    quarter = timedelta(minutes=15)
    events = {anchor + q * quarter: kind for q, kind in stream.items()}
    now = anchor + now_q * quarter

    def business(at: datetime) -> bool:
        return oracle_is_business(cal, plan, holidays, at)

    expected = oracle_clock(business, events, anchor, now, goal_min)
    clock = [
        ClockEvent(at, ClockEventKind(k), seq=i) for i, (at, k) in enumerate(sorted(events.items()))
    ]
    spec = ClockSpec(calendar=cal, goal_seconds=None if goal_min is None else goal_min * 60)
    result = evaluate_clock(spec, clock, now)

    assert [c.stage for c in expected] == [c.stage.value for c in result.cycles]
    for want, got in zip(expected, result.cycles, strict=True):
        end = got.stopped_at or now
        assert (want.used * 60, want.paused * 60) == (
            got.business_elapsed_seconds,
            got.business_pause_seconds,
        )
        assert want.breached == got.breached
        forward = oracle_breach_at(business, want, end, goal_min)
        if forward is not None or want.stage == "paused":
            assert forward == got.breach_at


@FAST
@given(
    calendars(),
    st.lists(st.tuples(st.integers(0, 7 * 96), KINDS), min_size=1, max_size=12),
    st.randoms(use_true_random=False),
)
def test_arrival_order_and_duplicates_never_change_the_result(
    world: World, stream: list[tuple[int, str]], rnd: random.Random
) -> None:
    """Shuffling deliveries and re-delivering some (same event id) gives the identical result."""
    cal, _plan, _holidays, anchor = world
    events = [
        ClockEvent(
            anchor + q * timedelta(minutes=15), ClockEventKind(kind), event_id=f"e{i}", seq=i % 2
        )
        for i, (q, kind) in enumerate(stream)
    ]
    delivered = events + rnd.sample(events, k=len(events) // 2)
    rnd.shuffle(delivered)
    spec = ClockSpec(calendar=cal, goal_seconds=3600 * 4)
    now = anchor + timedelta(days=8)

    assert result_json("c", evaluate_clock(spec, events, now)) == result_json(
        "c", evaluate_clock(spec, delivered, now)
    )


def test_paused_clock_has_no_breach_instant_and_stage_names() -> None:
    """A paused, unbreached clock has no breach_at (D3); stage values are the vectors' words."""
    cal = make_calendar("utc", "UTC", {d: [["00:00", "24:00"]] for d in WEEKDAYS})
    t0 = datetime(2025, 6, 2, 10, tzinfo=UTC)
    events = [ClockEvent(t0, ClockEventKind.START), ClockEvent(t0 + MINUTE, ClockEventKind.PAUSE)]

    result = evaluate_clock(
        ClockSpec(calendar=cal, goal_seconds=3600), events, t0 + timedelta(hours=5)
    )

    assert (result.stage, result.breach_at, result.breached) == (Stage.PAUSED, None, False)
    assert [s.value for s in Stage] == ["none", "running", "paused", "completed", "cancelled"]
