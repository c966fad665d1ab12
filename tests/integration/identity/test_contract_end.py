"""
"Until the end of my contract" on real directories: the attribute ``playbooks.people`` names for
a directory (``contract_end_attributes``, else ``contract_end_attribute``) is the one the built
LDAP/AD/SCIM client asks for and reports, next to the employee type, so the period reads it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from connectors.identity import EMPLOYEE_TYPE, DirectoryUser, NewUser
from connectors.identity.ldap_directory import LdapDirectoryBase
from tests.contract_end import app, assert_period, contract_period
from tests.services.samba import SambaServer
from tests.services.scim import CONTRACT_SCHEMA, ScimServer, set_user_attribute
from tests.services.slapd import SlapdServer
from worker.boot import build_directories
from worker.config import AppSettings


def slapd_section(server: SlapdServer) -> dict[str, Any]:
    return {
        "type": "ldap",
        "url": server.ldaps_url,
        "credentials": {"bind_password": {"env": "DP_TEST_BIND_PW"}},
        "options": {
            "bind_dn": server.service_dn,
            "base_dn": server.base_dn,
            "user_base": server.people,
            "group_base": server.groups,
            "ca_file": server.ca_file,
        },
    }


def samba_section(server: SambaServer) -> dict[str, Any]:
    return {
        "type": "active_directory",
        "url": server.ldaps_url,
        "credentials": {"bind_password": {"env": "DP_TEST_BIND_PW"}},
        "options": {
            "bind_dn": server.admin_upn,
            "base_dn": server.base_dn,
            "user_base": server.users,
            "group_base": server.users,
            "ca_file": server.ca_file,
        },
    }


def created(settings: AppSettings, attributes: dict[str, str]) -> DirectoryUser:
    directory = build_directories(settings)["corp"]
    assert isinstance(directory, LdapDirectoryBase)
    login = f"c{uuid.uuid4().hex[:10]}"
    try:
        user_id = directory.create_user(
            NewUser(login=login, given_name="Con", family_name="Tractor", attributes=attributes)
        ).target
        return directory.get_user(user_id)
    finally:
        directory.close()


@pytest.mark.slapd
@pytest.mark.parametrize(
    ("people", "attributes", "expected"),
    [
        ({"contract_end_attributes": {"corp": "description"}},
         {"description": "2027-02-28", "employeeType": "contractor"}, "2027-02-28T23:59:59+00:00"),
        ({"contract_end_attribute": "carLicense"},
         {"carLicense": "2027-03-31", "employeeType": "contractor"}, "2027-03-31T23:59:59+00:00"),
        ({"contract_end_attributes": {"other": "description"}},
         {"description": "2027-02-28", "employeeType": "contractor"}, None),
        ({}, {"employeeType": "contractor"}, None),
    ],
    ids=["per-directory", "default-attribute", "other-directory-only", "not-in-the-schema"],
)  # fmt: skip
def test_openldap_reports_the_configured_contract_end(
    monkeypatch: pytest.MonkeyPatch,
    slapd_server: SlapdServer,
    people: dict[str, Any],
    attributes: dict[str, str],
    expected: str | None,
) -> None:
    """The configured attribute is read; one the schema lacks (``contract_end``) is harmless."""
    monkeypatch.setenv("DP_TEST_BIND_PW", slapd_server.service_password)
    settings = app(slapd_section(slapd_server), people)

    user = created(settings, attributes)
    found = contract_period(settings, user)

    assert user.attributes[EMPLOYEE_TYPE] == "contractor"
    assert_period(found, expected)


@pytest.mark.samba
def test_active_directory_reports_the_configured_contract_end(
    monkeypatch: pytest.MonkeyPatch, samba_ad_server: SambaServer
) -> None:
    """
    A per-directory attribute on a real Samba AD: ``info`` (the Notes field; Samba's schema has
    no Exchange ``extensionAttribute7``, which works the same where Exchange extended it).
    """
    monkeypatch.setenv("DP_TEST_BIND_PW", samba_ad_server.admin_password)
    settings = app(samba_section(samba_ad_server), {"contract_end_attributes": {"corp": "info"}})

    user = created(settings, {"info": "2027-02-28", "employeeType": "Contractor"})
    found = contract_period(settings, user)

    assert (user.attributes[EMPLOYEE_TYPE], user.attributes["info"]) == (
        "Contractor",
        "2027-02-28",
    )
    assert_period(found, "2027-02-28T23:59:59+00:00")


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.scim
@pytest.mark.parametrize(
    ("people", "path", "value", "expected"),
    [
        ({"contract_end_attributes": {"corp": f"{CONTRACT_SCHEMA}:contractEnd"}},
         f"{CONTRACT_SCHEMA}:contractEnd", "2027-02-28T00:00:00Z", "2027-02-28T23:59:59+00:00"),
        ({"contract_end_attributes": {"corp": f"{CONTRACT_SCHEMA.upper()}:CONTRACTEND"}},
         f"{CONTRACT_SCHEMA}:contractEnd", "2027-02-28T17:00:00Z", "2027-02-28T17:00:00+00:00"),
        ({"contract_end_attribute": f"{CONTRACT_SCHEMA}:endsOn"},
         f"{CONTRACT_SCHEMA}:endsOn", "2027-03-31", "2027-03-31T23:59:59+00:00"),
        ({"contract_end_attributes": {"corp": f"{ENTERPRISE}:costCenter"}},
         f"{ENTERPRISE}:costCenter", "2027-04-30", "2027-04-30T23:59:59+00:00"),
        ({"contract_end_attributes": {"corp": "nickName"}},
         "nickName", "2027-05-31", "2027-05-31T23:59:59+00:00"),
        ({"contract_end_attributes": {"corp": f"{CONTRACT_SCHEMA}:endsOn"}},
         f"{CONTRACT_SCHEMA}:endsOn", "end of February", None),
        ({}, f"{CONTRACT_SCHEMA}:contractEnd", "2027-02-28T00:00:00Z", None),
        ({"contract_end_attributes": {"other": f"{CONTRACT_SCHEMA}:contractEnd"}},
         f"{CONTRACT_SCHEMA}:contractEnd", "2027-02-28T00:00:00Z", None),
    ],
    ids=[
        "custom-extension-datetime", "names-case-insensitive", "custom-extension-string-default",
        "enterprise-extension", "core-attribute", "not-a-date", "not-configured",
        "other-directory-only",
    ],
)  # fmt: skip
def test_scim_reports_the_configured_contract_end(
    monkeypatch: pytest.MonkeyPatch,
    scim_server: ScimServer,
    people: dict[str, Any],
    path: str,
    value: str,
    expected: str | None,
) -> None:
    """
    On a real scim2-server serving an app's own User extension: the configured attribute, in
    RFC 7644 attribute notation (schema URN, or none for a core attribute), is found in the
    resource the server returns. A value that is not a date, or no configured attribute, is
    asked back.
    """
    monkeypatch.setenv("DP_TEST_SCIM_TOKEN", scim_server.token)
    section = {
        "type": "scim",
        "url": scim_server.url,
        "credentials": {"token": {"env": "DP_TEST_SCIM_TOKEN"}},
    }
    settings = app(section, people)
    directory = build_directories(settings)["corp"]
    login = f"c{uuid.uuid4().hex[:10]}"
    attributes = {"userType": "Contractor"}
    user_id = directory.create_user(
        NewUser(login=login, given_name="Con", family_name="Tractor", attributes=attributes)
    ).target
    set_user_attribute(scim_server, user_id, path, value)

    found = directory.find_user(login=login)
    user = directory.get_user(user_id)
    result = contract_period(settings, user)

    assert found is not None
    assert found.attributes == user.attributes
    assert user.attributes[EMPLOYEE_TYPE] == "Contractor"
    assert_period(result, expected)
