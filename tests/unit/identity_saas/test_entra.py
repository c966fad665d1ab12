"""EntraDirectory against a faked Microsoft identity platform (msal) and Microsoft Graph."""

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
from connectors.identity.entra import EntraDirectory

from .conftest import load_payload

TENANT = "contoso.onmicrosoft.com"
LOGIN = f"https://login.microsoftonline.com/{TENANT}"
GRAPH = "https://graph.microsoft.com/v1.0"
SECRET = "Qx8Q~client-secret-value-do-not-leak"
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-graph-token.sig"
UID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd"
GID = "02bd9fd6-8f93-4758-87c3-1fb73740a315"
E5 = "c7df2760-2c81-4ef7-b578-5b5392b571df"
E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"


def payload(name: str) -> Any:
    return load_payload("entra", name)


def fake_login(rsps: responses.RequestsMock, *, token_status: int = 200) -> None:
    rsps.get(
        f"{LOGIN}/v2.0/.well-known/openid-configuration", json=payload("openid_configuration.json")
    )
    body = (
        {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": ACCESS_TOKEN,
        }
        if token_status == 200
        else payload("token_error.json")
    )
    rsps.post(
        f"{LOGIN}/oauth2/v2.0/token",
        status=token_status,
        json=body,
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "client_credentials"}, allow_blank=True, strict_match=False
            )
        ],
    )


@pytest.fixture
def http(graph: responses.RequestsMock) -> Iterator[responses.RequestsMock]:
    """The conftest's signed-in Graph, plus: one app-only token, sent on every Graph call."""
    yield graph
    token_calls = [c for c in graph.calls if "oauth2/v2.0/token" in str(c.request.url)]
    assert len(token_calls) == 1, "msal should cache the app-only token"
    for call in graph.calls:
        if str(call.request.url).startswith(GRAPH):
            assert call.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


@pytest.fixture
def entra() -> EntraDirectory:
    return EntraDirectory("entra-test", TENANT, "11111111-2222-3333-4444-555555555555", SECRET)


