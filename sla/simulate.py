"""
What-if simulation of SLA clocks from a JSON document (``deskpilot sla simulate``).

Two input shapes (docs/sla.md):

* the vectors format ``deskpilot-sla-vectors/1``: ``calendars`` plus ``vectors`` (raw clock specs
  with clock events), or one vector object holding its own ``calendars``;
* a ticket what-if: an ``sla`` section, a ``ticket`` and its normalised ``events`` (see
  ``sla.scenario``).

Output is plain JSON: per clock its stage, elapsed, remaining, breach time and breached flag,
and every cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, JsonValue

from sla.calendar import Calendar
from sla.clock import (
    BreachRule,
    ClockEvent,
    ClockEventKind,
    ClockResult,
    ClockSpec,
    CyclePolicy,
    CycleResult,
    GoalChange,
    ResetAction,
    Retime,
    evaluate_clock,
)
from sla.config import CalendarSettings
from sla.definition import build_calendar


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VectorEvent(_Model):
    """A clock event of the vectors format."""

    at: datetime
    kind: ClockEventKind
    goal_seconds: float | None = None
    event_id: str | None = None
    seq: int = 0
    clock: Literal["business", "calendar"] | None = None
    """On start/retarget/reset: the target's clock type from here on (absent: unchanged)."""
    calendar: str | None = None
    """With ``clock: business``: the target's calendar (a name from ``calendars``)."""
    arrival_index: int | None = None
    """Delivery order, for documentation only: the engine sorts by ``(at, seq)``."""
    received_at: datetime | None = None
    """Worker clock at delivery, for documentation only (D8: desk time is authoritative)."""


class VectorOptions(_Model):
    """Clock options of the vectors format."""

    cycles: CyclePolicy = CyclePolicy.EVERY
    goal_change: GoalChange = GoalChange.RETARGET_KEEP_ELAPSED
    breach_rule: BreachRule = BreachRule.ELAPSED_GT_GOAL
    reset_action: ResetAction = ResetAction.COMPLETE
    retroactive_start: datetime | None = None
    relative_duration: Literal["due_date"] | None = None
    due_at: datetime | None = None
    worker_clock_skew_seconds: float = Field(
        default=0.0,
        validation_alias=AliasChoices(
            "worker_clock_skew_seconds", "clock_skew_seconds", "worker_skew_seconds"
        ),
    )


class Vector(_Model):
    """One raw clock: calendar, goal, options, events, ``now`` (worker clock) and expectations."""

    id: str = "clock"
    title: str | None = None
    kind: str | None = None
    source_semantics: str | None = None
    calendar: str | CalendarSettings | None = None
    calendars: dict[str, CalendarSettings] = Field(default_factory=dict)
    clock: Literal["business", "calendar"] = "business"
    goal_seconds: float | None = None
    options: VectorOptions = Field(default_factory=VectorOptions)
    events: list[VectorEvent]
    now: datetime | None = None
    expect: dict[str, JsonValue] = Field(default_factory=dict)


class VectorsFile(_Model):
    """A vectors document: shared calendars and many vectors."""

    format: Literal["deskpilot-sla-vectors/1"] = "deskpilot-sla-vectors/1"
    calendars: dict[str, CalendarSettings] = Field(default_factory=dict)
    vectors: list[Vector]


def vector_spec(vector: Vector, calendars: Mapping[str, CalendarSettings]) -> ClockSpec:
    """
    The engine's ``ClockSpec`` for a vector.

    Args:
        vector: the vector.
        calendars: calendars by id (the file's, overridden by the vector's own).

    Raises:
        ValueError: a business clock without a (known) calendar.
    """
    calendar = _calendar(vector, vector.calendar, calendars) if vector.clock == "business" else None
    options = vector.options
    return ClockSpec(
        calendar=calendar,
        goal_seconds=vector.goal_seconds,
        cycles=options.cycles,
        goal_change=options.goal_change,
        breach_rule=options.breach_rule,
        reset_action=options.reset_action,
        retroactive_start=options.retroactive_start,
        due_date=options.relative_duration == "due_date",
        due_at=options.due_at,
    )


def _calendar(
    vector: Vector, name: str | CalendarSettings | None, calendars: Mapping[str, CalendarSettings]
) -> Calendar:
    if isinstance(name, CalendarSettings):
        return build_calendar(vector.id, name)
    known = {**calendars, **vector.calendars}
    if name is None or name not in known:
        raise ValueError(f"{vector.id}: unknown calendar {name!r}")
    return build_calendar(name, known[name])


def _retime(
    vector: Vector, event: VectorEvent, calendars: Mapping[str, CalendarSettings]
) -> Retime | None:
    if event.clock is None:
        return None
    if event.clock == "calendar":
        return Retime(None)
    return Retime(_calendar(vector, event.calendar, calendars))


def run_vector(vector: Vector, calendars: Mapping[str, CalendarSettings]) -> ClockResult:
    """
    Evaluate a vector; a missing ``now`` means "just after the last event" (worker clock).

    Args:
        vector: the vector.
        calendars: calendars by id.
    """
    events = [
        ClockEvent(e.at, e.kind, e.goal_seconds, e.event_id, e.seq, _retime(vector, e, calendars))
        for e in vector.events
    ]
    skew = vector.options.worker_clock_skew_seconds
    now = vector.now
    if now is None:
        now = max(e.at for e in events) + timedelta(seconds=skew)
    return evaluate_clock(vector_spec(vector, calendars), events, now, skew_seconds=skew)


def _instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat().replace("+00:00", "Z")
    return text


def _figures(cycle: CycleResult | None) -> dict[str, JsonValue]:
    names = [
        "goal_seconds",
        "business_elapsed_seconds",
        "actual_elapsed_seconds",
        "business_pause_seconds",
        "actual_pause_seconds",
        "remaining_seconds",
        "breached",
        "percent",
        "actual_percent",
    ]
    out: dict[str, JsonValue] = {n: getattr(cycle, n) if cycle else None for n in names}
    out["breached"] = bool(cycle and cycle.breached)
    out["breach_at"] = _instant(cycle.breach_at) if cycle else None
    out["started_at"] = _instant(cycle.started_at) if cycle else None
    out["stopped_at"] = _instant(cycle.stopped_at) if cycle else None
    return out


def result_json(name: str, result: ClockResult) -> dict[str, JsonValue]:
    """
    A clock's result as JSON: the last cycle's figures at top level, then every cycle.

    Args:
        name: the clock's name (vector id or metric name).
        result: the evaluated clock.
    """
    cycles: list[JsonValue] = [
        {"number": c.number, "stage": c.stage.value, **_figures(c)} for c in result.cycles
    ]
    worker = result.worker_breach_at
    return {
        "name": name,
        "stage": result.stage.value,
        **_figures(result.last),
        "breach_at_worker": _instant(worker),
        "ever_breached": result.ever_breached,
        "now": _instant(result.now),
        "cycles": cycles,
    }
