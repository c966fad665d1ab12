"""Real servers for the licence snapshot tests (shared per session with the other suites)."""

from __future__ import annotations

from tests.services.fixtures import samba_ad_server, scim_server

__all__ = ["samba_ad_server", "scim_server"]