def test_find_user_by_login_and_mail(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    expr = "userPrincipalName eq 'AdeleV@contoso.com' and mail eq 'o''brien@contoso.com'"
    http.get(
        f"{GRAPH}/users",
        json={"value": [payload("user.json")]},
        match=[matchers.query_param_matcher({"$filter": expr}, strict_match=False)],
    )

    found = entra.find_user(login="AdeleV@contoso.com", email="o'brien@contoso.com")

    assert found is not None
    assert (found.id, found.display_name, found.title) == (UID, "Adele Vance", "Retail Manager")


def test_find_user_by_employee_id_is_an_advanced_query(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    http.get(
        f"{GRAPH}/users",
        json={"@odata.count": 0, "value": []},
        match=[
            matchers.query_param_matcher(
                {"$filter": "employeeId eq 'E2001'", "$count": "true"}, strict_match=False
            ),
            matchers.header_matcher({"ConsistencyLevel": "eventual"}),
        ],
    )

    assert entra.find_user(employee_id="E2001") is None


def test_get_user_maps_account_enabled(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    disabled = dict(payload("user.json"), accountEnabled=False)
    http.get(f"{GRAPH}/users/{UID}", json=disabled)

    assert entra.get_user(UID).status is UserStatus.DISABLED


def test_list_users_follows_next_link(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    first_page = payload("users_page1.json")
    http.get(
        f"{GRAPH}/users",
        json=first_page,
        match=[matchers.query_param_matcher({"$top": "1"}, strict_match=False)],
    )
    http.get(first_page["@odata.nextLink"], json=payload("users_page2.json"))

    first = entra.list_users(page_size=1)
    second = entra.list_users(first.cursor, page_size=1)

    assert first.cursor == first_page["@odata.nextLink"]
    assert (second.users[0].login, second.users[0].enabled, second.cursor) == (
        "JohannaL@contoso.com",
        False,
        None,
    )


def test_list_users_refuses_a_foreign_cursor(entra: EntraDirectory) -> None:
    with pytest.raises(RejectedError, match="cursor"):
        entra.list_users("https://evil.example.com/users?$skiptoken=x")


def test_groups_of_follows_next_link(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    first = payload("member_of_page1.json")
    http.get(f"{GRAPH}/users/{UID}/memberOf/microsoft.graph.group", json=first)
    http.get(first["@odata.nextLink"], json=payload("member_of_page2.json"))

    assert entra.groups_of(UID) == ["All Company", "vpn-users"]


def test_transitive_groups_come_from_transitive_member_of(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    """Nested groups are Graph's own transitiveMemberOf, cast to groups; memberOf stays direct."""
    http.get(
        f"{GRAPH}/users/{UID}/transitiveMemberOf/microsoft.graph.group",
        json=payload("transitive_member_of.json"),
        match=[matchers.query_param_matcher({"$select": "id,displayName"})],
    )

    assert entra.transitive_groups_of(UID) == ["Global Admins Group", "Tier0 Helpdesk", "vpn-users"]


def test_groups_containing_asks_graph_for_the_group(entra: EntraDirectory) -> None:
    """
    The group is found by name, then its own transitiveMemberOf lists what it is nested in.

    GET /groups/{id}/transitiveMemberOf is Graph v1.0 ("List group transitive memberOf") but not
    in the shared subset description, so this test fakes the HTTP boundary without the spec check.
    """
    parents = payload("transitive_member_of.json")
    parents["value"] = [
        *parents["value"][1:],
        {"@odata.type": "#microsoft.graph.administrativeUnit", "id": "au1", "displayName": "EU"},
    ]
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        fake_login(rsps)
        rsps.get(f"{GRAPH}/groups", json=payload("groups_by_name.json"))
        rsps.get(f"{GRAPH}/groups/{GID}/transitiveMemberOf", json=parents)

        assert entra.groups_containing("vpn-users") == ["Global Admins Group", "Tier0 Helpdesk"]


def test_create_user_sets_a_must_change_password(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    http.get(f"{GRAPH}/users", json={"value": []})
    http.post(f"{GRAPH}/users", status=201, json=payload("user.json"))

    change = entra.create_user(
        NewUser("AdeleV@contoso.com", "Adele", "Vance", title="Retail Manager")
    )

    body = json.loads(http.calls[-1].request.body or "{}")
    assert body["passwordProfile"]["forceChangePasswordNextSignIn"] is True
    assert (body["mailNickname"], body["jobTitle"], body["accountEnabled"]) == (
        "AdeleV",
        "Retail Manager",
        True,
    )
    assert body["passwordProfile"]["password"] not in repr(change)
    assert (change.target, change.changed) == (UID, True)


def test_update_user_patches_only_differences(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    http.get(f"{GRAPH}/users/{UID}", json=payload("user.json"))
    http.patch(
        f"{GRAPH}/users/{UID}",
        status=204,
        match=[matchers.json_params_matcher({"department": "Sales"})],
    )

    change = entra.update_user(UID, {"department": "Sales", "title": "Retail Manager"})

    assert change.before == {"department": "Retail", "title": "Retail Manager"}


@pytest.mark.parametrize(
    ("enabled_now", "operation", "patched"),
    [
        (True, "disable_user", False),
        (False, "disable_user", None),
        (False, "enable_user", True),
        (True, "enable_user", None),
    ],
    ids=["disable", "already-disabled", "enable", "already-enabled"],
)
def test_account_enabled(
    http: responses.RequestsMock,
    entra: EntraDirectory,
    enabled_now: bool,
    operation: str,
    patched: bool | None,
) -> None:
    http.get(f"{GRAPH}/users/{UID}", json=dict(payload("user.json"), accountEnabled=enabled_now))
    if patched is not None:
        http.patch(
            f"{GRAPH}/users/{UID}",
            status=204,
            match=[matchers.json_params_matcher({"accountEnabled": patched})],
        )

    change = getattr(entra, operation)(UID)

    assert change.changed is (patched is not None)


def test_delete_user_twice(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    http.delete(f"{GRAPH}/users/{UID}", status=204)
    http.delete(f"{GRAPH}/users/{UID}", status=404, json=payload("error_not_found.json"))

    assert (entra.delete_user(UID).changed, entra.delete_user(UID).changed) == (True, False)


def test_add_to_group_already_a_member_is_success(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    lookup = matchers.query_param_matcher(
        {"$filter": "displayName eq 'vpn-users'", "$select": "id,displayName"}
    )
    ref = matchers.json_params_matcher({"@odata.id": f"{GRAPH}/directoryObjects/{UID}"})
    http.get(f"{GRAPH}/groups", json=payload("groups_by_name.json"), match=[lookup])
    http.post(f"{GRAPH}/groups/{GID}/members/$ref", status=204, match=[ref])
    http.get(f"{GRAPH}/groups", json=payload("groups_by_name.json"), match=[lookup])
    http.post(
        f"{GRAPH}/groups/{GID}/members/$ref",
        status=400,
        json=payload("error_already_member.json"),
        match=[ref],
    )

    first = entra.add_to_group(UID, "vpn-users")
    second = entra.add_to_group(UID, "vpn-users")

    assert (first.changed, second.changed) == (True, False)
    assert second.before == {"member_of:vpn-users": "true"}


def test_other_400_on_add_is_rejected(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    http.get(f"{GRAPH}/groups", json=payload("groups_by_name.json"))
    bad = {"error": {"code": "Request_BadRequest", "message": "Invalid object identifier 'x'."}}
    http.post(f"{GRAPH}/groups/{GID}/members/$ref", status=400, json=bad)

    with pytest.raises(RejectedError, match="Invalid object identifier"):
        entra.add_to_group(UID, "vpn-users")


def test_remove_from_group_404_is_success(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    http.get(f"{GRAPH}/groups", json=payload("groups_by_name.json"))
    http.delete(f"{GRAPH}/groups/{GID}/members/{UID}/$ref", status=204)
    http.get(f"{GRAPH}/groups", json=payload("groups_by_name.json"))
    http.delete(
        f"{GRAPH}/groups/{GID}/members/{UID}/$ref", status=404, json=payload("error_not_found.json")
    )

    assert (
        entra.remove_from_group(UID, "vpn-users").changed,
        entra.remove_from_group(UID, "vpn-users").changed,
    ) == (True, False)


def test_unknown_group(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    http.get(f"{GRAPH}/groups", json={"value": []})

    with pytest.raises(NotFoundError, match="no group named"):
        entra.add_to_group(UID, "nope")


def test_one_time_password_forces_a_change(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    password = "Onetime-7731-abc"
    profile = {"passwordProfile": {"forceChangePasswordNextSignIn": True, "password": password}}
    http.patch(f"{GRAPH}/users/{UID}", status=204, match=[matchers.json_params_matcher(profile)])

    change = entra.set_one_time_password(UID, password)

    assert change.after == {"password_must_change": "true"}
    assert password not in repr(change)


def test_reset_mfa_deletes_every_method_but_the_password(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    base = f"{GRAPH}/users/{UID}/authentication"
    http.get(f"{base}/methods", json=payload("authentication_methods.json"))
    http.delete(
        f"{base}/microsoftAuthenticatorMethods/6b8b1b6e-bb1b-4d3a-b96b-8a5e9a2b4b7c", status=204
    )
    http.delete(f"{base}/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7", status=204)
    http.get(f"{base}/methods", json=payload("authentication_methods_password_only.json"))

    first = entra.reset_mfa(UID)
    second = entra.reset_mfa(UID)

    deletes = [str(c.request.url) for c in http.calls if c.request.method == "DELETE"]
    assert deletes[-1].endswith("/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7"), (
        "phone goes last"
    )
    assert first.before == {"mfa_factors": "microsoftAuthenticatorMethods,phoneMethods"}
    assert (first.changed, second.changed) == (True, False)


def _method(kind: str, method_id: str, **extra: str) -> dict[str, str]:
    return {"@odata.type": f"#microsoft.graph.{kind}AuthenticationMethod", "id": method_id, **extra}


MOBILE = _method("phone", "3179e48a-750b-4051-897c-87b9720928f7", phoneType="mobile")
ALTERNATE = _method("phone", "b6332ec1-7057-4abe-9331-3d72feddfe41", phoneType="alternateMobile")
OFFICE = _method("phone", "e37fc753-ff3b-4958-9484-eaa9425c82bc", phoneType="office")
APP = _method("microsoftAuthenticator", "6b8b1b6e-bb1b-4d3a-b96b-8a5e9a2b4b7c", displayName="Pixel")
FIDO = _method("fido2", "f1d0b9a4-0d5c-4c4b-9e0a-1a2b3c4d5e6f", displayName="YubiKey 5")
PASSWORD = _method("password", "28c10230-6103-485e-b985-444c60001490")
DEFAULT_REFUSED = {
    "error": {
        "code": "badRequest",
        "message": "Cannot delete default method with other methods configured. "
        "Please change default method before deletion.",
        "innerError": {"request-id": "0b6b2b0e-0000-4000-8000-000000000001"},
    }
}


def _path(method: dict[str, str]) -> str:
    kind = (
        method["@odata.type"].removeprefix("#microsoft.graph.").removesuffix("AuthenticationMethod")
    )
    return f"{GRAPH}/users/{UID}/authentication/{kind}Methods/{method['id']}"


def test_reset_mfa_follows_graphs_order_and_retries_the_default_last(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    """The default (here the app) is refused while others stand, then deleted alone."""
    base = f"{GRAPH}/users/{UID}/authentication"
    methods = [MOBILE, PASSWORD, APP, ALTERNATE, OFFICE, FIDO]
    http.get(f"{base}/methods", json={"value": methods})
    http.delete(_path(APP), status=400, json=DEFAULT_REFUSED)
    for method in (FIDO, OFFICE, ALTERNATE, MOBILE, APP):
        http.delete(_path(method), status=204)

    change = entra.reset_mfa(UID)

    deletes = [str(c.request.url) for c in http.calls if c.request.method == "DELETE"]
    assert deletes == [_path(m) for m in (APP, FIDO, OFFICE, ALTERNATE, MOBILE, APP)]
    assert (change.changed, change.after) == (True, {"mfa_factors": ""})


def test_reset_mfa_that_leaves_the_default_phone_is_reported_as_partial(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    """A default phone Graph will not delete ends the step with what was and was not removed."""
    base = f"{GRAPH}/users/{UID}/authentication"
    http.get(f"{base}/methods", json={"value": [MOBILE, APP, PASSWORD]})
    http.delete(_path(APP), status=204)
    http.delete(_path(MOBILE), status=400, json=DEFAULT_REFUSED)
    http.delete(_path(MOBILE), status=400, json=DEFAULT_REFUSED)

    with pytest.raises(RejectedError) as caught:
        entra.reset_mfa(UID)

    message = str(caught.value)
    assert "MFA reset is partial: removed microsoftAuthenticator (Pixel)" in message
    assert "still registered: phone (mobile)" in message
    assert "change the default" in message


def test_revoke_sessions(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    http.post(
        f"{GRAPH}/users/{UID}/revokeSignInSessions",
        json={
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean",
            "value": True,
        },
    )

    assert entra.revoke_sessions(UID).changed


def test_list_licenses_reads_subscribed_skus(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    http.get(f"{GRAPH}/subscribedSkus", json=payload("subscribed_skus.json"))

    licenses = entra.list_licenses()

    assert [(lic.name, lic.total, lic.assigned, lic.available) for lic in licenses] == [
        ("ENTERPRISEPREMIUM", 25, 14, 11),
        ("ENTERPRISEPACK", 0, 1, -1),
    ]


def test_assign_license_by_part_number_then_again(
    http: responses.RequestsMock, entra: EntraDirectory
) -> None:
    http.get(f"{GRAPH}/subscribedSkus", json=payload("subscribed_skus.json"))
    http.get(
        f"{GRAPH}/users/{UID}",
        json=payload("user_licenses.json"),
        match=[matchers.query_param_matcher({"$select": "id,assignedLicenses"})],
    )
    body = {"addLicenses": [{"skuId": E5, "disabledPlans": []}], "removeLicenses": []}
    http.post(
        f"{GRAPH}/users/{UID}/assignLicense",
        json=payload("user.json"),
        match=[matchers.json_params_matcher(body)],
    )
    held = dict(
        payload("user_licenses.json"),
        assignedLicenses=[{"disabledPlans": [], "skuId": E3}, {"disabledPlans": [], "skuId": E5}],
    )
    http.get(f"{GRAPH}/users/{UID}", json=held)

    first = entra.assign_license(UID, "ENTERPRISEPREMIUM")
    second = entra.assign_license(UID, E5)

    assert (first.changed, second.changed) == (True, False)


def test_remove_license(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    http.get(f"{GRAPH}/users/{UID}", json=payload("user_licenses.json"))
    body = {"addLicenses": [], "removeLicenses": [E3]}
    http.post(
        f"{GRAPH}/users/{UID}/assignLicense",
        json=payload("user.json"),
        match=[matchers.json_params_matcher(body)],
    )

    assert entra.remove_license(UID, E3).after == {f"license:{E3}": "false"}


def test_unsupported_operations_are_honest(entra: EntraDirectory) -> None:
    assert {Capability.RESET_PASSWORD_FLOW, Capability.UNLOCK}.isdisjoint(entra.capabilities)
    with pytest.raises(NotSupportedError, match="self-service"):
        entra.send_password_reset(UID)
    with pytest.raises(NotSupportedError, match="smart lockout"):
        entra.unlock(UID)


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
        (503, UnavailableError),
        (504, UnavailableError),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else v.__name__,
)
def test_status_to_error(
    http: responses.RequestsMock, entra: EntraDirectory, status: int, error: type[Exception]
) -> None:
    http.get(f"{GRAPH}/users/{UID}", status=status, json=payload("error_forbidden.json"))

    with pytest.raises(error):
        entra.get_user(UID)


def test_429_honours_retry_after(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    http.get(
        f"{GRAPH}/users/{UID}",
        status=429,
        json=payload("error_throttled.json"),
        headers={"Retry-After": "17"},
    )

    with pytest.raises(RateLimitedError) as caught:
        entra.get_user(UID)

    assert caught.value.retry_after_s == 17


def test_403_names_what_to_check(http: responses.RequestsMock, entra: EntraDirectory) -> None:
    http.get(f"{GRAPH}/users/{UID}", status=403, json=payload("error_forbidden.json"))

    with pytest.raises(AuthError, match="admin consent") as caught:
        entra.get_user(UID)

    assert "Insufficient privileges" in str(caught.value)


def test_refused_client_secret_is_an_auth_error_without_the_secret(
    entra: EntraDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps, capture_logs() as logs:
        fake_login(rsps, token_status=401)
        with pytest.raises(AuthError, match=r"invalid_client.*7000215.*client_secret") as caught:
            entra.get_user(UID)

    text = " ".join([str(caught.value), caplog.text, json.dumps(logs, default=str)])
    assert SECRET not in text


def test_token_endpoint_down_is_unavailable(entra: EntraDirectory) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(
            f"{LOGIN}/v2.0/.well-known/openid-configuration", body=requests.ConnectionError("reset")
        )
        with pytest.raises(UnavailableError, match="token endpoint"):
            entra.get_user(UID)


def test_no_secret_token_or_password_in_errors_or_logs(
    http: responses.RequestsMock, entra: EntraDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Weak-But-Secret-77"
    refused = {
        "error": {
            "code": "Request_BadRequest",
            "message": "The specified password does not comply with password complexity requirements.",
        }
    }
    http.patch(f"{GRAPH}/users/{UID}", status=400, json=refused)
    http.get(f"{GRAPH}/users/{UID}", status=401, json=payload("error_forbidden.json"))
    caplog.set_level(logging.DEBUG)

    with capture_logs() as logs:
        with pytest.raises(RejectedError) as bad_password:
            entra.set_one_time_password(UID, password)
        with pytest.raises(AuthError) as unauthorised:
            entra.get_user(UID)

    text = " ".join(
        [
            str(bad_password.value),
            str(unauthorised.value),
            caplog.text,
            json.dumps(logs, default=str),
        ]
    )
    for secret in (password, SECRET, ACCESS_TOKEN):
        assert secret not in text
