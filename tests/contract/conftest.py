"""The ``directory`` under contract test, once per implementation (memory, OpenLDAP, Samba AD, SCIM)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from connectors.identity import DirectoryClient, DirectoryUser
from connectors.identity.ad import ActiveDirectory
from connectors.identity.ldap import LdapOptions
from connectors.identity.memory import MemoryDirectory
from connectors.identity.openldap import LdapDirectory
from connectors.identity.scim import ScimDirectory
from tests.contract.backends import Backend
from tests.services import samba, scim
from tests.services.fixtures import samba_ad_server, scim_server, slapd_server
from tests.services.samba import SambaServer
from tests.services.scim import ScimServer
from tests.services.slapd import (
    EMPTY_GROUP_MEMBER,
    SlapdServer,
    fail_logins,
    make_group,
    nest_group,
)

__all__ = ["samba_ad_server", "scim_server", "slapd_server"]

BACKENDS = {
    "memory": (),
    "openldap": (pytest.mark.slapd,),
    "samba_ad": (pytest.mark.samba,),
    "scim": (pytest.mark.scim,),
}


@pytest.fixture(params=[pytest.param(name, marks=marks) for name, marks in BACKENDS.items()])
def backend(request: pytest.FixtureRequest) -> Backend:
    """The implementation under test and its helpers."""
    found: Backend = request.getfixturevalue(f"{request.param}_backend")
    return found


@pytest.fixture
def directory(backend: Backend) -> DirectoryClient:
    """The DirectoryClient under test."""
    return backend.directory


@pytest.fixture
def unique() -> str:
    """A short unique suffix: tests share one server and isolate by names."""
    return uuid.uuid4().hex[:8]


# -- memory ----------------------------------------------------------------------------------


@pytest.fixture
def memory_backend() -> Backend:
    directory = MemoryDirectory("memory", groups=())

    def lock(user: DirectoryUser) -> None:
        directory.lock(user.id)

    return Backend(directory, directory.create_group, lock, None, directory.nest_group)


# -- OpenLDAP --------------------------------------------------------------------------------


def openldap_options(server: SlapdServer, password: str | None = None) -> LdapOptions:
    return LdapOptions(
        url=server.url,
        start_tls=True,
        ca_file=server.ca_file,
        bind_dn=server.service_dn,
        bind_password=password or server.service_password,
        base_dn=server.base_dn,
        user_base=server.people,
        group_base=server.groups,
        timeout_s=5,
    )


@pytest.fixture(scope="session")
def openldap_directory(slapd_server: SlapdServer) -> Iterator[LdapDirectory]:
    directory = LdapDirectory(
        "openldap", openldap_options(slapd_server), empty_group_member=EMPTY_GROUP_MEMBER
    )
    yield directory
    directory.close()


@pytest.fixture
def openldap_backend(slapd_server: SlapdServer, openldap_directory: LdapDirectory) -> Backend:
    def lock(user: DirectoryUser) -> None:
        fail_logins(slapd_server, user.attributes["dn"])

    def bad() -> DirectoryClient:
        return LdapDirectory("openldap", openldap_options(slapd_server, "wrong-password"))

    return Backend(
        openldap_directory,
        lambda name: make_group(slapd_server, name),
        lock,
        bad,
        lambda child, parent: nest_group(slapd_server, child, parent),
    )


# -- Samba AD --------------------------------------------------------------------------------


def samba_options(server: SambaServer, password: str | None = None) -> LdapOptions:
    return LdapOptions(
        url=server.ldaps_url,
        ca_file=server.ca_file,
        bind_dn=server.admin_upn,
        bind_password=password or server.admin_password,
        base_dn=server.base_dn,
        user_base=server.users,
        group_base=server.users,
        timeout_s=5,
    )


@pytest.fixture(scope="session")
def samba_ad_directory(samba_ad_server: SambaServer) -> Iterator[ActiveDirectory]:
    directory = ActiveDirectory("samba-ad", samba_options(samba_ad_server))
    yield directory
    directory.close()


@pytest.fixture
def samba_ad_backend(samba_ad_server: SambaServer, samba_ad_directory: ActiveDirectory) -> Backend:
    def lock(user: DirectoryUser) -> None:
        samba.fail_logins(samba_ad_server, user.attributes["dn"])

    def bad() -> DirectoryClient:
        return ActiveDirectory("samba-ad", samba_options(samba_ad_server, "Wrong-Passw0rd!"))

    return Backend(
        samba_ad_directory,
        lambda name: samba.make_group(samba_ad_server, name),
        lock,
        bad,
        lambda child, parent: samba.nest_group(samba_ad_server, child, parent),
    )


# -- SCIM ------------------------------------------------------------------------------------


@pytest.fixture
def scim_backend(scim_server: ScimServer) -> Iterator[Backend]:
    directory = ScimDirectory("scim", scim_server.url, scim_server.token)
    bad = ScimDirectory("scim", scim_server.url, "wrong-token")
    yield Backend(
        directory,
        lambda name: scim.make_group(scim_server, name),
        None,
        lambda: bad,
        lambda child, parent: scim.nest_group(scim_server, child, parent),
    )
    directory.session.close()
    bad.session.close()
