"""
The contract end on Entra ID, Okta, Google Workspace and Salesforce: the attribute
``playbooks.people`` names for a directory is asked for (Entra's ``$select``, Google's
``customFieldMask``, Salesforce's SOQL) and reported under that name, faked at the HTTP boundary
in the vendors' shapes, with requests and replies checked against their specs where there is
one; and the whole chain, config → built client → "until the end of my contract". SCIM is
shown on a real scim2-server (tests/integration/identity/test_contract_end.py).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
import responses

from connectors.identity.entra import EntraDirectory
from connectors.identity.entra_graph import READABLE
from connectors.identity.google import DIRECTORY_URL, GoogleDirectory, service_account_session
from connectors.identity.okta import OktaDirectory
from connectors.identity.salesforce import SalesforceDirectory
from tests.contract_end import app, assert_period, contract_period
from worker.boot import build_directories

from .conftest import ACCESS_TOKEN, TOKEN_URI, load_payload, selected
from .spec_check import DiscoverySpec, OpenApiSpec, assert_calls_allowed
from .test_entra import GRAPH, SECRET, TENANT, UID, fake_login
from .test_okta import ORG, TOKEN, USER_URL, user
from .test_salesforce import API, INSTANCE, connect, login_state, records, soql

CLIENT = "11111111-2222-3333-4444-555555555555"
EXTENSION = "extension_b7d8e5fa0c3a4f6e9d2c1b0a98765432_contractEnd"


def graph_user(**extra: Any) -> dict[str, Any]:
    return {**load_payload("entra", "user.json"), "employeeType": "Contractor", **extra}


def on_premises(**values: str) -> dict[str, str | None]:
    return {f"extensionAttribute{n}": values.get(f"extensionAttribute{n}") for n in range(1, 16)}


def check_graph_payload(spec: OpenApiSpec | None, item: dict[str, Any]) -> None:
    """The reply has Graph's user shape; directory extensions are per tenant, outside the spec."""
    if spec is not None:
        described = {k: v for k, v in item.items() if not k.startswith("extension_")}
        assert not spec.payload_problems("microsoft.graph.user", described)


@pytest.mark.parametrize(
    ("configured", "extra", "asked", "expected"),
    [
        ("employeeLeaveDateTime", {"employeeLeaveDateTime": "2027-02-28T23:59:59Z"},
         "employeeLeaveDateTime", "2027-02-28T23:59:59Z"),
        ("employeeLeaveDateTime", {"employeeLeaveDateTime": None}, "employeeLeaveDateTime", None),
        ("companyName", {"companyName": "2027-03-31"}, "companyName", "2027-03-31"),
        (EXTENSION, {EXTENSION: "2027-03-31"}, EXTENSION, "2027-03-31"),
        ("extensionAttribute7",
         {"onPremisesExtensionAttributes": on_premises(extensionAttribute7="2027-04-30")},
         "onPremisesExtensionAttributes", "2027-04-30"),
        ("extensionAttribute7", {"onPremisesExtensionAttributes": on_premises()},
         "onPremisesExtensionAttributes", None),
        ("contract_end", {}, None, None),
    ],
    ids=[
        "leave-date", "leave-date-unset", "other-user-property", "directory-extension",
        "on-premises-extension-attribute", "on-premises-unset", "not-a-graph-property",
    ],
)  # fmt: skip
def test_entra_selects_and_reports_the_contract_end(
    graph: responses.RequestsMock,
    graph_spec: OpenApiSpec | None,
    configured: str,
    extra: dict[str, Any],
    asked: str | None,
    expected: str | None,
) -> None:
    """
    A Graph user property, directory extension or on-premises ``extensionAttributeN`` is
    selected; a name Graph lacks is not (Graph would refuse the whole request) nor reported.
    """
    item = graph_user(**extra)
    check_graph_payload(graph_spec, item)
    graph.get(f"{GRAPH}/users/{UID}", json=item)
    entra = EntraDirectory("entra-test", TENANT, CLIENT, SECRET, read_attributes=(configured,))

    found = entra.get_user(UID)

    names = selected(graph.calls[-1])
    assert "employeeType" in names
    if asked is None:
        assert configured not in names
    else:
        assert asked in names
    if graph_spec is not None:
        user_properties = graph_spec.properties("microsoft.graph.user")
        assert all(n in user_properties or n.startswith("extension_") for n in names)
    assert found.attributes.get(configured) == expected
    assert found.attributes["employee_type"] == "Contractor"


