"""Real servers for the tests (slapd, Samba AD, scim2-server), started on loopback."""

from __future__ import annotations

# Import ldap3 through deskpilot's LDAP module first: it silences pyasn1's import-time
# deprecation warnings, which `filterwarnings = error` would otherwise turn into errors.
import connectors.identity.ldap  # noqa: F401
