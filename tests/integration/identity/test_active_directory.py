"""Active Directory specifics against a real Samba AD DC: UPN, unicodePwd, UAC, StartTLS."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from connectors.errors import RejectedError
from connectors.identity import EMPLOYEE_TYPE, NewUser, UserStatus, iter_users
from connectors.identity.ad import ActiveDirectory
from connectors.identity.ldap import Connection, LdapOptions, Server, Tls
from tests.services.samba import SambaServer, set_last_logon

pytestmark = pytest.mark.samba

PASSWORD = "Zq7!one-Time-Pass"


def options(server: SambaServer, **changes: object) -> LdapOptions:
    values: dict[str, object] = {
        "url": server.ldaps_url,
        "ca_file": server.ca_file,
        "bind_dn": server.admin_upn,
        "bind_password": server.admin_password,
        "base_dn": server.base_dn,
        "user_base": server.users,
        "group_base": server.users,
        "timeout_s": 5,
    }
    values.update(changes)
    return LdapOptions(**values)  # type: ignore[arg-type]


@pytest.fixture
def ad(samba_ad_server: SambaServer) -> Iterator[ActiveDirectory]:
    directory = ActiveDirectory("samba-ad", options(samba_ad_server))
    yield directory
    directory.close()


def new_login() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def bind_result(server: SambaServer, login: str, password: str) -> str:
    conn = Connection(
        Server(server.ldaps_url, use_ssl=True, tls=Tls(ca_certs_file=server.ca_file)),
        f"{login}@example.test",
        password,
    )
    conn.bind()
    message = str(conn.result.get("message", ""))
    conn.unbind()
    return message


def test_find_by_user_principal_name(ad: ActiveDirectory) -> None:
    """A login matches sAMAccountName or userPrincipalName; the reported login is sAMAccountName."""
    login = new_login()
    ad.create_user(NewUser(login=login, given_name="Grace", family_name="Hopper"))

    found = ad.find_user(login=f"{login}@example.test")

    assert found is not None
    assert found.login == login


def test_starttls_on_389_works(samba_ad_server: SambaServer) -> None:
    """``ldap://`` plus ``start_tls`` is as good as LDAPS, passwords included."""
    directory = ActiveDirectory(
        "samba-ad", options(samba_ad_server, url=samba_ad_server.ldap_url, start_tls=True)
    )
    login = new_login()
    user_id = directory.create_user(
        NewUser(login=login, given_name="Grace", family_name="Hopper")
    ).target

    directory.set_one_time_password(user_id, PASSWORD)

    assert directory.get_user(user_id).password_must_change
    directory.close()


def test_plain_ldap_refuses_passwords_before_sending(samba_ad_server: SambaServer) -> None:
    """Without TLS, creating an account (which sets a password) is refused locally."""
    directory = ActiveDirectory("samba-ad", options(samba_ad_server, url=samba_ad_server.ldap_url))

    with pytest.raises(RejectedError, match="unencrypted"):
        directory.create_user(NewUser(login=new_login(), given_name="G", family_name="H"))


def test_weak_password_is_rejected(ad: ActiveDirectory) -> None:
    """The domain's complexity rule surfaces as a permanent RejectedError (constraintViolation)."""
    user_id = ad.create_user(NewUser(login=new_login(), given_name="G", family_name="H")).target

    with pytest.raises(RejectedError, match="constraintViolation"):
        ad.set_one_time_password(user_id, "weak")


def test_one_time_password_must_change_at_logon(
    samba_ad_server: SambaServer, ad: ActiveDirectory
) -> None:
    """After a one-time password, the DC refuses a normal logon until it is changed (data 773)."""
    login = new_login()
    user_id = ad.create_user(NewUser(login=login, given_name="G", family_name="H")).target

    ad.set_one_time_password(user_id, PASSWORD)

    assert "data 773" in bind_result(samba_ad_server, login, PASSWORD)


def test_disabled_account_cannot_log_on(samba_ad_server: SambaServer, ad: ActiveDirectory) -> None:
    """Disable sets ACCOUNTDISABLE: the DC refuses the logon (data 533)."""
    login = new_login()
    user_id = ad.create_user(NewUser(login=login, given_name="G", family_name="H")).target
    ad.set_one_time_password(user_id, PASSWORD)

    ad.disable_user(user_id)

    assert ad.get_user(user_id).status == UserStatus.DISABLED
    assert "data 533" in bind_result(samba_ad_server, login, PASSWORD)


def test_user_id_is_the_object_guid(ad: ActiveDirectory) -> None:
    """Ids are objectGUIDs, so they survive renames; a DN is not an id."""
    change = ad.create_user(NewUser(login=new_login(), given_name="G", family_name="H"))
    user = ad.get_user(change.target)

    assert str(uuid.UUID(change.target)) == change.target
    assert user.attributes["dn"].startswith("CN=")


def test_the_last_logon_is_reported_for_recommendations(
    ad: ActiveDirectory, samba_ad_server: SambaServer
) -> None:
    """``lastLogonTimestamp`` (FILETIME) becomes ``attributes["last_login"]`` (ISO 8601, UTC)."""
    change = ad.create_user(NewUser(login=new_login(), given_name="L", family_name="Ast"))
    fresh = ad.get_user(change.target)
    assert "last_login" not in fresh.attributes  # never logged on
    when = dt.datetime(2026, 8, 1, 9, 30, tzinfo=dt.UTC)
    filetime = int((when.timestamp() + 11_644_473_600) * 10_000_000)

    set_last_logon(samba_ad_server, fresh.attributes["dn"], filetime)

    assert ad.get_user(change.target).attributes["last_login"] == "2026-08-01T09:30:00+00:00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Contractor", "Contractor"), ("intern", "intern"), (None, None)],
    ids=["contractor", "case-kept", "absent"],
)
def test_employee_type_is_reported(
    ad: ActiveDirectory, value: str | None, expected: str | None
) -> None:
    """AD's ``employeeType`` (single-valued on user) becomes ``attributes["employee_type"]``."""
    login = new_login()
    extra = {"employeeType": value} if value else {}
    change = ad.create_user(NewUser(login=login, given_name="E", family_name="T", attributes=extra))

    found = ad.find_user(login=login)
    listed = [u for u in iter_users(ad) if u.login == login]

    assert found is not None
    reads = [ad.get_user(change.target), found, *listed]
    assert [u.attributes.get(EMPLOYEE_TYPE) for u in reads] == [expected] * 3
