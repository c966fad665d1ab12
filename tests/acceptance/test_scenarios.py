"""
The acceptance scenarios (``tests/acceptance/scenarios.json``, or ``$DESKPILOT_ACCEPTANCE_FILE``),
each its own test, through the real pipeline on SQLite: see ``docs/acceptance.md``.

A scenario whose behaviour another part of issue 14 still has to build is marked
``xfail(strict=True)`` with what is missing, so it turns into a failure the moment it passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.runner import load_file, play

pytestmark = pytest.mark.slow  # each scenario runs the whole pipeline (1 to 5 s)
DOC = load_file()
PENDING: dict[str, str] = {
    "P07-agent-approval-refused-then-manager": (
        "classifier (issue 17): the intent is right (access_grant for a BigQuery access request in business prose) but below the gate's threshold (0.62 of 0.90)"
    ),
    "P08-owner-only-manager-refused": (
        "classifier (issue 17): the intent is right (access_grant for a Deal Desk access request) but far below the gate's threshold (0.56 of 0.90)"
    ),
    "P14-timebound-extend": (
        "classifier (issue 17): the intent is right (access_grant for a Benchling access request) but below the gate's threshold (0.85 of 0.90)"
    ),
    "P28-long-thread-target-in-quotes": (
        "classifier (issue 17): the intent is right (access_grant for a forwarded access request) but far below the gate's threshold (0.30 of 0.90), not_account close behind (0.25)"
    ),
    "P33-onboarding-catch-all-template": (
        "classifier (issue 17): the intent is right (account_create for a new starter) but below the gate's threshold (0.62 of 0.85)"
    ),
}
"""Scenario id → the missing behaviour (and who builds it) that keeps it from passing. Every one
of these passes when an agent's ``/intent`` supplies the intent (``DESKPILOT_ACCEPTANCE_AGENT_INTENT``
in ``runner.py``): the classifier is the only blocker left."""


def _cases() -> list[Any]:
    cases = []
    for scenario in DOC["scenarios"]:
        marks = []
        if scenario["id"] in PENDING:
            marks.append(pytest.mark.xfail(strict=True, reason=PENDING[scenario["id"]]))
        cases.append(pytest.param(scenario, id=scenario["id"], marks=marks))
    return cases


@pytest.mark.parametrize("scenario", _cases())
def test_scenario(scenario: dict[str, Any], tmp_path: Path) -> None:
    """The scenario's timeline, its checkpoints and its ``expect`` hold."""
    play(DOC, scenario, f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}")
