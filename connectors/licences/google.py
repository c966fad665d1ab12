"""
Google Workspace seats through the Enterprise License Manager and Directory APIs.

* ``GET licensing.googleapis.com/apps/licensing/v1/product/{productId}/users?customerId=…``
  (``licenseAssignments.listForProduct``), following ``nextPageToken``: who holds which SKU.
  The purchased count is not in this API (only resellers see it), so ``purchased`` is None and
  the seat ledger supplies it.
* ``GET admin.googleapis.com/admin/directory/v1/users?customer=my_customer``, following
  ``nextPageToken``: ``lastLoginTime`` (``1970-01-01T00:00:00.000Z`` = never), ``creationTime``
  and ``suspended`` for every account.

Scopes (domain-wide delegation): ``https://www.googleapis.com/auth/apps.licensing`` and
``https://www.googleapis.com/auth/admin.directory.user.readonly``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import requests

from connectors.identity.google_http import AUTH_HINT
from connectors.licences import Activity, Holder, SeatPool, Snapshot
from connectors.licences.fetch import Fetcher
from connectors.licences.times import when

__all__ = ["SCOPES", "GoogleLicences"]

SCOPES = (
    "https://www.googleapis.com/auth/apps.licensing",
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
)
LICENSING = "https://licensing.googleapis.com/apps/licensing/v1"
DIRECTORY = "https://admin.googleapis.com/admin/directory/v1"


class GoogleLicences:
    """The Workspace licences of one customer, for the products named."""

    def __init__(
        self,
        name: str,
        session: requests.Session,
        *,
        customer_id: str,
        products: Sequence[str] = ("Google-Apps",),
        vendor: str = "Google",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """
        Args:
            session: an ``AuthorizedSession`` acting as an admin (``service_account_session``
                in ``connectors.identity.google`` with the scopes above).
            customer_id: the customer's primary domain or id (the Licensing API needs it).
            products: product ids (``Google-Apps``, ``101031`` Cloud Identity Premium, …).
        """
        self.name = name
        self.vendor = vendor
        self._customer = customer_id
        self._products = tuple(products)
        self.fetch = Fetcher(name, session=session, auth_hint=AUTH_HINT, sleep=sleep)

    def snapshot(self, now: datetime) -> Snapshot:
        held: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for product in self._products:
            url = f"{LICENSING}/product/{product}/users"
            for item in self._pages(
                url, {"customerId": self._customer, "maxResults": 1000}, "items"
            ):
                sku = str(item["skuId"])
                names.setdefault(sku, str(item.get("skuName") or sku))
                held.setdefault(str(item["userId"]).lower(), []).append(sku)
        holders: list[Holder] = []
        params: dict[str, str | int] = {"customer": "my_customer", "maxResults": 500}
        for user in self._pages(f"{DIRECTORY}/users", params, "users"):
            email = str(user["primaryEmail"]).lower()
            skus = held.pop(email, None)
            if skus is not None:
                holders.append(self._holder(user, email, skus))
        # Licences held by addresses the directory did not list (deleted or renamed users) are
        # seats nobody can use: they are kept, with no activity, so they count as unused.
        holders.extend(
            Holder(self.vendor, email, email, tuple(skus), False, None)
            for email, skus in sorted(held.items())
        )
        counts = Snapshot(self.vendor, now, (), tuple(holders)).assigned()
        pools = tuple(
            SeatPool(self.vendor, sku, names[sku], None, counts.get(sku, 0))
            for sku in sorted(names)
        )
        return Snapshot(self.vendor, now, pools, tuple(holders))

    def _holder(self, user: Mapping[str, Any], email: str, skus: list[str]) -> Holder:
        last = when(user.get("lastLoginTime"), system=self.name, field="lastLoginTime")
        return Holder(
            vendor=self.vendor,
            user_id=str(user.get("id") or email),
            login=email,
            skus=tuple(skus),
            enabled=not (user.get("suspended") or user.get("archived")),
            created=when(user.get("creationTime"), system=self.name, field="creationTime"),
            activity=() if last is None else (Activity("google_last_login", last),),
        )

    def _pages(
        self, url: str, params: Mapping[str, str | int], key: str
    ) -> Iterator[Mapping[str, Any]]:
        token: str | None = None
        while True:
            page = self.fetch.get(url, {**params, **({"pageToken": token} if token else {})})
            yield from page.get(key) or []
            token = page.get("nextPageToken")
            if not token:
                return
