"""
The same scenario on another desk. deskpilot is desk-neutral, but the shipped file puts each
ticket on one desk only, and a held-out set may put it on another: every scenario is played once
more on the next desk (Jira → Zendesk → ServiceNow → Salesforce → Jira), and a scenario that
carries a file (a bulk CSV) on each of the other three, its request kind moved to the key that
desk uses and everything else as the file says. Scenarios still pending on the classifier are
left out (``PENDING``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.deployment import DESK_NAMES
from tests.acceptance.runner import load_file, play
from tests.acceptance.test_scenarios import PENDING
from worker.db.store import ticket_from_json

pytestmark = pytest.mark.slow
DOC = load_file()
FORM_KEYS = {
    "jira": "request_type",
    "zendesk": "form",
    "servicenow": "catalog_item",
    "salesforce": "case_type",
}
"""Each desk's own request kind, as the file's conventions name it, in rotation order."""
DESKS = list(FORM_KEYS)


def on_desk(scenario: dict[str, Any], desk: str) -> dict[str, Any]:
    """``scenario`` as if its ticket had been raised on ``desk``."""
    ticket = dict(scenario["ticket"])
    kind = ticket.pop(FORM_KEYS[scenario["desk"]], None)
    if kind is not None:
        ticket[FORM_KEYS[desk]] = kind
    return {**scenario, "desk": desk, "ticket": ticket}


def _other_desks(scenario: dict[str, Any]) -> list[str]:
    if scenario["ticket"].get("attachment_csv") is not None:
        return [desk for desk in DESKS if desk != scenario["desk"]]
    return [DESKS[(DESKS.index(scenario["desk"]) + 1) % len(DESKS)]]


def _cases() -> list[Any]:
    return [
        pytest.param(on_desk(scenario, desk), id=f"{scenario['id']}-on-{desk}")
        for scenario in DOC["scenarios"]
        if scenario["id"] not in PENDING
        for desk in _other_desks(scenario)
    ]


@pytest.mark.parametrize("scenario", _cases())
def test_a_scenario_holds_on_another_desk(scenario: dict[str, Any], tmp_path: Path) -> None:
    """The scenario's own checks hold (``play``), and the ticket deskpilot stored is the other
    desk's: taken from that desk instance, in that desk's kind."""
    h = play(DOC, scenario, f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}")
    row = h.ticket_row()
    assert row is not None
    assert (row.desk, ticket_from_json(row.snapshot).desk_type) == (
        DESK_NAMES[scenario["desk"]],
        scenario["desk"],
    )
