"""
Who uses what: each licence assignment put in one bucket, from lag-aware activity signals.

An activity signal says when a source last saw the identity use the application. Sources lag:
AD's ``lastLogonTimestamp`` is replicated only when older than 9-14 days, so a real logon may be
up to 14 days newer than the value read. A signal therefore keeps a licence only while
``now - at <= threshold + lag``; once older than that it never keeps a licence on its own, and a
source whose lag is not shorter than the threshold cannot judge that threshold at all.

Buckets, in the order they are decided:

1. ``exempt`` — an unexpired allow-list entry, or a service account;
2. ``leaver`` — HR says the person left;
3. ``exempt`` — HR leave, or an account younger than ``young_days`` (60 by default);
4. ``unused`` — no signal keeps the licence within the application's threshold (30/60/90 days);
5. ``underused`` — kept, but the share of features used is under ``underuse_pct``;
6. ``active`` — otherwise.

Only ``unused`` and ``leaver`` are proposed for reclaim; unassigned seats are counted per SKU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

Bucket = Literal["active", "underused", "unused", "leaver", "exempt"]
HrStatus = Literal["active", "leave", "leaver"]
RECLAIMABLE: frozenset[Bucket] = frozenset({"unused", "leaver"})

# Worst-case staleness of each source's timestamp (governance research §1.2).
SIGNAL_LAGS: Mapping[str, timedelta] = {
    "ad_last_logon_timestamp": timedelta(days=14),
    "ldap_auth_timestamp": timedelta(0),
    "entra_last_successful_signin": timedelta(days=1),
    "entra_last_signin_attempt": timedelta(days=1),
    "m365_last_activity_date": timedelta(days=2),
    "google_last_login": timedelta(days=2),
    "okta_last_login": timedelta(0),
    "salesforce_last_login": timedelta(0),
    "zoom_last_login": timedelta(0),
    "atlassian_last_active": timedelta(days=1),
    "slack_billing_active": timedelta(days=28),
    "csv_last_used": timedelta(days=1),
}


class UsageError(ValueError):
    """Usage data that cannot be judged (an unknown source, a threshold a source cannot meet)."""


@dataclass(frozen=True)
class Identity:
    """A person or service account, with what the exemptions need."""

    id: str
    created: date
    hr_status: HrStatus = "active"
    service_account: bool = False
    cost_centre: str | None = None


@dataclass(frozen=True)
class Signal:
    """When ``source`` last saw the identity use the application."""

    source: str
    at: datetime

    @property
    def lag(self) -> timedelta:
        """The source's worst-case staleness."""
        try:
            return SIGNAL_LAGS[self.source]
        except KeyError:
            known = ", ".join(sorted(SIGNAL_LAGS))
            raise UsageError(f"unknown activity source {self.source!r} (known: {known})") from None


@dataclass(frozen=True)
class Assignment:
    """One licence (vendor, SKU) assigned to one identity, with its activity."""

    identity_id: str
    vendor: str
    sku: str
    signals: tuple[Signal, ...] = ()
    usage_pct: Decimal | None = None
    group: str | None = None
    """The group the seat is inherited from (group-based licensing): reclaimed by a group change."""


@dataclass(frozen=True)
class AllowEntry:
    """An exemption from reclaim, for one vendor (and SKU, or all its SKUs), until ``expires``."""

    identity_id: str
    vendor: str
    expires: date
    reason: str
    sku: str | None = None

    def covers(self, assignment: Assignment, today: date) -> bool:
        """Whether this entry exempts ``assignment`` on ``today`` (the expiry day included)."""
        return (
            self.identity_id == assignment.identity_id
            and self.vendor == assignment.vendor
            and self.sku in (None, assignment.sku)
            and today <= self.expires
        )


@dataclass(frozen=True)
class Policy:
    """Thresholds: inactivity days per vendor (default ``default_days``), underuse, young age."""

    default_days: int = 90
    days_by_vendor: Mapping[str, int] = field(default_factory=dict)
    underuse_pct: Decimal = Decimal(30)
    young_days: int = 60

    def threshold(self, vendor: str) -> timedelta:
        """The inactivity threshold for ``vendor``'s applications."""
        return timedelta(days=self.days_by_vendor.get(vendor, self.default_days))


@dataclass(frozen=True)
class Assessment:
    """The bucket of one assignment, why, and whether it counts as active."""

    assignment: Assignment
    bucket: Bucket
    reason: str
    active: bool
    inactive_days: int | None

    @property
    def reclaim(self) -> bool:
        """Whether this assignment is proposed for reclaim."""
        return self.bucket in RECLAIMABLE


def keeps(signal: Signal, threshold: timedelta, now: datetime) -> bool:
    """
    Whether ``signal`` on its own keeps a licence under ``threshold`` at ``now``.

    Raises:
        UsageError: the source lags at least as long as the threshold, so it cannot judge it.
    """
    if signal.lag >= threshold:
        raise UsageError(
            f"source {signal.source} lags up to {signal.lag.days} days and cannot judge "
            f"a {threshold.days}-day threshold"
        )
    return now - signal.at <= threshold + signal.lag


def assess(
    assignment: Assignment,
    identity: Identity,
    policy: Policy,
    allow: Sequence[AllowEntry],
    now: datetime,
) -> Assessment:
    """The bucket of one assignment at ``now`` (timezone-aware)."""
    threshold = policy.threshold(assignment.vendor)
    active = any(keeps(s, threshold, now) for s in assignment.signals)
    latest = max((s.at for s in assignment.signals), default=None)
    inactive = None if latest is None else max((now - latest).days, 0)

    def verdict(bucket: Bucket, reason: str) -> Assessment:
        return Assessment(assignment, bucket, reason, active, inactive)

    today = now.date()
    entry = next((e for e in allow if e.covers(assignment, today)), None)
    if entry is not None:
        return verdict("exempt", f"allow-listed until {entry.expires}: {entry.reason}")
    if identity.service_account:
        return verdict("exempt", "service account")
    if identity.hr_status == "leaver":
        return verdict("leaver", "HR: left")
    if identity.hr_status == "leave":
        return verdict("exempt", "HR: on leave")
    if (today - identity.created).days < policy.young_days:
        return verdict("exempt", f"account younger than {policy.young_days} days")
    if not active:
        seen = "never seen" if inactive is None else f"last seen {inactive} days ago"
        return verdict("unused", f"{seen}; threshold {threshold.days} days")
    if assignment.usage_pct is not None and assignment.usage_pct < policy.underuse_pct:
        return verdict("underused", f"uses {assignment.usage_pct}% of features")
    return verdict("active", "active within the threshold")


def assess_all(
    assignments: Iterable[Assignment],
    identities: Mapping[str, Identity],
    policy: Policy,
    allow: Sequence[AllowEntry],
    now: datetime,
) -> list[Assessment]:
    """
    Every assignment's bucket.

    Raises:
        UsageError: an assignment names an identity that is not given.
    """
    out: list[Assessment] = []
    for assignment in assignments:
        identity = identities.get(assignment.identity_id)
        if identity is None:
            raise UsageError(
                f"{assignment.vendor} {assignment.sku} is assigned to unknown identity "
                f"{assignment.identity_id!r}"
            )
        out.append(assess(assignment, identity, policy, allow, now))
    return out