def test_entra_lists_and_finds_with_the_contract_end(graph: responses.RequestsMock) -> None:
    """Listing and lookups select it too, so every way to a user reads the same contract end."""
    page = {
        "value": [
            graph_user(id="a1", employeeLeaveDateTime="2027-02-28T23:59:59Z"),
            graph_user(id="b2", employeeLeaveDateTime=None),
        ]
    }
    graph.get(f"{GRAPH}/users", json=page)
    graph.get(f"{GRAPH}/users", json={"value": page["value"][:1]})
    entra = EntraDirectory(
        "entra-test", TENANT, CLIENT, SECRET, read_attributes=("employeeLeaveDateTime",)
    )

    listed = entra.list_users().users
    looked_up = entra.find_user(login="AdeleV@contoso.com")

    reads = [c for c in graph.calls if str(c.request.url).startswith(f"{GRAPH}/users")]
    assert len(reads) == 2
    assert all("employeeLeaveDateTime" in selected(c) for c in reads)
    assert [u.attributes.get("employeeLeaveDateTime") for u in listed] == [
        "2027-02-28T23:59:59Z",
        None,
    ]
    assert looked_up is not None
    assert looked_up.attributes["employeeLeaveDateTime"] == "2027-02-28T23:59:59Z"


def test_entra_readable_properties_are_graph_user_text_properties(
    graph_spec: OpenApiSpec | None,
) -> None:
    """Every name ``READABLE`` lets into ``$select`` is a property of the v1.0 user resource."""
    if graph_spec is None:
        pytest.skip("shared/specs/msgraph-v1.0-subset.yaml is not there")
    assert sorted(READABLE - graph_spec.properties("microsoft.graph.user")) == []


@pytest.mark.parametrize(
    ("configured", "profile", "expected"),
    [
        ("contractEndDate", {"contractEndDate": "2027-02-28"}, "2027-02-28"),
        ("contractEndDate", {"contractEndDate": None}, None),
        ("contractEndDate", {}, None),
        ("contract_end", {"contract_end": " 2027-02-28 "}, "2027-02-28"),
        ("contractEndDate", {"contractEndDate": 20270228}, None),
    ],
    ids=["custom-attribute", "null", "absent", "default-name-trimmed", "not-text"],
)
def test_okta_reports_the_profile_contract_end(
    okta_http: responses.RequestsMock,
    okta_spec: OpenApiSpec | None,
    configured: str,
    profile: dict[str, Any],
    expected: str | None,
) -> None:
    """Okta returns the whole profile, custom attributes included: the named one is reported."""
    item = user(userType="Contractor", **profile)
    if okta_spec is not None:
        assert not okta_spec.payload_problems("User", item)
    okta_http.get(USER_URL, json=item)
    okta = OktaDirectory(
        "okta-test", ORG, TOKEN, clock=lambda: 1_764_000_000.0, read_attributes=(configured,)
    )

    found = okta.get_user(str(item["id"]))

    assert found.attributes.get(configured) == expected
    assert (found.attributes["okta_status"], found.attributes["employee_type"]) == (
        "ACTIVE",
        "Contractor",
    )


GWS_UID = "107226389421564187533"
GWS_USER_URL = f"{DIRECTORY_URL}/users/{GWS_UID}"
CONTRACT_FIELD = "customSchemas.Employment.contractEnd"


def gws_user(**schemas: dict[str, Any]) -> dict[str, Any]:
    """A Directory API user resource with ``customSchemas`` (schema → field → value)."""
    item: dict[str, Any] = load_payload("google", "user.json")
    return {**item, "customSchemas": schemas} if schemas else item


def query_of(call: responses.Call) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(str(call.request.url)).query))


def gws(key_info: dict[str, str], *read: str) -> GoogleDirectory:
    session = service_account_session(key_info, "admin@example.com")
    return GoogleDirectory("gws-test", session, read_attributes=read)


