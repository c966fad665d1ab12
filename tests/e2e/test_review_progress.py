"""
The lead's view of access reviews: ``/dashboard/reviews``, the Prometheus gauges and ``deskpilot
reviews status|close|export``, all recounted from the same rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from playbooks.reviews.campaign import load_campaign_text
from tests.integration.playbooks.world import AGENT_TOKEN, World, company, world
from worker.cli.app import app as cli
from worker.db.database import Database
from worker.db.migrate import upgrade
from worker.db.review_tables import ReviewItemRow, ReviewTicketRow
from worker.runs.review_start import start_campaign
from worker.web.app import create_app

CAMPAIGN = (
    "name: staff-q4\ntitle: All-staff Q4\ndesk: jira-it\n"
    "scope: {groups: [all-staff], users: {manager: maria}}\nwindow_days: 14\n"
    "reviewers: {rule: manager, fallback: [olivia]}\n"
)


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[World, int, Path]]:
    url = f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"
    with world(url, company()) as w:
        campaign_id = start_campaign(
            w.rt, load_campaign_text(CAMPAIGN, "c.yaml"), started_by="lead@example.com"
        )
        with w.rt.db.session() as session:
            key = session.scalars(select(ReviewTicketRow.key)).one()
            bob = session.scalars(
                select(ReviewItemRow.number).where(ReviewItemRow.subject_login == "bob")
            ).one()
        assert key is not None
        w.issues[key] = {"id": "1", "key": key, "self": f"https://acme-it.atlassian.net/rest/api/2/issue/{key}",
                         "fields": {"summary": "Access review"}}  # fmt: skip
        w.advance(hours=2)
        w.comment(key, "maria", f"/revoke {bob} moved to another team", public=True)
        w.drain()
        w.fire_timers()
        config = tmp_path / "deskpilot.yaml"
        config.write_text(f"database_url: {url}\n")
        yield w, campaign_id, config


def test_the_page_and_the_gauges_show_the_same_figures(started: tuple[World, int, Path]) -> None:
    w, campaign_id, _ = started
    with TestClient(create_app(w.rt)) as client:
        assert client.get("/dashboard/reviews", follow_redirects=False).status_code in (303, 401)
        page = client.get(
            "/dashboard/reviews", headers={"Authorization": f"Bearer {AGENT_TOKEN}"}
        ).text
        metrics = client.get("/metrics").text

    row = re.search(rf'<tr data-campaign="{campaign_id}">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells[3:10] == ["2", "1 (50 %)", "0 / 1", "0", "2h 00m", "100 %", "1 / 0 / 0"]
    name = f"staff-q4#{campaign_id}"
    for line in (
        f'deskpilot_review_items{{campaign="{name}",state="decided"}} 1.0',
        f'deskpilot_review_items{{campaign="{name}",state="open"}} 1.0',
        f'deskpilot_review_decided_ratio{{campaign="{name}"}} 0.5',
        f'deskpilot_review_reviewers{{campaign="{name}",state="open"}} 1.0',
        f'deskpilot_review_time_to_decide_seconds{{campaign="{name}",stat="mean"}} 7200.0',
        f'deskpilot_review_revocation_ratio{{campaign="{name}"}} 1.0',
        f'deskpilot_review_removals{{campaign="{name}",state="verified"}} 1.0',
        f'deskpilot_review_removals{{campaign="{name}",state="on_time"}} 1.0',
    ):
        assert line in metrics


def test_status_close_and_export_from_the_command_line(
    started: tuple[World, int, Path], tmp_path: Path
) -> None:
    _, campaign_id, config = started
    runner = CliRunner()

    status = runner.invoke(
        cli, ["reviews", "status", str(campaign_id), "--json", "-c", str(config)]
    )
    assert status.exit_code == 0, status.output
    (shown,) = json.loads(status.output)
    assert (
        shown["items"],
        shown["decided"],
        shown["revoked"],
        shown["population"]["row_count"],
    ) == (2, 1, 1, 2)

    closed = runner.invoke(
        cli, ["reviews", "close", str(campaign_id), "--by", "lead@example.com", "-c", str(config)]
    )
    assert closed.exit_code == 0, closed.output
    assert "1 kept and 0 revoked by the no-response policy" in closed.output

    out = tmp_path / "evidence"
    first = runner.invoke(
        cli, ["reviews", "export", str(campaign_id), "--out", str(out), "-c", str(config)]
    )
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in out.iterdir()) == [
        "campaign.json",
        "events.json",
        "items.csv",
        "manifest.sha256",
    ]
    again = runner.invoke(
        cli,
        ["reviews", "export", str(campaign_id), "--out", str(out), "--verify", "-c", str(config)],
    )
    assert again.exit_code == 0, again.output
    (out / "items.csv").write_bytes((out / "items.csv").read_bytes().replace(b"maria", b"olivia"))
    changed = runner.invoke(
        cli,
        ["reviews", "export", str(campaign_id), "--out", str(out), "--verify", "-c", str(config)],
    )
    assert changed.exit_code == 1
    assert "items.csv" in changed.output
    summary = json.loads((out / "campaign.json").read_text())
    assert summary["campaign"]["population"]["row_count"] == 2
    assert summary["close"] == {
        "campaign_id": campaign_id,
        "kept_by_policy": 1,
        "revoked_by_policy": 0,
    }

    unknown = runner.invoke(cli, ["reviews", "status", "999", "-c", str(config)])
    assert unknown.exit_code == 1
    assert "no access review campaign 999" in unknown.output


def test_start_from_the_command_line_names_what_stops_it(tmp_path: Path) -> None:
    books = tmp_path / "books" / "reviews"
    books.mkdir(parents=True)
    (books / "staff.yaml").write_text(CAMPAIGN)
    config = tmp_path / "deskpilot.yaml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'd.sqlite3'}\nbroker: {{url: stub}}\n"
        "desks: [{name: jira-it, type: memory}]\ndirectories: [{name: corp, type: memory}]\n"
        f"playbook_dirs: [{tmp_path / 'books'}]\n"
    )
    db = Database(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    upgrade(db)
    db.dispose()
    runner = CliRunner()

    unknown = runner.invoke(cli, ["reviews", "start", "nope", "-c", str(config)])
    empty = runner.invoke(
        cli, ["reviews", "start", "staff-q4", "--by", "lead@example.com", "-c", str(config)]
    )

    assert unknown.exit_code == 2
    assert "no campaign `nope`" in unknown.output
    assert empty.exit_code == 1
    assert "campaign `staff-q4` not started: nobody in corp holds anything in scope" in empty.output


def test_the_dashboard_panel_agrees_with_the_page_and_the_gauges(
    started: tuple[World, int, Path],
) -> None:
    w, campaign_id, _ = started
    with TestClient(create_app(w.rt)) as client:
        auth = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        dashboard = client.get("/dashboard", headers=auth).text
        export = client.get("/dashboard/export/panel-reviews.csv", headers=auth).text
        page = client.get("/dashboard/reviews", headers=auth).text
        metrics = client.get("/metrics").text

    section = dashboard[dashboard.index('id="panel-reviews"') :]
    section = section[: section.index("</section>")]
    assert '<a href="/dashboard/reviews">all campaigns</a>' in section
    cards = re.findall(
        r'<div class="hint">([^<]*)</div><div class="big[^"]*">([^<]*)</div>', section
    )
    assert dict(cards) == {
        "Open campaigns": "1",
        "Items decided": "1 / 2",
        "Reviewers complete": "0 / 1",
        "Overdue items": "0",
    }
    (row,) = list(csv.DictReader(io.StringIO(export)))
    name = f"staff-q4#{campaign_id}"
    gauges = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("deskpilot_review_") and f'campaign="{name}"' in line
    }
    page_row = re.search(rf'<tr data-campaign="{campaign_id}">(.*?)</tr>', page, re.S)
    assert page_row is not None
    page_cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", page_row.group(1), re.S)
    ]
    assert row["Campaign"] == f"All-staff Q4 (staff-q4 #{campaign_id})"
    assert (
        (int(row["Decided"]), int(row["Items"]))
        == (
            gauges[f'deskpilot_review_items{{campaign="{name}",state="decided"}}'],
            gauges[f'deskpilot_review_items{{campaign="{name}",state="decided"}}']
            + gauges[f'deskpilot_review_items{{campaign="{name}",state="open"}}']
            + gauges[f'deskpilot_review_items{{campaign="{name}",state="flagged"}}'],
        )
        == (1, 2)
    )
    assert page_cells[3] == row["Items"]
    assert page_cells[4].startswith(row["Decided"])
    assert f"{row['Reviewers complete']} / {row['Reviewers']}" == page_cells[5] == "0 / 1"
    assert (
        int(row["Reviewers"]) - int(row["Reviewers complete"])
        == gauges[f'deskpilot_review_reviewers{{campaign="{name}",state="open"}}']
    )
    assert (
        int(row["Overdue"]) == gauges[f'deskpilot_review_overdue_items{{campaign="{name}"}}'] == 0
    )
    assert row["Revocation %"] == "100.0 %"
    assert gauges[f'deskpilot_review_revocation_ratio{{campaign="{name}"}}'] == 1.0
    assert row["Decided %"] == "50.0 %"
    assert gauges[f'deskpilot_review_decided_ratio{{campaign="{name}"}}'] == 0.5
    assert row["Median time to decide"] == "2h 00m"
    median = gauges[f'deskpilot_review_time_to_decide_seconds{{campaign="{name}",stat="median"}}']
    assert median == 7200.0

    w.advance(days=15)
    with TestClient(create_app(w.rt)) as client:
        overdue = client.get("/dashboard", headers={"Authorization": f"Bearer {AGENT_TOKEN}"}).text
    later = overdue[overdue.index('id="panel-reviews"') :]
    assert re.search(r'Overdue items</div><div class="big bad">1<', later)
