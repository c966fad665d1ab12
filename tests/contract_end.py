"""
What the contract-end tests of every directory share: one configured directory called ``corp``,
the ask "until the end of my contract" read at a fixed moment, and what it must come to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.identity import DirectoryUser
from playbooks.period import Unreadable, Until, read_period
from worker.config import AppSettings

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ASKED = "please add me to vpn-users until the end of my contract"


def app(section: dict[str, Any], people: dict[str, Any]) -> AppSettings:
    """Settings with one directory, ``corp`` (``section``), and ``playbooks.people``."""
    return AppSettings.model_validate(
        {"directories": [{"name": "corp", **section}], "playbooks": {"people": people}}
    )


def contract_period(settings: AppSettings, user: DirectoryUser) -> Until | Unreadable | None:
    """The period ``ASKED`` comes to for ``user``, with the attribute configured for ``corp``."""
    attribute = settings.playbooks.people.contract_end_of("corp")
    return read_period({}, ASKED, now=NOW, target=user, contract_end_attribute=attribute)


def assert_period(found: Until | Unreadable | None, expected: str | None) -> None:
    """The access ends at ``expected`` (ISO), read from the contract end; None: asked back."""
    if expected is None:
        assert isinstance(found, Unreadable)
        assert "no contract end date is recorded" in found.question
    else:
        assert isinstance(found, Until)
        assert (found.at.isoformat(), found.source) == (expected, "contract_end")
