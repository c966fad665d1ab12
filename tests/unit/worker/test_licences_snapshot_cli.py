"""``deskpilot licences snapshot``: configured vendors read into the usage CSV the report takes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import responses
from typer.testing import CliRunner

from connectors.licences.slack import API as SLACK
from connectors.licences.zoom import API as ZOOM
from tests.unit.licences_saas.conftest import payload
from worker.cli.licences import app

CONFIG = """\
licences:
  sources:
    - name: zoom
      type: zoom
      credentials: {token: {env: ZOOM_TOKEN}}
    - name: slack
      type: slack
      options: {sku: Pro}
      credentials: {token: {env: SLACK_TOKEN}}
"""
CONTRACTS = """\
vendor,sku,quantity,unit_price,currency,term_start,term_end,notice_days,billing_model
Zoom,Licensed,40,13.33,USD,2026-01-01,2099-12-31,60,per_seat
"""


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ZOOM_TOKEN", "zoom-secret-token")
    monkeypatch.setenv("SLACK_TOKEN", "xoxp-slack-secret")
    (tmp_path / "deskpilot.yaml").write_text(CONFIG)
    (tmp_path / "contracts.csv").write_text(CONTRACTS)
    return tmp_path


def serve(rsps: responses.RequestsMock) -> None:
    first = payload("zoom_users_page1.json")
    rsps.get(f"{ZOOM}/users", json=first, match=[responses.matchers.query_param_matcher(
        {"status": "active", "page_size": "300"})])  # fmt: skip
    rsps.get(f"{ZOOM}/users", json=payload("zoom_users_page2.json"))
    rsps.get(f"{SLACK}/team.billableInfo", json=payload("slack_billable_info.json"))
    rsps.get(f"{SLACK}/users.list", json=payload("slack_users_page2.json"))


def test_snapshot_writes_usage_and_pools_and_names_differences(files: Path) -> None:
    with responses.RequestsMock() as rsps:
        serve(rsps)
        result = CliRunner().invoke(
            app,
            ["snapshot", "--config", str(files / "deskpilot.yaml"), "--out", str(files / "u.csv"),
             "--pools", str(files / "p.csv"), "--contracts", str(files / "contracts.csv")],
        )  # fmt: skip

    assert 0 == result.exit_code, result.output
    usage = list(csv.DictReader(io.StringIO((files / "u.csv").read_text())))
    assert [("jchill@example.com", "Zoom", "zoom_last_login"), ("never@example.com", "Zoom", ""),
            ("bo@example.com", "Slack", "")] == [
        (r["identity"], r["vendor"], r["source"]) for r in usage
    ]  # fmt: skip
    pools = list(csv.DictReader(io.StringIO((files / "p.csv").read_text())))
    assert [("Zoom", "Licensed", "", "2"), ("Slack", "Pro", "", "1")] == [
        (p["vendor"], p["sku"], p["purchased"], p["assigned"]) for p in pools
    ]
    assert "differs: Slack Pro: assigned 1, expected no contract in force" in result.output
    assert "secret" not in (files / "u.csv").read_text() + result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "okta"], "no such licence source: okta"),
        (["--contracts", "missing.csv"], "cannot read"),
    ],
    ids=["unknown-source", "unreadable-contracts"],
)
def test_bad_input_exits_2_naming_it(files: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        app,
        ["snapshot", "--config", str(files / "deskpilot.yaml"), "--out", str(files / "u.csv"),
         *[str(files / a) if a.endswith(".csv") else a for a in args]],
    )  # fmt: skip

    assert 2 == result.exit_code
    assert message in result.output


def test_a_missing_secret_is_named_with_its_place(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_TOKEN")

    result = CliRunner().invoke(
        app, ["snapshot", "--config", str(files / "deskpilot.yaml"), "--out", str(files / "u.csv")]
    )

    assert 2 == result.exit_code
    assert (
        "licences.sources.slack.credentials.token: environment variable SLACK_TOKEN"
        in result.output
    )


def test_a_vendor_refusal_exits_1_without_writing(files: Path) -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{ZOOM}/users", status=401, json={"code": 124, "message": "Invalid access token."}
        )
        result = CliRunner().invoke(
            app,
            ["snapshot", "--config", str(files / "deskpilot.yaml"), "--out", str(files / "u.csv")],
        )

    assert 1 == result.exit_code
    assert "snapshot failed: zoom: not authorised" in result.output
    assert not (files / "u.csv").exists()


@pytest.mark.parametrize(
    ("directories", "message"),
    [
        ("directories: [{name: corp, type: memory}]\n", "corp is not an active_directory or ldap"),
        ("", "licences.directories: unknown directory 'corp'"),
    ],
    ids=["not-ldap", "unknown"],
)
def test_directories_for_logons_must_be_ldap_ones(
    files: Path, directories: str, message: str
) -> None:
    config = files / "deskpilot.yaml"
    config.write_text(
        directories + CONFIG.replace("licences:\n", "licences:\n  directories: [corp]\n")
    )

    result = CliRunner().invoke(
        app, ["snapshot", "--config", str(config), "--out", str(files / "u.csv")]
    )

    assert 2 == result.exit_code
    assert message in result.output
