"""Real directory servers for the playbooks-on-real-directories tests (shared per session)."""

from __future__ import annotations

from tests.services.fixtures import samba_ad_server, slapd_server

__all__ = ["samba_ad_server", "slapd_server"]
