"""
Session fixtures that start the real directory servers once per test run, on loopback, in temp
dirs, and stop them (by the pid we started) at the end. Import them into a conftest.py.

Several conftests import these fixtures, which gives each its own session fixture; a per-process
registry makes them share one server each (Samba's ports are fixed, so two DCs cannot run).

A missing binary skips the tests locally and fails them when ``CI=true``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from tests.services.process import require_binary, unavailable
from tests.services.samba import SambaServer, start_samba
from tests.services.scim import ScimServer, start_scim
from tests.services.slapd import SlapdServer, start_slapd

STARTUP_ERRORS = (OSError, RuntimeError, subprocess.SubprocessError)
S = TypeVar("S")
_RUNNING: dict[str, tuple[Any, int]] = {}
"""name → (server, number of fixture instances using it)."""


def _shared(name: str, start: Callable[[], S], stop: Callable[[S], None]) -> Iterator[S]:
    if name not in _RUNNING:
        try:
            _RUNNING[name] = (start(), 0)
        except STARTUP_ERRORS as exc:
            unavailable(f"{name} did not start: {exc}")
            raise
    server, users = _RUNNING[name]
    _RUNNING[name] = (server, users + 1)
    try:
        yield server
    finally:
        server, users = _RUNNING.pop(name)
        if users > 1:
            _RUNNING[name] = (server, users - 1)
        else:
            stop(server)


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """A running OpenLDAP slapd (ppolicy, memberOf, refint, StartTLS and LDAPS)."""
    slapd = require_binary("/usr/sbin/slapd", "slapd")
    yield from _shared(
        "slapd", lambda: start_slapd(slapd, tmp_path_factory.mktemp("slapd")), SlapdServer.stop
    )


@pytest.fixture(scope="session")
def samba_ad_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaServer]:
    """A running Samba AD DC on 127.0.0.1:389/636 (lockout after 3 bad passwords)."""
    samba = require_binary(
        "/usr/sbin/samba", "samba samba-ad-dc samba-ad-provision samba-dsdb-modules"
    )
    require_binary("samba-tool", "samba-common-bin")
    yield from _shared(
        "samba", lambda: start_samba(samba, tmp_path_factory.mktemp("samba")), SambaServer.stop
    )


@pytest.fixture(scope="session")
def scim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    """A running scim2-server with a static bearer token."""
    yield from _shared("scim", lambda: start_scim(tmp_path_factory.mktemp("scim")), ScimServer.stop)
