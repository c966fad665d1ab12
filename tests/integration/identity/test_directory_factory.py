"""build_directory: each type becomes its client, every problem is reported with its location."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.identity.ad import ActiveDirectory
from connectors.identity.memory import MemoryDirectory
from connectors.identity.openldap import LdapDirectory
from connectors.identity.scim import ScimDirectory
from tests.services.slapd import SlapdServer
from worker.config import ConfigError, DirectorySettings
from worker.wiring.directories import build_directory

ENV = {"BIND_PW": "s3cret", "SCIM_TOKEN": "t0ken"}
LDAP_OPTIONS = {
    "bind_dn": "cn=deskpilot,ou=services,dc=example,dc=org",
    "base_dn": "dc=example,dc=org",
}


def settings(**values: Any) -> DirectorySettings:
    return DirectorySettings.model_validate({"name": "corp", **values})


BUILDS = [
    (
        {"type": "ldap", "url": "ldaps://ldap.example.org", "credentials": {"bind_password": {"env": "BIND_PW"}}, "options": LDAP_OPTIONS},
        LdapDirectory,
    ),
    (
        {"type": "active_directory", "url": "ldap://dc1.corp.example.com", "credentials": {"bind_password": {"env": "BIND_PW"}},
         "options": {**LDAP_OPTIONS, "start_tls": True, "upn_suffix": "corp.example.com"}},
        ActiveDirectory,
    ),
    ({"type": "scim", "url": "https://app.example.com/scim/v2", "credentials": {"token": {"env": "SCIM_TOKEN"}}}, ScimDirectory),
    ({"type": "memory"}, MemoryDirectory),
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "expected"), BUILDS, ids=["ldap", "active-directory", "scim", "memory"]
)
def test_each_type_builds_its_client(values: dict[str, Any], expected: type) -> None:
    """A valid section builds the matching client without connecting."""
    directory = build_directory(settings(**values), environ=ENV)

    assert isinstance(directory, expected)
    assert directory.name == "corp"


PROBLEMS = [
    (
        {"type": "ldap", "url": "ldap://ldap.example.org", "options": {"base_dn": "dc=x", "colour": "red"}},
        [
            "directories.corp.options.colour: unknown for ldap",
            "directories.corp.url: ldap:// sends the bind password in clear",
            "directories.corp.options.bind_dn: required",
            "directories.corp.credentials.bind_password: required",
        ],
    ),
    (
        {"type": "active_directory", "url": "ldaps://dc1", "credentials": {"bind_password": {"env": "MISSING"}},
         "options": {**LDAP_OPTIONS, "timeout_s": -1}},
        [
            "directories.corp.credentials.bind_password: environment variable MISSING is not set",
            "directories.corp.options.timeout_s: must be a positive number",
        ],
    ),
    (
        {"type": "scim", "url": "http://app.example.com/scim/v2", "credentials": {"token": {"env": "SCIM_TOKEN"}}},
        ["directories.corp.url: must be an https:// URL"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "expected"),
    PROBLEMS,
    ids=["ldap-plain-and-missing", "ad-secret-and-timeout", "scim-http"],
)
def test_every_problem_is_reported_at_once(values: dict[str, Any], expected: list[str]) -> None:
    """All problems of a section come back together, each with its location."""
    with pytest.raises(ConfigError) as caught:
        build_directory(settings(**values), environ=ENV)

    assert len(caught.value.problems) == len(expected)
    for prefix in expected:
        assert any(p.startswith(prefix) for p in caught.value.problems), (
            prefix,
            caught.value.problems,
        )


def test_saas_types_go_to_the_saas_factory() -> None:
    """okta/entra/google/salesforce are delegated (here: its missing-token problem comes back)."""
    with pytest.raises(ConfigError, match=r"directories\.corp\.credentials\.token"):
        build_directory(settings(type="okta", url="https://example.okta.com"), environ={})


@pytest.mark.slapd
def test_built_ldap_directory_talks_to_slapd(slapd_server: SlapdServer) -> None:
    """The documented config section works against a real slapd, end to end."""
    section = settings(
        type="ldap",
        url=slapd_server.url,
        credentials={"bind_password": {"env": "BIND_PW"}},
        options={
            "bind_dn": slapd_server.service_dn,
            "base_dn": slapd_server.base_dn,
            "user_base": slapd_server.people,
            "group_base": slapd_server.groups,
            "ca_file": slapd_server.ca_file,
            "start_tls": True,
        },
    )
    directory = build_directory(section, environ={"BIND_PW": slapd_server.service_password})

    assert directory.find_user(login="nobody-here") is None
    assert isinstance(directory, LdapDirectory)
    directory.close()
