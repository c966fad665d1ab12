"""
Which time-bound steps a firing expiry ends, when a plan's items expire at different times.

Pure. A plan with several catalogue items can end each at its own time (an item's
``max_duration`` is shorter than the rest). One expiry timer serves the run: each time it fires
it ends the earliest steps still granted and is set again for the next ones. ``/extend`` moves
the timer, and the rest of the schedule moves with it; ``/revoke-now`` (the timer due before
the earliest step's end) ends everything at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from playbooks.planned import Plan

TOLERANCE = timedelta(minutes=1)
"""Ends this close together are one phase (they were computed from the same instant)."""


@dataclass(frozen=True)
class ExpiryPhase:
    """The steps (by plan index) this firing ends, and when the timer is due next (None: done)."""

    ending: frozenset[int]
    next_due: datetime | None


def expiry_phase(plan: Plan, due_at: datetime, ended: Collection[int] = ()) -> ExpiryPhase:
    """
    The time-bound steps a timer due at ``due_at`` ends, and when it is due again.

    Args:
        plan: the applied plan (each time-bound step has its ``until``).
        due_at: when the timer was due (moved by ``/extend`` or ``/revoke-now``).
        ended: the step indexes earlier firings of this timer already ended.
    """
    pending = [s for s in plan.steps if s.until is not None and s.index not in ended]
    if not pending:
        return ExpiryPhase(frozenset(), None)
    first = min(s.until for s in pending if s.until is not None)
    if due_at < first - TOLERANCE:  # revoked early: everything goes now
        return ExpiryPhase(frozenset(s.index for s in pending), None)
    shift = due_at - first
    ending = frozenset(
        s.index for s in pending if s.until is not None and s.until - first <= TOLERANCE
    )
    later = [s.until + shift for s in pending if s.until is not None and s.index not in ending]
    return ExpiryPhase(ending, min(later) if later else None)
