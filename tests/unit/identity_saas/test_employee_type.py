"""
The employee type the SaaS connectors report in ``DirectoryUser.attributes["employee_type"]``:
Okta's profile ``userType`` and Entra's ``employeeType`` (asked for with ``$select``), faked at
the HTTP boundary in the vendors' shapes; requests and replies are checked against their specs.
"""

from __future__ import annotations

from typing import Any

import pytest
import responses

from connectors.identity import EMPLOYEE_TYPE
from connectors.identity.entra import EntraDirectory
from connectors.identity.okta import OktaDirectory
from playbooks.reviews.where import employee_type

from .conftest import load_payload, selected
from .spec_check import OpenApiSpec
from .test_entra import GRAPH, SECRET, TENANT, UID
from .test_okta import ORG, TOKEN, USER_URL, user

CASES = [
    ("Contractor", {EMPLOYEE_TYPE: "Contractor"}),
    ("intern", {EMPLOYEE_TYPE: "intern"}),
    (" Employee ", {EMPLOYEE_TYPE: "Employee"}),
    (None, {}),
    ("", {}),
]
CASE_IDS = ["contractor", "lowercase-kept", "trimmed", "null-absent", "empty-absent"]


@pytest.mark.parametrize(("value", "expected"), CASES, ids=CASE_IDS)
def test_entra_reports_employee_type_it_selects(
    graph: responses.RequestsMock,
    graph_spec: OpenApiSpec | None,
    value: str | None,
    expected: dict[str, str],
) -> None:
    """Graph returns ``employeeType`` only on ``$select`` (and null when unset)."""
    item: dict[str, Any] = {**load_payload("entra", "user.json"), "employeeType": value}
    if graph_spec is not None:
        assert not graph_spec.payload_problems("microsoft.graph.user", item)
    graph.get(f"{GRAPH}/users/{UID}", json=item)
    entra = EntraDirectory("entra-test", TENANT, "11111111-2222-3333-4444-555555555555", SECRET)

    found = entra.get_user(UID)

    assert "employeeType" in selected(graph.calls[-1])
    assert {k: v for k, v in found.attributes.items() if k == EMPLOYEE_TYPE} == expected
    assert employee_type(found.attributes) == expected.get(EMPLOYEE_TYPE)


def test_entra_lists_employee_types(graph: responses.RequestsMock) -> None:
    """Listing selects it too, so a review campaign over Entra sees every account's type."""
    base = load_payload("entra", "user.json")
    page = {
        "value": [
            {**base, "id": "a1", "employeeType": "Contractor"},
            {**base, "id": "b2", "employeeType": None},
        ]
    }
    graph.get(f"{GRAPH}/users", json=page)
    entra = EntraDirectory("entra-test", TENANT, "11111111-2222-3333-4444-555555555555", SECRET)

    users = entra.list_users().users

    assert "employeeType" in selected(graph.calls[-1])
    assert [employee_type(u.attributes) for u in users] == ["Contractor", None]


def test_entra_user_type_is_not_the_employee_type(graph: responses.RequestsMock) -> None:
    """Graph's ``userType`` is Member or Guest, a different thing: it is not reported."""
    item = {**load_payload("entra", "user.json"), "userType": "Guest", "employeeType": None}
    graph.get(f"{GRAPH}/users/{UID}", json=item)
    entra = EntraDirectory("entra-test", TENANT, "11111111-2222-3333-4444-555555555555", SECRET)

    assert employee_type(entra.get_user(UID).attributes) is None


@pytest.mark.parametrize(("value", "expected"), CASES, ids=CASE_IDS)
def test_okta_reports_the_profile_user_type(
    okta_http: responses.RequestsMock,
    okta_spec: OpenApiSpec | None,
    value: str | None,
    expected: dict[str, str],
) -> None:
    """Okta's base profile ``userType``: "the organization-to-user relationship"."""
    item = user(userType=value)
    if okta_spec is not None:
        assert "userType" in okta_spec.properties("UserProfile")
        assert not okta_spec.payload_problems("User", item)
    okta_http.get(USER_URL, json=item)
    okta = OktaDirectory("okta-test", ORG, TOKEN, clock=lambda: 1_764_000_000.0)

    found = okta.get_user(str(item["id"]))

    assert found.attributes["okta_status"] == "ACTIVE"
    assert {k: v for k, v in found.attributes.items() if k == EMPLOYEE_TYPE} == expected
