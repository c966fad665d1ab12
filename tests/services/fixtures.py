"""
Session fixtures that start the real directory servers once per test run, on loopback, in temp
dirs, and stop them (by the pid we started) at the end. Import them into a conftest.py.

A missing binary skips the tests locally and fails them when ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services.process import require_binary, unavailable
from tests.services.slapd import SlapdServer, start_slapd


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """A running OpenLDAP slapd (ppolicy, memberOf, refint, StartTLS and LDAPS)."""
    slapd = require_binary("/usr/sbin/slapd", "slapd")
    workdir: Path = tmp_path_factory.mktemp("slapd")
    try:
        server = start_slapd(slapd, workdir)
    except (OSError, RuntimeError) as exc:
        unavailable(f"slapd did not start: {exc}")
        raise
    yield server
    server.stop()
