"""Slack (cursor paging, errors in a 200 body) and Zoom (next_page_token, type 2 = licensed)."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from connectors.errors import AuthError, RateLimitedError
from connectors.licences import Activity, SeatPool
from connectors.licences.slack import API as SLACK
from connectors.licences.slack import SlackLicences
from connectors.licences.zoom import API as ZOOM
from connectors.licences.zoom import ZoomLicences

from .conftest import payload

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_slack_members_with_their_billing_flag(
    http: responses.RequestsMock, sleeps: list[float]
) -> None:
    http.get(f"{SLACK}/team.billableInfo", json=payload("slack_billable_info.json"))
    first = payload("slack_users_page1.json")
    http.get(f"{SLACK}/users.list", status=429, headers={"Retry-After": "3"})
    http.get(
        f"{SLACK}/users.list", json=first, match=[matchers.query_param_matcher({"limit": "200"})]
    )
    cursor = first["response_metadata"]["next_cursor"]
    http.get(
        f"{SLACK}/users.list",
        json=payload("slack_users_page2.json"),
        match=[matchers.query_param_matcher({"limit": "200", "cursor": cursor})],
    )

    snap = SlackLicences("slack", "xoxp-admin", sku="Pro", sleep=sleeps.append).snapshot(NOW)

    ana, bo = snap.holders
    assert ("ana@example.com", (Activity("slack_billing_active", NOW),)) == (
        ana.login,
        ana.activity,
    )
    assert ("bo@example.com", ()) == (bo.login, bo.activity)
    assert (SeatPool("Slack", "Pro", "Pro", None, 2),) == snap.pools
    assert [3.0] == sleeps


def test_slack_refusal_in_the_body_names_the_scopes(http: responses.RequestsMock) -> None:
    http.get(f"{SLACK}/team.billableInfo", json=payload("slack_error_invalid_auth.json"))

    with pytest.raises(AuthError, match=r"invalid_auth; check the Slack token .*admin"):
        SlackLicences("slack", "xoxp-bad", sku="Pro").snapshot(NOW)


def test_zoom_licensed_users_through_next_page_token(
    http: responses.RequestsMock, sleeps: list[float]
) -> None:
    first = payload("zoom_users_page1.json")
    base = {"status": "active", "page_size": "300"}
    http.get(f"{ZOOM}/users", json=first, match=[matchers.query_param_matcher(base)])
    http.get(
        f"{ZOOM}/users",
        json=payload("zoom_users_page2.json"),
        match=[matchers.query_param_matcher({**base, "next_page_token": first["next_page_token"]})],
    )

    snap = ZoomLicences("zoom", "zoom-token", sleep=sleeps.append).snapshot(NOW)

    jill, never = snap.holders
    assert (
        Activity("zoom_last_login", datetime(2026, 11, 25, 8, 30, tzinfo=UTC)),
    ) == jill.activity
    assert ("never@example.com", ()) == (never.login, never.activity)
    assert (SeatPool("Zoom", "Licensed", "Licensed", None, 2),) == snap.pools


def test_zoom_daily_limit_is_not_waited_out_in_the_snapshot(
    http: responses.RequestsMock, sleeps: list[float]
) -> None:
    midnight = email.utils.format_datetime(datetime(2099, 1, 1, tzinfo=UTC), usegmt=True)
    http.get(
        f"{ZOOM}/users",
        status=429,
        headers={"Retry-After": midnight},
        json=payload("zoom_error_429.json"),
    )

    with pytest.raises(RateLimitedError, match="daily rate limit"):
        ZoomLicences("zoom", "zoom-token", sleep=sleeps.append).snapshot(NOW)
    assert [] == sleeps
