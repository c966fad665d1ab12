"""Google Workspace seats: listForProduct and Directory users, both through nextPageToken."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import googleapiclient
import pytest
import requests
import responses

from connectors.licences import Activity, Holder, SeatPool
from connectors.licences.google import DIRECTORY, LICENSING, GoogleLicences
from tests.unit.identity_saas.spec_check import DiscoverySpec, assert_calls_allowed, load_discovery

from .conftest import payload

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHIPPED = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
STARTER, STANDARD = "1010020027", "1010020028"


@pytest.fixture(scope="module")
def google_specs() -> list[DiscoverySpec]:
    found = [load_discovery(SHIPPED / n) for n in ("admin.directory_v1.json", "licensing.v1.json")]
    return [spec for spec in found if spec is not None]


@pytest.fixture
def http(google_specs: list[DiscoverySpec]) -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        assert_calls_allowed(rsps.calls, google_specs)


@pytest.fixture
def google(sleeps: list[float]) -> GoogleLicences:
    return GoogleLicences(
        "workspace", requests.Session(), customer_id="example.com", sleep=sleeps.append
    )


def serve(http: responses.RequestsMock, *, throttle: bool = False) -> None:
    assignments = f"{LICENSING}/product/Google-Apps/users"
    first = payload("google_assignments_page1.json")
    http.get(
        assignments,
        json=first,
        match=[
            responses.matchers.query_param_matcher(
                {"customerId": "example.com", "maxResults": "1000"}
            )
        ],
    )
    http.get(
        assignments,
        json=payload("google_assignments_page2.json"),
        match=[responses.matchers.query_param_matcher(
            {"customerId": "example.com", "maxResults": "1000", "pageToken": first["nextPageToken"]}
        )],
    )  # fmt: skip
    users = payload("google_users_page1.json")
    if throttle:
        http.get(f"{DIRECTORY}/users", status=429, headers={"Retry-After": "5"}, json={
            "error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}
        })  # fmt: skip
    http.get(
        f"{DIRECTORY}/users",
        json=users,
        match=[
            responses.matchers.query_param_matcher({"customer": "my_customer", "maxResults": "500"})
        ],
    )
    http.get(
        f"{DIRECTORY}/users",
        json=payload("google_users_page2.json"),
        match=[responses.matchers.query_param_matcher(
            {"customer": "my_customer", "maxResults": "500", "pageToken": users["nextPageToken"]}
        )],
    )  # fmt: skip


def test_holders_join_licences_to_directory_users(
    http: responses.RequestsMock, google: GoogleLicences
) -> None:
    serve(http)

    snap = google.snapshot(NOW)

    liz, sam, gone = snap.holders
    assert (
        Holder(
            "Google",
            "107226389421564187533",
            "liz@example.com",
            (STARTER,),
            True,
            datetime(2022, 4, 5, 9, 30, tzinfo=UTC),
            (Activity("google_last_login", datetime(2026, 11, 30, 16, 2, 11, tzinfo=UTC)),),
        )
        == liz
    )
    assert ("sam@example.com", (STANDARD,), False, ()) == (
        sam.login, sam.skus, sam.enabled, sam.activity
    )  # fmt: skip
    assert ("gone@example.com", False, None) == (gone.login, gone.enabled, gone.created)
    assert (
        SeatPool("Google", STARTER, "Google Workspace Business Starter", None, 2),
        SeatPool("Google", STANDARD, "Google Workspace Business Standard", None, 1),
    ) == snap.pools


def test_a_throttled_directory_page_is_read_again(
    http: responses.RequestsMock, google: GoogleLicences, sleeps: list[float]
) -> None:
    serve(http, throttle=True)

    assert 3 == len(google.snapshot(NOW).holders)
    assert [5.0] == sleeps
