"""OpenLDAP specifics against a real slapd: ppolicy disable, the empty-group placeholder, refint."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from connectors.identity import EMPLOYEE_TYPE, NewUser, iter_users
from connectors.identity.ldap import MODIFY_ADD, LdapOptions
from connectors.identity.ldap_session import LdapSession
from connectors.identity.openldap import DISABLED_LOCK, LdapDirectory
from tests.services.slapd import EMPTY_GROUP_MEMBER, SlapdServer, make_group

pytestmark = pytest.mark.slapd


@pytest.fixture
def ldap(slapd_server: SlapdServer) -> Iterator[LdapDirectory]:
    options = LdapOptions(
        url=slapd_server.ldaps_url,
        ca_file=slapd_server.ca_file,
        bind_dn=slapd_server.service_dn,
        bind_password=slapd_server.service_password,
        base_dn=slapd_server.base_dn,
        user_base=slapd_server.people,
        group_base=slapd_server.groups,
        timeout_s=5,
    )
    directory = LdapDirectory("openldap", options, empty_group_member=EMPTY_GROUP_MEMBER)
    yield directory
    directory.close()


def members(session: LdapSession, group_dn: str) -> list[str]:
    return sorted(session.read(group_dn, ["member"]).all("member"))


def test_disabled_accounts_carry_the_permanent_lock(ldap: LdapDirectory) -> None:
    """Disable writes ppolicy's 000001010000Z, so disabled users can be listed by filter."""
    login = f"t{uuid.uuid4().hex[:8]}"
    user_id = ldap.create_user(NewUser(login=login, given_name="G", family_name="H")).target

    ldap.disable_user(user_id)
    found = ldap.session.search(
        ldap.options.users, f"(&(uid={login})(pwdAccountLockedTime={DISABLED_LOCK}))", ["uid"]
    )

    assert [e.first("uid") for e in found] == [login]


def test_placeholder_keeps_an_emptied_group_valid(
    slapd_server: SlapdServer, ldap: LdapDirectory
) -> None:
    """The last member leaving leaves the placeholder; a new member replaces it again."""
    group = f"g{uuid.uuid4().hex[:8]}"
    make_group(slapd_server, group)
    group_dn = f"cn={group},{slapd_server.groups}"
    ada = ldap.create_user(NewUser(login=f"a{group}", given_name="A", family_name="L")).target

    ldap.add_to_group(ada, group)
    with_ada = members(ldap.session, group_dn)
    ldap.remove_from_group(ada, group)

    assert with_ada == [ldap.get_user(ada).attributes["dn"]]
    assert members(ldap.session, group_dn) == [EMPTY_GROUP_MEMBER]


def test_deleting_the_last_member_keeps_the_group(
    slapd_server: SlapdServer, ldap: LdapDirectory
) -> None:
    """refint swaps a deleted last member for the placeholder (refint_nothing); the group stays."""
    group = f"g{uuid.uuid4().hex[:8]}"
    make_group(slapd_server, group)
    ada = ldap.create_user(NewUser(login=f"a{group}", given_name="A", family_name="L")).target
    ldap.add_to_group(ada, group)

    ldap.delete_user(ada)

    # refint rewrites the group in the background, just after the delete returns.
    group_dn = f"cn={group},{slapd_server.groups}"
    deadline = time.monotonic() + 5
    while members(ldap.session, group_dn) != [EMPTY_GROUP_MEMBER] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert members(ldap.session, group_dn) == [EMPTY_GROUP_MEMBER]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["contractor"], "contractor"),
        (["Contractor", "Temp"], "Contractor"),
        (["Intern"], "Intern"),
        ([], None),
    ],
    ids=["one-value", "multi-valued-first", "case-kept", "absent"],
)
def test_employee_type_is_reported_from_employee_type(
    ldap: LdapDirectory, values: list[str], expected: str | None
) -> None:
    """inetOrgPerson ``employeeType`` (multi-valued): the first value, on every kind of read."""
    login = f"e{uuid.uuid4().hex[:8]}"
    user_id = ldap.create_user(NewUser(login=login, given_name="E", family_name="T")).target
    if values:
        dn = ldap.get_user(user_id).attributes["dn"]
        ldap.session.modify(dn, {"employeeType": [(MODIFY_ADD, values)]})

    found = ldap.find_user(login=login)
    listed = [u for u in iter_users(ldap) if u.login == login]

    assert found is not None
    assert [u.attributes.get(EMPLOYEE_TYPE) for u in (ldap.get_user(user_id), found, *listed)] == [
        expected
    ] * 3
    assert (EMPLOYEE_TYPE in found.attributes) == (expected is not None)
