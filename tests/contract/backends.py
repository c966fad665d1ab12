"""
What the contract suite needs from each directory beyond the Protocol: a way to create a group,
to lock an account through the server's own mechanism, and a client with wrong credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.identity import DirectoryClient, DirectoryUser


@dataclass(frozen=True)
class Backend:
    """One directory implementation under test, with its test-side helpers."""

    directory: DirectoryClient
    make_group: Callable[[str], None]
    """Create an empty group with this name (as the directory's admin would)."""
    lock: Callable[[DirectoryUser], None] | None
    """Lock the account the way the server does (failed logins); None if it has no lockout."""
    with_bad_credentials: Callable[[], DirectoryClient] | None
    """The same directory reached with a wrong password/token; None if it has no credentials."""
    nest_group: Callable[[str, str], None] | None = None
    """Make group ``child`` a member of group ``parent`` (nested groups), as the admin would."""
    strong_password: str = "Zq7!one-Time-Pass"
