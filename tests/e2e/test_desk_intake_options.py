"""
The options the normalizer reads (``inbound_status_map``, ``priority_map``, Jira's
``request_type_field`` and ``team_field``) are configured in the desk's ``options:`` block and
change the stored ticket, through the real path: a YAML file read by ``load_config``, the
runtime built from it, a polled delivery ingested.

Before, the desk connector's option model refused every one of them (and a text ``status_map``,
the old name of the inbound override), so ``deskpilot check`` failed and ``deskpilot run`` did not
start; and ingestion handed the normalizer only the string-valued options.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from structlog.testing import capture_logs

from connectors.desks import RawDelivery
from connectors.desks.memory import MemoryDesk
from worker.boot import build_runtime
from worker.config import ConfigError, load_config
from worker.db.tables import InboxItem, TicketRow
from worker.demo.deliveries import BUILDERS, load_demo
from worker.inbound.ingest import ingest
from worker.inbound.poll import poll_desk

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
PAYLOADS = Path(__file__).resolve().parents[1] / "payloads"
DEMO_DESK = {"jira": "jira-it", "zendesk": "zendesk-support", "servicenow": "servicenow-corp"}


def _body(kind: str) -> bytes:
    """One delivery of ``kind``: the demo's webhook, or Salesforce's polled case."""
    if kind == "salesforce":
        return (PAYLOADS / "salesforce" / "soql_case_with_comments.json").read_bytes()
    demo = load_demo()
    desk = demo.desks[DEMO_DESK[kind]]
    ticket = next(t for t in demo.tickets if t.desk == desk.name)
    body = BUILDERS[kind](ticket, desk, T0)
    if kind != "jira":
        return body
    doc = json.loads(body)
    fields = doc["issue"]["fields"]
    # A second field shaped like a request type, found first when none is configured, a team
    # field, and a component (the team when no field is configured).
    doc["issue"]["fields"] = {
        "customfield_10001": {"requestType": {"id": "7", "name": "Other request"}},
        **fields,
        "customfield_10050": {"id": "3", "value": "Identity team"},
        "components": [{"id": "1", "name": "Network"}],
    }
    return json.dumps(doc).encode()


def _ingested(tmp_path: Path, kind: str, options: dict[str, Any]) -> dict[str, TicketRow]:
    """The ticket each of two desks of ``kind`` stores from the same delivery: ``plain`` without
    options, ``set`` with ``options``, both configured in one YAML file."""
    desks: list[dict[str, Any]] = [
        {"name": f"{kind}-{which}", "type": kind, "base_url": f"https://{kind}.example.com",
         "unsigned": True, "connector": "memory", "options": opts}
        for which, opts in (("plain", {}), ("set", options))
    ]  # fmt: skip
    path = tmp_path / "deskpilot.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "database_url": f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}",
                "directories": [{"name": "corp", "type": "memory"}],
                "desks": desks,
            }
        ),
        encoding="utf-8",
    )
    rt = build_runtime(load_config(path))
    try:
        for desk in desks:
            client = rt.desks[desk["name"]]
            assert isinstance(client, MemoryDesk)
            client.pending.append(RawDelivery(kind, _body(kind), f"{desk['name']}:1"))
            assert 1 == poll_desk(rt, desk["name"])
        with rt.db.session() as session:
            inbox = [row.id for row in session.scalars(select(InboxItem))]
        for inbox_id in inbox:
            assert ingest(rt, inbox_id)
        with rt.db.session() as session:
            rows = {row.desk: row for row in session.scalars(select(TicketRow))}
            session.expunge_all()
    finally:
        rt.broker.close()
        rt.db.dispose()
    return {desk.removeprefix(f"{kind}-"): row for desk, row in rows.items()}


@pytest.mark.parametrize(
    ("kind", "options", "column", "plain", "configured"),
    [
        ("jira", {"request_type_field": "customfield_10010"}, "request_type",
         "Other request", "Unlock my account"),
        ("jira", {"team_field": "customfield_10050"}, "team", "Network", "Identity team"),
        ("jira", {"inbound_status_map": "Waiting for Support=pending_other"}, "status",
         "open", "pending_other"),
        ("jira", {"priority_map": {"High": "urgent"}}, "priority", "high", "urgent"),
        ("zendesk", {"inbound_status_map": {"new": "pending_approval"}}, "status",
         "new", "pending_approval"),
        ("zendesk", {"priority_map": "Urgent=low"}, "priority", "urgent", "low"),
        ("servicenow", {"inbound_status_map": "New=in_progress"}, "status", "new", "in_progress"),
        ("servicenow", {"priority_map": {"2 - High": "Normal"}}, "priority", "high", "normal"),
        ("salesforce", {"inbound_status_map": "Working=pending_other"}, "status",
         "in_progress", "pending_other"),
        ("salesforce", {"priority_map": "High=low"}, "priority", "high", "low"),
    ],
    ids=[
        "jira-request_type_field",
        "jira-team_field",
        "jira-inbound_status_map-text",
        "jira-priority_map-mapping",
        "zendesk-inbound_status_map-mapping",
        "zendesk-priority_map-text",
        "servicenow-inbound_status_map-text",
        "servicenow-priority_map-mapping",
        "salesforce-inbound_status_map-text",
        "salesforce-priority_map-text",
    ],
)  # fmt: skip
def test_a_configured_option_changes_the_stored_ticket(
    tmp_path: Path, kind: str, options: dict[str, Any], column: str, plain: str, configured: str
) -> None:
    """Same delivery, two desks: the one with the option stores what the option says."""
    rows = _ingested(tmp_path, kind, options)

    assert (plain, configured) == (getattr(rows["plain"], column), getattr(rows["set"], column))


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"inbound_status_map": "Fixed=done"}, "options.inbound_status_map.Fixed: 'done': Input"),
        ({"status_map": "Fixed=resolved"}, "options.status_map: Value error, a `desk status="),
    ],
    ids=["bad-value", "old-inbound-status_map"],
)
def test_run_refuses_a_memory_connector_desk_with_a_bad_option(
    tmp_path: Path, options: dict[str, Any], problem: str
) -> None:
    """Its deliveries are still read with these options: refused at start, as for ``api``."""
    path = tmp_path / "deskpilot.yaml"
    desk = {"name": "jira-x", "type": "jira", "unsigned": True, "connector": "memory",
            "options": options}  # fmt: skip
    config = {"database_url": f"sqlite:///{tmp_path / 'd.sqlite3'}", "desks": [desk]}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        build_runtime(load_config(path))

    [found] = caught.value.problems
    assert found.startswith(f"desks.jira-x.{problem}"), found


def test_a_delivery_met_with_a_bad_option_fails_with_it_and_is_kept(tmp_path: Path) -> None:
    """A runtime given its desk clients skips the check at start; the delivery then fails with
    the option's problem (for ``inbox retry`` once fixed), not as an unreadable payload."""
    desk = {"name": "jira-x", "type": "jira", "unsigned": True, "connector": "memory",
            "options": {"priority_map": "High=hot"}}  # fmt: skip
    path = tmp_path / "deskpilot.yaml"
    config = {"database_url": f"sqlite:///{tmp_path / 'd.sqlite3'}", "desks": [desk]}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    client = MemoryDesk("jira-x")
    client.pending.append(RawDelivery("jira", _body("jira"), "jira-x:1"))
    rt = build_runtime(load_config(path), desks={"jira-x": client})
    try:
        assert 1 == poll_desk(rt, "jira-x")
        with rt.db.session() as session:
            [inbox_id] = session.scalars(select(InboxItem.id))
        with capture_logs() as logs:
            assert [] == ingest(rt, inbox_id)
        with rt.db.session() as session:
            row = session.get(InboxItem, inbox_id)
            assert row is not None
            state, error = row.state, row.error
    finally:
        rt.broker.close()
        rt.db.dispose()

    reason = (
        "desks.jira-x.options.priority_map.High: 'hot': "
        "Input should be 'low', 'normal', 'high' or 'urgent'"
    )
    assert ("failed", reason) == (state, error)
    assert [("inbox.misconfigured", reason)] == [
        (e["event"], e["reason"]) for e in logs if e["event"].startswith("inbox.")
    ]
