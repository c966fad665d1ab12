"""
``deskpilot inbox notifications``: the deliveries that were only notifications, with their desk,
when they came, why they were only notifications and what the desk's API said (confirmed as
ticket X, not confirmed and why, no API to ask, still pending); never what they carried.

The four real desk connectors of ``authority_support``, faked at their HTTP boundary.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.e2e.authority_payloads import jira_created, jira_issue
from tests.e2e.authority_support import ORG_ID, PAYLOADS, Desks, four_desks, jira_headers, now_stamp
from worker.cli.app import app as cli
from worker.inbound.notification import OUTBOUND_MESSAGE, UNSIGNED

LEAK = "Bearer s3cr3t-4pi-t0ken-0f-the-s3nder"
SIGNATURE = "sha256=" + "5e" * 32
FIELDS = {"inbox_id", "received_at", "desk", "event_type", "why_notification", "outcome"}
FIELDS |= {"ticket", "detail"}


@pytest.fixture
def desks(database_url: str) -> Iterator[Desks]:
    with four_desks(database_url) as built:
        yield built


def _config(tmp_path: Path, d: Desks) -> Path:
    """The runtime's settings as a config file (JSON is YAML), for the CLI."""
    path = tmp_path / "deskpilot.yaml"
    path.write_text(json.dumps(d.rt.settings.model_dump(mode="json")))
    return path


def _outbound(notification_id: str) -> bytes:
    xml = (PAYLOADS / "salesforce" / "outbound_message_case.xml").read_text()
    xml = xml.replace("00DHs000000AcMeMAK", ORG_ID).replace("04lHs00000N0tif1AAA", notification_id)
    return xml.encode()


def _api_issue(key: str, at: dt.datetime) -> dict[str, Any]:
    """The issue as ``GET /rest/api/3/issue/{key}?expand=changelog`` answers it."""
    issue = jira_issue(key, "bob", at)
    issue["changelog"] = {"startAt": 0, "maxResults": 0, "total": 0, "histories": []}
    return issue


def _receive_all(d: Desks) -> None:
    """Six deliveries: four notifications that end differently, one signed, one still pending."""
    at = now_stamp()
    d.jira_issues["IT-52"] = _api_issue("IT-52", at)
    forged = jira_issue("IT-50", "bob", at)
    forged["fields"]["description"] = f"use {LEAK} to add me"
    unsigned = {"Content-Type": "application/json", "Authorization": LEAK, "X-Hub-Signature": SIGNATURE}  # fmt: skip
    d.post("jira-open", unsigned, jira_created(jira_issue("IT-52", "bob", at), at))  # confirmed
    d.post("jira-open", unsigned, jira_created(forged, at))  # the API does not show IT-50
    hour_ago = at - dt.timedelta(hours=1)
    stale = jira_created(jira_issue("IT-53", "bob", hour_ago), hour_ago)  # signed, an hour old
    d.post("jira-it", jira_headers(d.secrets["jira-it"], stale), stale)
    fresh = jira_created(jira_issue("IT-54", "bob", at), at)  # signed: not a notification
    d.post("jira-it", jira_headers(d.secrets["jira-it"], fresh), fresh)
    client = d.rt.desks.pop("sf-it")  # no API client to re-read the Cases with
    d.post("sf-it", {"Content-Type": "text/xml"}, _outbound("04lHs00000N0tif1AAA"))
    d.settle()
    d.rt.desks["sf-it"] = client
    d.post("sf-it", {"Content-Type": "text/xml", "Authorization": LEAK}, _outbound("04lHs00000N0tif9AAA"))  # fmt: skip


def test_notifications_are_listed_with_why_and_what_the_api_said(
    desks: Desks, tmp_path: Path
) -> None:
    _receive_all(desks)
    config = _config(tmp_path, desks)
    runner = CliRunner()

    table = runner.invoke(cli, ["inbox", "notifications", "-c", str(config)])
    listed = runner.invoke(cli, ["inbox", "notifications", "--json", "-c", str(config)])
    found = json.loads(listed.output)

    assert (table.exit_code, listed.exit_code) == (0, 0), table.output + listed.output
    assert [(n["desk"], n["outcome"], n["ticket"]) for n in found] == [
        ("sf-it", "pending", None),
        ("sf-it", "failed", None),
        ("jira-it", "unconfirmed", None),
        ("jira-open", "unconfirmed", None),
        ("jira-open", "confirmed", "IT-52"),
    ]
    assert [set(n) for n in found] == [FIELDS] * 5
    whys = [n["why_notification"] for n in found]
    assert whys[:2] == [OUTBOUND_MESSAGE] * 2
    assert whys[2].startswith("signed, but $.timestamp is 3600 s away from now (window 300 s)")
    assert whys[3:] == [UNSIGNED] * 2
    details = [n["detail"] for n in found]
    assert details[0] == "waiting for the worker to ask the desk's API"
    assert details[1].startswith("desk sf-it has no API credentials to confirm this notification")
    assert details[2].startswith("not confirmed: the desk's API does not show IT-53: ")
    assert details[3].startswith("not confirmed: the desk's API does not show IT-50: ")
    assert details[4] == "the desk's API shows it: ingested as ticket IT-52"
    assert all(dt.datetime.fromisoformat(n["received_at"]).tzinfo is not None for n in found)
    assert table.output.splitlines()[0].split() == [
        "inbox", "id", "received", "(UTC)", "desk", "event", "outcome", "ticket", "why", "detail"
    ]  # fmt: skip
    assert len(table.output.splitlines()) == 6
    for output in (table.output, listed.output):
        assert "s3cr3t" not in output
        assert SIGNATURE not in output
        assert "Bearer" not in output


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--outcome", "confirmed"], [("jira-open", "confirmed")]),
        (["--outcome", "unconfirmed"], [("jira-it", "unconfirmed"), ("jira-open", "unconfirmed")]),
        (["--desk", "sf-it"], [("sf-it", "pending"), ("sf-it", "failed")]),
        (["--desk", "sf-it", "--outcome", "failed"], [("sf-it", "failed")]),
        (["--limit", "1"], [("sf-it", "pending")]),
        (["--desk", "zendesk-it"], []),
    ],
    ids=["confirmed", "unconfirmed", "one-desk", "desk-and-outcome", "limit", "none"],
)
def test_notifications_can_be_narrowed(
    desks: Desks, tmp_path: Path, options: list[str], expected: list[tuple[str, str]]
) -> None:
    _receive_all(desks)
    config = _config(tmp_path, desks)
    runner = CliRunner()

    listed = runner.invoke(cli, ["inbox", "notifications", *options, "--json", "-c", str(config)])
    table = runner.invoke(cli, ["inbox", "notifications", *options, "-c", str(config)])

    assert (listed.exit_code, table.exit_code) == (0, 0), listed.output
    assert [(n["desk"], n["outcome"]) for n in json.loads(listed.output)] == expected
    assert (table.output == "no notifications\n") == (expected == [])
