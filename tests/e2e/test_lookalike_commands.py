"""
A command written with look-alike characters is not run, and its writer is told so.

Olivia may approve Bob's request. A full-width slash (U+FF0F, which a Japanese input method types), a
Cyrillic a (U+0430) or a zero-width space pasted from a chat client make a line that reads as
``/approve`` to a person but is no command: it must not be run (whoever wrote it), and before
it was dropped silently, so Olivia's approval was lost without a word and Bob waited.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.authority_scenarios import (
    Scenario,
    jira_scenario,
    salesforce_scenario,
    snow_scenario,
    zendesk_scenario,
)
from tests.e2e.authority_support import Desks, four_desks


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


LOOK_ALIKES: list[tuple[str, Scenario, str]] = [
    ("jira-full-width-slash", jira_scenario, "\uff0fapprove"),
    ("zendesk-cyrillic-a", zendesk_scenario, "Fine by me.\n/\u0430pprove"),
    ("servicenow-zero-width-space", snow_scenario, "\u200b/approve"),
    ("salesforce-division-slash", salesforce_scenario, "\u2215approve"),
]


@pytest.mark.parametrize(
    ("scenario", "body"), [c[1:] for c in LOOK_ALIKES], ids=[c[0] for c in LOOK_ALIKES]
)
def test_a_look_alike_approve_is_not_run_and_is_answered(
    desks: Desks, scenario: Scenario, body: str
) -> None:
    before = desks.groups("bob")

    desk, key = scenario(desks, "olivia", "olivia@example.com", body).split(":")

    assert before == desks.groups("bob")
    assert "waiting_approval" == desks.run_state(desk, key)
    assert [] == desks.approvals(desk, key)
    told = [n for n in desks.notes(desk, key) if "could not run that command" in n]
    assert len(told) == 1
    assert "looks like /approve" in told[0]
