"""
Reclaim candidates and their notice (pure): which assignments deskpilot proposes to reclaim, the
ticket that tells the holder and their manager, and the fields the reclaim playbook reads.

Only the ``unused`` and ``leaver`` buckets are proposed; an exempt assignment (allow-listed,
service account, on leave, young account) never is. The notice names the date from which the
licence may be removed (``wait_days`` after it is opened, 7 by default) and how to keep it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from playbooks.licences.usage import Assessment

__all__ = ["REVIEW_FIELD", "Candidate", "candidates", "notice"]

REVIEW_FIELD = "deskpilot_licence_review"
"""The field that routes a reclaim ticket to the ``licence-reclaim-unused`` playbook."""
_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Candidate:
    """One assignment proposed for reclaim, and why."""

    identity: str
    vendor: str
    sku: str
    bucket: str
    reason: str
    inactive_days: int | None
    downgrade_to: str | None = None
    """A cheaper SKU of the vendor to move the holder to instead of removing the seat."""
    group: str | None = None
    """The directory group the seat is inherited from: reclaimed by taking the holder out."""

    def marker(self, year: int) -> str:
        """The reclaim ticket's idempotency key: one proposal per holder, SKU and year."""
        parts = (self.vendor, self.sku, self.identity, str(year))
        return "deskpilot-licence-reclaim-" + "-".join(
            _UNSAFE.sub("-", p.lower()).strip("-") for p in parts
        )

    def fields(self, reclaim_after: date) -> dict[str, str]:
        """The ticket fields the playbook reads: the holder, the licence, the date."""
        fields = {
            "Requested for": self.identity,
            "license": self.sku,
            "reclaim_after": reclaim_after.isoformat(),
            REVIEW_FIELD: "reclaim",
        }
        if self.group:
            fields["licence_group"] = self.group
        elif self.downgrade_to:
            fields["downgrade_to"] = self.downgrade_to
        return fields

    @property
    def action(self) -> str:
        """What the reclaim will do, in words."""
        if self.group:
            return f"remove from group {self.group} (the seat is inherited from it)"
        if self.downgrade_to:
            return f"downgrade to {self.downgrade_to}"
        return "remove the licence"


def candidates(
    assessed: Iterable[Assessment],
    downgrades: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Candidate]:
    """
    The assignments to propose for reclaim (unused and leaver), in a stable order.

    ``downgrades`` maps vendor, then SKU, to the cheaper SKU a seat moves to instead of going.
    A seat inherited from a group (``Assignment.group``) is reclaimed by taking its holder out
    of that group, whatever the downgrade: the group, not the holder, carries the licence.
    """
    found = [
        Candidate(
            a.assignment.identity_id,
            a.assignment.vendor,
            a.assignment.sku,
            a.bucket,
            a.reason,
            a.inactive_days,
            (downgrades or {}).get(a.assignment.vendor, {}).get(a.assignment.sku),
            a.assignment.group,
        )
        for a in assessed
        if a.reclaim
    ]
    return sorted(found, key=lambda c: (c.vendor, c.sku, c.identity))


def notice(c: Candidate, opened: date, wait_days: int, manager: str | None) -> tuple[str, str]:
    """The reclaim ticket's subject and body (Markdown), and the date the licence may go."""
    after = opened + timedelta(days=wait_days)
    seen = (
        "has not been used in the time we can see"
        if c.inactive_days is None
        else f"was last used {c.inactive_days} days ago"
    )
    why = "its holder has left" if c.bucket == "leaver" else seen
    subject = f"Unused licence: {c.vendor} {c.sku} for {c.identity}"
    if c.group:
        go = (
            f"It is assigned through the group **{c.group}**, so on or after "
            f"**{after.isoformat()}** you will be taken out of that group"
        )
    elif c.downgrade_to:
        go = f"It will be downgraded to **{c.downgrade_to}** on or after **{after.isoformat()}**"
    else:
        go = f"It will be removed on or after **{after.isoformat()}**"
    lines = [
        f"Hello, this is deskpilot's licence review for **{c.identity}**"
        + (f" (manager: {manager})." if manager else "."),
        "",
        f"The licence **{c.vendor} {c.sku}** {why} ({c.reason}). {go}, once IT asset "
        "management has approved it here.",
        "",
        "- To keep it, reply here saying why: IT asset management then rejects the reclaim "
        "(`/reject`), and the licence stays.",
        "- Nothing is removed before that date, and a removed licence can be assigned again.",
    ]
    return subject, "\n".join(lines) + "\n"
