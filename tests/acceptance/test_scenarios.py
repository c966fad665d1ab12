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
PENDING: dict[str, str] = {
    "P01-unlock-owner": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (account_unlock 0.70 < 0.85); then accounts (14.2): no target from free text"
    ),
    "P03-reset-by-manager-login": (
        "accounts (14.2): the target named by login (`dominics`) is not found; a word of the text is taken as a login"
    ),
    "P04-password-reset-owner": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (password_reset)"
    ),
    "P05-mfa-reset-french": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (mfa_reset, French); then accounts (14.4): the manager's approval rule"
    ),
    "P06-grant-for-report-requester-cannot-approve": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant); then accounts (14.2): the report named in the text is the target, not the requester"
    ),
    "P07-agent-approval-refused-then-manager": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a BigQuery access request); then accounts (14.4): manager_or_owner"
    ),
    "P08-owner-only-manager-refused": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a Deal Desk access request)"
    ),
    "P09-reject-segregation-of-duties": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant)"
    ),
    "P10-privileged-group-escalated": (
        "classifier (issue 17): the text model picks the wrong intent (license_request instead of access_grant)"
    ),
    "P11-privileged-account-unlock": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (account_unlock); then accounts (14.2): the named account t0-tomasi as target"
    ),
    "P12-timebound-duration-in-text": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant)"
    ),
    "P13-timebound-field-drift": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant); then accounts (14.2, 14.3): ServiceNow requester and the duration field"
    ),
    "P14-timebound-extend": (
        "classifier (issue 17): the text model picks the wrong intent (not_account)"
    ),
    "P15-contractor-until-contract-end": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant); then accounts (14.3): access until the contract end"
    ),
    "P16-timebound-revoke-now-by-service-desk": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant); then accounts (14.4): the owner's approval"
    ),
    "P17-offboarding-leaver-by-name": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a leaver); then accounts (14.2): the leaver named by full name"
    ),
    "P18-onboarding-exact-template": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (account_create); then accounts (14.6): naming and role templates"
    ),
    "P19-onboarding-wildcard-title": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (account_create); then accounts (14.6): naming and the `*` title template"
    ),
    "P20-name-change-needs-hr": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (account_update); then accounts (14.4): the HR group approves a name change"
    ),
    "P21-licence-request-for-report": (
        "classifier (issue 17): the text model picks the wrong intent (license_reclaim instead of license_request); then accounts (14.4): licence owner approves"
    ),
    "P22-licence-reclaim": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (license_reclaim); then accounts (14.2): the target in the `User` field"
    ),
    "P23-two-applications-one-ticket": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant); then accounts (14.5): two applications in one plan"
    ),
    "P24-bulk-csv-three-bad-rows": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (account_create); then accounts (14.6): bulk rows carrying their own groups and licences"
    ),
    "P25-duplicate-delivery-and-echo": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant)"
    ),
    "P26-apply-failure-compensated": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant); then accounts (14.5) several items and recovery (14.7) compensation"
    ),
    "P27-forwarded-approval-ignored": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a remote-access request)"
    ),
    "P28-long-thread-target-in-quotes": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (access_grant); then accounts (14.2): the target only in the quoted thread"
    ),
    "P31-vague-low-confidence": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a vague account complaint: expected a low-confidence suggestion)"
    ),
    "P33-onboarding-catch-all-template": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a new starter)"
    ),
    "P35-owner-self-approval-refused": (
        "classifier (issue 17): the text model picks the wrong intent (not_account for a BigQuery access request); then accounts (14.4): the owner's manager approves"
    ),
    "P36-mfa-reset-polled-with-echo": (
        "classifier (issue 17): the text model's confidence is below the auto-run threshold (mfa_reset); then accounts (14.2): a word of the text is taken as the target login"
    ),
}
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
