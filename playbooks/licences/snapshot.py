"""
Vendor snapshots against the seat ledger, and as usage rows the report reads (pure).

``seat_differences`` names every place where a vendor's own numbers disagree with the ledger or
with the holders it listed: bought seats that differ from the contract, an assigned count that
differs from the accounts holding the SKU, a SKU in use with no contract in force.
``usage_of`` turns snapshots into identities and assignments (``usage_rows`` into rows of the
usage CSV, docs/licences.md): an account the vendor reports as disabled but still licensed has
no usable signal, so its seat counts as unused; a vendor that does not say when an account was
created gives ``UNKNOWN_CREATED``, so the young-account exemption never applies on the vendor's
word alone (an HR file states it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from connectors.licences import Logon, Snapshot
from playbooks.licences.contracts import Contract, in_force
from playbooks.licences.usage import Assignment, Identity, Signal

__all__ = [
    "UNKNOWN_CREATED",
    "USAGE_HEADER",
    "SeatDifference",
    "seat_differences",
    "usage_of",
    "usage_rows",
]

UNKNOWN_CREATED = date(1970, 1, 1)
USAGE_HEADER = (
    "identity", "vendor", "sku", "created", "hr_status", "service_account", "cost_centre",
    "source", "last_activity", "usage_pct", "licence_group",
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


def usage_of(
    snapshots: Iterable[Snapshot], logons: Iterable[Logon] = ()
) -> tuple[dict[str, Identity], list[Assignment]]:
    """
    Identities (by login, across vendors) and their assignments, from vendor snapshots.

    ``logons`` (read from directories) add their last logon to every seat of the account a
    vendor names by one of the directory's names for it (login, UPN or mail, any case).

    An identity's creation date is the earliest any vendor reports (``UNKNOWN_CREATED`` when none
    says). An account the vendor reports as disabled cannot use its seat: its signals are dropped,
    so the seat counts as unused unless an exemption applies.
    """
    holders = [h for snap in snapshots for h in snap.holders]
    created: dict[str, date] = {}
    for holder in holders:
        day = holder.created.date() if holder.created else UNKNOWN_CREATED
        known = created.get(holder.login)
        created[holder.login] = (
            day if known is None or known == UNKNOWN_CREATED else min(known, day)
        )
    people = {login: Identity(login, day) for login, day in created.items()}
    seen = {name: logon.activity for logon in logons for name in logon.names}
    assignments = [
        Assignment(
            holder.login,
            holder.vendor,
            sku,
            tuple(
                Signal(a.source, a.at)
                for a in (*holder.activity, *seen.get(holder.login.lower(), ()))
            )
            if holder.enabled
            else (),
            group=dict(holder.inherited).get(sku),
        )
        for holder in holders
        for sku in holder.skus
    ]
    return people, assignments


def usage_rows(
    snapshots: Iterable[Snapshot], logons: Iterable[Logon] = ()
) -> Iterator[tuple[str, ...]]:
    """Usage CSV rows (``USAGE_HEADER``): one per identity, SKU and signal (see ``usage_of``)."""
    people, assignments = usage_of(snapshots, logons)
    for a in assignments:
        created = people[a.identity_id].created.isoformat()
        person = (a.identity_id, a.vendor, a.sku, created, "active", "no", "")
        group = a.group or ""
        if not a.signals:
            yield (*person, "", "", "", group)
        for signal in a.signals:
            yield (*person, signal.source, signal.at.isoformat(), "", group)
