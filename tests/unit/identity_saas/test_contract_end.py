"""
The contract end on Entra ID and Okta: the attribute ``playbooks.people`` names for a directory
is asked for (Entra's ``$select``) and reported under that name, faked at the HTTP boundary in
the vendors' shapes, with requests and replies checked against their specs; and the whole chain,
config → built client → "until the end of my contract".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from connectors.identity.entra import EntraDirectory
from connectors.identity.entra_graph import READABLE
from connectors.identity.okta import OktaDirectory
from playbooks.period import Unreadable, Until, read_period
from worker.boot import build_directories
from worker.config import AppSettings

from .conftest import load_payload, selected
from .spec_check import OpenApiSpec, assert_calls_allowed
from .test_entra import GRAPH, SECRET, TENANT, UID, fake_login
from .test_okta import ORG, TOKEN, USER_URL, user

CLIENT = "11111111-2222-3333-4444-555555555555"
EXTENSION = "extension_b7d8e5fa0c3a4f6e9d2c1b0a98765432_contractEnd"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ASKED = "please add me to vpn-users until the end of my contract"


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


def app(section: dict[str, Any], people: dict[str, Any]) -> AppSettings:
    return AppSettings.model_validate(
        {"directories": [{"name": "corp", **section}], "playbooks": {"people": people}}
    )


ENTRA = {
    "type": "entra",
    "credentials": {"client_secret": {"env": "DP_TEST_ENTRA_SECRET"}},
    "options": {"tenant_id": TENANT, "client_id": CLIENT},
}
OKTA = {"type": "okta", "url": ORG, "credentials": {"token": {"env": "DP_TEST_OKTA_TOKEN"}}}


@pytest.mark.parametrize(
    ("section", "people", "item", "expected"),
    [
        (ENTRA, {"contract_end_attributes": {"corp": "employeeLeaveDateTime"}},
         graph_user(employeeLeaveDateTime="2027-02-28T17:00:00Z"), "2027-02-28T17:00:00+00:00"),
        (ENTRA, {"contract_end_attribute": EXTENSION},
         graph_user(**{EXTENSION: "2027-03-31"}), "2027-03-31T23:59:59+00:00"),
        (ENTRA, {"contract_end_attributes": {"other": "employeeLeaveDateTime"}},
         graph_user(), None),
        (OKTA, {"contract_end_attributes": {"corp": "contractEndDate"}},
         user(contractEndDate="2027-02-28"), "2027-02-28T23:59:59+00:00"),
        (OKTA, {}, user(contract_end="2027-03-31"), "2027-03-31T23:59:59+00:00"),
        (OKTA, {"contract_end_attributes": {"other": "contractEndDate"}},
         user(contractEndDate="2027-02-28"), None),
    ],
    ids=[
        "entra-leave-date", "entra-extension-default-attribute", "entra-other-directory-only",
        "okta-per-directory", "okta-default-attribute", "okta-other-directory-only",
    ],
)  # fmt: skip
def test_until_the_end_of_the_contract_from_config(
    monkeypatch: pytest.MonkeyPatch,
    graph_spec: OpenApiSpec | None,
    okta_spec: OpenApiSpec | None,
    section: dict[str, Any],
    people: dict[str, Any],
    item: dict[str, Any],
    expected: str | None,
) -> None:
    """Config → the client ``build_directories`` makes → the period "until the end of my contract"."""
    monkeypatch.setenv("DP_TEST_ENTRA_SECRET", SECRET)
    monkeypatch.setenv("DP_TEST_OKTA_TOKEN", TOKEN)
    settings = app(section, people)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        if section is ENTRA:
            check_graph_payload(graph_spec, item)
            fake_login(rsps)
            rsps.get(f"{GRAPH}/users/{UID}", json=item)
        else:
            rsps.get(USER_URL, json=item)
        target = build_directories(settings)["corp"].get_user(str(item["id"]))
        spec = graph_spec if section is ENTRA else okta_spec
        if spec is not None:
            assert_calls_allowed(rsps.calls, [spec], skip_hosts={"login.microsoftonline.com"})

    attribute = settings.playbooks.people.contract_end_of("corp")
    found = read_period({}, ASKED, now=NOW, target=target, contract_end_attribute=attribute)

    if expected is None:
        assert isinstance(found, Unreadable)
        assert "no contract end date is recorded" in found.question
    else:
        assert isinstance(found, Until)
        assert (found.at.isoformat(), found.source) == (expected, "contract_end")