@pytest.mark.parametrize(
    ("configured", "schemas", "mask", "expected"),
    [
        (CONTRACT_FIELD, {"Employment": {"contractEnd": "2027-02-28"}}, "Employment",
         "2027-02-28"),
        (CONTRACT_FIELD, {"Employment": {"costCentre": "CC-12"}}, "Employment", None),
        (CONTRACT_FIELD, {}, "Employment", None),
        (CONTRACT_FIELD, {"Employment": {"contractEnd": [{"value": "2027-02-28"}]}},
         "Employment", None),
        ("contract_end", {"Employment": {"contractEnd": "2027-02-28"}}, None, None),
    ],
    ids=["date-field", "field-unset", "schema-unset", "multi-valued", "not-a-custom-field"],
)  # fmt: skip
def test_google_fetches_and_reports_the_custom_field(
    google_http: responses.RequestsMock,
    key_info: dict[str, str],
    configured: str,
    schemas: dict[str, dict[str, Any]],
    mask: str | None,
    expected: str | None,
) -> None:
    """
    ``customSchemas.<schema>.<field>`` is fetched with ``projection=custom`` and the schema's
    ``customFieldMask`` (users.get) and reported when it holds one value; any other name is not
    a Directory API field: nothing more is asked for and nothing is reported.
    """
    google_http.get(GWS_USER_URL, json=gws_user(**schemas))

    found = gws(key_info, configured).get_user(GWS_UID)

    query = query_of(google_http.calls[-1])
    if mask is None:
        assert "projection" not in query
        assert "customFieldMask" not in query
    else:
        assert (query["projection"], query["customFieldMask"]) == ("custom", mask)
    assert found.attributes.get(configured) == expected
    assert found.login == "liz@example.com"


def test_google_lists_and_finds_with_the_custom_field(
    google_http: responses.RequestsMock, key_info: dict[str, str]
) -> None:
    """Listing and every lookup (by address, by employee id) fetch the field's schema too."""
    other = "customSchemas.HR.lastDay"
    item = gws_user(Employment={"contractEnd": "2027-02-28"}, HR={"lastDay": "2027-03-31"})
    google_http.get(
        f"{DIRECTORY_URL}/users", json={"kind": "admin#directory#users", "users": [item]}
    )
    google_http.get(f"{DIRECTORY_URL}/users/liz@example.com", json=item)
    google_http.get(
        f"{DIRECTORY_URL}/users", json={"kind": "admin#directory#users", "users": [item]}
    )
    directory = gws(key_info, CONTRACT_FIELD, other)

    listed = directory.list_users().users
    by_login = directory.find_user(login="liz@example.com")
    by_id = directory.find_user(employee_id="E3001")

    reads = [c for c in google_http.calls if str(c.request.url).startswith(DIRECTORY_URL)]
    assert [(query_of(c)["projection"], query_of(c)["customFieldMask"]) for c in reads] == [
        ("custom", "Employment,HR")
    ] * 3
    assert by_login is not None
    assert by_id is not None
    assert {u.attributes[CONTRACT_FIELD] for u in (*listed, by_login, by_id)} == {"2027-02-28"}
    assert by_id.attributes[other] == "2027-03-31"


def describe_user(http: responses.RequestsMock) -> None:
    http.get(
        f"{API}/sobjects/User/describe", json=load_payload("salesforce", "idp_user_describe.json")
    )


def sf_user(**fields: Any) -> dict[str, Any]:
    """A SOQL reply holding one User record with ``fields`` set."""
    found: dict[str, Any] = load_payload("salesforce", "idp_user_query.json")
    found["records"][0].update(fields)
    return found


