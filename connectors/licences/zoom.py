"""
Zoom seats: ``GET /v2/users?status=active&page_size=300``, following ``next_page_token``.

A user of ``type`` 2 (Licensed) holds a paid seat; 1 (Basic) and 4/99 do not. ``last_login_time``
is the last client or web login. The purchased count comes from the ledger (the plan API is for
master accounts only). Server-to-server OAuth scope: ``user:read:admin``
(granular: ``user:read:list_users:admin``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import requests

from connectors.licences import Activity, Holder, SeatPool, Snapshot
from connectors.licences.fetch import Fetcher
from connectors.licences.times import when

__all__ = ["LICENSED", "ZoomLicences"]

API = "https://api.zoom.us/v2"
LICENSED = 2
PAGE_SIZE = 300  # Zoom's maximum


class ZoomLicences:
    """The licensed users of one Zoom account, as one SKU of the ledger."""

    def __init__(
        self,
        name: str,
        token: str,
        *,
        sku: str = "Licensed",
        vendor: str = "Zoom",
        api_url: str = API,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.vendor = vendor
        self._sku = sku
        self._api = api_url.rstrip("/")
        self.fetch = Fetcher(
            name,
            session=session,
            headers=lambda: {"Authorization": f"Bearer {token}"},
            auth_hint="check the server-to-server OAuth app and its scope user:read:admin",
            sleep=sleep,
        )

    def snapshot(self, now: datetime) -> Snapshot:
        holders: list[Holder] = []
        token = ""
        while True:
            params: dict[str, str | int] = {"status": "active", "page_size": PAGE_SIZE}
            if token:
                params["next_page_token"] = token
            page = self.fetch.get(f"{self._api}/users", params)
            holders.extend(
                self._holder(u) for u in page.get("users") or [] if u.get("type") == LICENSED
            )
            token = str(page.get("next_page_token") or "")
            if not token:
                break
        pools = (SeatPool(self.vendor, self._sku, self._sku, None, len(holders)),)
        return Snapshot(self.vendor, now, pools, tuple(holders))

    def _holder(self, user: Mapping[str, Any]) -> Holder:
        last = when(user.get("last_login_time"), system=self.name, field="last_login_time")
        return Holder(
            vendor=self.vendor,
            user_id=str(user["id"]),
            login=str(user.get("email") or user["id"]),
            skus=(self._sku,),
            enabled=user.get("status", "active") == "active",
            created=when(user.get("created_at"), system=self.name, field="created_at"),
            activity=() if last is None else (Activity("zoom_last_login", last),),
        )
