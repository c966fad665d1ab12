"""
"Until the end of my contract" on real directories: the attribute ``playbooks.people`` names for
a directory (``contract_end_attributes``, else ``contract_end_attribute``) is the one the built
LDAP/AD client asks for and reports, next to the employee type, so the period reads it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.identity import EMPLOYEE_TYPE, DirectoryUser, NewUser
from connectors.identity.ldap_directory import LdapDirectoryBase
from playbooks.period import Unreadable, Until, read_period
from tests.services.samba import SambaServer
from tests.services.slapd import SlapdServer
from worker.boot import build_directories
from worker.config import AppSettings

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ASKED = "please add me to vpn-users until the end of my contract"


def app(section: dict[str, Any], people: dict[str, Any]) -> AppSettings:
    return AppSettings.model_validate(
        {"directories": [{"name": "corp", **section}], "playbooks": {"people": people}}
    )


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


def period(settings: AppSettings, user: DirectoryUser) -> Until | Unreadable | None:
    attribute = settings.playbooks.people.contract_end_of("corp")
    return read_period({}, ASKED, now=NOW, target=user, contract_end_attribute=attribute)


@pytest.mark.slapd
@pytest.mark.parametrize(
    ("people", "attributes", "expected"),
    [
        ({"contract_end_attributes": {"corp": "description"}},
         {"description": "2027-02-28", "employeeType": "contractor"}, "2027-02-28"),
        ({"contract_end_attribute": "carLicense"},
         {"carLicense": "2027-03-31", "employeeType": "contractor"}, "2027-03-31"),
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
    found = period(settings, user)

    assert user.attributes[EMPLOYEE_TYPE] == "contractor"
    if expected is None:
        assert isinstance(found, Unreadable)
        assert "no contract end date is recorded" in found.question
    else:
        assert isinstance(found, Until)
        assert found.at.date().isoformat() == expected


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
    found = period(settings, user)

    assert (user.attributes[EMPLOYEE_TYPE], user.attributes["info"]) == (
        "Contractor",
        "2027-02-28",
    )
    assert isinstance(found, Until)
    assert found.at.date().isoformat() == "2027-02-28"
