"""
Last logons as licence signals, read from the real servers: Samba AD's ``lastLogonTimestamp``
(backdated by an admin, as the research probe did) and OpenLDAP's ``lastbind`` ``authTimestamp``
(seeded backdated with ``slapadd``), then bucketed with their lag.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ldap3 import MODIFY_REPLACE, Connection, Server, Tls
from typer.testing import CliRunner

from connectors.identity import NewUser
from connectors.identity.ad import ActiveDirectory, unicode_password
from connectors.identity.ldap import LdapOptions
from connectors.licences import Holder, Snapshot
from connectors.licences.directory_activity import FILETIME_EPOCH, DirectoryActivity
from playbooks.licences.snapshot import usage_of
from playbooks.licences.usage import Policy, assess_all
from tests.integration.licences.test_scim_licences import add_user
from tests.services.process import require_binary
from tests.services.samba import SambaServer
from tests.services.scim import ScimServer
from tests.services.slapd import PEOPLE, SlapdServer, start_slapd
from worker.cli.licences import app

PASSWORD = "Zq7!licence-Pass"
NOW = datetime.now(UTC)


def bucket_of(logins: list[str], logons: list[object], now: datetime) -> dict[str, str]:
    holders = tuple(
        Holder("Zoom", login, login, ("Licensed",), True, datetime(2020, 1, 1, tzinfo=UTC))
        for login in logins
    )
    people, assignments = usage_of([Snapshot("Zoom", now, (), holders)], logons)  # type: ignore[arg-type]
    return {
        a.assignment.identity_id: a.bucket
        for a in assess_all(assignments, people, Policy(default_days=30), [], now)
    }


@pytest.mark.samba
def test_ad_last_logon_timestamp_backdated_and_fresh(samba_ad_server: SambaServer) -> None:
    server = samba_ad_server
    options = LdapOptions(
        url=server.ldaps_url, ca_file=server.ca_file, bind_dn=server.admin_upn,
        bind_password=server.admin_password, base_dn=server.base_dn, user_base=server.users,
        timeout_s=5,
    )  # fmt: skip
    ad = ActiveDirectory("samba-ad", options)
    tag = uuid.uuid4().hex[:6]
    old, fresh, never = f"old{tag}", f"fresh{tag}", f"never{tag}"
    try:
        for login in (old, fresh, never):
            ad.create_user(NewUser(login, "Li", "Cence", email=f"{login}@example.test"))
            dn = f"CN={login},{server.users}"
            ad.session.modify(dn, {"unicodePwd": [(MODIFY_REPLACE, [unicode_password(PASSWORD)])]})
            ad.session.modify(dn, {"pwdLastSet": [(MODIFY_REPLACE, [-1])]})
        bound_at = datetime.now(UTC)  # NOW is the module's import, minutes earlier in a suite
        for login in (old, fresh):  # a simple bind sets lastLogonTimestamp (it was unset)
            conn = Connection(
                Server(server.ldaps_url, use_ssl=True, tls=Tls(ca_certs_file=server.ca_file)),
                f"{login}@example.test", PASSWORD,
            )  # fmt: skip
            assert conn.bind(), conn.result
            conn.unbind()
        backdated = NOW - timedelta(days=120)
        ticks = int((backdated - FILETIME_EPOCH).total_seconds() * 10_000_000)
        ad.session.modify(
            f"CN={old},{server.users}", {"lastLogonTimestamp": [(MODIFY_REPLACE, [str(ticks)])]}
        )
    finally:
        ad.close()

    logons = {
        x.login: x
        for x in DirectoryActivity(
            "samba-ad", options, kind="active_directory", page_size=2
        ).logons()
    }

    assert abs((logons[old].activity[0].at - backdated).total_seconds()) < 1
    assert "ad_last_logon_timestamp" == logons[old].activity[0].source
    assert abs((logons[fresh].activity[0].at - bound_at).total_seconds()) < 600
    assert () == logons[never].activity
    assert f"{fresh}@example.test" in logons[fresh].names
    # 30-day threshold + 14 days of lag: 120 days is unused, a logon today keeps the seat.
    emails = [f"{login}@example.test" for login in (old, fresh, never)]
    assert {emails[0]: "unused", emails[1]: "active", emails[2]: "unused"} == bucket_of(
        emails, list(logons.values()), NOW
    )


SEED = """\
dn: uid=old,{people}
objectClass: inetOrgPerson
uid: old
cn: Old Bind
sn: Bind
mail: old@example.org
userPassword: {password}
authTimestamp: {old}

dn: uid=fresh,{people}
objectClass: inetOrgPerson
uid: fresh
cn: Fresh Bind
sn: Bind
mail: fresh@example.org
userPassword: {password}

