"""A throwaway OpenLDAP slapd on loopback: ppolicy, memberOf, refint, LDAPS, a least-privilege service account."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from connectors.identity.ldap import MODIFY_ADD, Connection, Server, Tls
from tests.services.process import free_port, port_in_use, stop, wait_until
from tests.services.tls import make_certificate

SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
SERVICE_DN = f"cn=deskpilot,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "deskpilot-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
MAX_FAILURES = 3
EMPTY_GROUP_MEMBER = f"cn=nobody,{SUFFIX}"


@dataclass(frozen=True)
class SlapdServer:
    """Where the running slapd listens and how to bind to it."""

    url: str
    ldaps_url: str
    ca_file: str
    base_dn: str
    admin_dn: str
    admin_password: str
    service_dn: str
    service_password: str
    people: str
    groups: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop the server we started."""
        stop(self.process)


_CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile  {dir}/slapd.pid
argsfile {dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
moduleload memberof
moduleload refint
TLSCertificateFile {dir}/tls.crt
TLSCertificateKeyFile {dir}/tls.key
password-hash {{SSHA}}
loglevel none
sizelimit unlimited

database mdb
maxsize 104857600
suffix "{suffix}"
rootdn "{admin_dn}"
rootpw {admin_hash}
directory {dir}/db
index objectClass eq
index uid,cn,mail,employeeNumber eq
index member,memberOf eq
index entryUUID eq

overlay ppolicy
ppolicy_default "cn=default,ou=policies,{suffix}"
ppolicy_use_lockout
ppolicy_hash_cleartext

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE

overlay refint
refint_attributes member manager
refint_nothing "{placeholder}"

# The ACLs docs/directories.md recommends for deskpilot's service account.
access to attrs=userPassword
  by dn.exact="{service_dn}" write
  by self write
  by anonymous auth
  by * none
access to dn.subtree="{people}"
  by dn.exact="{service_dn}" write
  by self read
  by users read
  by * none
access to dn.subtree="{groups}"
  by dn.exact="{service_dn}" write
  by users read
  by * none
access to *
  by users read
  by * none
"""

_BASE = """\
dn: {suffix}
objectClass: dcObject
objectClass: organization
dc: example
o: example

dn: {people}
objectClass: organizationalUnit
ou: people

dn: {groups}
objectClass: organizationalUnit
ou: groups

dn: ou=services,{suffix}
objectClass: organizationalUnit
ou: services

dn: ou=policies,{suffix}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,{suffix}
objectClass: applicationProcess
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
pwdMaxFailure: {max_failures}
pwdLockoutDuration: 0
pwdFailureCountInterval: 0
pwdMustChange: TRUE
pwdAllowUserChange: TRUE
pwdInHistory: 0
pwdMinLength: 0
pwdCheckQuality: 0

dn: {service_dn}
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: deskpilot
userPassword: {service_hash}
"""


LASTBIND_MODULE = "moduleload lastbind\n"
LASTBIND_OVERLAY = "overlay lastbind\nlastbind-precision 60\n\n"


def start_slapd(
    slapd: str, workdir: Path, *, lastbind: bool = False, seed: str = ""
) -> SlapdServer:
    """
    Write a config into ``workdir``, load the base entries and run slapd in the foreground.

    ``lastbind``: also record each successful bind in ``authTimestamp`` (the ``lastbind``
    overlay, 60 s precision). ``seed``: more LDIF loaded with the base entries through
    ``slapadd``, the only way to write a backdated ``authTimestamp`` (a modify is refused).
    """
    (workdir / "db").mkdir(parents=True)
    make_certificate(workdir / "tls.crt", workdir / "tls.key", "localhost")
    names = {
        "dir": workdir,
        "suffix": SUFFIX,
        "admin_dn": ADMIN_DN,
        "service_dn": SERVICE_DN,
        "people": PEOPLE,
        "groups": GROUPS,
        "max_failures": MAX_FAILURES,
        "placeholder": EMPTY_GROUP_MEMBER,
        "admin_hash": _hash(ADMIN_PASSWORD),
        "service_hash": _hash(SERVICE_PASSWORD),
    }
    config = _CONFIG.format(**names)
    if lastbind:
        config = config.replace("moduleload refint\n", "moduleload refint\n" + LASTBIND_MODULE)
        config = config.replace("overlay refint\n", LASTBIND_OVERLAY + "overlay refint\n")
    (workdir / "slapd.conf").write_text(config)
    (workdir / "base.ldif").write_text(_BASE.format(**names) + ("\n" + seed if seed else ""))
    subprocess.run(
        ["/usr/sbin/slapadd", "-q", "-f", workdir / "slapd.conf", "-l", workdir / "base.ldif"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    port, ldaps_port = free_port(), free_port()
    url, ldaps_url = f"ldap://127.0.0.1:{port}", f"ldaps://127.0.0.1:{ldaps_port}"
    log = workdir / "slapd.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [slapd, "-f", workdir / "slapd.conf", "-h", f"{url}/ {ldaps_url}/", "-d", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    wait_until(lambda: _answers(port), proc, log, "slapd")
    ca = str(workdir / "tls.crt")
    return SlapdServer(
        url, ldaps_url, ca, SUFFIX, ADMIN_DN, ADMIN_PASSWORD, SERVICE_DN, SERVICE_PASSWORD,
        PEOPLE, GROUPS, proc,
    )  # fmt: skip


def _hash(password: str) -> str:
    out = subprocess.run(
        ["/usr/sbin/slappasswd", "-s", password], check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def _answers(port: int) -> bool:
    return port_in_use(port)


def make_group(server: SlapdServer, name: str) -> None:
    """Create a groupOfNames holding only the empty-group placeholder, as the admin."""
    conn = Connection(Server(server.url), server.admin_dn, server.admin_password, auto_bind=True)
    try:
        conn.add(
            f"cn={name},{server.groups}",
            ["groupOfNames"],
            {"cn": name, "member": [EMPTY_GROUP_MEMBER]},
        )  # type: ignore[no-untyped-call]
        assert conn.result["result"] == 0, conn.result
    finally:
        conn.unbind()


def fail_logins(server: SlapdServer, dn: str) -> None:
    """Bind with a wrong password until ppolicy locks the account."""
    tls = Tls(ca_certs_file=server.ca_file)
    for _ in range(MAX_FAILURES):
        conn = Connection(Server(server.url, tls=tls), dn, "wrong-password")
        conn.open()
        conn.start_tls()
        assert not conn.bind()
        conn.unbind()


def nest_group(server: SlapdServer, child: str, parent: str) -> None:
    """Make group ``child`` a member of group ``parent`` (a nested groupOfNames), as the admin."""
    conn = Connection(Server(server.url), server.admin_dn, server.admin_password, auto_bind=True)
    try:
        conn.modify(
            f"cn={parent},{server.groups}",
            {"member": [(MODIFY_ADD, [f"cn={child},{server.groups}"])]},
        )  # type: ignore[no-untyped-call]
        assert conn.result["result"] in (0, 20), conn.result  # 20: already a member
    finally:
        conn.unbind()
