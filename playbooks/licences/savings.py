"""
Savings realised by reclaims (pure): seats deskpilot actually removed in a period, priced at the
unit price of the contract in force on the day each was removed.

The input is what deskpilot's own records say was applied and read back (``Reclaimed``), never
what was proposed: the shell (``worker.reports.licence_savings``) reads the reclaim runs that
ended ``applied`` and leaves out those rolled back. A seat is one billing period's unit price
saved, so a line's savings are ``reclaimed x unit_price`` and the totals tie out to the ledger; a
seat downgraded to a cheaper SKU saves the difference (the cheaper SKU's price in force that day,
nothing when the ledger has no contract for it: a free tier such as Zoom Basic).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from playbooks.licences.contracts import Contract, contract_on
from playbooks.licences.report import ReportError, SkuLine

__all__ = ["Reclaimed", "Saving", "realised", "with_savings"]


@dataclass(frozen=True)
class Reclaimed:
    """One seat removed (applied and read back) by a reclaim run, on ``on``."""

    vendor: str
    sku: str
    identity: str
    on: date
    downgrade_to: str | None = None
    """The cheaper SKU the seat was moved to (it then saves the difference in price)."""


@dataclass(frozen=True)
class Saving:
    """Seats reclaimed of one vendor and SKU in the period, and what they save per period."""

    vendor: str
    sku: str
    currency: str
    seats: int
    amount: Decimal


def realised(
    contracts: Iterable[Contract], reclaimed: Iterable[Reclaimed], start: date, end: date
) -> list[Saving]:
    """
    Per vendor and SKU, the seats reclaimed from ``start`` (included) to ``end`` (excluded),
    each at the unit price of the contract in force the day it was removed; sorted.

    Raises:
        ReportError: a seat reclaimed on a day no contract for its vendor and SKU was in force.
    """
    ledger = list(contracts)

    seats: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
    for r in reclaimed:
        if not start <= r.on < end:
            continue
        contract = contract_on(ledger, r.vendor, r.sku, r.on)
        if contract is None:
            raise ReportError(
                f"{r.vendor} {r.sku} of {r.identity} was reclaimed on {r.on} "
                "but no contract for it was in force that day"
            )
        saved = contract.unit_price
        cheaper = contract_on(ledger, r.vendor, r.downgrade_to, r.on) if r.downgrade_to else None
        if cheaper is not None:
            if cheaper.currency != contract.currency:
                raise ReportError(
                    f"{r.vendor} {r.sku} of {r.identity} was downgraded to {r.downgrade_to}, "
                    f"priced in {cheaper.currency}, not {contract.currency}"
                )
            saved -= cheaper.unit_price
        key = (r.vendor, r.sku, contract.currency)
        n, amount = seats.get(key, (0, Decimal(0)))
        seats[key] = (n + 1, amount + saved)
    return [Saving(v, s, cur, n, amount) for (v, s, cur), (n, amount) in sorted(seats.items())]


def with_savings(lines: Sequence[SkuLine], savings: Iterable[Saving]) -> list[SkuLine]:
    """
    The position lines with their ``reclaimed`` seats and ``savings`` filled in.

    Raises:
        ReportError: savings for a vendor and SKU the position has no line for (its contract
            ended), or in another currency than the line's.
    """
    by_key = {(x.vendor, x.sku): x for x in lines}
    found: dict[tuple[str, str], Saving] = {}
    for s in savings:
        line = by_key.get((s.vendor, s.sku))
        if line is None or line.currency != s.currency:
            raise ReportError(
                f"{s.seats} seat(s) of {s.vendor} {s.sku} reclaimed ({s.amount} {s.currency}) "
                "but the report has no line for it in that currency"
            )
        found[(s.vendor, s.sku)] = s
    out = []
    for x in lines:
        got = found.get((x.vendor, x.sku))
        out.append(x if got is None else replace(x, reclaimed=got.seats, savings=got.amount))
    return out
