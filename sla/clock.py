"""
The SLA clock engine (research/sla.md §3): a pure function of a clock's settings, its events and
``now``.

Events are start / stop / pause / resume / retarget / cancel / reset at desk instants. They are
deduplicated by ``event_id`` and replayed in ``(at, seq)`` order, so the result never depends on
the order in which webhooks arrived (D7); events with the same ``at`` and ``seq`` are one desk
update, evaluated with the precedence stop > reset > cancel > retarget > pause > resume (D7).

Figures are measured on the clock's calendar (business clock) or in real seconds (calendar
clock). A cycle is breached when its clock runs past ``breach_at``, the first instant at which
business elapsed equals the goal, so stopping exactly at the deadline is met (D2). While paused
``breach_at`` is unknown (D3) unless the goal was already used up. A re-target keeps elapsed and
re-measures the whole cycle against the new goal, which can make it breached in the past (D4).
A re-target that also carries a ``Retime`` (a policy change to another calendar, or between
business and calendar hours) re-measures the whole cycle on the new calendar too, as Zendesk
re-measures a metric under a newly applied target: one cycle is never measured on two calendars.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sla.calendar import Calendar, next_business_instant
from sla.cycle import (
    BreachRule,
    ClockSpec,
    CyclePolicy,
    CycleResult,
    GoalChange,
    OpenCycle,
    ResetAction,
    Stage,
    goal_s,
    measure_cycle,
    utc,
)

__all__ = [
    "BreachRule",
    "ClockEvent",
    "ClockEventKind",
    "ClockResult",
    "ClockSpec",
    "CyclePolicy",
    "CycleResult",
    "GoalChange",
    "ResetAction",
    "Retime",
    "Stage",
    "evaluate_clock",
    "order_events",
]

_ZERO = timedelta(0)
_SECOND = timedelta(seconds=1)


class ClockEventKind(enum.StrEnum):
    """What a clock event does (vectors format ``kind``)."""

    START = "start"
    STOP = "stop"
    PAUSE = "pause"
    RESUME = "resume"
    RETARGET = "retarget"
    CANCEL = "cancel"
    RESET = "reset"


@dataclass(frozen=True)
class Retime:
    """A target's calendar: measure on ``calendar`` from now on (None = calendar hours, 24x7)."""

    calendar: Calendar | None


@dataclass(frozen=True)
class ClockEvent:
    """
    One clock event at a desk instant.

    ``goal_seconds`` on start/retarget/reset sets the goal; ``retime`` on them sets the calendar
    (absent: the calendar stays as it is).
    """

    at: datetime
    kind: ClockEventKind
    goal_seconds: float | None = None
    event_id: str | None = None
    seq: int = 0
    retime: Retime | None = None


@dataclass(frozen=True)
class ClockResult:
    """Every cycle of one clock at desk instant ``now``; the properties describe the last cycle."""

    spec: ClockSpec
    now: datetime
    skew_seconds: float
    cycles: tuple[CycleResult, ...]

    @property
    def last(self) -> CycleResult | None:
        """The last cycle (what JSM's ``breached()`` looks at), if any."""
        return self.cycles[-1] if self.cycles else None

    @property
    def stage(self) -> Stage:
        """The last cycle's stage, or ``none``."""
        return self.last.stage if self.last else Stage.NONE

    @property
    def breached(self) -> bool:
        """Whether the last cycle is breached."""
        return bool(self.last and self.last.breached)

    @property
    def ever_breached(self) -> bool:
        """Whether any cycle breached (JSM ``everBreached()``)."""
        return any(c.breached for c in self.cycles)

    @property
    def breach_at(self) -> datetime | None:
        """The last cycle's breach instant on the desk clock."""
        return self.last.breach_at if self.last else None

    @property
    def worker_breach_at(self) -> datetime | None:
        """The last cycle's breach instant on the worker clock (when to fire the timer, D8)."""
        at = self.breach_at
        return None if at is None else at + timedelta(seconds=self.skew_seconds)


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def order_events(events: Iterable[ClockEvent]) -> list[list[ClockEvent]]:
    """
    Deduplicate by ``event_id`` and group into desk updates in ``(at, seq)`` order.

    Args:
        events: clock events in any arrival order, possibly with duplicates.

    Returns:
        Updates (events sharing ``at`` and ``seq``), oldest first. The result is the same for
        every permutation of ``events``.
    """

    def key(e: ClockEvent) -> tuple[datetime, int, str, float, str]:
        goal = -1.0 if e.goal_seconds is None else e.goal_seconds
        return (utc(e.at), e.seq, e.kind.value, goal, e.event_id or "")

    seen: set[str] = set()
    updates: list[list[ClockEvent]] = []
    for event in sorted(events, key=key):
        if event.event_id is not None:
            if event.event_id in seen:
                continue
            seen.add(event.event_id)
        if updates and (utc(updates[-1][0].at), updates[-1][0].seq) == (utc(event.at), event.seq):
            updates[-1].append(event)
        else:
            updates.append([event])
    return updates


@dataclass
class _State:
    spec: ClockSpec
    goal: timedelta | None
    calendar: Calendar | None
    cycles: list[OpenCycle] = field(default_factory=list)

    def active(self) -> OpenCycle | None:
        return self.cycles[-1] if self.cycles and self.cycles[-1].stage.active else None


