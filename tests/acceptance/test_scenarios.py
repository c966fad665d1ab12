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
    "P04-password-reset-owner": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (password_reset)"
    ),
    "P05-mfa-reset-french": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (mfa_reset, French)"
    ),
    "P06-grant-for-report-requester-cannot-approve": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (access_grant)"
    ),
    "P07-agent-approval-refused-then-manager": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a BigQuery access request)"
    ),
    "P08-owner-only-manager-refused": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a Deal Desk access request)"
    ),
    "P09-reject-segregation-of-duties": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (access_grant)"
    ),
    "P10-privileged-group-escalated": (
        "classifier (issue 17): the text model picks the wrong intent (license_request instead of access_grant)"
    ),
    "P12-timebound-duration-in-text": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a time-bound GCP access request)"
    ),
    "P13-timebound-field-drift": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (access_grant)"
    ),
    "P14-timebound-extend": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a Benchling access request)"
    ),
    "P15-contractor-until-contract-end": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (access_grant)"
    ),
    "P16-timebound-revoke-now-by-service-desk": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (access_grant)"
    ),
    "P17-offboarding-leaver-by-name": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a leaver)"
    ),
    "P19-onboarding-wildcard-title": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (account_create)"
    ),
    "P21-licence-request-for-report": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (license_request)"
    ),
    "P23-two-applications-one-ticket": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (access_grant)"
    ),
    "P24-bulk-csv-three-bad-rows": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (account_create)"
    ),
    "P25-duplicate-delivery-and-echo": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (access_grant)"
    ),
    "P27-forwarded-approval-ignored": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (access_grant)"
    ),
    "P28-long-thread-target-in-quotes": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a forwarded access request)"
    ),
    "P33-onboarding-catch-all-template": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a new starter)"
    ),
    "P35-owner-self-approval-refused": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a BigQuery access request)"
    ),
    "P36-mfa-reset-polled-with-echo": (
        "classifier (issue 17): the classifier's gate keeps its reading from running (confidence, margin or entity gate) (mfa_reset)"
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