@pytest.mark.parametrize(
    ("configured", "fields", "selected_field", "expected"),
    [
        ("Contract_End__c", {"Contract_End__c": "2027-02-28"}, "Contract_End__c", "2027-02-28"),
        ("Contract_End_At__c", {"Contract_End_At__c": "2027-02-28T17:00:00.000+0000"},
         "Contract_End_At__c", "2027-02-28T17:00:00.000+0000"),
        ("contract_end__C", {"Contract_End__c": "2027-02-28"}, "Contract_End__c", "2027-02-28"),
        ("Contract_End__c", {"Contract_End__c": None}, "Contract_End__c", None),
        ("Contract_Ends__c", {}, None, None),
        ("contract_end", {}, None, None),
        ("Contract_End__c FROM User WHERE Id != null --", {}, None, None),
    ],
    ids=["date-field", "datetime-field", "spelled-as-described", "unset", "not-on-the-org",
         "default-name-not-a-field", "not-an-identifier"],
)  # fmt: skip
def test_salesforce_selects_the_described_field(
    configured: str, fields: dict[str, Any], selected_field: str | None, expected: str | None
) -> None:
    """
    A field's API name is added to the SOQL the connector already issues when the org's User
    object has it (``describe``, once); a name it lacks is left out (SOQL would refuse the whole
    query), and a name that is not an identifier is never described nor put into SOQL.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        if configured.replace("_", "").isalnum():
            describe_user(http)
        http.get(f"{API}/query/", json=sf_user(**fields), match=[soql("FROM User WHERE Id")])
        http.get(f"{API}/query/", json=login_state(), match=[soql("FROM UserLogin")])
        directory = SalesforceDirectory("sf-test", connect, read_attributes=(configured,))

        found = directory.get_user("005Dn000003XyZaIAK")
        query = query_of(http.calls[-2])["q"]

    assert query.startswith("SELECT Id, Username, Name, IsActive, Email")
    if selected_field is None:
        assert query.count(",") == 10
        assert "FROM User WHERE Id = '005Dn000003XyZaIAK'" in query
    else:
        assert f", {selected_field} FROM User WHERE" in query
    assert found.attributes.get(configured) == expected
    assert found.attributes["is_active"] == "true"


def test_salesforce_describes_once_and_lists_with_the_field() -> None:
    """One ``describe`` serves every read; listing selects the field like the lookups."""
    page = load_payload("salesforce", "idp_users_page1.json")
    page["records"][0]["Contract_End__c"] = "2027-02-28"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        describe_user(http)
        http.get(f"{API}/query/", json=page, match=[soql("Contract_End__c FROM User ORDER BY Id")])
        http.get(
            f"{API}/query/",
            json=sf_user(Contract_End__c="2027-03-31"),
            match=[soql("Contract_End__c FROM User WHERE Username = 'jordan.lee@acme.com.prod'")],
        )
        http.get(f"{API}/query/", json=login_state(), match=[soql("FROM UserLogin")])
        directory = SalesforceDirectory("sf-test", connect, read_attributes=("Contract_End__c",))

        listed = directory.list_users().users
        found = directory.find_user(login="jordan.lee@acme.com.prod")

    assert [u.attributes.get("Contract_End__c") for u in listed] == ["2027-02-28"]
    assert found is not None
    assert found.attributes["Contract_End__c"] == "2027-03-31"


ENTRA = {
    "type": "entra",
    "credentials": {"client_secret": {"env": "DP_TEST_ENTRA_SECRET"}},
    "options": {"tenant_id": TENANT, "client_id": CLIENT},
}
OKTA = {"type": "okta", "url": ORG, "credentials": {"token": {"env": "DP_TEST_OKTA_TOKEN"}}}
GOOGLE = {
    "type": "google",
    "credentials": {"service_account_json": {"env": "DP_TEST_GOOGLE_KEY"}},
    "options": {"admin_email": "admin@example.com"},
}
SALESFORCE = {
    "type": "salesforce",
    "credentials": {
        "consumer_key": {"env": "DP_TEST_SF_KEY"},
        "consumer_secret": {"env": "DP_TEST_SF_SECRET"},
    },
    "options": {"domain": "acme.my"},
}
Fake = Callable[[responses.RequestsMock, dict[str, Any]], str]
"""Registers the vendor's replies for reading ``item``; returns the id to read it by."""


def fake_entra(rsps: responses.RequestsMock, item: dict[str, Any]) -> str:
    fake_login(rsps)
    rsps.get(f"{GRAPH}/users/{UID}", json=item)
    return UID


def fake_okta(rsps: responses.RequestsMock, item: dict[str, Any]) -> str:
    rsps.get(USER_URL, json=item)
    return str(item["id"])


def fake_google(rsps: responses.RequestsMock, item: dict[str, Any]) -> str:
    rsps.post(
        TOKEN_URI, json={"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"}
    )
    rsps.get(GWS_USER_URL, json=item)
    return GWS_UID


def fake_salesforce(rsps: responses.RequestsMock, item: dict[str, Any]) -> str:
    rsps.post(f"{INSTANCE}/services/oauth2/token", json={
        "access_token": "00DDn000000AbCd!AQ8AQJ.fake.session.id.value", "scope": "api",
        "instance_url": INSTANCE, "token_type": "Bearer",
        "id": "https://login.salesforce.com/id/00DDn000000AbCdEAF/005Dn000003XyZaIAK",
    })  # fmt: skip
    describe_user(rsps)  # every Salesforce read asks for the contract end if User has it
    rsps.get(f"{API}/query/", json=records(item), match=[soql("FROM User WHERE Id")])
    rsps.get(f"{API}/query/", json=login_state(), match=[soql("FROM UserLogin")])
    return str(item["Id"])