def evaluate_clock(
    spec: ClockSpec, events: Iterable[ClockEvent], now: datetime, *, skew_seconds: float = 0.0
) -> ClockResult:
    """
    Replay a clock's events and measure every cycle at ``now``.

    Args:
        spec: calendar, goal and options of the clock.
        events: clock events in any order, duplicates allowed (deduplicated by ``event_id``).
        now: the worker's clock reading (aware); events after it are not yet known and ignored.
        skew_seconds: worker clock minus desk clock (D8). Desk instants are authoritative, so
            the figures are measured at ``now - skew``; ``worker_breach_at`` adds it back.

    Returns:
        The result with one ``CycleResult`` per cycle, measured at the desk instant of ``now``.
    """
    desk_now = utc(now) - timedelta(seconds=skew_seconds)
    state = _State(spec, _seconds(spec.goal_seconds), spec.calendar)
    for update in order_events(events):
        at = utc(update[0].at)
        if at > desk_now:
            break
        _apply_update(state, at, update)
    cycles = tuple(measure_cycle(spec, c, i + 1, desk_now) for i, c in enumerate(state.cycles))
    return ClockResult(spec, desk_now, skew_seconds, cycles)


def _apply_update(state: _State, at: datetime, update: Sequence[ClockEvent]) -> None:
    kinds = {e.kind for e in update}
    goal = next((e.goal_seconds for e in update if e.goal_seconds is not None), None)
    retime = next((e.retime for e in update if e.retime is not None), None)
    active, attached = state.active(), False
    if active is None and kinds & {ClockEventKind.START, ClockEventKind.RESET}:
        _set_target(state, goal, retime)
        if not kinds & {ClockEventKind.STOP, ClockEventKind.CANCEL} and _may_attach(state):
            active, attached = _attach(state, at), True
    if active is None:
        if ClockEventKind.RETARGET in kinds:
            _set_target(state, goal, retime)
        return
    if ClockEventKind.STOP in kinds:
        _end(active, at, Stage.COMPLETED)
        return
    if ClockEventKind.RESET in kinds and not attached:
        ended = (
            Stage.CANCELLED if state.spec.reset_action is ResetAction.CANCEL else Stage.COMPLETED
        )
        _end(active, at, ended)
        _set_target(state, goal, retime)
        active = _attach(state, at)
    elif ClockEventKind.CANCEL in kinds:
        _end(active, at, Stage.CANCELLED)
        return
    if ClockEventKind.RETARGET in kinds and (goal is not None or retime is not None):
        active = _retarget(state, active, at, _seconds(goal), retime)
    if ClockEventKind.PAUSE in kinds:
        _pause(state.spec, active, at)
    elif ClockEventKind.RESUME in kinds:
        _resume(active, at)


def _set_target(state: _State, goal: float | None, retime: Retime | None) -> None:
    if goal is not None:
        state.goal = _seconds(goal)
    if retime is not None:
        state.calendar = retime.calendar


def _may_attach(state: _State) -> bool:
    if state.spec.cycles is CyclePolicy.EVERY:
        return True
    return all(c.stage is Stage.CANCELLED for c in state.cycles)


def _attach(state: _State, at: datetime) -> OpenCycle:
    spec, start = state.spec, at
    first = all(c.stage is Stage.CANCELLED for c in state.cycles)
    if spec.retroactive_start is not None and first and utc(spec.retroactive_start) < at:
        start = utc(spec.retroactive_start)
    cycle = OpenCycle(start=start, goal=state.goal, calendar=state.calendar, running=[[start]])
    cycle.goal_history.append((start, goal_s(state.goal)))
    if spec.due_date:
        cycle.deadline = _due_deadline(spec, start)
    state.cycles.append(cycle)
    return cycle


def _due_deadline(spec: ClockSpec, start: datetime) -> datetime:
    """D10: the next business instant at or after the due date; start + 1 s if none or past."""
    if spec.due_at is None or utc(spec.due_at) <= start:
        return start + _SECOND
    due = utc(spec.due_at)
    return due if spec.calendar is None else next_business_instant(spec.calendar, due)


def _close(segments: list[list[datetime]], at: datetime) -> None:
    if segments and len(segments[-1]) == 1:
        segments[-1].append(at)


def _end(cycle: OpenCycle, at: datetime, stage: Stage) -> None:
    _close(cycle.running, at)
    _close(cycle.paused, at)
    cycle.stage, cycle.stopped_at = stage, at


def _pause(spec: ClockSpec, cycle: OpenCycle, at: datetime) -> None:
    if cycle.stage is Stage.RUNNING and not spec.due_date:  # D10: no pauses on due dates
        _close(cycle.running, at)
        cycle.paused.append([at])
        cycle.stage = Stage.PAUSED


def _resume(cycle: OpenCycle, at: datetime) -> None:
    if cycle.stage is Stage.PAUSED:
        _close(cycle.paused, at)
        cycle.running.append([at])
        cycle.stage = Stage.RUNNING


def _retarget(
    state: _State,
    cycle: OpenCycle,
    at: datetime,
    goal: timedelta | None,
    retime: Retime | None,
) -> OpenCycle:
    goal = cycle.goal if goal is None else goal
    calendar = cycle.calendar if retime is None else retime.calendar
    state.goal, state.calendar = goal, calendar
    if cycle.goal == goal and cycle.calendar is calendar:
        return cycle
    if state.spec.goal_change is GoalChange.RETARGET_KEEP_ELAPSED:
        cycle.goal, cycle.calendar = goal, calendar
        cycle.goal_history.append((at, goal_s(goal)))
        return cycle
    was_paused = cycle.stage is Stage.PAUSED
    _end(cycle, at, Stage.CANCELLED)
    fresh = _attach(state, at)
    if was_paused:
        _pause(state.spec, fresh, at)
    return fresh
