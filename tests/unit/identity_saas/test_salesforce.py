"""SalesforceDirectory against a faked Salesforce REST API (simple-salesforce rides on requests)."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from simple_salesforce.api import Salesforce
from structlog.testing import capture_logs

from connectors.errors import (
    AuthError,
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)
from connectors.http import BoundedSession
from connectors.identity import Capability, NewUser, UserStatus
from connectors.identity.salesforce import SalesforceDirectory

from .conftest import load_payload

INSTANCE = "https://acme.my.salesforce.com"
API = f"{INSTANCE}/services/data/v60.0"
SESSION_ID = "00DDn000000AbCd!AQ8AQJ.fake.session.id.value"
UID = "005Dn000003XyZaIAK"
LOGIN_ID = "0YwDn000000aB1cKAE"
PS = "0PSDn000000ZzYyOAK"


def payload(name: str) -> Any:
    return load_payload("salesforce", f"idp_{name}.json")


def soql(*fragments: str) -> Callable[[Any], tuple[bool, str]]:
    """Match a query whose SOQL contains every fragment."""

    def match(request: Any) -> tuple[bool, str]:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query).get("q", [""])[0]
        missing = [f for f in fragments if f not in query]
        return (not missing, f"SOQL {query!r} lacks {missing}")

    return match


def records(*items: dict[str, Any]) -> dict[str, Any]:
    return {"totalSize": len(items), "done": True, "records": list(items)}


def login_state(frozen: bool = False, locked: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = payload("user_login_query")
    state["records"][0].update(IsFrozen=frozen, IsPasswordLocked=locked)
    return state


def expect_user(
    http: responses.RequestsMock, *, active: bool = True, frozen: bool = False, locked: bool = False
) -> None:
    found = payload("user_query")
    found["records"][0]["IsActive"] = active
    http.get(f"{API}/query/", json=found, match=[soql("FROM User WHERE Id = '005Dn000003XyZaIAK'")])
    http.get(
        f"{API}/query/",
        json=login_state(frozen, locked),
        match=[soql("FROM UserLogin WHERE UserId = '005Dn000003XyZaIAK'")],
    )


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        for call in rsps.calls:
            assert call.request.headers["Authorization"] == f"Bearer {SESSION_ID}"


def connect() -> Salesforce:
    return Salesforce(
        instance_url=INSTANCE, session_id=SESSION_ID, version="60.0", session=BoundedSession()
    )


@pytest.fixture
def sf() -> SalesforceDirectory:
    return SalesforceDirectory("sf-test", connect)


def test_find_user_quotes_values(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    http.get(
        f"{API}/query/",
        json=payload("user_query"),
        match=[soql("WHERE Username = 'o\\'neil@acme.com' AND EmployeeNumber = 'E5005'")],
    )
    http.get(f"{API}/query/", json=login_state())

    found = sf.find_user(login="o'neil@acme.com", employee_id="E5005")

    assert found is not None
    assert (found.id, found.email, found.manager_id, found.status) == (
        UID,
        "jordan.lee@acme.com",
        "005Dn000001AbCdIAK",
        UserStatus.ACTIVE,
    )


def test_find_user_none(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    http.get(f"{API}/query/", json=records())

    assert sf.find_user(email="nobody@acme.com") is None


@pytest.mark.parametrize(
    ("active", "frozen", "locked", "status"),
    [
        (True, False, False, UserStatus.ACTIVE),
        (False, False, False, UserStatus.DISABLED),
        (True, True, False, UserStatus.DISABLED),
        (True, False, True, UserStatus.LOCKED),
    ],
    ids=["active", "inactive", "frozen", "password-locked"],
)
def test_status_mapping(
    http: responses.RequestsMock,
    sf: SalesforceDirectory,
    active: bool,
    frozen: bool,
    locked: bool,
    status: UserStatus,
) -> None:
    expect_user(http, active=active, frozen=frozen, locked=locked)

    got = sf.get_user(UID)

    assert (got.status, got.locked) == (status, locked)


def test_get_user_missing(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    http.get(f"{API}/query/", json=records())

    with pytest.raises(NotFoundError):
        sf.get_user(UID)


def test_list_users_pages_with_next_records_url(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    first_page = payload("users_page1")
    http.get(
        f"{API}/query/",
        json=first_page,
        match=[
            soql("FROM User ORDER BY Id"),
            matchers.header_matcher({"Sforce-Query-Options": "batchSize=500"}),
        ],
    )
    http.get(f"{INSTANCE}{first_page['nextRecordsUrl']}", json=payload("users_page2"))

    first = sf.list_users(page_size=500)
    second = sf.list_users(first.cursor, page_size=500)

    assert first.cursor == first_page["nextRecordsUrl"]
    assert (second.users[0].status, second.cursor) == (UserStatus.DISABLED, None)


def test_update_user(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    expect_user(http)
    http.patch(
        f"{API}/sobjects/User/{UID}",
        status=204,
        match=[matchers.json_params_matcher({"Title": "Senior AE"})],
    )

    change = sf.update_user(UID, {"title": "Senior AE", "department": "Sales"})

    assert (change.before, change.changed) == (
        {"title": "Account Executive", "department": "Sales"},
        True,
    )


@pytest.mark.parametrize(
    ("active", "changed"), [(True, True), (False, False)], ids=["active", "already-inactive"]
)
def test_disable_deactivates(
    http: responses.RequestsMock, sf: SalesforceDirectory, active: bool, changed: bool
) -> None:
    expect_user(http, active=active)
    if changed:
        http.patch(
            f"{API}/sobjects/User/{UID}",
            status=204,
            match=[matchers.json_params_matcher({"IsActive": False})],
        )

    change = sf.disable_user(UID)

    assert (change.after, change.changed) == ({"is_active": "false"}, changed)


def test_disable_can_freeze(http: responses.RequestsMock) -> None:
    sf = SalesforceDirectory("sf-test", connect, disable_mode="freeze")
    expect_user(http)
    http.patch(
        f"{API}/sobjects/UserLogin/{LOGIN_ID}",
        status=204,
        match=[matchers.json_params_matcher({"IsFrozen": True})],
    )

    assert sf.disable_user(UID).after == {"frozen": "true"}


def test_enable_reactivates_and_unfreezes(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    expect_user(http, active=False, frozen=True)
    http.patch(
        f"{API}/sobjects/User/{UID}",
        status=204,
        match=[matchers.json_params_matcher({"IsActive": True})],
    )
    http.patch(
        f"{API}/sobjects/UserLogin/{LOGIN_ID}",
        status=204,
        match=[matchers.json_params_matcher({"IsFrozen": False})],
    )

    change = sf.enable_user(UID)

    assert change.before == {"is_active": "false", "frozen": "true"}


def test_groups_of_lists_permission_sets(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    http.get(
        f"{API}/query/",
        json=payload("permission_set_assignments"),
        match=[soql("IsOwnedByProfile = false")],
    )

    assert sf.groups_of(UID) == ["API_Enabled", "Sales_Console"]


def test_permission_sets_held_through_a_permission_set_group_count(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    """A permission set group grants what it holds: transitive membership includes those sets."""
    http.get(
        f"{API}/query/",
        json=payload("permission_set_group_components"),
        match=[soql("FROM PermissionSetGroupComponent", f"AssigneeId = '{UID}'")],
    )
    http.get(
        f"{API}/query/",
        json=payload("permission_set_assignments"),
        match=[soql("IsOwnedByProfile = false")],
    )

    assert sf.transitive_groups_of(UID) == ["API_Enabled", "Modify_All_Data", "Sales_Console"]


def test_groups_containing_a_permission_set_are_its_groups(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    http.get(
        f"{API}/query/",
        json=payload("permission_set_groups_of_set"),
        match=[soql("PermissionSet.Name = 'Modify_All_Data'")],
    )

    assert sf.groups_containing("Modify_All_Data") == ["Admin_Bundle"]


def test_add_permission_set_duplicate_is_success(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    ps = records({"attributes": {"type": "PermissionSet"}, "Id": PS})
    for _ in range(2):
        http.get(
            f"{API}/query/",
            json=ps,
            match=[soql("FROM PermissionSet WHERE Name = 'Sales_Console'")],
        )
        http.get(
            f"{API}/query/",
            json=records(),
            match=[soql("FROM PermissionSetAssignment WHERE AssigneeId")],
        )
    http.post(
        f"{API}/sobjects/PermissionSetAssignment/",
        status=201,
        json={"id": "0PaDn000001kLmNKAU", "success": True, "errors": []},
        match=[matchers.json_params_matcher({"AssigneeId": UID, "PermissionSetId": PS})],
    )
    http.post(
        f"{API}/sobjects/PermissionSetAssignment/", status=400, json=payload("error_duplicate")
    )

    first = sf.add_to_group(UID, "Sales_Console")
    raced = sf.add_to_group(UID, "Sales_Console")

    assert (first.changed, raced.changed) == (True, False)


def test_remove_permission_set(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    ps = records({"attributes": {"type": "PermissionSet"}, "Id": PS})
    http.get(f"{API}/query/", json=ps)
    http.get(
        f"{API}/query/",
        json=records(
            {"attributes": {"type": "PermissionSetAssignment"}, "Id": "0PaDn000001kLmNKAU"}
        ),
    )
    http.delete(f"{API}/sobjects/PermissionSetAssignment/0PaDn000001kLmNKAU", status=204)
    http.get(f"{API}/query/", json=ps)
    http.get(f"{API}/query/", json=records())

    assert (
        sf.remove_from_group(UID, "Sales_Console").changed,
        sf.remove_from_group(UID, "Sales_Console").changed,
    ) == (True, False)


def test_unknown_permission_set(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    http.get(f"{API}/query/", json=records())

    with pytest.raises(NotFoundError, match="Nope"):
        sf.add_to_group(UID, "Nope")


def test_password_reset_drops_the_temporary_password(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    temporary = "Tmp-Generated-91827"
    http.delete(f"{API}/sobjects/User/{UID}/password", json={"NewPassword": temporary})

    change = sf.send_password_reset(UID)

    assert change.after == {"reset_link_sent": "true"}
    assert temporary not in repr(change)


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "not-locked"])
def test_unlock(http: responses.RequestsMock, sf: SalesforceDirectory, locked: bool) -> None:
    expect_user(http, locked=locked)
    if locked:
        http.patch(
            f"{API}/sobjects/UserLogin/{LOGIN_ID}",
            status=204,
            match=[matchers.json_params_matcher({"IsPasswordLocked": False})],
        )

    assert sf.unlock(UID).changed is locked


def test_licences(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    http.get(
        f"{API}/query/",
        json=payload("permission_set_licenses"),
        match=[soql("FROM PermissionSetLicense")],
    )
    assigned = {
        "attributes": {"type": "PermissionSetLicenseAssign"},
        "Id": "2LADn000000XyZ1OAK",
        "PermissionSetLicense": {"DeveloperName": "SalesConsoleUser"},
    }
    http.get(f"{API}/query/", json=records(), match=[soql("FROM PermissionSetLicenseAssign")])
    http.get(
        f"{API}/query/",
        json=records({"Id": "0PLDn000000AbCdOAK"}),
        match=[soql("DeveloperName = 'SalesConsoleUser'")],
    )
    http.post(
        f"{API}/sobjects/PermissionSetLicenseAssign/",
        status=201,
        json={"id": "2LADn000000XyZ1OAK", "success": True, "errors": []},
        match=[
            matchers.json_params_matcher(
                {"AssigneeId": UID, "PermissionSetLicenseId": "0PLDn000000AbCdOAK"}
            )
        ],
    )
    http.get(
        f"{API}/query/", json=records(assigned), match=[soql("FROM PermissionSetLicenseAssign")]
    )
    http.delete(f"{API}/sobjects/PermissionSetLicenseAssign/2LADn000000XyZ1OAK", status=204)

    licences = sf.list_licenses()
    added = sf.assign_license(UID, "SalesConsoleUser")
    removed = sf.remove_license(UID, "SalesConsoleUser")

    assert [(lic.id, lic.available) for lic in licences] == [
        ("SalesConsoleUser", 2),
        ("SalesforceCPQ_CPQStandardPerm", 0),
    ]
    assert (added.changed, removed.changed) == (True, True)


def test_unsupported_operations_are_honest(sf: SalesforceDirectory) -> None:
    calls: dict[Capability, Callable[[], object]] = {
        Capability.CREATE_USER: lambda: sf.create_user(NewUser("a@acme.com", "A", "B")),
        Capability.DELETE_USER: lambda: sf.delete_user(UID),
        Capability.ONE_TIME_PASSWORD: lambda: sf.set_one_time_password(UID, "x"),
        Capability.RESET_MFA: lambda: sf.reset_mfa(UID),
        Capability.REVOKE_SESSIONS: lambda: sf.revoke_sessions(UID),
    }
    for capability, call in calls.items():
        assert capability not in sf.capabilities
        with pytest.raises(NotSupportedError):
            call()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, [{"errorCode": "MALFORMED_QUERY", "message": "unexpected token"}], RejectedError),
        (401, payload("error_invalid_session"), AuthError),
        (
            403,
            [
                {
                    "errorCode": "INSUFFICIENT_ACCESS",
                    "message": "insufficient access rights on object id",
                }
            ],
            AuthError,
        ),
        (403, payload("error_request_limit"), RateLimitedError),
        (404, payload("error_not_found"), NotFoundError),
        (429, [{"errorCode": "TOO_MANY_REQUESTS", "message": "slow down"}], RateLimitedError),
        (
            500,
            [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred"}],
            UnavailableError,
        ),
        (503, payload("error_unavailable"), UnavailableError),
    ],
    ids=["400", "401", "403", "403-request-limit", "404", "429", "500", "503"],
)
def test_status_to_error(
    http: responses.RequestsMock,
    sf: SalesforceDirectory,
    status: int,
    body: Any,
    error: type[Exception],
) -> None:
    http.get(f"{API}/query/", status=status, json=body)

    with pytest.raises(error):
        sf.get_user(UID)


def test_request_limit_waits(http: responses.RequestsMock, sf: SalesforceDirectory) -> None:
    http.get(f"{API}/query/", status=403, json=payload("error_request_limit"))

    with pytest.raises(RateLimitedError) as caught:
        sf.groups_of(UID)

    assert caught.value.retry_after_s > 0


def test_auth_error_names_what_to_check(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    http.get(f"{API}/query/", status=401, json=payload("error_invalid_session"))

    with pytest.raises(AuthError, match="Manage Users") as caught:
        sf.get_user(UID)

    assert "INVALID_SESSION_ID" in str(caught.value)


def test_connection_failure_is_unavailable(
    http: responses.RequestsMock, sf: SalesforceDirectory
) -> None:
    http.get(f"{API}/query/", body=requests.ConnectionError("connection reset by peer"))

    with pytest.raises(UnavailableError):
        sf.get_user(UID)


def test_no_session_or_temporary_password_in_errors_or_logs(
    http: responses.RequestsMock, sf: SalesforceDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    temporary = "Tmp-Generated-91827"
    http.delete(f"{API}/sobjects/User/{UID}/password", json={"NewPassword": temporary})
    http.get(f"{API}/query/", status=401, json=payload("error_invalid_session"))
    caplog.set_level(logging.DEBUG)

    with capture_logs() as logs:
        change = sf.send_password_reset(UID)
        with pytest.raises(AuthError) as caught:
            sf.get_user(UID)

    text = " ".join([repr(change), str(caught.value), caplog.text, json.dumps(logs, default=str)])
    assert temporary not in text
    assert SESSION_ID not in text
