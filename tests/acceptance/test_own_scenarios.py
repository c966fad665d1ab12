"""
The project's own acceptance scenarios (``tests/acceptance/own_scenarios.json``): a second
fictional company in the ``deskpilot-acceptance/1`` format, written to reach behaviour the public
set covers thinly (other desks' duration forms and leaver fields, two items with different
approvers, refused ``/extend`` ``/revoke-now`` ``/reject``, a bulk file on Zendesk with a
privileged group and a taken address, a login collision, a licence with no seat left…).

Each scenario is played with a service desk agent's ``/intent`` supplying the intent when the
classifier reads it otherwise (``DESKPILOT_ACCEPTANCE_AGENT_INTENT``): these texts are not
classifier benchmarks, they pin down what the pipeline does once the intent is known.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.runner import AGENT_INTENT, FORMAT, play

pytestmark = pytest.mark.slow  # each scenario runs the whole pipeline (1 to 5 s)
FILE = Path(__file__).with_name("own_scenarios.json")
DOC: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
assert DOC.get("format") == FORMAT, f"{FILE}: format {DOC.get('format')!r}"


@pytest.mark.parametrize("scenario", DOC["scenarios"], ids=[s["id"] for s in DOC["scenarios"]])
def test_own_scenario(
    scenario: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scenario's timeline, its checkpoints and its ``expect`` hold (intent given by an agent)."""
    monkeypatch.setenv(AGENT_INTENT, "1")
    play(DOC, scenario, f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}")
