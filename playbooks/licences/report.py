"""
The monthly licence position per vendor and SKU, and chargeback by cost centre.

Money is ``Decimal`` throughout. A line's cost is purchased seats x unit price, so the report's
cost column adds up to the ledger exactly; waste is (unassigned + unused + leaver) x unit price.
Chargeback splits each SKU's cost (the invoice line) over cost centres; whatever cannot be
charged to one (seats nobody holds, holders with no cost centre, percentages short of 100) goes
to an explicit ``UNALLOCATED`` line, so the allocations always add up to the invoice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from playbooks.licences.contracts import Contract, in_force
from playbooks.licences.usage import Assessment, Identity

UNALLOCATED = "unallocated"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


POSITION_HEADER = (
    "vendor", "sku", "currency", "unit_price", "purchased", "assigned", "active", "unassigned",
    "unused", "underused", "leaver", "exempt", "utilisation_pct", "cost", "waste", "notice_date",
)  # fmt: skip
MONTHLY_HEADER = (
    *POSITION_HEADER, "reclaimed", "savings", "confirmed_seats", "confirmed_savings",
    "confirmation", "confirmed_by",
)  # fmt: skip
"""
The monthly report's columns: the position, the savings of applied reclaims, and (added at the
end, so readers of the older files keep working) those the next invoice confirmed.
"""


class ReportError(ValueError):
    """Data the report cannot add up honestly (an assignment with no contract in force)."""


@dataclass(frozen=True)
class SkuLine:
    """The position of one vendor and SKU on the report date."""

    vendor: str
    sku: str
    currency: str
    unit_price: Decimal
    purchased: int
    assigned: int
    active: int
    unassigned: int
    unused: int
    underused: int
    leaver: int
    exempt: int
    cost: Decimal
    waste: Decimal
    notice_date: date
    reclaimed: int = 0
    """Seats removed by reclaims in the period (``playbooks.licences.savings``)."""
    savings: Decimal = Decimal(0)
    """``reclaimed`` seats, each at the unit price of the contract in force when removed."""
    confirmed_seats: int = 0
    """Of ``reclaimed``, the seats a later invoice bills fewer of (``playbooks.licences.confirm``)."""
    confirmed_savings: Decimal = Decimal(0)
    """What ``confirmed_seats`` save, priced as ``savings`` is."""
    confirmation: str = ""
    """``confirmed``, ``partial``, ``unconfirmed``, ``fair-billed``; empty with nothing reclaimed."""
    confirmed_by: str = ""
    """The invoice numbers that showed the drop, space-separated."""

    @property
    def utilisation(self) -> Decimal:
        """Active seats as a percentage of purchased seats (0 when none were bought)."""
        if not self.purchased:
            return Decimal(0)
        return (HUNDRED * self.active / self.purchased).quantize(CENT, ROUND_HALF_UP)


def position(
    contracts: Iterable[Contract], assessments: Iterable[Assessment], on: date
) -> list[SkuLine]:
    """
    One line per contract in force on ``on``, sorted by vendor and SKU.

    Raises:
        ReportError: an assignment for a vendor and SKU with no contract in force.
    """
    ledger = in_force(contracts, on)
    counts: dict[tuple[str, str], Counter[str]] = {key: Counter() for key in ledger}
    for a in assessments:
        key = (a.assignment.vendor, a.assignment.sku)
        if key not in counts:
            raise ReportError(
                f"{key[0]} {key[1]} is assigned to {a.assignment.identity_id} "
                f"but no contract for it is in force on {on}"
            )
        counts[key]["assigned"] += 1
        counts[key][f"bucket:{a.bucket}"] += 1
        counts[key]["active"] += a.active
    lines = []
    for key in sorted(ledger):
        contract, c = ledger[key], counts[key]
        unassigned = max(contract.quantity - c["assigned"], 0)
        lines.append(
            SkuLine(
                vendor=contract.vendor,
                sku=contract.sku,
                currency=contract.currency,
                unit_price=contract.unit_price,
                purchased=contract.quantity,
                assigned=c["assigned"],
                active=c["active"],
                unassigned=unassigned,
                unused=c["bucket:unused"],
                underused=c["bucket:underused"],
                leaver=c["bucket:leaver"],
                exempt=c["bucket:exempt"],
                cost=contract.cost,
                waste=(unassigned + c["bucket:unused"] + c["bucket:leaver"]) * contract.unit_price,
                notice_date=contract.notice_date,
            )
        )
    return lines


def totals(lines: Iterable[SkuLine]) -> dict[str, tuple[Decimal, Decimal]]:
    """(cost, waste) per currency; currencies are never added together."""
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for line in lines:
        cost, waste = out.get(line.currency, (Decimal(0), Decimal(0)))
        out[line.currency] = (cost + line.cost, waste + line.waste)
    return out


@dataclass(frozen=True)
class Allocation:
    """The share of one SKU's invoice charged to one cost centre (or to ``UNALLOCATED``)."""

    vendor: str
    sku: str
    currency: str
    cost_centre: str
    seats: int
    amount: Decimal


