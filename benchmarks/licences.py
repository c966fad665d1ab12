"""
Licence snapshot benchmark: 10,000 users per vendor through each vendor's paging, against local
fakes of the HTTP boundary (``responses``) serving pages in the vendors' documented shapes.

For each vendor: the snapshot (connector: requests, paging, parsing into holders and pools) and,
in the same run, a baseline that only GETs and decodes the very same pages in the same order
(the floor any client pays). Time and peak Python memory (tracemalloc) for both, and the ratio.
The acceptance target is a 10,000-user snapshot in at most 5 minutes.

    uv run python -m benchmarks.licences [--users N]

Figures go to docs/licences.md.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import tracemalloc
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
import responses

from connectors.desks.salesforce_options import StaticToken
from connectors.licences import LicenceSource
from connectors.licences.google import DIRECTORY, LICENSING, GoogleLicences
from connectors.licences.m365 import M365Licences
from connectors.licences.salesforce import (
    PSL_ASSIGNMENTS,
    PSLS,
    USER_LICENCES,
    USERS,
    SalesforceLicences,
)
from connectors.licences.scim import ScimLicences
from connectors.licences.slack import API as SLACK
from connectors.licences.slack import SlackLicences
from connectors.licences.zoom import API as ZOOM
from connectors.licences.zoom import ZoomLicences

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GRAPH = "https://graph.microsoft.com/v1.0"
LOGIN = "https://login.microsoftonline.com/bench.onmicrosoft.com"
SF = "https://bench.my.salesforce.com"
SCIM = "https://app.example.com/scim/v2"
E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
TARGET_S = 300.0
T = TypeVar("T")


def _seen(i: int) -> str:
    return (NOW - timedelta(days=i % 200, hours=i % 24)).strftime("%Y-%m-%dT%H:%M:%SZ")


Pages = dict[str, bytes]
"""Page bodies by the request's path and query (its "page key")."""


def _key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return parts.path + "?" + urllib.parse.urlencode(query)


def _chunks(n: int, size: int) -> list[range]:
    return [range(start, min(start + size, n)) for start in range(0, n, size)]


def m365_pages(n: int) -> Pages:
    pages: Pages = {}
    sku = {
        "skuId": E3,
        "skuPartNumber": "ENTERPRISEPACK",
        "capabilityStatus": "Enabled",
        "consumedUnits": n,
        "prepaidUnits": {"enabled": n + 500},
        "appliesTo": "User",
    }
    pages[_key(f"{GRAPH}/subscribedSkus")] = json.dumps({"value": [sku]}).encode()
    pages[_key(f"{LOGIN}/v2.0/.well-known/openid-configuration")] = json.dumps(
        {
            "token_endpoint": f"{LOGIN}/oauth2/v2.0/token",
            "issuer": f"{LOGIN}/v2.0",
            "authorization_endpoint": f"{LOGIN}/oauth2/v2.0/authorize",
        }
    ).encode()
    first = f"{GRAPH}/users?" + urllib.parse.urlencode(
        {
            "$select": "id,userPrincipalName,accountEnabled,createdDateTime,assignedLicenses,"
            "licenseAssignmentStates,signInActivity",
            "$top": 999,
        }
    )
    url = first
    for number, chunk in enumerate(chunks := _chunks(n, 999)):
        nxt = f"{GRAPH}/users?$top=999&$skiptoken=page{number + 1}"
        users = [
            {
                "id": f"u{i}",
                "userPrincipalName": f"user{i}@bench.example",
                "accountEnabled": True,
                "createdDateTime": "2020-01-01T00:00:00Z",
                "assignedLicenses": [{"disabledPlans": [], "skuId": E3}],
                "licenseAssignmentStates": [
                    {"assignedByGroup": None, "skuId": E3, "state": "Active"}
                ],
                "signInActivity": {
                    "lastSignInDateTime": _seen(i),
                    "lastSuccessfulSignInDateTime": _seen(i),
                },
            }
            for i in chunk
        ]
        body: dict[str, Any] = {"value": users}
        if number + 1 < len(chunks):
            body["@odata.nextLink"] = nxt
        pages[_key(url)] = json.dumps(body).encode()
        url = nxt
    return pages


