"""The commented example configuration in docs/ stays valid as the schema evolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.cli.check import check_everything
from worker.config import load_config

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "deskpilot.example.yaml"


def test_example_config_is_valid() -> None:
    settings = load_config(EXAMPLE)

    assert [d.name for d in settings.desks] == ["jira-it"]
    assert settings.broker.url == "redis://redis.internal:6379/0"


def test_check_reports_only_the_missing_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "JIRA_WEBHOOK_SECRET",
        "JIRA_API_EMAIL",
        "JIRA_API_TOKEN",
        "DESKPILOT_TOKEN_LEADS",
        "DESKPILOT_TOKEN_ALICE",
        "DESKPILOT_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)

    problems = check_everything(EXAMPLE)

    assert problems
    assert all(("is not set" in p) or ("cannot read secret file" in p) for p in problems), problems


def test_example_catalogue_naming_and_overrides_are_read() -> None:
    """The example's per-item approvals, wildcard role templates, naming and overrides load."""
    playbooks = load_config(EXAMPLE).playbooks

    vpn = playbooks.application("remote access")
    role = playbooks.role_for("Sales", "Account Executive")
    assert vpn is not None
    assert (vpn.approval, vpn.max_duration) == ("manager_or_owner", "P90D")
    assert role is not None
    assert "app-crm" in role.groups
    assert playbooks.role_for("Workplace", None) is not None
    assert playbooks.naming.login == "{first}.{last}"
    assert playbooks.overrides["offboarding"].approval is not None
