"""
Which time-bound steps a firing expiry ends, when a plan's items expire at different times.

Pure. A plan with several catalogue items can end each at its own time (an item's
``max_duration`` is shorter than the rest). One expiry timer serves the run: each time it fires
it ends the earliest steps still granted and is set again for the next ones. ``/extend`` gives
each item its own new end (``extend``), capped by that item's own maximum and the playbook's,
kept as the timer's ``ends``; ``/revoke-now`` (the timer due before the earliest step's end)
ends everything at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
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


def current_ends(
    plan: Plan,
    due_at: datetime,
    ended: Collection[int] = (),
    ends: Mapping[int, datetime] | None = None,
) -> dict[int, datetime]:
    """
    When each time-bound step still granted ends, as the timer will end it.

    Args:
        plan: the applied plan (each time-bound step has its ``until``).
        due_at: when the timer is due (moved by ``/extend`` or ``/revoke-now``).
        ended: the step indexes earlier firings of this timer already ended.
        ends: the per-step ends an ``/extend`` set (they replace the plan's ``until``).
    """
    given = ends or {}
    untils = {
        s.index: given.get(s.index, s.until)
        for s in plan.steps
        if s.until is not None and s.index not in ended
    }
    pending = {i: u for i, u in untils.items() if u is not None}
    if not pending:
        return {}
    first = min(pending.values())
    if due_at < first - TOLERANCE:  # revoked early: everything goes now
        return dict.fromkeys(pending, due_at)
    return {i: u + (due_at - first) for i, u in pending.items()}


def expiry_phase(
    plan: Plan,
    due_at: datetime,
    ended: Collection[int] = (),
    ends: Mapping[int, datetime] | None = None,
) -> ExpiryPhase:
    """
    The time-bound steps a timer due at ``due_at`` ends, and when it is due again.

    Args:
        plan: the applied plan (each time-bound step has its ``until``).
        due_at: when the timer was due (moved by ``/extend`` or ``/revoke-now``).
        ended: the step indexes earlier firings of this timer already ended.
        ends: the per-step ends an ``/extend`` set.
    """
    pending = current_ends(plan, due_at, ended, ends)
    if not pending:
        return ExpiryPhase(frozenset(), None)
    first = min(pending.values())
    ending = frozenset(i for i, end in pending.items() if end - first <= TOLERANCE)
    later = [end for i, end in pending.items() if i not in ending]
    return ExpiryPhase(ending, min(later) if later else None)


@dataclass(frozen=True)
class ItemExtension:
    """One item's answer to an ``/extend``: its new end, and its limit if it was capped."""

    item: str
    end: datetime
    capped_at: datetime | None = None
    """The latest this item may end (it got less than asked); None: it got what was asked."""
    no_limit: bool = False
    """Capped because neither the item nor the playbook sets a maximum: it cannot be extended."""


@dataclass(frozen=True)
class Extension:
    """Every time-bound step's new end, and per item what was granted or capped."""

    ends: dict[int, datetime]
    items: tuple[ItemExtension, ...]
    moved: bool
    """True if any item now ends later than before."""


def extend(
    plan: Plan,
    current: Mapping[int, datetime],
    latest: Mapping[int, datetime | None],
    *,
    by: timedelta | None = None,
    until: datetime | None = None,
) -> Extension:
    """
    Move each step's end by ``by`` (or to ``until``, never earlier than it is), each capped by
    its own ``latest`` (the item's maximum and the playbook's, counted from the plan); a step
    with no limit at all cannot be extended. Steps of one item move together.

    Args:
        plan: the applied plan.
        current: each pending time-bound step's end now (``current_ends``).
        latest: the latest each step may end (None: nothing allows extending it).
        by: how much longer.
        until: the new end asked for.
    """
    ends: dict[int, datetime] = {}
    items: dict[str, ItemExtension] = {}
    names = {s.index: s.item or s.description for s in plan.steps}
    for index, end in sorted(current.items()):
        wanted = end + by if by is not None else max(end, until or end)
        cap = latest.get(index)
        if cap is None:
            ends[index], answer = end, ItemExtension(names[index], end, end, no_limit=True)
        elif wanted > cap:
            new = max(end, cap)
            ends[index], answer = new, ItemExtension(names[index], new, cap)
        else:
            ends[index], answer = wanted, ItemExtension(names[index], wanted)
        items.setdefault(answer.item, answer)
    moved = any(ends[i] > end for i, end in current.items())
    return Extension(ends, tuple(items.values()), moved)