def _split(total: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """``total`` split by ``weights`` in cents, the rounding remainder to the largest shares."""
    whole = sum(weights.values(), Decimal(0))
    if not whole:
        return {}
    exact = {k: total * w / whole for k, w in weights.items()}
    cents = {k: v.quantize(CENT, ROUND_HALF_EVEN) for k, v in exact.items()}
    left = (total.quantize(CENT, ROUND_HALF_EVEN) - sum(cents.values(), Decimal(0))) / CENT
    order = sorted(exact, key=lambda k: (exact[k] - cents[k], k), reverse=left > 0)
    for k in order[: abs(int(left))]:
        cents[k] += CENT if left > 0 else -CENT
    return cents


def chargeback_per_licence(
    lines: Iterable[SkuLine],
    assessments: Iterable[Assessment],
    identities: Mapping[str, Identity],
) -> list[Allocation]:
    """
    Each held seat charged at the unit price to its holder's cost centre.

    Seats nobody holds and seats held by identities with no cost centre go to ``UNALLOCATED``;
    assignments beyond the purchased quantity are charged pro rata, so a SKU's allocations add up
    to its cost exactly.
    """
    held: dict[tuple[str, str], Counter[str]] = {}
    for a in assessments:
        centre = identities[a.assignment.identity_id].cost_centre or UNALLOCATED
        held.setdefault((a.assignment.vendor, a.assignment.sku), Counter())[centre] += 1
    out: list[Allocation] = []
    for line in lines:
        seats = held.get((line.vendor, line.sku), Counter())
        if line.unassigned:
            seats[UNALLOCATED] += line.unassigned
        amounts = _split(line.cost, {k: Decimal(n) for k, n in seats.items()})
        if not amounts and line.cost:
            amounts = {UNALLOCATED: line.cost}
        out.extend(
            Allocation(line.vendor, line.sku, line.currency, k, seats[k], amounts[k])
            for k in sorted(amounts)
        )
    return out


USER_CHARGEBACK_HEADER = ("currency", "cost_centre", "identity", "seats", "amount")


@dataclass(frozen=True)
class UserCharge:
    """What one user costs their cost centre in one currency (``identity`` empty: unallocated)."""

    currency: str
    cost_centre: str
    identity: str
    seats: int
    amount: Decimal


def chargeback_per_user(
    lines: Iterable[SkuLine],
    assessments: Iterable[Assessment],
    identities: Mapping[str, Identity],
) -> list[UserCharge]:
    """
    Each user's cost centre charged the sum of their seats' unit prices, one row per user and
    currency; seats nobody holds are one ``UNALLOCATED`` row per currency, and a user with no
    cost centre is charged to ``UNALLOCATED`` by name.

    Each SKU's cost is split over its holders (pro rata when more seats are assigned than
    bought) and its unheld seats in cents, so per currency the rows add up to the invoice.
    """
    held: dict[tuple[str, str], Counter[str]] = {}
    for a in assessments:
        held.setdefault((a.assignment.vendor, a.assignment.sku), Counter())[
            a.assignment.identity_id
        ] += 1
    nobody = ""  # the unheld seats: an identity is never empty
    charged: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
    for line in lines:
        seats = Counter(held.get((line.vendor, line.sku), Counter()))
        if line.unassigned:
            seats[nobody] += line.unassigned
        amounts = _split(line.cost, {k: Decimal(n) for k, n in seats.items()})
        if not amounts and line.cost:
            amounts, seats = {nobody: line.cost}, Counter({nobody: 0})
        for who, amount in amounts.items():
            centre = UNALLOCATED if who == nobody else identities[who].cost_centre or UNALLOCATED
            key = (line.currency, centre, who)
            n, total = charged.get(key, (0, Decimal(0)))
            charged[key] = (n + seats[who], total + amount)
    return [
        UserCharge(currency, centre, who, n, amount)
        for (currency, centre, who), (n, amount) in sorted(charged.items())
    ]


def chargeback_top_down(
    lines: Iterable[SkuLine], shares_pct: Mapping[str, Decimal]
) -> list[Allocation]:
    """
    Each SKU's cost split by fixed percentages per cost centre; what is short of 100 % is
    ``UNALLOCATED``.

    Raises:
        ReportError: a negative share, or shares above 100 %.
    """
    if any(p < 0 for p in shares_pct.values()) or sum(shares_pct.values(), Decimal(0)) > HUNDRED:
        raise ReportError("top-down shares must be non-negative and add up to at most 100 %")
    weights = dict(shares_pct)
    rest = HUNDRED - sum(shares_pct.values(), Decimal(0))
    if rest:
        weights[UNALLOCATED] = weights.get(UNALLOCATED, Decimal(0)) + rest
    out: list[Allocation] = []
    for line in lines:
        amounts = _split(line.cost, weights)
        out.extend(
            Allocation(line.vendor, line.sku, line.currency, k, 0, amounts[k])
            for k in sorted(amounts)
        )
    return out


def position_rows(lines: Iterable[SkuLine], *, savings: bool = False) -> list[tuple[object, ...]]:
    """The position as rows under ``POSITION_HEADER`` (``MONTHLY_HEADER`` with ``savings``)."""
    return [
        (
            x.vendor, x.sku, x.currency, x.unit_price, x.purchased, x.assigned, x.active,
            x.unassigned, x.unused, x.underused, x.leaver, x.exempt, x.utilisation, x.cost,
            x.waste, x.notice_date.isoformat(),
            *((x.reclaimed, x.savings, x.confirmed_seats, x.confirmed_savings, x.confirmation,
               x.confirmed_by) if savings else ()),
        )
        for x in lines
    ]  # fmt: skip
