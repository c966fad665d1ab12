"""``deskpilot licences reclaim``: the worklist by default, reclaim tickets opened once with --apply."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from worker.cli.licences import app
from worker.db.database import Database
from worker.db.tables import ClassificationRow, TicketRow

USAGE = """\
identity,vendor,sku,created,hr_status,service_account,cost_centre,source,last_activity,usage_pct
ana@example.com,Zoom,Licensed,2020-01-01,active,no,,zoom_last_login,2020-06-01T00:00:00Z,
bo@example.com,Zoom,Licensed,2020-01-01,leaver,no,,,,
svc@example.com,Zoom,Licensed,2020-01-01,active,yes,,,,
cy@example.com,Zoom,Licensed,2020-01-01,active,no,,zoom_last_login,2099-01-01T00:00:00Z,
"""


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECLAIM_TEST_SECRET", "0123456789abcdef0123456789abcdef")
    (tmp_path / "usage.csv").write_text(USAGE)
    (tmp_path / "deskpilot.yaml").write_text(
        f"database_url: sqlite:///{tmp_path / 'deskpilot.sqlite3'}\n"
        "broker: {url: stub}\n"
        "desks:\n"
        "  - {name: it, type: jira, connector: memory, base_url: https://acme.atlassian.net,\n"
        "     webhook_secret: {env: RECLAIM_TEST_SECRET}, directory: corp}\n"
        "directories: [{name: corp, type: memory}]\n"
        "licences: {ticket: 'it:IT-1'}\n"
    )
    return tmp_path


def invoke(files: Path, *args: str) -> list[str]:
    result = CliRunner().invoke(
        app,
        ["reclaim", "--config", str(files / "deskpilot.yaml"), "--usage", str(files / "usage.csv"),
         *args],
    )  # fmt: skip
    assert 0 == result.exit_code, result.output
    return [line for line in result.output.splitlines() if "[info" not in line]


def test_dry_run_lists_unused_and_leavers_and_changes_nothing(files: Path) -> None:
    rows = list(csv.DictReader(io.StringIO("\n".join(invoke(files)))))

    assert [("ana@example.com", "unused"), ("bo@example.com", "leaver")] == [
        (r["identity"], r["bucket"]) for r in rows
    ]
    assert rows[0]["action"].startswith("dry run: would open a reclaim ticket")
    assert not (files / "deskpilot.sqlite3").exists()


def test_dry_run_names_the_configured_downgrade(files: Path) -> None:
    config = files / "deskpilot.yaml"
    config.write_text(
        config.read_text().replace(
            "licences: {ticket: 'it:IT-1'}",
            "licences: {ticket: 'it:IT-1', downgrade_to: {Zoom: {Licensed: Basic}}}",
        )
    )
    rows = list(csv.DictReader(io.StringIO("\n".join(invoke(files)))))

    assert {"dry run: would open a reclaim ticket; downgrade to Basic"} == {
        r["action"].split(" on or after")[0] for r in rows
    }


def test_apply_opens_one_ticket_per_seat_and_a_second_run_opens_none(files: Path) -> None:
    first = invoke(files, "--apply", "--wait-days", "14")
    second = invoke(files, "--apply", "--wait-days", "14")

    assert ["IT-1: opened: Zoom Licensed for ana@example.com",
            "IT-2: opened: Zoom Licensed for bo@example.com"] == first  # fmt: skip
    assert [line.replace("opened", "already open") for line in first] == second
    db = Database(f"sqlite:///{files / 'deskpilot.sqlite3'}")
    with db.session() as session:
        tickets = session.scalars(select(TicketRow.key).order_by(TicketRow.key)).all()
        intents = session.scalars(select(ClassificationRow.corrected_intent)).all()
    db.dispose()
    assert ["IT-1", "IT-2"] == list(tickets)
    assert ["license_reclaim", "license_reclaim"] == list(intents)


def test_apply_needs_a_desk(files: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["reclaim", "--config", str(files / "deskpilot.yaml"), "--usage", str(files / "usage.csv"),
         "--apply", "--desk", "nowhere"],
    )  # fmt: skip

    assert 2 == result.exit_code
    assert "--desk 'nowhere': no such desk" in result.output
