"""
A desk that takes webhooks but cannot re-read tickets through its API: the deliveries to it that
are only notifications (unsigned, a Salesforce Outbound Message, a stale Jira) end visibly.

Before, such a notification to a ``connector: memory`` desk ended ``ignored`` as "the desk's API
does not show" the ticket, with no reason logged, and ``deskpilot check`` said nothing; with no
desk client it ended ``failed`` without a log event; the ``api`` connector without credentials
passed ``check`` and stopped ``deskpilot run`` at start (Salesforce's ``organization_id`` was
refused by its connector's option model as well). Now each ends ``failed`` (``inbox retry``
asks again once the desk has credentials) with the reason on the row, why it was only a
notification kept beside it, and a ``notification.unconfirmable`` error logged; ``check``
warns (``tests/unit/worker/test_check_notifications.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from structlog.testing import capture_logs
from typer.testing import CliRunner

from connectors.desks import DeskClient, RawDelivery
from connectors.desks.memory import MemoryDesk
from tests.e2e.authority_support import PAYLOADS
from worker.boot import build_runtime
from worker.cli.app import app as cli
from worker.config import AppSettings
from worker.db.tables import InboxItem, TicketRow
from worker.demo.deliveries import BUILDERS, load_demo
from worker.inbound.ingest import ingest
from worker.inbound.notification import OUTBOUND_MESSAGE, UNSIGNED
from worker.inbound.receive import Outcome, receive_webhook

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
ORG_ID = "00DHs000000AcMeMAK"
KINDS = ("jira", "zendesk", "servicenow", "salesforce")
DEMO_DESK = {"jira": "jira-it", "zendesk": "zendesk-support", "servicenow": "servicenow-corp"}
NEEDS = {
    "jira": "jira needs email+api_token or personal_access_token",
    "zendesk": "zendesk needs email+api_token or oauth_token",
    "servicenow": "servicenow needs username+password or oauth_token",
    "salesforce": "salesforce needs access_token or username+consumer_key+private_key or "
    "consumer_key+consumer_secret or username+password+security_token",
}


def _settings(database_url: str, kind: str) -> AppSettings:
    """One desk of ``kind`` taking unsigned deliveries, ``connector: memory``: no API."""
    desk: dict[str, Any] = {
        "name": f"{kind}-x",
        "type": kind,
        "base_url": f"https://{kind}.example.com",
        "unsigned": True,
        "connector": "memory",
    }
    if kind == "salesforce":
        desk["options"] = {"organization_id": ORG_ID}
    return AppSettings.model_validate(
        {
            "database_url": database_url,
            "directories": [{"name": "corp", "type": "memory"}],
            "desks": [desk],
        }
    )


def _delivery(kind: str) -> tuple[dict[str, str], bytes]:
    """Headers and body of one unsigned delivery of ``kind``."""
    if kind == "salesforce":
        xml = (PAYLOADS / "salesforce" / "outbound_message_case.xml").read_bytes()
        return {"Content-Type": "text/xml"}, xml
    demo = load_demo()
    desk = demo.desks[DEMO_DESK[kind]]
    ticket = next(t for t in demo.tickets if t.desk == desk.name)
    return {"Content-Type": "application/json"}, BUILDERS[kind](ticket, desk, T0)


def _deliver(
    database_url: str, kind: str, desks: Mapping[str, DeskClient] | None = None
) -> tuple[Outcome, InboxItem, list[str], list[MutableMapping[str, Any]]]:
    """One unsigned delivery received and ingested: the answer, the inbox row, the tickets
    stored and the ``notification.*`` log events."""
    rt = build_runtime(_settings(database_url, kind), desks=desks)  # None: built from the file
    headers, body = _delivery(kind)
    try:
        receipt = receive_webhook(rt, f"{kind}-x", headers, body)
        assert receipt.inbox_id is not None
        with capture_logs() as logs:
            assert [] == ingest(rt, receipt.inbox_id)
        with rt.db.session() as session:
            row = session.get(InboxItem, receipt.inbox_id)
            assert row is not None
            session.expunge(row)
            tickets = list(session.scalars(select(TicketRow.key)))
    finally:
        rt.broker.close()
        rt.db.dispose()
    events = [e for e in logs if e["event"].startswith("notification.")]
    return receipt.outcome, row, tickets, events


def _expected_event(row: InboxItem, kind: str, gap: str) -> dict[str, Any]:
    return {
        "event": "notification.unconfirmable",
        "log_level": "error",
        "inbox_id": row.id,
        "desk": f"{kind}-x",
        "reason": gap,
        "setting": f"desks.{kind}-x.credentials",
    }


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_a_notification_to_a_memory_connector_desk_fails_with_the_reason(
    database_url: str, kind: str
) -> None:
    """What the in-memory desk does not hold is not the desk's "not found": the row says there
    was no API to ask, and how to give it one."""
    outcome, row, tickets, events = _deliver(database_url, kind)

    assert Outcome.ACCEPTED is outcome
    assert [] == tickets
    assert ("notification", "failed") == (row.source, row.state)
    assert (OUTBOUND_MESSAGE if kind == "salesforce" else UNSIGNED) == row.why_notification
    assert (
        f"desk {kind}-x has no API credentials to confirm this notification (it is configured "
        f"connector: memory); nothing in it was acted on. Give desks.{kind}-x connector: api "
        f"and credentials ({NEEDS[kind]}), then run deskpilot inbox retry {row.id}"
    ) == row.error
    assert [_expected_event(row, kind, "it is configured connector: memory")] == events


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_a_notification_to_a_desk_without_a_client_fails_with_the_reason(
    tmp_path: Path, kind: str
) -> None:
    outcome, row, tickets, events = _deliver(
        f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", kind, desks={}
    )

    assert Outcome.ACCEPTED is outcome
    assert [] == tickets
    assert ("notification", "failed") == (row.source, row.state)
    assert row.error is not None
    assert row.error.startswith(
        f"desk {kind}-x has no API credentials to confirm this notification "
        "(no desk API client is configured); nothing in it was acted on."
    )
    assert [_expected_event(row, kind, "no desk API client is configured")] == events


def test_the_file_the_tests_use_is_what_check_sees(tmp_path: Path) -> None:
    """The settings above, written to a file, are the case ``check`` warns about."""
    from worker.cli.check import check_everything, warnings_for

    path = tmp_path / "deskpilot.yaml"
    data = _settings(f"sqlite:///{tmp_path / 'd.sqlite3'}", "jira").model_dump(mode="json")
    data["web"]["owner_proof"] = "none"
    path.write_text(yaml.safe_dump(data))

    assert [] == check_everything(path)
    assert [
        f"{path}: desks.jira-x: every delivery (unsigned: true) to /hooks/jira-x is only a "
        "notification, and deskpilot has no API (connector: memory) to re-read the ticket it "
        "names, so every one will be dropped (kept in the inbox as failed, never acted on). Add "
        f"desks.jira-x.credentials ({NEEDS['jira']}) and set connector: api"
    ] == warnings_for(path)


def test_once_the_desk_can_be_asked_inbox_retry_confirms_it(tmp_path: Path) -> None:
    """The failed notification is kept whole: given a desk client that shows the ticket,
    ``deskpilot inbox retry`` asks again and it is confirmed, still saying why it was one."""
    settings = _settings(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", "jira")
    rt = build_runtime(settings, desks={})
    headers, body = _delivery("jira")
    config = tmp_path / "deskpilot.yaml"
    config.write_text(json.dumps(settings.model_dump(mode="json")))
    try:
        receipt = receive_webhook(rt, "jira-x", headers, body)
        assert receipt.inbox_id is not None
        ingest(rt, receipt.inbox_id)
        issue = json.dumps(json.loads(body)["issue"]).encode()
        key = json.loads(body)["issue"]["key"]
        desk = MemoryDesk("jira-x")
        desk.set_ticket(key, RawDelivery("jira", issue, f"{key}:api"))
        rt.desks["jira-x"] = desk
        retried = CliRunner().invoke(
            cli, ["inbox", "retry", str(receipt.inbox_id), "-c", str(config)]
        )
        ingested = ingest(rt, receipt.inbox_id)
        with rt.db.session() as session:
            row = session.get(InboxItem, receipt.inbox_id)
            assert row is not None
            kept = (row.state, row.why_notification)
            stored = list(session.scalars(select(TicketRow.key)))
    finally:
        rt.broker.close()
        rt.db.dispose()

    assert retried.exit_code == 0, retried.output
    assert [True] == [i.new_ticket for i in ingested]
    assert ("ingested", UNSIGNED) == kept
    assert [key] == stored
