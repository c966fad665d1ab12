"""OktaDirectory against a faked Okta Management API; every request is checked against Okta's spec."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from structlog.testing import capture_logs

from connectors.errors import (
    AuthError,
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)
from connectors.identity import Capability, NewUser, UserStatus
from connectors.identity.okta import OktaDirectory

from .conftest import load_payload
from .spec_check import OpenApiSpec, assert_calls_allowed

ORG = "https://acme.okta.com"
TOKEN = "00QCjAl4MlV-WPXM-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NOW = 1_764_000_000.0
UID = "00ub0oNGTSWTBKOLGLNR"
GID = "00g1emaKYZTWRYYRRTSK"
USER_URL = f"{ORG}/api/v1/users/{UID}"


def user(status: str = "ACTIVE", **profile: Any) -> dict[str, Any]:
    item: dict[str, Any] = load_payload("okta", "user.json")
    item["status"] = status
    item["profile"].update(profile)
    return item


@pytest.fixture
def http(okta_spec: OpenApiSpec | None) -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        if okta_spec is not None:
            assert_calls_allowed(rsps.calls, [okta_spec])
        for call in rsps.calls:
            assert call.request.headers["Authorization"] == f"SSWS {TOKEN}"


@pytest.fixture
def okta() -> OktaDirectory:
    return OktaDirectory("okta-test", ORG, TOKEN, clock=lambda: NOW)


def lifecycle(http: responses.RequestsMock, action: str, **params: str) -> None:
    query = (
        [matchers.query_param_matcher(params)] if params else [matchers.query_string_matcher("")]
    )
    http.post(f"{USER_URL}/lifecycle/{action}", json={}, match=query)


# -- reads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "param", "expression"),
    [
        (
            {"login": "isaac.brock@example.com"},
            "filter",
            'profile.login eq "isaac.brock@example.com"',
        ),
        (
            {"email": "isaac.brock@example.com"},
            "filter",
            'profile.email eq "isaac.brock@example.com"',
        ),
        (
            {"login": "a@example.com", "employee_id": "E1042"},
            "search",
            'profile.login eq "a@example.com" and profile.employeeNumber eq "E1042"',
        ),
        ({"login": 'x"y@example.com'}, "filter", 'profile.login eq "x\\"y@example.com"'),
    ],
    ids=["login-filter", "email-filter", "employee-id-search", "quote-escaped"],
)
def test_find_user_builds_the_query(
    http: responses.RequestsMock,
    okta: OktaDirectory,
    keys: dict[str, str],
    param: str,
    expression: str,
) -> None:
    """Login/email use the consistent `filter`; anything else uses `search`."""
    http.get(
        f"{ORG}/api/v1/users",
        json=[user()],
        match=[matchers.query_param_matcher({param: expression})],
    )

    found = okta.find_user(**keys)

    assert found is not None
    assert (found.id, found.login, found.employee_id) == (UID, "isaac.brock@example.com", "E1042")


def test_find_user_none_and_ambiguous(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    """No hit is None; two hits are refused rather than guessed."""
    http.get(f"{ORG}/api/v1/users", json=[])
    http.get(f"{ORG}/api/v1/users", json=[user(), load_payload("okta", "user_other.json")])

    assert okta.find_user(email="nobody@example.com") is None
    with pytest.raises(RejectedError, match="2 accounts match"):
        okta.find_user(email="shared@example.com")


def test_find_user_needs_a_key(okta: OktaDirectory) -> None:
    with pytest.raises(RejectedError, match="needs an email"):
        okta.find_user()


@pytest.mark.parametrize(
    ("okta_status", "status", "locked", "must_change"),
    [
        ("ACTIVE", UserStatus.ACTIVE, False, False),
        ("STAGED", UserStatus.STAGED, False, False),
        ("PROVISIONED", UserStatus.STAGED, False, False),
        ("SUSPENDED", UserStatus.DISABLED, False, False),
        ("DEPROVISIONED", UserStatus.DISABLED, False, False),
        ("LOCKED_OUT", UserStatus.LOCKED, True, False),
        ("PASSWORD_EXPIRED", UserStatus.ACTIVE, False, True),
        ("RECOVERY", UserStatus.ACTIVE, False, True),
    ],
    ids=lambda v: str(v),
)
def test_status_mapping(
    http: responses.RequestsMock,
    okta: OktaDirectory,
    okta_status: str,
    status: UserStatus,
    locked: bool,
    must_change: bool,
) -> None:
    http.get(USER_URL, json=user(okta_status))

    got = okta.get_user(UID)

    assert (status, locked, must_change) == (got.status, got.locked, got.password_must_change)
    assert got.attributes["okta_status"] == okta_status


def test_groups_of_lists_names_sorted(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    """`/users/{id}/groups` is not paged in Okta's spec: one call, names sorted."""
    groups = load_payload("okta", "user_groups.json") + load_payload(
        "okta", "user_groups_builtin.json"
    )
    http.get(f"{USER_URL}/groups", json=groups, match=[matchers.query_string_matcher("")])

    assert okta.groups_of(UID) == ["Everyone", "vpn-users"]


