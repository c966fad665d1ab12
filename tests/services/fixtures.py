"""
Session fixtures that start the real directory servers once per test run, on loopback, in temp
dirs, and stop them (by the pid we started) at the end. Import them into a conftest.py.

A missing binary skips the tests locally and fails them when ``CI=true``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.process import require_binary, unavailable
from tests.services.samba import SambaServer, start_samba
from tests.services.scim import ScimServer, start_scim
from tests.services.slapd import SlapdServer, start_slapd

STARTUP_ERRORS = (OSError, RuntimeError, subprocess.SubprocessError)


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """A running OpenLDAP slapd (ppolicy, memberOf, refint, StartTLS and LDAPS)."""
    slapd = require_binary("/usr/sbin/slapd", "slapd")
    workdir: Path = tmp_path_factory.mktemp("slapd")
    try:
        server = start_slapd(slapd, workdir)
    except STARTUP_ERRORS as exc:
        unavailable(f"slapd did not start: {exc}")
        raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def samba_ad_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaServer]:
    """A running Samba AD DC on 127.0.0.1:389/636 (lockout after 3 bad passwords)."""
    samba = require_binary(
        "/usr/sbin/samba", "samba samba-ad-dc samba-ad-provision samba-dsdb-modules"
    )
    require_binary("samba-tool", "samba-common-bin")
    try:
        server = start_samba(samba, tmp_path_factory.mktemp("samba"))
    except STARTUP_ERRORS as exc:
        unavailable(f"samba did not start: {exc}")
        raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def scim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    """A running scim2-server with a static bearer token."""
    try:
        server = start_scim(tmp_path_factory.mktemp("scim"))
    except STARTUP_ERRORS as exc:
        unavailable(f"scim2-server did not start: {exc}")
        raise
    yield server
    server.stop()
