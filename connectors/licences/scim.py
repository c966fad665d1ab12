"""
Seats in a SCIM 2.0 application: each user's ``entitlements`` (or ``roles``) are its licences.

``GET /Users?startIndex=…&count=…`` pages by index (RFC 7644 §3.4.2.4) until ``totalResults``
is reached or a page comes back empty. ``type`` narrows the values to one kind (scim2-server and
Slack/Zoom-style apps use ``{"value": "pro", "type": "license"}``). SCIM has no purchased count
and no last-login attribute: the ledger and an identity provider's signals supply those.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

import requests

from connectors.licences import Holder, SeatPool, Snapshot
from connectors.licences.fetch import Fetcher
from connectors.licences.times import when

__all__ = ["ScimLicences"]

PAGE_SIZE = 200


class ScimLicences:
    """One SCIM application whose entitlements (or roles) are seats."""

    def __init__(
        self,
        name: str,
        base_url: str,
        token: str,
        *,
        vendor: str,
        attribute: Literal["entitlements", "roles"] = "entitlements",
        value_type: str | None = "license",
        page_size: int = PAGE_SIZE,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """
        Args:
            attribute: which multi-valued attribute holds the seats.
            value_type: keep only values of this ``type`` (None: every value).
        """
        self.name = name
        self.vendor = vendor
        self._base = base_url.rstrip("/")
        self._attribute = attribute
        self._type = value_type
        self._page_size = page_size
        self.fetch = Fetcher(
            name,
            session=session,
            headers=lambda: {
                "Authorization": f"Bearer {token}",
                "Accept": "application/scim+json, application/json",
            },
            sleep=sleep,
        )

    def snapshot(self, now: datetime) -> Snapshot:
        holders: list[Holder] = []
        start = 1
        while True:
            page = self.fetch.get(
                f"{self._base}/Users", {"startIndex": start, "count": self._page_size}
            )
            users = page.get("Resources") or []
            holders.extend(h for u in users if (h := self._holder(u)) is not None)
            start += len(users)
            if not users or start > int(page.get("totalResults", 0)):
                break
        snapshot = Snapshot(self.vendor, now, (), tuple(holders))
        pools = tuple(
            SeatPool(self.vendor, sku, sku, None, count)
            for sku, count in sorted(snapshot.assigned().items())
        )
        return Snapshot(self.vendor, now, pools, snapshot.holders)

    def _holder(self, user: Mapping[str, Any]) -> Holder | None:
        skus = tuple(
            str(v["value"])
            for v in user.get(self._attribute) or []
            if v.get("value") and (self._type is None or v.get("type") == self._type)
        )
        if not skus:
            return None
        meta = user.get("meta") or {}
        return Holder(
            vendor=self.vendor,
            user_id=str(user["id"]),
            login=str(user.get("userName") or user["id"]),
            skus=skus,
            enabled=bool(user.get("active", True)),
            created=when(meta.get("created"), system=self.name, field="meta.created"),
        )
