"""
A desk that takes webhooks but cannot re-read tickets through its API: what becomes of the
deliveries that are only notifications (unsigned, a Salesforce Outbound Message, a stale Jira).

Each desk kind is configured the two ways that leave deskpilot without the desk's API: the
``api`` connector with no ``credentials``, and ``connector: memory`` (nothing behind it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from structlog.testing import capture_logs

from tests.e2e.authority_support import PAYLOADS
from worker.boot import build_runtime
from worker.cli.check import check_everything, warnings_for
from worker.config import AppSettings, ConfigError
from worker.db.tables import InboxItem, TicketRow
from worker.demo.deliveries import BUILDERS, load_demo
from worker.inbound.ingest import ingest
from worker.inbound.receive import Outcome, receive_webhook

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
ORG_ID = "00DHs000000AcMeMAK"
KINDS = ("jira", "zendesk", "servicenow", "salesforce")
DEMO_DESK = {"jira": "jira-it", "zendesk": "zendesk-support", "servicenow": "servicenow-corp"}


def _desk(kind: str, connector: str) -> dict[str, Any]:
    """One ``desks[]`` entry taking unsigned deliveries, without API credentials."""
    entry: dict[str, Any] = {
        "name": f"{kind}-x",
        "type": kind,
        "base_url": f"https://{kind}.example.com",
        "unsigned": True,
        "connector": connector,
    }
    if kind == "salesforce":
        entry["options"] = {"organization_id": ORG_ID}
    return entry


def _config(tmp_path: Path, database_url: str, kind: str, connector: str) -> Path:
    path = tmp_path / "deskpilot.yaml"
    data = {
        "database_url": database_url,
        "directories": [{"name": "corp", "type": "memory"}],
        "web": {"owner_proof": "none"},
        "desks": [_desk(kind, connector)],
    }
    path.write_text(yaml.safe_dump(data))
    return path


def _delivery(kind: str) -> tuple[dict[str, str], bytes, str]:
    """Headers, body and ticket key of one unsigned delivery of ``kind``."""
    if kind == "salesforce":
        xml = (PAYLOADS / "salesforce" / "outbound_message_case.xml").read_bytes()
        return {"Content-Type": "text/xml"}, xml, "00001042"
    demo = load_demo()
    desk = demo.desks[DEMO_DESK[kind]]
    ticket = next(t for t in demo.tickets if t.desk == desk.name)
    return {"Content-Type": "application/json"}, BUILDERS[kind](ticket, desk, T0), ticket.key


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_today_the_api_connector_without_credentials_passes_check_and_fails_at_start(
    tmp_path: Path, kind: str
) -> None:
    config = _config(tmp_path, f"sqlite:///{tmp_path / 'd.sqlite3'}", kind, "api")

    problems = check_everything(config)
    warnings = warnings_for(config)
    with pytest.raises(ConfigError) as failed:
        build_runtime(AppSettings.model_validate(yaml.safe_load(config.read_text())))

    assert [] == problems
    assert [] == warnings
    # Salesforce's Outbound Message option is refused by the connector's own option model.
    expected = [f"desks.{kind}-x.credentials: {kind} needs"]
    if kind == "salesforce":
        expected.insert(0, "desks.salesforce-x.options.organization_id: Extra inputs are not")
    assert expected == [p[: len(e)] for p, e in zip(failed.value.problems, expected, strict=True)]


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_today_a_notification_to_a_memory_connector_desk_is_ignored_as_not_shown(
    tmp_path: Path, database_url: str, kind: str
) -> None:
    config = _config(tmp_path, database_url, kind, "memory")
    rt = build_runtime(AppSettings.model_validate(yaml.safe_load(config.read_text())))
    headers, body, key = _delivery(kind)
    shown = f"{key}: {kind}-x: no ticket {key}"
    if kind == "salesforce":  # the message names two Cases
        shown += "; 00001043: salesforce-x: no ticket 00001043"
    try:
        receipt = receive_webhook(rt, f"{kind}-x", headers, body)
        assert receipt.inbox_id is not None
        with capture_logs() as logs:
            ingested = ingest(rt, receipt.inbox_id)
        with rt.db.session() as session:
            row = session.get(InboxItem, receipt.inbox_id)
            assert row is not None
            kept = (row.source, row.state, row.error)
            tickets = session.scalars(select(TicketRow.key)).all()
    finally:
        rt.broker.close()
        rt.db.dispose()

    assert Outcome.ACCEPTED is receipt.outcome
    assert [] == ingested
    assert [] == tickets
    assert [] == check_everything(config)
    assert [] == warnings_for(config)
    assert (
        "notification",
        "ignored",
        f"unsigned notification; the desk's API does not show {shown}",
    ) == kept
    assert [
        {"event": "notification.unconfirmed", "inbox_id": receipt.inbox_id, "desk": f"{kind}-x"}
    ] == [
        {k: v for k, v in e.items() if k not in ("log_level",)}
        for e in logs
        if e["event"].startswith("notification.")
    ]


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_today_a_notification_to_a_desk_without_a_client_fails_without_a_log_event(
    tmp_path: Path, kind: str
) -> None:
    config = _config(tmp_path, f"sqlite:///{tmp_path / 'd.sqlite3'}", kind, "memory")
    rt = build_runtime(AppSettings.model_validate(yaml.safe_load(config.read_text())), desks={})
    headers, body, _ = _delivery(kind)
    try:
        receipt = receive_webhook(rt, f"{kind}-x", headers, body)
        assert receipt.inbox_id is not None
        with capture_logs() as logs:
            ingest(rt, receipt.inbox_id)
        with rt.db.session() as session:
            row = session.get(InboxItem, receipt.inbox_id)
            assert row is not None
            kept = (row.source, row.state, row.error)
    finally:
        rt.broker.close()
        rt.db.dispose()

    assert (
        "notification",
        "failed",
        f"desk {kind}-x has no API client to re-read the ticket",
    ) == kept
    assert [] == [e for e in logs if e["event"].startswith("notification.")]
