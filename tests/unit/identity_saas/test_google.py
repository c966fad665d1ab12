"""GoogleDirectory with a real service-account credential (test key) and a faked Google API.

Every request is checked against the Admin SDK discovery document in ``shared/specs`` and the
ones shipped in google-api-python-client (Directory and Licensing).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
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
from connectors.identity.google import (
    DIRECTORY_URL,
    LICENSING_URL,
    SCOPES,
    GoogleDirectory,
    service_account_session,
)
from connectors.identity.google_http import QUOTA_ATTEMPTS

from .conftest import ACCESS_TOKEN, TOKEN_URI, load_payload

UID = "107226389421564187533"
USER_URL = f"{DIRECTORY_URL}/users/{UID}"
GROUP = "vpn-users@example.com"
SKU = "Google-Apps/1010020027"
SKU_URL = f"{LICENSING_URL}/product/Google-Apps/sku/1010020027/user"


def payload(name: str) -> Any:
    return load_payload("google", name)


@pytest.fixture
def http(google_http: responses.RequestsMock) -> responses.RequestsMock:
    """Google at the HTTP boundary, checked against its discovery documents (conftest)."""
    return google_http


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def google(key_info: dict[str, str], sleeps: list[float]) -> GoogleDirectory:
    return GoogleDirectory(
        "gws-test",
        service_account_session(key_info, "admin@example.com"),
        licenses=[SKU],
        sleep=sleeps.append,
    )


def user(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = payload("user.json")
    item.update(changes)
    return item


def test_find_user_by_login_checks_the_other_keys(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    http.get(f"{DIRECTORY_URL}/users/liz@example.com", json=user())
    http.get(f"{DIRECTORY_URL}/users/liz@example.com", json=user())

    found = google.find_user(login="liz@example.com", email="elizabeth.smith@example.com")
    other = google.find_user(login="liz@example.com", employee_id="E9999")

    assert found is not None
    assert (found.id, found.employee_id, found.title, found.manager_id) == (
        UID,
        "E3001",
        "Account Manager",
        "boss@example.com",
    )
    assert other is None


def test_find_user_404_is_none(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    http.get(f"{DIRECTORY_URL}/users/ghost@example.com", status=404, json=payload("error_404.json"))

    assert google.find_user(email="ghost@example.com") is None


def test_find_user_by_employee_id_queries(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    query = {"customer": "my_customer", "query": "externalId:'E3001'"}
    http.get(
        f"{DIRECTORY_URL}/users",
        json={"kind": "admin#directory#users", "users": [user()]},
        match=[matchers.query_param_matcher(query)],
    )

    found = google.find_user(employee_id="E3001")

    assert found is not None
    assert found.login == "liz@example.com"


@pytest.mark.parametrize(
    ("changes", "status", "must_change", "factors"),
    [
        ({}, UserStatus.ACTIVE, False, ("2sv",)),
        ({"suspended": True}, UserStatus.DISABLED, False, ("2sv",)),
        ({"archived": True}, UserStatus.DISABLED, False, ("2sv",)),
        (
            {"changePasswordAtNextLogin": True, "isEnrolledIn2Sv": False},
            UserStatus.ACTIVE,
            True,
            (),
        ),
    ],
    ids=["active", "suspended", "archived", "must-change"],
)
def test_get_user_maps_state(
    http: responses.RequestsMock,
    google: GoogleDirectory,
    changes: dict[str, Any],
    status: UserStatus,
    must_change: bool,
    factors: tuple[str, ...],
) -> None:
    http.get(USER_URL, json=user(**changes))

    got = google.get_user(UID)

    assert (got.status, got.password_must_change, got.mfa_factors) == (status, must_change, factors)


def test_list_users_pages_with_page_token(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    first_page = payload("users_page1.json")
    base = {"customer": "my_customer", "maxResults": "1", "orderBy": "email"}
    http.get(f"{DIRECTORY_URL}/users", json=first_page, match=[matchers.query_param_matcher(base)])
    http.get(
        f"{DIRECTORY_URL}/users",
        json=payload("users_page2.json"),
        match=[matchers.query_param_matcher({**base, "pageToken": first_page["nextPageToken"]})],
    )

    first = google.list_users(page_size=1)
    second = google.list_users(first.cursor, page_size=1)

    assert first.cursor == first_page["nextPageToken"]
    assert (second.users[0].status, second.cursor) == (UserStatus.DISABLED, None)


def test_groups_of_pages(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    first = payload("groups_page1.json")
    http.get(
        f"{DIRECTORY_URL}/groups",
        json=first,
        match=[matchers.query_param_matcher({"userKey": UID, "maxResults": "200"})],
    )
    http.get(
        f"{DIRECTORY_URL}/groups",
        json=payload("groups_page2.json"),
        match=[
            matchers.query_param_matcher(
                {"userKey": UID, "maxResults": "200", "pageToken": first["nextPageToken"]}
            )
        ],
    )

    assert google.groups_of(UID) == ["all-staff@example.com", "vpn-users@example.com"]


def _groups_listed(http: responses.RequestsMock, key: str, body: dict[str, Any]) -> None:
    http.get(
        f"{DIRECTORY_URL}/groups",
        json=body,
        match=[matchers.query_param_matcher({"userKey": key, "maxResults": "200"})],
    )


def test_transitive_groups_climb_group_by_group(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    """groups.list is direct only: each group's own groups are listed in turn, each group once."""
    _groups_listed(http, UID, payload("groups_page2.json"))
    _groups_listed(http, "all-staff@example.com", payload("groups_of_group.json"))
    looped = payload("groups_page2.json")  # super-admins holds all-staff back: a cycle
    _groups_listed(http, "super-admins@example.com", looped)

    assert google.transitive_groups_of(UID) == ["all-staff@example.com", "super-admins@example.com"]