def google_pages(n: int) -> Pages:
    pages: Pages = {}
    token = ""
    base = f"{LICENSING}/product/Google-Apps/users?customerId=bench.example&maxResults=1000"
    for number, chunk in enumerate(chunks := _chunks(n, 1000)):
        items = [
            {
                "kind": "licensing#licenseAssignment",
                "userId": f"user{i}@bench.example",
                "productId": "Google-Apps",
                "skuId": "1010020027",
                "skuName": "Google Workspace Business Starter",
            }
            for i in chunk
        ]
        body: dict[str, Any] = {"kind": "licensing#licenseAssignmentList", "items": items}
        if number + 1 < len(chunks):
            body["nextPageToken"] = f"lic{number + 1}"
        pages[_key(base + (f"&pageToken={token}" if token else ""))] = json.dumps(body).encode()
        token = f"lic{number + 1}"
    token = ""
    base = f"{DIRECTORY}/users?customer=my_customer&maxResults=500"
    for number, chunk in enumerate(chunks := _chunks(n, 500)):
        users = [
            {
                "kind": "admin#directory#user",
                "id": str(10**20 + i),
                "primaryEmail": f"user{i}@bench.example",
                "lastLoginTime": _seen(i),
                "creationTime": "2020-01-01T00:00:00.000Z",
                "suspended": False,
            }
            for i in chunk
        ]
        body = {"kind": "admin#directory#users", "users": users}
        if number + 1 < len(chunks):
            body["nextPageToken"] = f"dir{number + 1}"
        pages[_key(base + (f"&pageToken={token}" if token else ""))] = json.dumps(body).encode()
        token = f"dir{number + 1}"
    return pages


def salesforce_pages(n: int) -> Pages:
    query = f"{SF}/services/data/v61.0/query"

    def q(soql: str) -> str:
        return _key(f"{query}?" + urllib.parse.urlencode({"q": soql}))

    licence = {
        "Id": "100A",
        "MasterLabel": "Salesforce",
        "Status": "Active",
        "TotalLicenses": n + 100,
        "UsedLicenses": n,
    }
    pages = {
        q(USER_LICENCES): json.dumps({"done": True, "records": [licence]}).encode(),
        q(PSLS): json.dumps({"done": True, "records": []}).encode(),
        q(PSL_ASSIGNMENTS): json.dumps({"done": True, "records": []}).encode(),
    }
    key = q(USERS)
    for number, chunk in enumerate(chunks := _chunks(n, 2000)):
        records = [
            {
                "attributes": {"type": "User"},
                "Id": f"005{i:015d}",
                "Username": f"user{i}@bench.example",
                "IsActive": True,
                "CreatedDate": "2020-01-01T00:00:00.000+0000",
                "LastLoginDate": _seen(i),
                "Profile": {"UserLicenseId": "100A"},
            }
            for i in chunk
        ]
        done = number + 1 == len(chunks)
        nxt = f"/services/data/v61.0/query/01gBENCH-{(number + 1) * 2000}"
        body: dict[str, Any] = {"totalSize": n, "done": done, "records": records}
        if not done:
            body["nextRecordsUrl"] = nxt
        pages[key] = json.dumps(body).encode()
        key = _key(f"{SF}{nxt}")
    return pages


def scim_pages(n: int) -> Pages:
    pages: Pages = {}
    for chunk in _chunks(n, 200):
        users = [
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": f"s{i}",
                "userName": f"user{i}@bench.example",
                "active": True,
                "entitlements": [{"value": "pro", "type": "license"}],
                "meta": {"resourceType": "User", "created": "2020-01-01T00:00:00Z"},
            }
            for i in chunk
        ]
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": n,
            "startIndex": chunk.start + 1,
            "itemsPerPage": len(users),
            "Resources": users,
        }
        pages[_key(f"{SCIM}/Users?startIndex={chunk.start + 1}&count=200")] = json.dumps(
            body
        ).encode()
    return pages


def slack_pages(n: int) -> Pages:
    pages: Pages = {}
    for method in ("users.list", "team.billableInfo"):
        cursor = ""
        for number, chunk in enumerate(chunks := _chunks(n, 200)):
            nxt = f"{method}-{number + 1}" if number + 1 < len(chunks) else ""
            body: dict[str, Any] = {"ok": True, "response_metadata": {"next_cursor": nxt}}
            if method == "users.list":
                body["members"] = [
                    {
                        "id": f"U{i:08d}",
                        "name": f"user{i}",
                        "deleted": False,
                        "is_bot": False,
                        "profile": {"email": f"user{i}@bench.example"},
                    }
                    for i in chunk
                ]
            else:
                body["billable_info"] = {f"U{i:08d}": {"billing_active": i % 3 > 0} for i in chunk}
            url = f"{SLACK}/{method}?limit=200" + (f"&cursor={cursor}" if cursor else "")
            pages[_key(url)] = json.dumps(body).encode()
            cursor = nxt
    return pages


