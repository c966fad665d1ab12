"""
The licence figures the dashboard shows: utilisation per SKU, waste, and renewals coming up,
from the latest stored monthly position (``licence_positions``); nothing is read from vendors or
files when the page renders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from worker.db.licences import LicencePositionRow
from worker.reports.licences import latest_positions
from worker.runtime import Runtime

__all__ = ["HEADER", "RENEWAL_DAYS", "LicenceFigures", "licence_figures"]

HEADER = (
    "Vendor", "SKU", "Purchased", "Assigned", "Active", "Utilisation %", "Unused", "Leaver",
    "Unassigned", "Waste", "Notice by",
)  # fmt: skip
RENEWAL_DAYS = 90
"""Renewals whose notice date falls within this many days count as coming up."""
CENT = Decimal("0.01")


@dataclass(frozen=True)
class LicenceFigures:
    """What the licence panel shows; ``period`` is None before the first monthly report."""

    period: str | None
    utilisation_pct: Decimal | None
    reclaimable: int
    waste: tuple[tuple[str, Decimal], ...]
    renewals: tuple[tuple[str, str, dt.date], ...]
    rows: tuple[tuple[object, ...], ...]


def _pct(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(100) * part / whole).quantize(CENT, ROUND_HALF_UP)


def figures_of(rows: Sequence[LicencePositionRow], today: dt.date) -> LicenceFigures:
    """The panel's figures from one month's stored position."""
    waste: dict[str, Decimal] = {}
    for r in rows:
        waste[r.currency] = waste.get(r.currency, Decimal(0)) + r.waste
    horizon = today + dt.timedelta(days=RENEWAL_DAYS)
    return LicenceFigures(
        period=rows[0].period if rows else None,
        utilisation_pct=_pct(sum(r.active for r in rows), sum(r.purchased for r in rows)),
        reclaimable=sum(r.unused + r.leaver for r in rows),
        waste=tuple((c, w.quantize(CENT, ROUND_HALF_UP)) for c, w in sorted(waste.items())),
        renewals=tuple(
            sorted(
                (
                    (r.vendor, r.sku, r.notice_date)
                    for r in rows
                    if today <= r.notice_date <= horizon
                ),
                key=lambda x: (x[2], x[0], x[1]),
            )
        ),
        rows=tuple(
            (
                r.vendor,
                r.sku,
                r.purchased,
                r.assigned,
                r.active,
                _pct(r.active, r.purchased),
                r.unused,
                r.leaver,
                r.unassigned,
                f"{r.waste.quantize(CENT, ROUND_HALF_UP)} {r.currency}",
                r.notice_date.isoformat(),
            )
            for r in rows
        ),
    )


def licence_figures(rt: Runtime, now: dt.datetime) -> LicenceFigures:
    """The panel's figures from the latest stored monthly position."""
    return figures_of(latest_positions(rt), now.date())
