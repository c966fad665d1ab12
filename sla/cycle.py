"""
One SLA cycle: the clock's settings, the replay's mutable record of a cycle, and its figures.

``measure_cycle`` turns the record into a ``CycleResult`` at an instant: business and actual
elapsed, pauses, remaining, ``breach_at`` and the breach flag (decisions D2, D3, D10).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sla.calendar import Calendar, CalendarError, add_business, business_between

_ZERO = timedelta(0)


def utc(instant: datetime) -> datetime:
    """
    ``instant`` in UTC.

    Args:
        instant: an aware datetime.

    Raises:
        CalendarError: ``instant`` is naive.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise CalendarError(f"{instant.isoformat()} has no time zone; SLA instants must be aware")
    return instant.astimezone(UTC)


class Stage(enum.StrEnum):
    """Where a cycle is; ``none`` means no cycle was ever attached."""

    NONE = "none"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """True while the clock can still move (running or paused)."""
        return self in (Stage.RUNNING, Stage.PAUSED)


class CyclePolicy(enum.StrEnum):
    """Whether a start after a stop opens a new cycle (JSM) or is ignored (first reply)."""

    EVERY = "every"
    FIRST_ONLY = "first_only"


class GoalChange(enum.StrEnum):
    """What a re-target does (D4)."""

    RETARGET_KEEP_ELAPSED = "retarget_keep_elapsed"
    CANCEL_AND_REATTACH = "cancel_and_reattach"


class BreachRule(enum.StrEnum):
    """Exact rule (D2) or ServiceNow's legacy 2-decimal percentage rule (V20)."""

    ELAPSED_GT_GOAL = "elapsed_gt_goal"
    PCT_2DP_GE_100 = "pct_2dp_ge_100"


class ResetAction(enum.StrEnum):
    """How the cycle ended by a reset is recorded."""

    COMPLETE = "complete"
    CANCEL = "cancel"


@dataclass(frozen=True)
class ClockSpec:
    """How one clock measures: calendar (None = calendar hours, 24x7 real time) and options."""

    calendar: Calendar | None
    goal_seconds: float | None
    cycles: CyclePolicy = CyclePolicy.EVERY
    goal_change: GoalChange = GoalChange.RETARGET_KEEP_ELAPSED
    breach_rule: BreachRule = BreachRule.ELAPSED_GT_GOAL
    reset_action: ResetAction = ResetAction.COMPLETE
    retroactive_start: datetime | None = None
    """Start the first cycle here instead of at the start event (ServiceNow retroactive start)."""
    due_date: bool = False
    """Relative duration "breach on due date" (D10): the deadline is ``due_at``, no pauses."""
    due_at: datetime | None = None

    def measure(self, start: datetime, end: datetime) -> timedelta:
        """Clock time in ``[start, end)`` (UTC instants)."""
        if self.calendar is None:
            return max(end - start, _ZERO)
        return business_between(self.calendar, start, end)

    def advance(self, start: datetime, amount: timedelta) -> datetime | None:
        """The first instant at which ``amount`` of clock time has passed since ``start``.

        None when the calendar has too little business time ahead (ten years) to get there.
        """
        if self.calendar is None:
            return start + max(amount, _ZERO)
        try:
            return add_business(self.calendar, start, amount)
        except CalendarError:
            return None


@dataclass(frozen=True)
class CycleResult:
    """One cycle (JSM cycle, ServiceNow task_sla, Zendesk metric instance) measured at ``now``."""

    number: int
    stage: Stage
    started_at: datetime
    stopped_at: datetime | None
    goal_seconds: float | None
    business_elapsed_seconds: float
    actual_elapsed_seconds: float
    business_pause_seconds: float
    actual_pause_seconds: float
    remaining_seconds: float | None
    breach_at: datetime | None
    breached: bool
    percent: float | None
    actual_percent: float | None
    running: tuple[tuple[datetime, datetime], ...]
    paused: tuple[tuple[datetime, datetime], ...]
    goal_history: tuple[tuple[datetime, float | None], ...]


def goal_s(goal: timedelta | None) -> float | None:
    """A goal in seconds, or None."""
    return None if goal is None else goal.total_seconds()


