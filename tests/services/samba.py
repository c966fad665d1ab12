"""
A throwaway Samba Active Directory DC on 127.0.0.1 (LDAP 389, LDAPS 636: Samba's ports are fixed,
so one DC per address).

Provisioning takes ~4 s, so the first run provisions a template domain in the temp dir (once per
machine and Samba version) and every run copies it (only ``smb.conf`` holds absolute paths).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from connectors.identity.ldap import MODIFY_ADD, MODIFY_REPLACE, Connection, Server, Tls
from tests.services.process import port_in_use, stop, unavailable, wait_until
from tests.services.tls import make_certificate

REALM = "EXAMPLE.TEST"
DOMAIN = "EXAMPLE"
BASE_DN = "DC=example,DC=test"
ADMIN_UPN = "Administrator@example.test"
ADMIN_PASSWORD = "Adm1n-Passw0rd!"
USERS = f"CN=Users,{BASE_DN}"
LOCKOUT_THRESHOLD = 3
GROUP_TYPE_GLOBAL_SECURITY = -2147483646


@dataclass(frozen=True)
class SambaServer:
    """Where the running DC listens and how to bind to it."""

    ldap_url: str
    ldaps_url: str
    ca_file: str
    base_dn: str
    admin_upn: str
    admin_password: str
    users: str
    process: subprocess.Popen[bytes]
    port_lock: int
    """A file descriptor holding the machine-wide lock on Samba's fixed ports."""

    def stop(self) -> None:
        """Stop the DC we started and let the next test run have the ports."""
        stop(self.process)
        os.close(self.port_lock)


def start_samba(samba: str, workdir: Path) -> SambaServer:
    """Copy the provisioned template into ``workdir`` and run ``samba`` in the foreground."""
    port_lock = _lock_ports()
    if port_in_use(389) or port_in_use(636):
        os.close(port_lock)
        unavailable("127.0.0.1:389/636 is already taken; Samba AD cannot choose its ports")
    template = _template(samba)
    domain = workdir / "domain"
    shutil.copytree(template, domain, symlinks=True)
    conf = domain / "etc" / "smb.conf"
    conf.write_text(conf.read_text().replace(str(template), str(domain)))
    make_certificate(workdir / "cert.pem", workdir / "key.pem", "dc1.example.test")
    log = workdir / "samba.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [samba, "-F", "--no-process-group", "-M", "single", "-s", conf, "--debug-stdout",
             "--option=server services = ldap", "--option=interfaces = 127.0.0.1",
             "--option=bind interfaces only = yes", f"--option=pid directory = {workdir}",
             "--option=tls enabled = yes", f"--option=tls keyfile = {workdir / 'key.pem'}",
             f"--option=tls certfile = {workdir / 'cert.pem'}", "--option=tls cafile = "],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    wait_until(lambda: port_in_use(636) and port_in_use(389), proc, log, "samba")
    return SambaServer(
        "ldap://127.0.0.1:389", "ldaps://127.0.0.1:636", str(workdir / "cert.pem"), BASE_DN,
        ADMIN_UPN, ADMIN_PASSWORD, USERS, proc, port_lock,
    )  # fmt: skip


def _lock_ports(wait_s: float = 60) -> int:
    """
    Take the machine-wide lock on 127.0.0.1:389/636 (Samba's ports are fixed), waiting for
    another test run on this machine to finish with them.
    """
    fd = os.open(Path(tempfile.gettempdir()) / "deskpilot-samba-ad.lock", os.O_CREAT | os.O_RDWR)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                unavailable("another test run has held Samba AD's fixed ports for a minute")
            time.sleep(0.2)


def _template(samba: str) -> Path:
    version = subprocess.run(
        [samba, "-V"], check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    template = Path(tempfile.gettempdir()) / f"deskpilot-samba-ad-{version}"
    if (template / ".ok").exists():
        return template
    building = Path(tempfile.mkdtemp(prefix="deskpilot-samba-provision-"))
    _provision(building / "domain")
    (building / "domain" / ".ok").touch()
    try:
        os.rename(building / "domain", template)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)  # another run finished first; use its copy
        return template
    conf = template / "etc" / "smb.conf"
    conf.write_text(conf.read_text().replace(str(building / "domain"), str(template)))
    shutil.rmtree(building, ignore_errors=True)
    return template


def _provision(target: Path) -> None:
    empty = target.parent / "empty.conf"
    empty.write_text("")  # keep the host's /etc/samba/smb.conf out of the new domain
    tool = shutil.which("samba-tool") or "/usr/bin/samba-tool"
    subprocess.run(
        [tool, "domain", "provision", "-s", empty, f"--targetdir={target}", f"--realm={REALM}",
         f"--domain={DOMAIN}", "--host-name=dc1", "--server-role=dc", "--dns-backend=NONE",
         f"--adminpass={ADMIN_PASSWORD}", "--host-ip=127.0.0.1",
         f"--option=log file = {target}/log.%m"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # Lock out after 3 bad passwords until an admin unlocks; complexity stays on, like real AD.
    subprocess.run(
        [tool, "domain", "passwordsettings", "set", "-s", target / "etc" / "smb.conf",
         "-H", target / "private" / "sam.ldb", f"--account-lockout-threshold={LOCKOUT_THRESHOLD}",
         "--account-lockout-duration=0", "--reset-account-lockout-after=0", "--min-pwd-age=0",
         "--history-length=0"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def _admin(server: SambaServer) -> Connection:
    tls = Tls(ca_certs_file=server.ca_file)
    return Connection(
        Server(server.ldaps_url, use_ssl=True, tls=tls),
        server.admin_upn,
        server.admin_password,
        auto_bind=True,
    )


def make_group(server: SambaServer, name: str) -> None:
    """Create a global security group in CN=Users, as the domain admin."""
    conn = _admin(server)
    try:
        conn.add(  # type: ignore[no-untyped-call]
            f"CN={name},{server.users}",
            ["top", "group"],
            {"sAMAccountName": name, "groupType": GROUP_TYPE_GLOBAL_SECURITY},
        )
        assert conn.result["result"] == 0, conn.result
    finally:
        conn.unbind()


def nest_group(server: SambaServer, child: str, parent: str) -> None:
    """Make group ``child`` (in CN=Users) a member of group ``parent``, as the domain admin."""
    conn = _admin(server)
    try:
        conn.modify(  # type: ignore[no-untyped-call]
            f"CN={parent},{server.users}",
            {"member": [(MODIFY_ADD, [f"CN={child},{server.users}"])]},
        )
        assert conn.result["result"] in (0, 20, 68), conn.result  # 20, 68: already a member
    finally:
        conn.unbind()


def set_last_logon(server: SambaServer, dn: str, filetime: int) -> None:
    """Backdate an account's ``lastLogonTimestamp`` (FILETIME), as the domain admin may."""
    conn = _admin(server)
    try:
        conn.modify(dn, {"lastLogonTimestamp": [(MODIFY_REPLACE, [str(filetime)])]})  # type: ignore[no-untyped-call]
        assert conn.result["result"] == 0, conn.result
    finally:
        conn.unbind()


def fail_logins(server: SambaServer, login: str) -> None:
    """Bind with a wrong password until the domain policy locks the account out."""
    tls = Tls(ca_certs_file=server.ca_file)
    for _ in range(LOCKOUT_THRESHOLD):
        conn = Connection(Server(server.ldaps_url, use_ssl=True, tls=tls), login, "Wrong-Passw0rd!")
        assert not conn.bind()
        conn.unbind()