def test_groups_containing_checks_the_group_exists(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    """An unknown group is NotFoundError, as for membership changes."""
    http.get(
        f"{DIRECTORY_URL}/groups/nobody@example.com", status=404, json=payload("error_404.json")
    )

    with pytest.raises(NotFoundError):
        google.groups_containing("nobody@example.com")


def test_create_user(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    http.get(f"{DIRECTORY_URL}/users/new@example.com", status=404, json=payload("error_404.json"))
    http.post(
        f"{DIRECTORY_URL}/users",
        json=user(id="100000000000000000042", primaryEmail="new@example.com"),
    )

    change = google.create_user(
        NewUser("new@example.com", "New", "Person", employee_id="E4", department="Ops")
    )

    body = json.loads(http.calls[-1].request.body or "{}")
    assert (body["changePasswordAtNextLogin"], body["suspended"], body["externalIds"]) == (
        True,
        False,
        [{"value": "E4", "type": "organization"}],
    )
    assert body["password"] not in repr(change)
    assert (change.target, change.changed) == ("100000000000000000042", True)


def test_update_user_keeps_other_organization_fields(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    http.get(USER_URL, json=user())
    expected = {
        "organizations": [
            {
                "title": "Account Manager",
                "primary": True,
                "customType": "",
                "department": "Enterprise",
                "costCenter": "CC-12",
            }
        ]
    }
    http.put(USER_URL, json=user(), match=[matchers.json_params_matcher(expected)])

    change = google.update_user(UID, {"department": "Enterprise"})

    assert (change.before, change.after) == ({"department": "Sales"}, {"department": "Enterprise"})


def test_update_user_rejects_what_google_cannot_set(google: GoogleDirectory) -> None:
    with pytest.raises(RejectedError, match="display_name"):
        google.update_user(UID, {"display_name": "Liz"})


@pytest.mark.parametrize(
    ("suspended_now", "operation", "sent"),
    [
        (False, "disable_user", True),
        (True, "disable_user", None),
        (True, "enable_user", False),
        (False, "enable_user", None),
    ],
    ids=["suspend", "already-suspended", "unsuspend", "already-active"],
)
def test_suspension(
    http: responses.RequestsMock,
    google: GoogleDirectory,
    suspended_now: bool,
    operation: str,
    sent: bool | None,
) -> None:
    http.get(USER_URL, json=user(suspended=suspended_now))
    if sent is not None:
        http.put(
            USER_URL,
            json=user(suspended=sent),
            match=[matchers.json_params_matcher({"suspended": sent})],
        )

    change = getattr(google, operation)(UID)

    assert change.changed is (sent is not None)


def test_delete_user_twice(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    http.delete(USER_URL, status=204)
    http.delete(USER_URL, status=404, json=payload("error_404.json"))

    assert (google.delete_user(UID).changed, google.delete_user(UID).changed) == (True, False)


def test_add_to_group_then_again(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    member_url = f"{DIRECTORY_URL}/groups/{GROUP}/members/{UID}"
    http.get(member_url, status=404, json=payload("error_404.json"))
    http.get(USER_URL, json=user())
    http.post(
        f"{DIRECTORY_URL}/groups/{GROUP}/members",
        json=payload("member.json"),
        match=[matchers.json_params_matcher({"email": "liz@example.com", "role": "MEMBER"})],
    )
    http.get(member_url, json=payload("member.json"))

    first = google.add_to_group(UID, GROUP)
    second = google.add_to_group(UID, GROUP)

    assert (first.changed, second.changed) == (True, False)


def test_add_to_group_409_is_success(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    http.get(
        f"{DIRECTORY_URL}/groups/{GROUP}/members/{UID}", status=404, json=payload("error_404.json")
    )
    http.get(USER_URL, json=user())
    http.post(
        f"{DIRECTORY_URL}/groups/{GROUP}/members", status=409, json=payload("error_409_member.json")
    )

    change = google.add_to_group(UID, GROUP)

    assert (change.before, change.changed) == ({f"member_of:{GROUP}": "true"}, False)


def test_remove_from_group_404_is_success(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    member_url = f"{DIRECTORY_URL}/groups/{GROUP}/members/{UID}"
    http.get(member_url, json=payload("member.json"))
    http.delete(member_url, status=404, json=payload("error_404.json"))
    http.get(member_url, status=404, json=payload("error_404.json"))

    assert (
        google.remove_from_group(UID, GROUP).changed,
        google.remove_from_group(UID, GROUP).changed,
    ) == (False, False)


def test_remove_from_group(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    member_url = f"{DIRECTORY_URL}/groups/{GROUP}/members/{UID}"
    http.get(member_url, json=payload("member.json"))
    http.delete(member_url, status=204)

    assert google.remove_from_group(UID, GROUP).after == {f"member_of:{GROUP}": "false"}


def test_one_time_password(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    password = "Onetime-7731-abc"
    http.get(USER_URL, json=user())
    http.put(
        USER_URL,
        json=user(changePasswordAtNextLogin=True),
        match=[
            matchers.json_params_matcher({"password": password, "changePasswordAtNextLogin": True})
        ],
    )

    change = google.set_one_time_password(UID, password)

    assert change.before == {"password_must_change": "false"}
    assert password not in repr(change)


@pytest.mark.parametrize("enrolled", [True, False], ids=["enrolled", "not-enrolled"])
def test_reset_mfa_turns_off_2sv(
    http: responses.RequestsMock, google: GoogleDirectory, enrolled: bool
) -> None:
    http.get(USER_URL, json=user(isEnrolledIn2Sv=enrolled))
    if enrolled:
        http.post(f"{USER_URL}/twoStepVerification/turnOff", status=204)

    assert google.reset_mfa(UID).changed is enrolled


def test_revoke_sessions_signs_out(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    http.post(f"{USER_URL}/signOut", status=204)

    assert google.revoke_sessions(UID).after == {"sessions": "revoked"}


def test_licences(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    holder = f"{SKU_URL}/liz@example.com"
    http.get(USER_URL, json=user())
    http.get(holder, status=404, json=payload("error_404.json"))
    http.get(USER_URL, json=user())
    http.get(holder, status=404, json=payload("error_404.json"))
    http.post(
        SKU_URL,
        json=payload("license_assignment.json"),
        match=[matchers.json_params_matcher({"userId": "liz@example.com"})],
    )
    http.get(USER_URL, json=user())
    http.get(holder, json=payload("license_assignment.json"))
    http.delete(holder, status=204)

    assert google.licenses_of(UID) == []
    assert google.assign_license(UID, SKU).changed
    assert google.remove_license(UID, SKU).after == {f"license:{SKU}": "false"}
    assert [lic.id for lic in google.list_licenses()] == [SKU]


def test_unconfigured_licence_is_not_found(google: GoogleDirectory) -> None:
    """Checked before any request is sent."""
    with pytest.raises(NotFoundError, match="not configured"):
        google.assign_license(UID, "Google-Apps/other")


def test_honest_capabilities(key_info: dict[str, str]) -> None:
    without_skus = GoogleDirectory(
        "gws-test", service_account_session(key_info, "admin@example.com")
    )

    assert {Capability.RESET_PASSWORD_FLOW, Capability.UNLOCK, Capability.LICENSES}.isdisjoint(
        without_skus.capabilities
    )
    for call in (
        lambda: without_skus.send_password_reset(UID),
        lambda: without_skus.unlock(UID),
        without_skus.list_licenses,
    ):
        with pytest.raises(NotSupportedError):
            call()


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, RejectedError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (409, RejectedError),
        (412, RejectedError),
        (429, RateLimitedError),
        (500, UnavailableError),
        (503, UnavailableError),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else v.__name__,
)
def test_status_to_error(
    http: responses.RequestsMock, google: GoogleDirectory, status: int, error: type[Exception]
) -> None:
    http.get(USER_URL, status=status, json=payload("error_403.json"))

    with pytest.raises(error):
        google.get_user(UID)


def test_429_honours_retry_after(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    http.get(USER_URL, status=429, json=payload("error_429.json"), headers={"Retry-After": "30"})

    with pytest.raises(RateLimitedError) as caught:
        google.get_user(UID)

    assert caught.value.retry_after_s == 30


def _quota_403(reason: str) -> dict[str, Any]:
    message = "Quota exceeded for quota metric 'Queries' of service 'admin.googleapis.com'"
    return {
        "error": {
            "code": 403,
            "message": message,
            "errors": [{"message": message, "domain": "usageLimits", "reason": reason}],
        }
    }


@pytest.mark.parametrize(
    "reason",
    ["userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"],
    ids=["user-rate", "rate", "quota"],
)
def test_quota_403_is_retried_with_backoff(
    http: responses.RequestsMock, google: GoogleDirectory, sleeps: list[float], reason: str
) -> None:
    """A quota 403 is slowed down and retried, not reported as missing delegation."""
    http.get(f"{DIRECTORY_URL}/groups", status=403, json=_quota_403(reason))
    http.get(f"{DIRECTORY_URL}/groups", status=403, json=_quota_403(reason))
    http.get(f"{DIRECTORY_URL}/groups", json=payload("groups_page2.json"))

    groups = google.groups_of(UID)

    assert groups == sorted(str(g["email"]) for g in payload("groups_page2.json")["groups"])
    assert len(sleeps) == 2
    assert 0 < sleeps[0] <= sleeps[1] + 1


def test_quota_403_that_persists_is_transient(
    http: responses.RequestsMock, google: GoogleDirectory, sleeps: list[float]
) -> None:
    """When the backoff is spent the worker is told to come back later, never 'not authorised'."""
    for _ in range(QUOTA_ATTEMPTS):
        http.get(USER_URL, status=403, json=_quota_403("userRateLimitExceeded"))

    with pytest.raises(RateLimitedError, match="userRateLimitExceeded") as caught:
        google.get_user(UID)

    assert caught.value.retry_after_s > 0
    assert len(sleeps) == QUOTA_ATTEMPTS - 1


def test_403_names_what_to_check(http: responses.RequestsMock, google: GoogleDirectory) -> None:
    http.get(USER_URL, status=403, json=payload("error_403.json"))

    with pytest.raises(AuthError, match="domain-wide delegation"):
        google.get_user(UID)


def test_refused_delegation_is_an_auth_error_without_secrets(
    key_info: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    google = GoogleDirectory("gws-test", service_account_session(key_info, "admin@example.com"))
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps, capture_logs() as logs:
        rsps.post(TOKEN_URI, status=401, json=payload("token_error.json"))
        with pytest.raises(AuthError, match="unauthorized_client") as caught:
            google.get_user(UID)

    text = " ".join([str(caught.value), caplog.text, json.dumps(logs, default=str)])
    key_body = key_info["private_key"].splitlines()[1]
    assert key_body not in text


def test_no_password_or_token_in_errors_or_logs(
    http: responses.RequestsMock, google: GoogleDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Weak-But-Secret-77"
    invalid = {
        "error": {
            "code": 400,
            "message": "Invalid Password",
            "errors": [{"message": "Invalid Password", "domain": "global", "reason": "invalid"}],
        }
    }
    http.get(USER_URL, json=user())
    http.put(USER_URL, status=400, json=invalid)
    caplog.set_level(logging.DEBUG)

    with capture_logs() as logs, pytest.raises(RejectedError) as caught:
        google.set_one_time_password(UID, password)

    text = " ".join([str(caught.value), caplog.text, json.dumps(logs, default=str)])
    assert password not in text
    assert ACCESS_TOKEN not in text


def test_connection_failure_is_unavailable(
    http: responses.RequestsMock, google: GoogleDirectory
) -> None:
    http.get(USER_URL, body=requests.ConnectionError("connection reset by peer"))

    with pytest.raises(UnavailableError, match="ConnectionError"):
        google.get_user(UID)


def test_docs_list_exactly_the_scopes_requested() -> None:
    """The delegation list in the docs is the list the service account asks for."""
    docs = Path(__file__).resolve().parents[3] / "docs" / "directories-saas.md"
    section = docs.read_text().split("## Google Workspace", 1)[1].split("\n## ", 1)[0]
    listed = [
        line.strip()
        for line in section.splitlines()
        if line.strip().startswith("https://www.googleapis.com/auth/")
    ]

    assert listed == list(SCOPES)
