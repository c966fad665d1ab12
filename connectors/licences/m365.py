"""
Microsoft 365 seats through Microsoft Graph v1.0.

* ``GET /subscribedSkus``: per SKU ``prepaidUnits.enabled`` (bought, usable) and
  ``consumedUnits`` (assigned); ``capabilityStatus`` says whether the subscription is live.
* ``GET /users?$select=…,assignedLicenses,licenseAssignmentStates,signInActivity&$top=999``,
  following ``@odata.nextLink``: who holds which ``skuId`` (named by its ``skuPartNumber``), which
  seats come from a group, and the last sign-in. ``signInActivity`` needs ``AuditLog.Read.All``
  and Entra ID P1/P2; ``lastSuccessfulSignInDateTime`` (since Dec 2023) is preferred, the
  interactive ``lastSignInDateTime`` (failures included) is used only when it is missing.

Application permissions: ``LicenseAssignment.Read.All`` (or ``Directory.Read.All``),
``User.Read.All``, ``AuditLog.Read.All``; ``GroupMember.Read.All`` (or ``Group.Read.All``) to
name the groups that seats are inherited from.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import requests

from connectors.http import BoundedSession
from connectors.identity.entra_graph import AUTH_HINT
from connectors.identity.entra_token import GraphToken
from connectors.licences import Activity, Holder, SeatPool, Snapshot
from connectors.licences.fetch import Fetcher
from connectors.licences.times import when

__all__ = ["USER_SELECT", "M365Licences"]

USER_SELECT = (
    "id,userPrincipalName,accountEnabled,createdDateTime,assignedLicenses,"
    "licenseAssignmentStates,signInActivity"
)
PAGE_SIZE = 999  # Graph's largest $top for /users, also with signInActivity selected


class M365Licences:
    """One Microsoft 365 tenant's seats, read through an app registration."""

    def __init__(
        self,
        name: str,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        vendor: str = "Microsoft",
        session: requests.Session | None = None,
        authority_host: str = "https://login.microsoftonline.com",
        graph_url: str = "https://graph.microsoft.com/v1.0",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.vendor = vendor
        self._graph = graph_url.rstrip("/")
        session = session or BoundedSession()
        parts = urllib.parse.urlsplit(self._graph)
        tokens = GraphToken(
            client_id,
            client_secret,
            authority=f"{authority_host.rstrip('/')}/{tenant_id}",
            scope=f"{parts.scheme}://{parts.netloc}/.default",
            session=session,
            system=name,
        )
        self.fetch = Fetcher(
            name,
            session=session,
            headers=lambda: {
                "Authorization": f"Bearer {tokens.get()}",
                "Accept": "application/json",
            },
            auth_hint=AUTH_HINT,
            sleep=sleep,
        )

    def snapshot(self, now: datetime) -> Snapshot:
        skus = self.fetch.get(f"{self._graph}/subscribedSkus")["value"]
        names = {str(s["skuId"]): str(s.get("skuPartNumber") or s["skuId"]) for s in skus}
        pools = tuple(
            SeatPool(
                vendor=self.vendor,
                sku=names[str(s["skuId"])],
                name=names[str(s["skuId"])],
                purchased=int((s.get("prepaidUnits") or {}).get("enabled", 0)),
                assigned=int(s.get("consumedUnits", 0)),
                status=str(s.get("capabilityStatus", "Enabled")).lower(),
            )
            for s in skus
        )
        holders: list[Holder] = []
        params: Mapping[str, str | int] | None = {"$select": USER_SELECT, "$top": PAGE_SIZE}
        url: str | None = f"{self._graph}/users"
        while url is not None:
            page = self.fetch.get(url, params)
            holders.extend(h for u in page["value"] if (h := self._holder(u, names)) is not None)
            url, params = page.get("@odata.nextLink"), None  # the link carries the query
        return Snapshot(self.vendor, now, pools, tuple(self._group_names(holders)))

    def _group_names(self, holders: list[Holder]) -> list[Holder]:
        """
        Group-based seats named by their group's ``displayName`` (one ``GET /groups/{id}`` per
        group), the name the directory connectors find a group by for the reclaim's group change.
        """
        ids = sorted({group for h in holders for _, group in h.inherited})
        named = {
            group: str(
                self.fetch.get(f"{self._graph}/groups/{group}", {"$select": "id,displayName"})[
                    "displayName"
                ]
            )
            for group in ids
        }
        return [
            replace(h, inherited=tuple((sku, named[g]) for sku, g in h.inherited))
            if h.inherited
            else h
            for h in holders
        ]

    def _holder(self, user: Mapping[str, Any], names: Mapping[str, str]) -> Holder | None:
        assigned = [str(a["skuId"]) for a in user.get("assignedLicenses") or []]
        if not assigned:
            return None
        inherited = tuple(
            (names.get(str(s["skuId"]), str(s["skuId"])), str(s["assignedByGroup"]))
            for s in user.get("licenseAssignmentStates") or []
            if s.get("assignedByGroup")
        )
        return Holder(
            vendor=self.vendor,
            user_id=str(user["id"]),
            login=str(user.get("userPrincipalName") or user["id"]),
            skus=tuple(names.get(sku, sku) for sku in assigned),
            enabled=bool(user.get("accountEnabled", True)),
            created=when(user.get("createdDateTime"), system=self.name, field="createdDateTime"),
            activity=self._activity(user.get("signInActivity") or {}),
            inherited=inherited,
        )

    def _activity(self, sign_in: Mapping[str, Any]) -> tuple[Activity, ...]:
        for field, source in (
            ("lastSuccessfulSignInDateTime", "entra_last_successful_signin"),
            ("lastSignInDateTime", "entra_last_signin_attempt"),
        ):
            at = when(sign_in.get(field), system=self.name, field=f"signInActivity.{field}")
            if at is not None:
                return (Activity(source, at),)
        return ()
