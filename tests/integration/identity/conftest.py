"""Real servers for the LDAP/AD/SCIM-specific tests (shared per session with the contract suite)."""

from __future__ import annotations

from tests.services.fixtures import samba_ad_server, scim_server, slapd_server

__all__ = ["samba_ad_server", "scim_server", "slapd_server"]
