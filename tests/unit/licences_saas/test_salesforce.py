"""Salesforce seats: UserLicense, PermissionSetLicense and users through nextRecordsUrl."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import responses

from connectors.desks.salesforce_options import StaticToken
from connectors.errors import UnavailableError
from connectors.licences import Activity, SeatPool
from connectors.licences.salesforce import (
    PSL_ASSIGNMENTS,
    PSLS,
    USER_LICENCES,
    USERS,
    SalesforceLicences,
)

from .conftest import payload

INSTANCE = "https://acme.my.salesforce.com"
QUERY = f"{INSTANCE}/services/data/v61.0/query"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxezPwuX5VAIrrbbHMuol7GQxnMeYMN7cj8EoWr78nt1u44zU31IbYNNJguseu"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        for call in rsps.calls:
            assert f"Bearer {TOKEN}" == call.request.headers["Authorization"]


@pytest.fixture
def org(sleeps: list[float]) -> SalesforceLicences:
    return SalesforceLicences("sf", INSTANCE, StaticToken(TOKEN), sleep=sleeps.append)


def soql(query: str) -> list[Callable[..., tuple[bool, str]]]:
    return [responses.matchers.query_param_matcher({"q": query})]


def serve(http: responses.RequestsMock, *, outage: bool = False) -> None:
    http.get(QUERY, json=payload("salesforce_user_licences.json"), match=soql(USER_LICENCES))
    http.get(QUERY, json=payload("salesforce_psls.json"), match=soql(PSLS))
    http.get(QUERY, json=payload("salesforce_psl_assignments.json"), match=soql(PSL_ASSIGNMENTS))
    first = payload("salesforce_users_page1.json")
    http.get(QUERY, json=first, match=soql(USERS))
    if outage:
        http.get(f"{INSTANCE}{first['nextRecordsUrl']}", status=503, body="Service Unavailable")
    http.get(f"{INSTANCE}{first['nextRecordsUrl']}", json=payload("salesforce_users_page2.json"))


def test_user_and_permission_set_licences_per_active_user(
    http: responses.RequestsMock, org: SalesforceLicences
) -> None:
    serve(http)

    snap = org.snapshot(NOW)

    assert (
        SeatPool("Salesforce", "Salesforce", "Salesforce", 50, 2, "active"),
        SeatPool("Salesforce", "Salesforce Platform", "Salesforce Platform", 10, 1, "active"),
        SeatPool("Salesforce", "SalesConsoleUser", "Sales Console User", 5, 1, "active"),
    ) == snap.pools
    jordan, pat, integration = snap.holders
    assert ("Salesforce", "SalesConsoleUser") == jordan.skus
    assert (
        Activity("salesforce_last_login", datetime(2026, 11, 30, 9, 15, 22, tzinfo=UTC)),
    ) == jordan.activity
    assert (("Salesforce",), ()) == (pat.skus, pat.activity)
    assert ("Salesforce Platform",) == integration.skus
    assert {"Salesforce": 2, "Salesforce Platform": 1, "SalesConsoleUser": 1} == snap.assigned()


def test_an_outage_mid_paging_is_retried_without_losing_the_first_page(
    http: responses.RequestsMock, org: SalesforceLicences, sleeps: list[float]
) -> None:
    serve(http, outage=True)

    assert 3 == len(org.snapshot(NOW).holders)
    assert [1.0] == sleeps


def test_an_outage_that_lasts_is_a_transient_error(
    http: responses.RequestsMock, org: SalesforceLicences
) -> None:
    http.get(QUERY, status=503, body="Service Unavailable", match=soql(USER_LICENCES))

    with pytest.raises(UnavailableError):
        org.snapshot(NOW)
