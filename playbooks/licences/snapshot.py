"""
Vendor snapshots against the seat ledger, and as usage rows the report reads (pure).

``seat_differences`` names every place where a vendor's own numbers disagree with the ledger or
with the holders it listed: bought seats that differ from the contract, an assigned count that
differs from the accounts holding the SKU, a SKU in use with no contract in force.
``usage_rows`` turns a snapshot into rows of the usage CSV (docs/licences.md): an account the
vendor reports as disabled but still licensed counts as a leaver; a vendor that does not say
when an account was created gives ``UNKNOWN_CREATED``, so the young-account exemption never
applies on the vendor's word alone (an HR file states it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from connectors.licences import Snapshot
from playbooks.licences.contracts import Contract, in_force

__all__ = ["UNKNOWN_CREATED", "USAGE_HEADER", "SeatDifference", "seat_differences", "usage_rows"]

UNKNOWN_CREATED = date(1970, 1, 1)
USAGE_HEADER = (
    "identity", "vendor", "sku", "created", "hr_status", "service_account", "cost_centre",
    "source", "last_activity", "usage_pct",
)  # fmt: skip


@dataclass(frozen=True)
class SeatDifference:
    """One number two sources disagree on, for one vendor and SKU."""

    vendor: str
    sku: str
    what: str
    expected: int | None
    found: int

    def __str__(self) -> str:
        expected = "no contract in force" if self.expected is None else str(self.expected)
        return f"{self.vendor} {self.sku}: {self.what} {self.found}, expected {expected}"


def seat_differences(
    snapshots: Iterable[Snapshot], contracts: Iterable[Contract], on: date
) -> list[SeatDifference]:
    """Every disagreement between the snapshots, their holders and the ledger on ``on``."""
    ledger = in_force(contracts, on)
    found: list[SeatDifference] = []
    for snap in snapshots:
        held = snap.assigned()
        for pool in snap.pools:
            contract = ledger.get((pool.vendor, pool.sku))
            if contract is None and (pool.assigned or held.get(pool.sku)):
                found.append(SeatDifference(pool.vendor, pool.sku, "assigned", None, pool.assigned))
            bought = None if contract is None else contract.quantity
            if bought is not None and pool.purchased is not None and pool.purchased != bought:
                found.append(
                    SeatDifference(pool.vendor, pool.sku, "purchased", bought, pool.purchased)
                )
            if held.get(pool.sku, 0) != pool.assigned:
                found.append(
                    SeatDifference(
                        pool.vendor,
                        pool.sku,
                        "holders listed",
                        pool.assigned,
                        held.get(pool.sku, 0),
                    )
                )
    return found


def usage_rows(snapshot: Snapshot) -> Iterator[tuple[str, ...]]:
    """Usage CSV rows (``USAGE_HEADER``): one per holder, SKU and signal."""
    for holder in snapshot.holders:
        created = holder.created.date() if holder.created else UNKNOWN_CREATED
        status = "active" if holder.enabled else "leaver"
        own = (holder.login, holder.vendor)
        for sku in holder.skus:
            person = (*own, sku, created.isoformat(), status, "no", "")
            if not holder.activity:
                yield (*person, "", "", "")
            for signal in holder.activity:
                yield (*person, signal.source, signal.at.isoformat(), "")
