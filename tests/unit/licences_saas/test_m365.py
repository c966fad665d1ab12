"""Microsoft 365 seats: subscribedSkus, then /users through @odata.nextLink, checked against Graph."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses

from connectors.errors import AuthError
from connectors.licences import Activity, SeatPool
from connectors.licences.m365 import USER_SELECT, M365Licences
from tests.unit.identity_saas.spec_check import OpenApiSpec, assert_calls_allowed
from tests.unit.identity_saas.test_entra import ACCESS_TOKEN, SECRET, TENANT, fake_login

from .conftest import payload

GRAPH = "https://graph.microsoft.com/v1.0"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
E3 = "ENTERPRISEPACK"


@pytest.fixture
def http(graph_spec: OpenApiSpec | None) -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        fake_login(rsps)
        yield rsps
        if graph_spec is not None:
            assert_calls_allowed(rsps.calls, [graph_spec], skip_hosts={"login.microsoftonline.com"})
        for call in rsps.calls:
            assert SECRET not in str(call.request.url)


@pytest.fixture
def m365(sleeps: list[float]) -> M365Licences:
    return M365Licences("m365", TENANT, "client-id", SECRET, sleep=sleeps.append)


GROUP = "02bd9fd6-8f93-4758-87c3-1fb73740a315"


def serve(http: responses.RequestsMock, *, throttle: bool = False) -> None:
    http.get(f"{GRAPH}/subscribedSkus", json=payload("m365_subscribed_skus.json"))
    first = payload("m365_users_page1.json")
    if throttle:
        http.get(
            f"{GRAPH}/users",
            status=429,
            headers={"Retry-After": "12"},
            json={"error": {"code": "TooManyRequests", "message": "Too many requests"}},
        )
    http.get(f"{GRAPH}/users", json=first)
    http.get(first["@odata.nextLink"], json=payload("m365_users_page2.json"))
    http.get(
        f"{GRAPH}/groups/{GROUP}",
        json={
            "@odata.context": f"{GRAPH}/$metadata#groups(id,displayName)/$entity",
            "id": GROUP,
            "displayName": "Licence - Power Automate",
        },
    )


def test_pools_and_holders_through_every_page(
    http: responses.RequestsMock, m365: M365Licences
) -> None:
    serve(http)

    snap = m365.snapshot(NOW)

    assert (
        SeatPool("Microsoft", E3, E3, 25, 3, "enabled"),
        SeatPool("Microsoft", "FLOW_FREE", "FLOW_FREE", 10000, 1, "warning"),
    ) == snap.pools
    assert ["AdeleV@contoso.com", "MeganB@contoso.com", "LeeG@contoso.com"] == [
        h.login for h in snap.holders
    ]
    assert {E3: 3, "FLOW_FREE": 1} == snap.assigned()
    first = http.calls[3].request
    assert f"Bearer {ACCESS_TOKEN}" == first.headers["Authorization"]
    assert USER_SELECT in (first.url or "").replace("%2C", ",")


def test_sign_in_prefers_the_successful_one_and_group_seats_are_marked(
    http: responses.RequestsMock, m365: M365Licences
) -> None:
    serve(http)

    adele, megan, lee = m365.snapshot(NOW).holders

    assert (
        Activity("entra_last_successful_signin", datetime(2026, 11, 28, 17, 45, 2, tzinfo=UTC)),
    ) == adele.activity
    assert (("FLOW_FREE", "Licence - Power Automate"),) == adele.inherited
    assert (
        Activity("entra_last_signin_attempt", datetime(2026, 6, 3, 10, 0, tzinfo=UTC)),
    ) == megan.activity
    assert not megan.enabled
    assert () == lee.activity
    assert datetime(2026, 11, 20, 8, 0, tzinfo=UTC) == lee.created


def test_a_throttled_page_is_read_again_after_retry_after(
    http: responses.RequestsMock, m365: M365Licences, sleeps: list[float]
) -> None:
    serve(http, throttle=True)

    snap = m365.snapshot(NOW)

    assert 3 == len(snap.holders)
    assert [12.0] == sleeps


def test_a_missing_permission_says_what_to_check(
    http: responses.RequestsMock, m365: M365Licences
) -> None:
    http.get(
        f"{GRAPH}/subscribedSkus",
        status=403,
        json={
            "error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}
        },
    )

    with pytest.raises(AuthError, match="admin consent"):
        m365.snapshot(NOW)
