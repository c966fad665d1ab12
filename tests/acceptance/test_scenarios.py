"""
The acceptance scenarios (``tests/acceptance/scenarios.json``, or ``$DESKPILOT_ACCEPTANCE_FILE``),
each its own test, through the real pipeline on SQLite: see ``tests/acceptance/runner.py``.

A scenario whose behaviour another part of issue 14 still has to build is marked
``xfail(strict=True)`` with what is missing, so it turns into a failure the moment it passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.runner import load_file, play

DOC = load_file()
PENDING: dict[str, str] = {}
"""Scenario id → the missing behaviour (and who builds it) that keeps it from passing."""


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