@dataclass
class OpenCycle:
    """A cycle as the replay builds it (mutable, internal to the engine)."""

    start: datetime
    goal: timedelta | None
    calendar: Calendar | None = None
    """The calendar the whole cycle is measured on (the latest target's; None = 24x7)."""
    deadline: datetime | None = None
    stage: Stage = Stage.RUNNING
    running: list[list[datetime]] = field(default_factory=list)
    """Clock-running segments ``[start]`` (open) or ``[start, end]``."""
    paused: list[list[datetime]] = field(default_factory=list)
    stopped_at: datetime | None = None
    goal_history: list[tuple[datetime, float | None]] = field(default_factory=list)


def _closed(segments: list[list[datetime]], end: datetime) -> tuple[tuple[datetime, datetime], ...]:
    return tuple((s[0], s[1] if len(s) == 2 else end) for s in segments)


def measure_cycle(spec: ClockSpec, cycle: OpenCycle, number: int, now: datetime) -> CycleResult:
    """
    The figures of ``cycle`` at desk instant ``now``.

    Args:
        spec: the clock's settings (measured on the cycle's own calendar when a re-target
            changed it).
        cycle: the replayed cycle.
        number: its 1-based number.
        now: UTC desk instant (the end of an open segment).
    """
    if cycle.calendar is not spec.calendar:  # re-targeted to another calendar or clock type
        spec = replace(spec, calendar=cycle.calendar)
    end = cycle.stopped_at or now
    running, paused = _closed(cycle.running, end), _closed(cycle.paused, end)
    elapsed = sum((spec.measure(a, b) for a, b in running), _ZERO)
    actual = sum((b - a for a, b in running), _ZERO)
    goal = cycle.goal if cycle.deadline is None else spec.measure(cycle.start, cycle.deadline)
    reached = cycle.deadline if cycle.deadline is not None else _reached_at(spec, running, goal)
    return CycleResult(
        number=number,
        stage=cycle.stage,
        started_at=cycle.start,
        stopped_at=cycle.stopped_at,
        goal_seconds=goal_s(goal),
        business_elapsed_seconds=elapsed.total_seconds(),
        actual_elapsed_seconds=actual.total_seconds(),
        business_pause_seconds=sum((spec.measure(a, b) for a, b in paused), _ZERO).total_seconds(),
        actual_pause_seconds=sum((b - a for a, b in paused), _ZERO).total_seconds(),
        remaining_seconds=None if goal is None else (goal - elapsed).total_seconds(),
        breach_at=_breach_at(spec, cycle, reached, goal, elapsed, end),
        breached=_breached(spec, running, reached, goal, elapsed),
        percent=_percent(spec, elapsed, goal),
        actual_percent=_percent(spec, actual, goal, exact=True),
        running=running,
        paused=paused,
        goal_history=tuple(cycle.goal_history),
    )


def _reached_at(
    spec: ClockSpec, running: Sequence[tuple[datetime, datetime]], goal: timedelta | None
) -> datetime | None:
    """The instant inside the running segments at which elapsed equals the goal, if any."""
    if goal is None:
        return None
    used = _ZERO
    for a, b in running:
        span = spec.measure(a, b)
        if used + span >= goal:
            reached = spec.advance(a, goal - used)
            assert reached is not None  # the segment itself holds enough business time
            return reached
        used += span
    return None


def _breach_at(
    spec: ClockSpec,
    cycle: OpenCycle,
    reached: datetime | None,
    goal: timedelta | None,
    elapsed: timedelta,
    end: datetime,
) -> datetime | None:
    if reached is not None or goal is None:
        return reached
    if cycle.stage is Stage.PAUSED:
        return None  # D3: unknown until the clock runs again
    return spec.advance(end, goal - elapsed)


def _breached(
    spec: ClockSpec,
    running: Sequence[tuple[datetime, datetime]],
    reached: datetime | None,
    goal: timedelta | None,
    elapsed: timedelta,
) -> bool:
    if goal is None:
        return False
    if spec.breach_rule is BreachRule.PCT_2DP_GE_100:
        pct = _percent(spec, elapsed, goal)
        return pct is not None and pct >= 100
    return reached is not None and any(b > reached for a, b in running if b > a)


def _percent(
    spec: ClockSpec, amount: timedelta, goal: timedelta | None, *, exact: bool = False
) -> float | None:
    if goal is None or goal <= _ZERO:
        return None
    value = 100 * amount.total_seconds() / goal.total_seconds()
    if exact or spec.breach_rule is not BreachRule.PCT_2DP_GE_100:
        return value
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
