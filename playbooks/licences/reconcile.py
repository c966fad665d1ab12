"""
Invoice reconciliation (governance research §1.4 #3, feature A5): each invoice line against the
seat ledger and the vendors' seat pools (pure).

Per line: the **expected quantity** is the seat pool nearest at or before the invoice date
(what the vendor said it sold, or, when it does not say, the seats assigned, never below the
contract's commitment on a per-seat contract), else the contract's committed quantity; the
**expected unit price** is the contract in force at the period's start. A line is a
discrepancy when its quantity is off by ``seats`` or more, or its unit price by more than
``price_pct`` percent. The reason code says why:

* ``fair-billed``: the contract bills active users (Slack's Fair Billing on self-serve plans:
  members active in 28 days, with prorated credits), so the quantity follows activity and is
  marked, not disputed;
* ``price-uplift``: a unit price above the contract's (disputed);
* ``proration``: a part of a billing period, priced at the contract's price for those days;
* ``true-up``: more seats than committed, explained when the seat pool confirms them;
* ``unknown``: anything else (no contract, another currency, a price below the contract's, an
  amount that is not quantity x price, a quantity the pools do not show).

Money is ``Decimal``; amounts are rounded to the cent (half up) only once, at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from playbooks.licences.contracts import Contract, contract_on
from playbooks.licences.invoice import InvoiceLine, InvoiceRowError, PoolCount, billing_periods

__all__ = [
    "RECONCILE_HEADER",
    "Reconciled",
    "Thresholds",
    "reconcile",
    "reconcile_rows",
    "totals",
]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
RECONCILE_HEADER = (
    "vendor", "invoice_number", "line", "sku", "currency", "period_start", "period_end",
    "periods", "billed_quantity", "billed_unit_price", "billed_amount", "expected_quantity",
    "quantity_source", "expected_unit_price", "quantity_delta", "price_delta", "price_delta_pct",
    "computed_amount", "arithmetic_delta", "expected_amount", "amount_delta", "reason", "status",
    "note",
)  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    """When a line is a discrepancy (``licences.reconcile_seats``/``reconcile_price_pct``)."""

    seats: int = 1
    price_pct: Decimal = Decimal("0.5")


@dataclass(frozen=True)
class Reconciled:
    """One invoice line reconciled: what was billed, what was expected, why they differ."""

    line: InvoiceLine
    periods: Decimal
    expected_quantity: int | None
    quantity_source: str
    expected_unit_price: Decimal | None
    computed_amount: Decimal
    """Billed quantity x billed unit price x periods, to the cent."""
    expected_amount: Decimal | None
    reason: str
    status: str
    note: str

    @property
    def quantity_delta(self) -> int | None:
        e = self.expected_quantity
        return None if e is None else self.line.quantity - e

    @property
    def price_delta(self) -> Decimal | None:
        e = self.expected_unit_price
        return None if e is None else self.line.unit_price - e

    @property
    def price_delta_pct(self) -> Decimal | None:
        e, delta = self.expected_unit_price, self.price_delta
        if e is None or delta is None or not e:
            return None
        return (HUNDRED * delta / e).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def arithmetic_delta(self) -> Decimal:
        """The billed amount less quantity x unit price x periods (the invoice's own sums)."""
        return self.line.amount - self.computed_amount

    @property
    def amount_delta(self) -> Decimal | None:
        e = self.expected_amount
        return None if e is None else self.line.amount - e

    @property
    def flagged(self) -> bool:
        """Whether the line needs someone to take it up with the vendor."""
        return self.status == "disputed"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _contract(line: InvoiceLine, ledger: Sequence[Contract]) -> Contract | None:
    """The contract in force at the period's start, else at its end."""
    return contract_on(ledger, line.vendor, line.sku, line.period_start) or contract_on(
        ledger, line.vendor, line.sku, line.period_end
    )


def _pool(line: InvoiceLine, pools: Sequence[PoolCount]) -> PoolCount | None:
    before = [
        p
        for p in pools
        if (p.vendor, p.sku) == (line.vendor, line.sku) and p.taken_at.date() <= line.invoice_date
    ]
    return max(before, key=lambda p: p.taken_at, default=None)


def _expected_quantity(contract: Contract, pool: PoolCount | None) -> tuple[int, str]:
    if pool is None:
        return contract.quantity, "contract committed"
    taken = pool.taken_at.isoformat()
    if pool.purchased is not None:
        return pool.purchased, f"snapshot purchased {taken}"
    if contract.billing_model == "active_user" or pool.assigned > contract.quantity:
        return pool.assigned, f"snapshot assigned {taken}"
    return contract.quantity, f"contract committed (snapshot assigned {pool.assigned} {taken})"


def _judge(
    line: InvoiceLine,
    contract: Contract,
    expected: int,
    from_pool: bool,
    periods: Decimal,
    computed: Decimal,
    limits: Thresholds,
) -> tuple[str, str, str]:
    """(reason, status, note) of a line that has a contract in its currency."""
    price = contract.unit_price
    off = line.unit_price - price
    price_off = abs(off) * HUNDRED > limits.price_pct * price if price else bool(off)
    qty_off = abs(line.quantity - expected) >= limits.seats
    arithmetic = abs(line.amount - computed) > CENT
    if price_off and off > 0:
        return "price-uplift", "disputed", f"billed {line.unit_price}, contract {price}"
    if price_off:
        return "unknown", "disputed", f"billed {line.unit_price}, below the contract's {price}"
    if contract.billing_model == "active_user":
        note = "billed for active members (fair billing); quantity follows activity"
        return "fair-billed", "explained", note
    if arithmetic:
        note = f"billed amount is {line.amount}, quantity x unit price x periods is {computed}"
        return "unknown", "disputed", note
    if periods != periods.to_integral_value():
        if line.quantity - expected >= limits.seats:
            return "proration", "disputed", f"prorated for {line.quantity} seats, {expected} held"
        share = periods.quantize(Decimal("0.0001"))
        return "proration", "explained", f"{line.quantity} seat(s) for {share} of a period"
    if line.quantity > contract.quantity:
        if from_pool and not qty_off:
            note = f"{line.quantity - contract.quantity} seat(s) above the {contract.quantity} committed"
            return "true-up", "explained", note
        why = "the seat pool shows" if from_pool else "no seat snapshot confirms them;"
        return "true-up", "disputed", f"billed {line.quantity}, {why} {expected}"
    if qty_off:
        return "unknown", "disputed", f"billed {line.quantity} seats, expected {expected}"
    return "none", "matched", ""


def reconcile_line(
    line: InvoiceLine,
    ledger: Sequence[Contract],
    pools: Sequence[PoolCount],
    limits: Thresholds = Thresholds(),
) -> Reconciled:
    """One invoice line against the contract in force and the nearest earlier seat pool."""
    periods = billing_periods(line.period_start, line.period_end)
    computed = _cents(line.quantity * line.unit_price * periods)
    contract = _contract(line, ledger)
    if contract is None:
        note = f"no contract for {line.vendor} {line.sku} is in force in the period"
        return Reconciled(
            line, periods, None, "", None, computed, None, "unknown", "disputed", note
        )
    pool = _pool(line, pools)
    expected, source = _expected_quantity(contract, pool)
    # A line that bills the pool is expected to cost the pool; a part period, a credit or an
    # active-user line follows events no pool shows, so it is expected at its own quantity.
    whole = periods == periods.to_integral_value()
    pooled = whole and line.quantity >= 0 and contract.billing_model != "active_user"
    basis = expected if pooled else line.quantity
    expected_amount: Decimal | None = _cents(basis * contract.unit_price * periods)
    if contract.currency != line.currency:
        note = f"billed in {line.currency}, the contract is in {contract.currency}"
        reason, status, expected_amount = "unknown", "disputed", None
    else:
        from_pool = source.startswith("snapshot")
        reason, status, note = _judge(
            line, contract, expected, from_pool, periods, computed, limits
        )
    return Reconciled(
        line, periods, expected, source, contract.unit_price, computed, expected_amount, reason,
        status, note,
    )  # fmt: skip


def reconcile(
    lines: Iterable[InvoiceLine],
    ledger: Iterable[Contract],
    pools: Iterable[PoolCount] = (),
    limits: Thresholds = Thresholds(),
) -> list[Reconciled]:
    """Every line reconciled, in invoice order."""
    contracts, counts = list(ledger), list(pools)
    return [reconcile_line(x, contracts, counts, limits) for x in lines]


def totals(found: Iterable[Reconciled]) -> dict[str, tuple[Decimal, Decimal]]:
    """(billed, expected) amounts per currency; lines with no expectation add nothing expected."""
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for r in found:
        billed, expected = out.get(r.line.currency, (Decimal(0), Decimal(0)))
        out[r.line.currency] = (billed + r.line.amount, expected + (r.expected_amount or 0))
    return out


def _blank(value: object) -> object:
    return "" if value is None else value


def reconcile_rows(
    found: Sequence[Reconciled], rejected: Sequence[InvoiceRowError] = ()
) -> list[tuple[object, ...]]:
    """
    The report under ``RECONCILE_HEADER``: one row per line, one ``rejected`` row per bad input
    row (its error in ``note``), then a ``TOTAL`` row per currency.
    """
    rows: list[tuple[object, ...]] = []
    for r in found:
        x = r.line
        rows.append(
            (
                x.vendor, x.invoice_number, x.line, x.sku, x.currency, x.period_start.isoformat(),
                x.period_end.isoformat(), r.periods.quantize(Decimal("0.0001")), x.quantity,
                x.unit_price, x.amount, _blank(r.expected_quantity), r.quantity_source,
                _blank(r.expected_unit_price), _blank(r.quantity_delta), _blank(r.price_delta),
                _blank(r.price_delta_pct), r.computed_amount, r.arithmetic_delta,
                _blank(r.expected_amount), _blank(r.amount_delta), r.reason, r.status, r.note,
            )
        )  # fmt: skip
    for e in rejected:
        rows.append(("",) * 21 + ("bad-row", "rejected", str(e)))
    for currency, (billed, expected) in sorted(totals(found).items()):
        rows.append(
            ("TOTAL", "", "", "", currency, "", "", "", "", "", billed, "", "", "", "", "", "",
             "", "", expected, billed - expected, "", "", "")
        )  # fmt: skip
    return rows
