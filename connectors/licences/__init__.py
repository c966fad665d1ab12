"""
Vendor licence snapshots: the seat pools a vendor reports and who holds which seat, with the
vendor's own last-activity signal (docs/licences.md, governance research §1.1 to 1.2).

Every source answers ``snapshot(now)`` with a ``Snapshot``; they differ only in how they page
(``@odata.nextLink``, ``nextPageToken``, ``nextRecordsUrl``, ``cursor``, ``next_page_token``,
SCIM ``startIndex``) and in which numbers the vendor gives. ``purchased`` is ``None`` where the
vendor's API does not say (Google direct customers, SCIM apps, Slack, Zoom): the seat ledger
(contracts) is then the only source of the purchased count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["Activity", "Holder", "LicenceSource", "Logon", "SeatPool", "Snapshot"]


@dataclass(frozen=True, slots=True)
class SeatPool:
    """One SKU as the vendor counts it: seats bought (when the API says) and seats assigned."""

    vendor: str
    sku: str
    name: str
    purchased: int | None
    assigned: int
    status: str = "active"


@dataclass(frozen=True, slots=True)
class Activity:
    """When ``source`` (a key of ``playbooks.licences.usage.SIGNAL_LAGS``) last saw the user."""

    source: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Holder:
    """One account at the vendor and the SKUs it holds."""

    vendor: str
    user_id: str
    login: str
    skus: tuple[str, ...]
    enabled: bool
    created: datetime | None
    activity: tuple[Activity, ...] = ()
    inherited: tuple[tuple[str, str], ...] = ()
    """(SKU, group name) for seats the account holds through a group (Entra group-based
    licensing, the group's ``displayName``): those are reclaimed by a group change, not by
    removing the licence."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one vendor said at ``taken_at``: its seat pools and every licensed account."""

    vendor: str
    taken_at: datetime
    pools: tuple[SeatPool, ...]
    holders: tuple[Holder, ...]

    def assigned(self) -> dict[str, int]:
        """Seats held per SKU, counted from the holders (not the vendor's own total)."""
        counts: dict[str, int] = {}
        for holder in self.holders:
            for sku in holder.skus:
                counts[sku] = counts.get(sku, 0) + 1
        return counts


@dataclass(frozen=True, slots=True)
class Logon:
    """One directory account: its names, when it last logged on (none: never), its state."""

    login: str
    names: tuple[str, ...]
    """Every name a vendor may know the account by (login, UPN, mail), lower case."""
    activity: tuple[Activity, ...]
    created: datetime | None
    enabled: bool


class LicenceSource(Protocol):
    """A vendor account that can be read as a licence snapshot."""

    vendor: str

    def snapshot(self, now: datetime) -> Snapshot:
        """Seat pools and holders as the vendor reports them at ``now`` (timezone-aware)."""
        ...
