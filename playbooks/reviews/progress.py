"""
A campaign's progress for the lead, recomputed from its items every time (never kept as a
counter): items decided, reviewers complete, overdue items, time to decide, revocation rate and
removals within their 24-hour target. Pure.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

REMOVAL_TARGET = dt.timedelta(hours=24)
OPEN = ("pending", "confirming")


@dataclass(frozen=True)
class ItemFacts:
    """What progress reads of one item."""

    reviewer: str
    state: str
    flagged: bool
    decided_at: dt.datetime | None
    removal: str
    removed_at: dt.datetime | None


@dataclass(frozen=True)
class Progress:
    """One campaign's figures."""

    items: int
    decided: int
    """Decided by a reviewer (not by the no-response policy)."""
    open: int
    flagged: int
    overdue: int
    reviewers: int
    reviewers_complete: int
    kept: int
    revoked: int
    decide_mean_s: float | None
    decide_median_s: float | None
    removals_verified: int
    removals_failed: int
    removals_pending: int
    removals_on_time: int

    @property
    def decided_ratio(self) -> float | None:
        """Share of items a reviewer decided (0..1)."""
        return self.decided / self.items if self.items else None

    @property
    def revocation_ratio(self) -> float | None:
        """Share of the final decisions that revoke (0..1)."""
        final = self.kept + self.revoked
        return self.revoked / final if final else None


def progress(
    items: Sequence[ItemFacts], started_at: dt.datetime, due_at: dt.datetime, now: dt.datetime
) -> Progress:
    """The figures of a campaign started at ``started_at``, due at ``due_at``, as of ``now``."""
    open_items = [i for i in items if i.state in OPEN]
    by_reviewer: dict[str, bool] = {}
    for item in items:
        by_reviewer[item.reviewer] = by_reviewer.get(item.reviewer, True) and item.state not in OPEN
    waits = [
        (i.decided_at - started_at).total_seconds()
        for i in items
        if i.decided_at is not None and not i.flagged and i.state not in OPEN
    ]
    on_time = [
        i
        for i in items
        if i.removal == "verified"
        and i.removed_at is not None
        and i.decided_at is not None
        and i.removed_at - i.decided_at <= REMOVAL_TARGET
    ]
    return Progress(
        items=len(items),
        decided=sum(1 for i in items if i.state not in OPEN and not i.flagged),
        open=len(open_items),
        flagged=sum(1 for i in items if i.flagged),
        overdue=len(open_items) if now >= due_at else 0,
        reviewers=len(by_reviewer),
        reviewers_complete=sum(by_reviewer.values()),
        kept=sum(1 for i in items if i.state == "kept"),
        revoked=sum(1 for i in items if i.state == "revoked"),
        decide_mean_s=statistics.fmean(waits) if waits else None,
        decide_median_s=statistics.median(waits) if waits else None,
        removals_verified=sum(1 for i in items if i.removal == "verified"),
        removals_failed=sum(1 for i in items if i.removal == "failed"),
        removals_pending=sum(1 for i in items if i.removal in ("pending", "removing")),
        removals_on_time=len(on_time),
    )