def zoom_pages(n: int) -> Pages:
    pages: Pages = {}
    token = ""
    for number, chunk in enumerate(chunks := _chunks(n, 300)):
        nxt = f"zoom{number + 1}" if number + 1 < len(chunks) else ""
        users = [
            {
                "id": f"z{i}",
                "email": f"user{i}@bench.example",
                "type": 2 if i % 5 else 1,
                "status": "active",
                "created_at": "2020-01-01T00:00:00Z",
                "last_login_time": _seen(i),
            }
            for i in chunk
        ]
        body = {"page_size": 300, "total_records": n, "next_page_token": nxt, "users": users}
        url = f"{ZOOM}/users?status=active&page_size=300" + (
            f"&next_page_token={token}" if token else ""
        )
        pages[_key(url)] = json.dumps(body).encode()
        token = nxt
    return pages


@dataclass(frozen=True)
class Vendor:
    name: str
    pages: Callable[[int], Pages]
    source: Callable[[], LicenceSource]


VENDORS = (
    Vendor(
        "Microsoft 365",
        m365_pages,
        lambda: M365Licences("m365", "bench.onmicrosoft.com", "id", "secret"),
    ),
    Vendor(
        "Google Workspace",
        google_pages,
        lambda: GoogleLicences("google", requests.Session(), customer_id="bench.example"),
    ),
    Vendor("Salesforce", salesforce_pages, lambda: SalesforceLicences("sf", SF, StaticToken("t"))),
    Vendor("SCIM app", scim_pages, lambda: ScimLicences("scim", SCIM, "t", vendor="App")),
    Vendor("Slack", slack_pages, lambda: SlackLicences("slack", "t", sku="Pro")),
    Vendor("Zoom", zoom_pages, lambda: ZoomLicences("zoom", "t")),
)


def serve(rsps: responses.RequestsMock, pages: Mapping[str, bytes]) -> None:
    """Answer every GET from ``pages``; the M365 token endpoint answers a token."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        body = pages.get(_key(str(request.url)))
        if body is None:
            return 404, {}, b'{"error": "no such page in the fake"}'
        return 200, {"Content-Type": "application/json"}, body

    rsps.add(
        responses.POST,
        f"{LOGIN}/oauth2/v2.0/token",
        json={"token_type": "Bearer", "expires_in": 3599, "access_token": "bench-token"},
    )
    rsps.add_callback(responses.GET, re.compile(r"https://.*"), callback=answer)


def measure(work: Callable[[], T]) -> tuple[float, float, T]:
    """Seconds and peak MiB of ``work()``, and what it returned."""
    tracemalloc.start()
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    users = parser.parse_args().users
    print(f"{users:,} users per vendor; target {TARGET_S:.0f} s per snapshot")
    print(
        f"{'vendor':18} {'pages':>5} {'snapshot s':>10} {'baseline s':>10} {'ratio':>6}"
        f" {'snap MiB':>8} {'base MiB':>8} {'holders':>7}"
    )
    for vendor in VENDORS:
        run(vendor, users)


def _fetch_all(session: requests.Session, urls: list[str]) -> list[Any]:
    return [session.get(u).json() for u in urls]


def run(vendor: Vendor, users: int) -> None:
    """One vendor: its snapshot, then the baseline over the same pages; prints one line."""
    pages = vendor.pages(users)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve(rsps, pages)
        source = vendor.source()
        snap_s, snap_mib, snap = measure(lambda: source.snapshot(NOW))
        urls = [
            str(c.request.url)
            for c in rsps.calls
            if c.request.method == "GET" and "openid-configuration" not in str(c.request.url)
        ]
        base_s, base_mib, _ = measure(lambda: _fetch_all(requests.Session(), urls))
    ratio = snap_s / base_s if base_s else float("inf")
    print(
        f"{vendor.name:18} {len(urls):>5} {snap_s:>10.2f} {base_s:>10.2f} {ratio:>6.2f}"
        f" {snap_mib:>8.1f} {base_mib:>8.1f} {len(snap.holders):>7}"
    )
    if snap_s > TARGET_S:
        raise SystemExit(f"{vendor.name}: {snap_s:.0f} s is over the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
