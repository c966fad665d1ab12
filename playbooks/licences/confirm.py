"""
Savings confirmed by the vendor's invoice (governance research §1.4 #5), pure.

A reclaim's saving is *applied* once deskpilot removed the seat and read it back
(``playbooks.licences.savings``); finance counts it *realised* only when the next invoice bills
the fewer seats. Per vendor and SKU, the seats an invoice bills for a period are the billed
quantities of its lines for that period that cover whole billing periods (credits included; a
part-period proration bills an event, not the pool). For reclaims effective on day ``d``:

* **before** is the latest such period starting on or before ``d`` (else, with no invoice yet,
  the seats the contract in force on ``d`` commits: the pool at the reclaim);
* **after** is the earliest such period starting after ``d``;
* the drop is before - after; the first ``min(drop, reclaimed)`` seats (in the order they were
  reclaimed) are confirmed, priced as the applied savings are.

Reclaims sharing the same before and after periods share one drop. A contract billed per active
user (Slack's Fair Billing) never needs an invoice: its seats count as confirmed, ``fair-billed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from playbooks.licences.contracts import Contract, contract_on
from playbooks.licences.invoice import InvoiceLine, billing_periods
from playbooks.licences.report import ReportError, SkuLine
from playbooks.licences.savings import Reclaimed, realised

__all__ = ["Billed", "Confirmation", "billed_seats", "confirmed", "with_confirmations"]

FAIR_BILLED = "fair-billed"
CONFIRMED = "confirmed"
PARTIAL = "partial"
UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Billed:
    """The seats of one vendor and SKU one invoice bills for the period starting ``start``."""

    vendor: str
    sku: str
    invoice_number: str
    start: date
    seats: int


@dataclass(frozen=True)
class Confirmation:
    """Of one vendor and SKU's reclaimed seats, those an invoice (or fair billing) confirms."""

    vendor: str
    sku: str
    currency: str
    reclaimed: int
    seats: int
    amount: Decimal
    status: str
    """``confirmed`` (every seat), ``partial``, ``unconfirmed`` or ``fair-billed``."""
    invoices: tuple[str, ...]
    """The invoice numbers whose later period showed the drop."""


def billed_seats(lines: Iterable[InvoiceLine]) -> list[Billed]:
    """Per vendor, SKU, invoice and period start, the seats billed for whole periods; sorted."""
    seats: dict[tuple[str, str, date, str], int] = {}
    for x in lines:
        periods = billing_periods(x.period_start, x.period_end)
        if periods != periods.to_integral_value():
            continue
        key = (x.vendor, x.sku, x.period_start, x.invoice_number)
        seats[key] = seats.get(key, 0) + x.quantity
    return [Billed(v, s, n, start, q) for (v, s, start, n), q in sorted(seats.items())]


class _Window(NamedTuple):
    before: int | None
    after_start: date | None
    after: int | None
    invoices: tuple[str, ...]


def _window(billed: Sequence[Billed], on: date, pool: int | None) -> _Window:
    """
    (seats billed for the latest period starting on or before ``on``, else ``pool``; the first
    later period's start, its seats and invoice numbers), None where there is none yet.
    """
    before = [b for b in billed if b.start <= on]
    later = [b for b in billed if b.start > on]
    if before:
        latest = max(b.start for b in before)
        pool = sum(b.seats for b in before if b.start == latest)
    if not later:
        return _Window(pool, None, None, ())
    first = min(b.start for b in later)
    after = [b for b in later if b.start == first]
    names = tuple(sorted({b.invoice_number for b in after}))
    return _Window(pool, first, sum(b.seats for b in after), names)


def confirmed(
    contracts: Iterable[Contract],
    reclaimed: Iterable[Reclaimed],
    invoices: Iterable[InvoiceLine],
    start: date,
    end: date,
) -> list[Confirmation]:
    """
    Per vendor and SKU reclaimed from ``start`` to ``end`` (excluded), the seats the invoices
    confirm and what they save, priced as ``realised`` prices them; sorted.

    Raises:
        ReportError: as ``realised`` (a seat reclaimed with no contract in force).
    """
    ledger = list(contracts)
    seats = sorted((r for r in reclaimed if start <= r.on < end), key=lambda r: r.on)
    bills = billed_seats(invoices)
    out = []
    for saving in realised(ledger, seats, start, end):
        key = (saving.vendor, saving.sku)
        mine = [r for r in seats if (r.vendor, r.sku) == key]
        terms = {r.on: contract_on(ledger, *key, r.on) for r in mine}
        fair = all((c.billing_model if c else "") == "active_user" for c in terms.values())
        if fair:
            out.append(Confirmation(*key, saving.currency, saving.seats, saving.seats,
                                    saving.amount, FAIR_BILLED, ()))  # fmt: skip
            continue
        billed = [b for b in bills if (b.vendor, b.sku) == key]
        groups: dict[_Window, list[Reclaimed]] = {}
        for r in mine:
            contract = terms[r.on]
            pool = contract.quantity if contract else None
            groups.setdefault(_window(billed, r.on, pool), []).append(r)
        chosen: list[Reclaimed] = []
        numbers: set[str] = set()
        for (before, _, after, names), group in groups.items():
            if before is None or after is None:
                continue  # no invoice after the reclaim yet (or no pool to compare with)
            drop = max(before - after, 0)
            chosen += group[:drop]
            if drop:
                numbers.update(names)
        priced = realised(ledger, chosen, start, end)
        amount = priced[0].amount if priced else Decimal(0)
        n = len(chosen)
        status = CONFIRMED if n == saving.seats else PARTIAL if n else UNCONFIRMED
        out.append(Confirmation(*key, saving.currency, saving.seats, n, amount, status,
                                tuple(sorted(numbers))))  # fmt: skip
    return out


def with_confirmations(lines: Sequence[SkuLine], found: Iterable[Confirmation]) -> list[SkuLine]:
    """
    The lines (with their savings filled in) with what the invoices confirmed beside them.

    Raises:
        ReportError: a confirmation for a line that reclaimed another number of seats.
    """
    by_key = {(c.vendor, c.sku): c for c in found}
    out = []
    for x in lines:
        got = by_key.pop((x.vendor, x.sku), None)
        if got is None:
            out.append(x)
            continue
        if got.reclaimed != x.reclaimed or got.currency != x.currency:
            raise ReportError(
                f"{x.vendor} {x.sku}: {got.reclaimed} seat(s) confirmed against {x.reclaimed} reclaimed"
            )
        out.append(replace(x, confirmed_seats=got.seats, confirmed_savings=got.amount,
                           confirmation=got.status, confirmed_by=" ".join(got.invoices)))  # fmt: skip
    if by_key:
        raise ReportError(f"confirmations for SKUs the report has no line for: {sorted(by_key)}")
    return out
