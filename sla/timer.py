"""
At-risk thresholds and the instants the worker turns into durable timers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sla.clock import ClockResult
from sla.cycle import Stage, utc


@dataclass(frozen=True)
class Threshold:
    """An at-risk threshold: a percentage of the goal used, or business time left."""

    percent: float | None = None
    time_left_seconds: float | None = None

    @property
    def label(self) -> str:
        """``pct75`` or ``left3600``: stable, usable in a durable timer's reference."""
        if self.percent is not None:
            return f"pct{self.percent:g}"
        return f"left{self.time_left_seconds:g}"

    def used_at(self, goal: timedelta) -> timedelta:
        """The elapsed time at which this threshold is crossed, for ``goal``."""
        if self.percent is not None:
            return goal * (self.percent / 100)
        return goal - timedelta(seconds=self.time_left_seconds or 0)


class Due(NamedTuple):
    """A future instant the worker must schedule a durable timer for (worker clock)."""

    kind: str
    """``at_risk:<threshold label>`` or ``breach``."""
    at: datetime


def is_at_risk(result: ClockResult, thresholds: Sequence[Threshold]) -> bool:
    """
    Whether the last cycle is active, not breached, and past any at-risk threshold.

    Args:
        result: an evaluated clock.
        thresholds: the definition's at-risk thresholds.
    """
    last = result.last
    if last is None or not last.stage.active or last.breached or last.goal_seconds is None:
        return False
    goal, used = (
        timedelta(seconds=last.goal_seconds),
        timedelta(seconds=last.business_elapsed_seconds),
    )
    return any(used >= t.used_at(goal) for t in thresholds)


def next_instants(result: ClockResult, thresholds: Sequence[Threshold], now: datetime) -> list[Due]:
    """
    The at-risk and breach instants still ahead for the running cycle, for durable timers.

    Paused, stopped, goal-less or already breached clocks have none. A timer that fires must
    re-evaluate the clock before acting (it may have been paused or re-targeted meanwhile); a
    clock becomes breached for any ``now`` after ``breach_at`` (equality is still met).

    Args:
        result: the clock evaluated at (about) ``now``.
        thresholds: at-risk thresholds of the definition.
        now: the worker's clock reading; returned instants are on the worker clock too.

    Returns:
        ``Due(kind, at)`` sorted by ``at``, only instants at or after ``now``.
    """
    last, skew = result.last, timedelta(seconds=result.skew_seconds)
    if last is None or last.stage is not Stage.RUNNING or last.breached or last.breach_at is None:
        return []
    assert last.goal_seconds is not None
    goal, used = (
        timedelta(seconds=last.goal_seconds),
        timedelta(seconds=last.business_elapsed_seconds),
    )
    dues = [Due("breach", last.breach_at + skew)]
    for threshold in thresholds:
        mark = threshold.used_at(goal)
        if mark > used and not result.spec.due_date:
            at = result.spec.advance(result.now, mark - used)
            if at is not None:
                dues.append(Due(f"at_risk:{threshold.label}", at + skew))
    return sorted((d for d in dues if d.at >= utc(now)), key=lambda d: d.at)
