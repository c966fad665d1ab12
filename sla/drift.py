"""
SLA reconciliation's comparison: how far the desk's breach time is from ours, and whether that
counts as drift. Pure; the shell reads both sides and stores the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["Drift", "compare_breach"]


@dataclass(frozen=True)
class Drift:
    """How far the desk's breach time is from ours, and whether that counts as drift."""

    drift_s: float | None
    """Desk breach time minus ours, in seconds; None when either side has none."""
    drifted: bool


def compare_breach(
    desk_breach_at: dt.datetime | None,
    desk_breached: bool,
    ours_breach_at: dt.datetime | None,
    ours_breached: bool | None,
    *,
    tolerance_s: float,
) -> Drift:
    """
    Compare the desk's figure for one metric with our clock's.

    The times drift when both exist and are more than ``tolerance_s`` apart; the flags when we
    have a clock and it disagrees with the desk on whether the goal was missed.

    Args:
        desk_breach_at: when the desk says the goal is (or was) missed.
        desk_breached: whether the desk says it was missed.
        ours_breach_at: our clock's breach time (None: no such clock, or none due).
        ours_breached: whether our clock is breached (None: we have no such clock).
        tolerance_s: how far apart the two times may be.
    """
    drift_s = None
    if desk_breach_at is not None and ours_breach_at is not None:
        drift_s = (desk_breach_at - ours_breach_at).total_seconds()
    far_apart = drift_s is not None and abs(drift_s) > tolerance_s
    flags_differ = ours_breached is not None and ours_breached != desk_breached
    return Drift(drift_s, far_apart or flags_differ)
