"""
A 500-person company seeded once per directory server (OpenLDAP, Samba AD, scim2-server), in
groups of its own (unique names: the servers are shared with other tests).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from connectors.identity import DirectoryClient, NewUser
from connectors.identity.ad import ActiveDirectory
from connectors.identity.openldap import LdapDirectory
from connectors.identity.scim import ScimDirectory
from tests.contract.conftest import openldap_options, samba_options
from tests.services import samba, scim, slapd
from tests.services.fixtures import samba_ad_server, scim_server, slapd_server
from tests.services.samba import SambaServer
from tests.services.scim import ScimServer
from tests.services.slapd import EMPTY_GROUP_MEMBER, SlapdServer

__all__ = ["samba_ad_server", "scim_server", "slapd_server"]

USERS = 500
MANAGERS = 10


@dataclass(frozen=True)
class Company:
    """Who was seeded: managers manage users round-robin; every user is in ``all_group``, every
    third also in ``every_third``; managers are in ``all_group`` too."""

    directory: DirectoryClient
    prefix: str
    managers: tuple[str, ...]
    users: tuple[str, ...]
    ids: dict[str, str]
    all_group: str
    every_third: str
    removed: set[tuple[str, str]] = field(default_factory=set)
    """(login, group) pairs tests have since revoked."""

    @property
    def memberships(self) -> set[tuple[str, str]]:
        """(login, group) pairs the seed made (less those revoked since), worked out
        independently of the review code."""
        pairs = {(login, self.all_group) for login in (*self.managers, *self.users)}
        pairs |= {(login, self.every_third) for n, login in enumerate(self.users) if n % 3 == 0}
        return pairs - self.removed


def seed(directory: DirectoryClient, make_group: Callable[[str], None]) -> Company:
    prefix = "rv" + uuid.uuid4().hex[:6]
    all_group, every_third = f"{prefix}-staff", f"{prefix}-finance"
    make_group(all_group)
    make_group(every_third)
    ids: dict[str, str] = {}
    managers = tuple(f"{prefix}m{j}" for j in range(MANAGERS))
    users = tuple(f"{prefix}u{n:03d}" for n in range(USERS))

    def create(login: str, manager: str | None) -> None:
        directory.create_user(NewUser(login, "Test", login.title(), email=f"{login}@example.com",
                                      manager_id=ids.get(manager or ""), department="Finance"))  # fmt: skip
        found = directory.find_user(login=login)
        assert found is not None
        ids[login] = found.id

    create(managers[0], None)
    for j, login in enumerate(managers[1:], start=1):
        create(login, managers[j - 1])
    for n, login in enumerate(users):
        create(login, managers[n % MANAGERS])
    company = Company(directory, prefix, managers, users, ids, all_group, every_third)
    for login, group in sorted(company.memberships):
        directory.add_to_group(ids[login], group)
    return company


@pytest.fixture(scope="module")
def openldap_company(slapd_server: SlapdServer) -> Iterator[Company]:
    directory = LdapDirectory(
        "corp", openldap_options(slapd_server), empty_group_member=EMPTY_GROUP_MEMBER
    )
    yield seed(directory, lambda name: slapd.make_group(slapd_server, name))
    directory.close()


@pytest.fixture(scope="module")
def samba_company(samba_ad_server: SambaServer) -> Iterator[Company]:
    directory = ActiveDirectory("corp", samba_options(samba_ad_server))
    yield seed(directory, lambda name: samba.make_group(samba_ad_server, name))
    directory.close()


@pytest.fixture(scope="module")
def scim_company(scim_server: ScimServer) -> Iterator[Company]:
    directory = ScimDirectory("corp", scim_server.url, scim_server.token)
    yield seed(directory, lambda name: scim.make_group(scim_server, name))
    directory.session.close()


@pytest.fixture(
    params=[
        pytest.param("openldap", marks=pytest.mark.slapd),
        pytest.param("samba", marks=pytest.mark.samba),
        pytest.param("scim", marks=pytest.mark.scim),
    ]
)
def company(request: pytest.FixtureRequest) -> Company:
    found: Company = request.getfixturevalue(f"{request.param}_company")
    return found