def test_okta_groups_do_not_nest(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    """Okta groups cannot hold groups: transitive membership is the direct list, no parents."""
    http.get(f"{USER_URL}/groups", json=load_payload("okta", "user_groups.json"))
    search = matchers.query_param_matcher({"search": 'profile.name eq "vpn-users"'})
    http.get(f"{ORG}/api/v1/groups", json=load_payload("okta", "groups.json"), match=[search])

    assert okta.transitive_groups_of(UID) == ["vpn-users"]
    assert okta.groups_containing("vpn-users") == []


def test_list_users_returns_the_after_cursor(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(
        f"{ORG}/api/v1/users",
        json=[user()],
        headers={
            "Link": f'<{ORG}/api/v1/users?limit=1>; rel="self", <{ORG}/api/v1/users?after=00ub0oNGTSWTBKOLGLNR&limit=1>; rel="next"'
        },
        match=[matchers.query_param_matcher({"limit": "1"})],
    )
    http.get(
        f"{ORG}/api/v1/users",
        json=[load_payload("okta", "user_other.json")],
        headers={"Link": f'<{ORG}/api/v1/users?after=00ub0oNGTSWTBKOLGLNR&limit=1>; rel="self"'},
        match=[matchers.query_param_matcher({"limit": "1", "after": UID})],
    )

    first = okta.list_users(page_size=1)
    second = okta.list_users(first.cursor, page_size=1)

    assert (first.users[0].id, first.cursor) == (UID, "00ub0oNGTSWTBKOLGLNR")
    assert (second.users[0].login, second.cursor) == ("maya.rao@example.com", None)


# -- changes -------------------------------------------------------------------------------------


def test_create_user_posts_the_profile(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    http.get(f"{ORG}/api/v1/users", json=[])
    created = load_payload("okta", "user_other.json")
    http.post(
        f"{ORG}/api/v1/users",
        json=created,
        match=[
            matchers.query_param_matcher({"activate": "false"}),
            matchers.json_params_matcher(
                {
                    "profile": {
                        "login": "maya.rao@example.com",
                        "email": "maya.rao@example.com",
                        "firstName": "Maya",
                        "lastName": "Rao",
                        "displayName": "Maya Rao",
                        "department": "Finance",
                    }
                }
            ),
        ],
    )

    change = okta.create_user(
        NewUser("maya.rao@example.com", "Maya", "Rao", department="Finance", enabled=False)
    )

    assert (change.target, change.changed) == (created["id"], True)
    assert change.after["status"] == "STAGED"


def test_create_user_adopts_an_existing_login(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(f"{ORG}/api/v1/users", json=[user()])

    change = okta.create_user(NewUser("isaac.brock@example.com", "Isaac", "Brock"))

    assert (change.target, change.changed) == (UID, False)


def test_update_user_sends_only_what_differs(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(USER_URL, json=user())
    http.post(
        USER_URL,
        json=user(title="Staff Engineer"),
        match=[matchers.json_params_matcher({"profile": {"title": "Staff Engineer"}})],
    )
    http.get(USER_URL, json=user(title="Staff Engineer"))

    change = okta.update_user(UID, {"title": "Staff Engineer", "department": "Platform"})
    again = okta.update_user(UID, {"title": "Staff Engineer"})

    assert change.before == {"title": "Engineer", "department": "Platform"}
    assert (change.changed, again.changed) == (True, False)


def test_update_user_rejects_unknown_attributes(okta: OktaDirectory) -> None:
    with pytest.raises(RejectedError, match="cannot update"):
        okta.update_user(UID, {"shoe_size": "44"})


@pytest.mark.parametrize(
    ("mode", "status", "action", "after", "changed"),
    [
        ("suspend", "ACTIVE", "suspend", "SUSPENDED", True),
        ("suspend", "LOCKED_OUT", "deactivate", "DEPROVISIONED", True),
        ("deactivate", "ACTIVE", "deactivate", "DEPROVISIONED", True),
        ("suspend", "SUSPENDED", None, "SUSPENDED", False),
        ("suspend", "DEPROVISIONED", None, "DEPROVISIONED", False),
    ],
    ids=[
        "suspend-active",
        "deactivate-locked",
        "deactivate-mode",
        "already-suspended",
        "already-deprovisioned",
    ],
)
def test_disable_user(
    http: responses.RequestsMock,
    mode: Any,
    status: str,
    action: str | None,
    after: str,
    changed: bool,
) -> None:
    okta = OktaDirectory("okta-test", ORG, TOKEN, disable_mode=mode, clock=lambda: NOW)
    http.get(USER_URL, json=user(status))
    if action == "deactivate":
        lifecycle(http, action, sendEmail="false")
    elif action:
        lifecycle(http, action)

    change = okta.disable_user(UID)

    assert (change.before, change.after, change.changed) == (
        {"status": status},
        {"status": after},
        changed,
    )


@pytest.mark.parametrize(
    ("status", "action", "params", "after"),
    [
        ("SUSPENDED", "unsuspend", {}, "ACTIVE"),
        ("DEPROVISIONED", "activate", {"sendEmail": "true"}, "PROVISIONED"),
        ("ACTIVE", None, {}, "ACTIVE"),
    ],
    ids=["unsuspend", "activate-with-email", "already-active"],
)
def test_enable_user(
    http: responses.RequestsMock,
    okta: OktaDirectory,
    status: str,
    action: str | None,
    params: dict[str, str],
    after: str,
) -> None:
    http.get(USER_URL, json=user(status))
    if action:
        lifecycle(http, action, **params)

    change = okta.enable_user(UID)

    assert (change.after, change.changed) == ({"status": after}, action is not None)


def test_delete_user_deactivates_then_deletes(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(USER_URL, json=user("ACTIVE"))
    http.delete(USER_URL, status=204, match=[matchers.query_param_matcher({"sendEmail": "false"})])
    http.delete(USER_URL, status=204, match=[matchers.query_param_matcher({"sendEmail": "false"})])
    http.get(USER_URL, status=404, json=load_payload("okta", "error_404.json"))

    first = okta.delete_user(UID)
    second = okta.delete_user(UID)

    assert (first.changed, second.changed) == (True, False)


def test_add_to_group_is_idempotent(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    search = matchers.query_param_matcher({"search": 'profile.name eq "vpn-users"'})
    http.get(f"{ORG}/api/v1/groups", json=load_payload("okta", "groups.json"), match=[search])
    http.get(f"{USER_URL}/groups", json=load_payload("okta", "user_groups_builtin.json"))
    http.put(f"{ORG}/api/v1/groups/{GID}/users/{UID}", status=204)
    http.get(f"{ORG}/api/v1/groups", json=load_payload("okta", "groups.json"), match=[search])
    http.get(f"{USER_URL}/groups", json=load_payload("okta", "user_groups.json"))

    first = okta.add_to_group(UID, "vpn-users")
    second = okta.add_to_group(UID, "vpn-users")

    assert first.after == {"member_of:vpn-users": "true"}
    assert (first.changed, second.changed) == (True, False)


def test_remove_from_group_treats_404_as_done(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(f"{ORG}/api/v1/groups", json=load_payload("okta", "groups.json"))
    http.get(f"{USER_URL}/groups", json=load_payload("okta", "user_groups.json"))
    http.delete(
        f"{ORG}/api/v1/groups/{GID}/users/{UID}",
        status=404,
        json=load_payload("okta", "error_404.json"),
    )
    http.get(f"{ORG}/api/v1/groups", json=load_payload("okta", "groups.json"))
    http.get(f"{USER_URL}/groups", json=[])

    raced = okta.remove_from_group(UID, "vpn-users")
    absent = okta.remove_from_group(UID, "vpn-users")

    assert (raced.changed, absent.changed) == (False, False)
    assert absent.after == {"member_of:vpn-users": "false"}


def test_unknown_group_is_not_found(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    http.get(f"{ORG}/api/v1/groups", json=[])

    with pytest.raises(NotFoundError, match="no group named 'nope'"):
        okta.add_to_group(UID, "nope")


def test_send_password_reset_uses_oktas_email_flow(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(USER_URL, json=user())
    lifecycle(http, "reset_password", sendEmail="true")

    change = okta.send_password_reset(UID)

    assert change.after == {"status": "RECOVERY", "reset_link_sent": "true"}


def test_set_one_time_password_sets_then_expires(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    secret = "Tmp-Pass-4242-xyz"
    http.get(USER_URL, json=user())
    http.post(
        USER_URL,
        json=user(),
        match=[matchers.json_params_matcher({"credentials": {"password": {"value": secret}}})],
    )
    lifecycle(http, "expire_password")

    change = okta.set_one_time_password(UID, secret)

    assert change.after == {"password_must_change": "true"}
    assert secret not in repr(change)


@pytest.mark.parametrize(
    ("status", "changed"), [("LOCKED_OUT", True), ("ACTIVE", False)], ids=["locked", "not-locked"]
)
def test_unlock(
    http: responses.RequestsMock, okta: OktaDirectory, status: str, changed: bool
) -> None:
    http.get(USER_URL, json=user(status))
    if changed:
        lifecycle(http, "unlock")

    change = okta.unlock(UID)

    assert (change.changed, change.after) == (changed, {"locked": "false"})


def test_reset_mfa(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    http.get(f"{ORG}/api/v1/users/{UID}/factors", json=load_payload("okta", "factors.json"))
    lifecycle(http, "reset_factors")
    http.get(f"{ORG}/api/v1/users/{UID}/factors", json=[])

    first = okta.reset_mfa(UID)
    second = okta.reset_mfa(UID)

    assert first.before == {"mfa_factors": "question,token:software:totp"}
    assert (first.changed, second.changed) == (True, False)


def test_revoke_sessions_includes_oauth_tokens(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.delete(
        f"{USER_URL}/sessions",
        status=204,
        match=[matchers.query_param_matcher({"oauthTokens": "true"})],
    )

    assert okta.revoke_sessions(UID).after == {"sessions": "revoked"}


def test_licences_are_not_supported(okta: OktaDirectory) -> None:
    assert Capability.LICENSES not in okta.capabilities
    for call in (
        okta.list_licenses,
        lambda: okta.licenses_of(UID),
        lambda: okta.assign_license(UID, "x"),
    ):
        with pytest.raises(NotSupportedError):
            call()


# -- errors and rate limits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, RejectedError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (409, RejectedError),
        (429, RateLimitedError),
        (500, UnavailableError),
        (502, UnavailableError),
        (503, UnavailableError),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else v.__name__,
)
def test_status_to_error(
    http: responses.RequestsMock, okta: OktaDirectory, status: int, error: type[Exception]
) -> None:
    http.get(USER_URL, status=status, json=load_payload("okta", "error_404.json"))

    with pytest.raises(error):
        okta.get_user(UID)


def test_429_waits_until_x_rate_limit_reset(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(
        USER_URL,
        status=429,
        json=load_payload("okta", "error_429.json"),
        headers={
            "X-Rate-Limit-Limit": "600",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(NOW) + 42),
        },
    )

    with pytest.raises(RateLimitedError) as caught:
        okta.get_user(UID)

    assert caught.value.retry_after_s == pytest.approx(42)


def test_spent_budget_stops_the_next_call_until_reset(http: responses.RequestsMock) -> None:
    clock = [NOW]
    okta = OktaDirectory("okta-test", ORG, TOKEN, clock=lambda: clock[0])
    limits = {
        "X-Rate-Limit-Limit": "600",
        "X-Rate-Limit-Remaining": "0",
        "X-Rate-Limit-Reset": str(int(NOW) + 10),
    }
    http.get(USER_URL, json=user(), headers=limits)
    http.get(USER_URL, json=user())

    okta.get_user(UID)
    with pytest.raises(RateLimitedError) as caught:
        okta.get_user(UID)
    clock[0] = NOW + 11
    okta.get_user(UID)

    assert caught.value.retry_after_s == pytest.approx(10)
    assert len(http.calls) == 2


def test_auth_error_names_what_to_check(http: responses.RequestsMock, okta: OktaDirectory) -> None:
    http.get(USER_URL, status=401, json=load_payload("okta", "error_401.json"))

    with pytest.raises(AuthError, match=r"credentials\.token") as caught:
        okta.get_user(UID)

    assert "Invalid token provided" in str(caught.value)


def test_connection_failure_is_unavailable(
    http: responses.RequestsMock, okta: OktaDirectory
) -> None:
    http.get(USER_URL, body=requests.ConnectionError("connection reset by peer"))

    with pytest.raises(UnavailableError, match="ConnectionError"):
        okta.get_user(UID)


def test_no_token_or_password_in_errors_or_logs(
    http: responses.RequestsMock, okta: OktaDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    """A refused password and a refused token leave neither in messages or log records."""
    secret = "Weak-But-Secret-77"
    http.get(USER_URL, json=user())
    http.post(USER_URL, status=400, json=load_payload("okta", "error_400_password.json"))
    http.get(f"{ORG}/api/v1/users", status=401, json=load_payload("okta", "error_401.json"))
    caplog.set_level(logging.DEBUG)

    with capture_logs() as logs:
        with pytest.raises(RejectedError) as refused:
            okta.set_one_time_password(UID, secret)
        with pytest.raises(AuthError) as unauthorised:
            okta.find_user(login="isaac.brock@example.com")

    text = " ".join(
        [
            str(refused.value),
            repr(refused.value),
            str(unauthorised.value),
            caplog.text,
            json.dumps(logs, default=str),
        ]
    )
    assert secret not in text
    assert TOKEN not in text
    assert "Password requirements were not met" in str(refused.value)
