"""
Salesforce seats through SOQL on the REST query resource, following ``nextRecordsUrl``.

* ``UserLicense`` (``MasterLabel``, ``TotalLicenses``, ``UsedLicenses``, ``Status``): the
  user licence of each active user's profile (``User.Profile.UserLicenseId``);
* ``PermissionSetLicense`` (``DeveloperName``, the same counts) and
  ``PermissionSetLicenseAssign`` (``AssigneeId``, ``PermissionSetLicenseId``);
* ``User.LastLoginDate`` for activity (UI and API logins).

Only active users hold a user licence: deactivating is the only way to free one, and a frozen
user still holds it. The integration user needs "View Setup and Configuration" and
"View All Users" (or "Manage Users").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from connectors.desks.salesforce_options import SessionSource
from connectors.licences import Activity, Holder, SeatPool, Snapshot
from connectors.licences.fetch import Fetcher
from connectors.licences.times import when

__all__ = ["SalesforceLicences"]

AUTH_HINT = (
    "check the integration user's session (credentials.*) and that it may view setup and all "
    "users (docs/licences.md)"
)
USER_LICENCES = (
    "SELECT Id, MasterLabel, LicenseDefinitionKey, Status, TotalLicenses, UsedLicenses "
    "FROM UserLicense"
)
PSLS = "SELECT Id, DeveloperName, MasterLabel, Status, TotalLicenses, UsedLicenses FROM PermissionSetLicense"
PSL_ASSIGNMENTS = (
    "SELECT AssigneeId, PermissionSetLicenseId FROM PermissionSetLicenseAssign "
    "WHERE Assignee.IsActive = true"
)
USERS = (
    "SELECT Id, Username, IsActive, CreatedDate, LastLoginDate, Profile.UserLicenseId "
    "FROM User WHERE IsActive = true"
)


class SalesforceLicences:
    """The user licences and permission-set licences of one org."""

    def __init__(
        self,
        name: str,
        instance_url: str,
        session_source: SessionSource,
        *,
        api_version: str = "61.0",
        vendor: str = "Salesforce",
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.vendor = vendor
        self._base = instance_url.rstrip("/")
        self._query = f"{self._base}/services/data/v{api_version}/query"
        self.fetch = Fetcher(
            name,
            session=session,
            headers=lambda: {"Authorization": f"Bearer {session_source.token()}"},
            auth_hint=AUTH_HINT,
            sleep=sleep,
        )

    def snapshot(self, now: datetime) -> Snapshot:
        licence_names: dict[str, str] = {}
        pools: list[SeatPool] = []
        for query, label in ((USER_LICENCES, "MasterLabel"), (PSLS, "DeveloperName")):
            for row in self._records(query):
                licence_names[str(row["Id"])] = sku = str(row[label])
                pools.append(
                    SeatPool(
                        vendor=self.vendor,
                        sku=sku,
                        name=str(row.get("MasterLabel") or sku),
                        purchased=int(row.get("TotalLicenses") or 0),
                        assigned=int(row.get("UsedLicenses") or 0),
                        status=str(row.get("Status") or "Active").lower(),
                    )
                )
        extra: dict[str, list[str]] = {}
        for row in self._records(PSL_ASSIGNMENTS):
            psl = licence_names.get(str(row["PermissionSetLicenseId"]))
            if psl is not None:
                extra.setdefault(str(row["AssigneeId"]), []).append(psl)
        holders = [
            self._holder(row, licence_names, extra.get(str(row["Id"]), []))
            for row in self._records(USERS)
        ]
        return Snapshot(self.vendor, now, tuple(pools), tuple(holders))

    def _holder(self, row: Mapping[str, Any], names: Mapping[str, str], psls: list[str]) -> Holder:
        profile = row.get("Profile") or {}
        licence = names.get(str(profile.get("UserLicenseId") or ""))
        last = when(row.get("LastLoginDate"), system=self.name, field="User.LastLoginDate")
        return Holder(
            vendor=self.vendor,
            user_id=str(row["Id"]),
            login=str(row.get("Username") or row["Id"]),
            skus=tuple(([licence] if licence else []) + psls),
            enabled=bool(row.get("IsActive", True)),
            created=when(row.get("CreatedDate"), system=self.name, field="User.CreatedDate"),
            activity=() if last is None else (Activity("salesforce_last_login", last),),
        )

    def _records(self, soql: str) -> Iterator[Mapping[str, Any]]:
        page = self.fetch.get(self._query, {"q": soql})
        while True:
            yield from page.get("records") or []
            following = page.get("nextRecordsUrl")
            if page.get("done", True) or not following:
                return
            page = self.fetch.get(f"{self._base}{following}")