def sf_record(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = sf_user(**fields)["records"][0]
    return record


BY_FIELD = {"contract_end_attributes": {"corp": CONTRACT_FIELD}}
BY_SF_FIELD = {"contract_end_attributes": {"corp": "Contract_End__c"}}


@pytest.mark.parametrize(
    ("section", "people", "fake", "item", "expected"),
    [
        (ENTRA, {"contract_end_attributes": {"corp": "employeeLeaveDateTime"}}, fake_entra,
         graph_user(employeeLeaveDateTime="2027-02-28T17:00:00Z"), "2027-02-28T17:00:00+00:00"),
        (ENTRA, {"contract_end_attribute": EXTENSION}, fake_entra,
         graph_user(**{EXTENSION: "2027-03-31"}), "2027-03-31T23:59:59+00:00"),
        (ENTRA, {"contract_end_attributes": {"other": "employeeLeaveDateTime"}}, fake_entra,
         graph_user(), None),
        (OKTA, {"contract_end_attributes": {"corp": "contractEndDate"}}, fake_okta,
         user(contractEndDate="2027-02-28"), "2027-02-28T23:59:59+00:00"),
        (OKTA, {}, fake_okta, user(contract_end="2027-03-31"), "2027-03-31T23:59:59+00:00"),
        (OKTA, {"contract_end_attributes": {"other": "contractEndDate"}}, fake_okta,
         user(contractEndDate="2027-02-28"), None),
        (GOOGLE, BY_FIELD, fake_google,
         gws_user(Employment={"contractEnd": "2027-02-28"}), "2027-02-28T23:59:59+00:00"),
        (GOOGLE, BY_FIELD, fake_google,
         gws_user(Employment={"contractEnd": "end of February"}), None),
        (GOOGLE, {}, fake_google, gws_user(Employment={"contractEnd": "2027-02-28"}), None),
        (SALESFORCE, BY_SF_FIELD, fake_salesforce,
         sf_record(Contract_End__c="2027-02-28"), "2027-02-28T23:59:59+00:00"),
        (SALESFORCE, {"contract_end_attributes": {"corp": "Contract_End_Note__c"}},
         fake_salesforce, sf_record(Contract_End_Note__c="28/02/2027"), None),
        (SALESFORCE, {}, fake_salesforce, sf_record(), None),
    ],
    ids=[
        "entra-leave-date", "entra-extension-default-attribute", "entra-other-directory-only",
        "okta-per-directory", "okta-default-attribute", "okta-other-directory-only",
        "google-custom-date-field", "google-not-a-date", "google-not-configured",
        "salesforce-custom-date-field", "salesforce-not-a-date", "salesforce-not-configured",
    ],
)  # fmt: skip
def test_until_the_end_of_the_contract_from_config(
    monkeypatch: pytest.MonkeyPatch,
    graph_spec: OpenApiSpec | None,
    okta_spec: OpenApiSpec | None,
    google_specs: list[DiscoverySpec],
    key_info: dict[str, str],
    section: dict[str, Any],
    people: dict[str, Any],
    fake: Fake,
    item: dict[str, Any],
    expected: str | None,
) -> None:
    """
    Config → the client ``build_directories`` makes → the period "until the end of my
    contract": the date when the configured attribute holds one; asked back when it holds
    something else or nothing is configured for that directory.
    """
    monkeypatch.setenv("DP_TEST_ENTRA_SECRET", SECRET)
    monkeypatch.setenv("DP_TEST_OKTA_TOKEN", TOKEN)
    monkeypatch.setenv("DP_TEST_GOOGLE_KEY", json.dumps(key_info))
    monkeypatch.setenv("DP_TEST_SF_KEY", "3MVG9fake.consumer.key.for.tests")
    monkeypatch.setenv("DP_TEST_SF_SECRET", "not-a-real-consumer-secret-0123456789")
    settings = app(section, people)
    if section is ENTRA:
        check_graph_payload(graph_spec, item)
    by_kind: dict[str, list[OpenApiSpec | DiscoverySpec | None]] = {
        "entra": [graph_spec],
        "okta": [okta_spec],
        "google": list(google_specs),
    }
    specs = by_kind.get(section["type"], [])
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        target = build_directories(settings)["corp"].get_user(fake(rsps, item))
        assert_calls_allowed(
            rsps.calls,
            [spec for spec in specs if spec is not None],
            skip_hosts={
                "login.microsoftonline.com",
                "oauth2.googleapis.com",
                "acme.my.salesforce.com",
            },
        )

    assert_period(contract_period(settings, target), expected)