dn: uid=never,{people}
objectClass: inetOrgPerson
uid: never
cn: Never Bound
sn: Bound
mail: never@example.org
userPassword: {password}
"""


@pytest.fixture(scope="module")
def lastbind_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """A slapd of its own with the lastbind overlay and three people, one last bound long ago."""
    slapd = require_binary("/usr/sbin/slapd", "slapd")
    old = (NOW - timedelta(days=120)).strftime("%Y%m%d%H%M%SZ")
    seed = SEED.format(people=PEOPLE, password=PASSWORD, old=old)
    server = start_slapd(
        slapd, Path(tmp_path_factory.mktemp("slapd-lastbind")), lastbind=True, seed=seed
    )
    yield server
    server.stop()


@pytest.mark.slapd
def test_openldap_auth_timestamp_from_lastbind(lastbind_slapd: SlapdServer) -> None:
    server = lastbind_slapd
    conn = Connection(Server(server.url), f"uid=fresh,{server.people}", PASSWORD)
    assert conn.bind(), conn.result
    conn.unbind()
    options = LdapOptions(
        url=server.ldaps_url, ca_file=server.ca_file, bind_dn=server.service_dn,
        bind_password=server.service_password, base_dn=server.base_dn, user_base=server.people,
        timeout_s=5,
    )  # fmt: skip

    logons = {x.login: x for x in DirectoryActivity("openldap", options, kind="openldap").logons()}

    assert abs((logons["old"].activity[0].at - (NOW - timedelta(days=120))).total_seconds()) < 61
    assert "ldap_auth_timestamp" == logons["fresh"].activity[0].source
    assert abs((logons["fresh"].activity[0].at - datetime.now(UTC)).total_seconds()) < 120
    assert () == logons["never"].activity
    assert logons["never"].created is not None
    emails = ["old@example.org", "fresh@example.org", "never@example.org"]
    assert {emails[0]: "unused", emails[1]: "active", emails[2]: "unused"} == bucket_of(
        emails, list(logons.values()), datetime.now(UTC)
    )


@pytest.mark.samba
@pytest.mark.scim
def test_snapshot_cli_joins_scim_seats_to_ad_logons(
    samba_ad_server: SambaServer,
    scim_server: ScimServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = samba_ad_server
    options = LdapOptions(
        url=server.ldaps_url, ca_file=server.ca_file, bind_dn=server.admin_upn,
        bind_password=server.admin_password, base_dn=server.base_dn, user_base=server.users,
        timeout_s=5,
    )  # fmt: skip
    login = f"seat{uuid.uuid4().hex[:6]}"
    ad = ActiveDirectory("samba-ad", options)
    try:
        ad.create_user(NewUser(login, "Sea", "T", email=f"{login}@example.test"))
        ticks = int((NOW - timedelta(days=3) - FILETIME_EPOCH).total_seconds() * 10_000_000)
        ad.session.modify(
            f"CN={login},{server.users}", {"lastLogonTimestamp": [(MODIFY_REPLACE, [str(ticks)])]}
        )
    finally:
        ad.close()
    add_user(scim_server, f"{login}@example.test", [{"value": "pro", "type": "license"}])
    monkeypatch.setenv("LICENCES_AD_PASSWORD", server.admin_password)
    monkeypatch.setenv("LICENCES_SCIM_TOKEN", scim_server.token)
    (tmp_path / "deskpilot.yaml").write_text(
        "directories:\n"
        "  - name: samba\n"
        "    type: active_directory\n"
        f"    url: {server.ldaps_url}\n"
        f"    options: {{bind_dn: '{server.admin_upn}', base_dn: '{server.base_dn}',\n"
        f"              user_base: '{server.users}', ca_file: '{server.ca_file}'}}\n"
        "    credentials: {bind_password: {env: LICENCES_AD_PASSWORD}}\n"
        "licences:\n"
        "  directories: [samba]\n"
        "  sources:\n"
        f"    - {{name: app, type: scim, vendor: App, options: {{url: '{scim_server.url}'}},\n"
        "       credentials: {token: {env: LICENCES_SCIM_TOKEN}}}\n"
    )

    result = CliRunner().invoke(
        app,
        [
            "snapshot",
            "--config",
            str(tmp_path / "deskpilot.yaml"),
            "--out",
            str(tmp_path / "u.csv"),
        ],
    )

    assert 0 == result.exit_code, result.output
    rows = [r for r in csv.DictReader(io.StringIO((tmp_path / "u.csv").read_text()))
            if r["identity"] == f"{login}@example.test"]  # fmt: skip
    assert [("App", "pro", "ad_last_logon_timestamp")] == [
        (r["vendor"], r["sku"], r["source"]) for r in rows
    ]
    assert server.admin_password not in result.output
