"""
A captured, signed Jira delivery cannot be replayed later to bring back an old ticket snapshot.

Jira's ``X-Hub-Signature`` covers the body only; the body's own ``timestamp`` (epoch ms) is
inside what is signed, so it is held to the desk's replay window against the runtime's clock.
Outside the window the delivery is kept only as a notification, with the reason: the worker
re-reads the issue from the desk's API and stores what the API shows, never the old body. An
older issue version that arrives late, within the window, never overwrites a newer snapshot.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.desks import RawDelivery
from intake.webhooks import sign_jira
from tests.e2e.pipeline_support import DemoRun, demo_runtime
from worker.db.records import RejectedDeliveryRow
from worker.db.tables import InboxItem, TicketRow
from worker.demo.deliveries import jira_body, load_demo
from worker.inbound.ingest import ingest
from worker.inbound.receive import Outcome, Receipt, receive_webhook

T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
DESK = "jira-it"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"


class Jira:
    """One demo Jira ticket, delivered as Jira would: each delivery signed, with its own id."""

    def __init__(self, run: DemoRun) -> None:
        self.run = run
        demo = load_demo()
        self.ticket = next(t for t in demo.tickets if demo.desks[t.desk].name == DESK)
        self.desk = demo.desks[DESK]
        self.now = T0
        run.rt.clock = lambda: self.now

    def body(self, event: str, *, summary: str, updated: dt.datetime, fired: dt.datetime) -> bytes:
        """An issue event for the ticket: ``summary`` as of ``updated``, fired by Jira at ``fired``."""
        doc = json.loads(jira_body(self.ticket, self.desk, T0, fired))
        doc["webhookEvent"] = f"jira:issue_{event}"
        doc["issue_event_type_name"] = f"issue_{event}"
        fields = doc["issue"]["fields"]
        fields["summary"] = summary
        fields["updated"] = updated.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        return json.dumps(doc).encode()

    def send(self, body: bytes, at: dt.datetime) -> Receipt:
        """``body`` received at ``at``, under a fresh delivery id (as a replay would carry)."""
        self.now = at
        secret = self.run.rt.webhook_secrets[DESK]
        assert secret is not None
        headers = {
            "Content-Type": "application/json",
            "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
            **sign_jira(secret, body),
        }
        receipt = receive_webhook(self.run.rt, DESK, headers, body)
        if receipt.inbox_id is not None:
            ingest(self.run.rt, receipt.inbox_id)
        return receipt

    def stored(self) -> tuple[str, dt.datetime | None]:
        with self.run.rt.db.session() as session:
            row = session.scalars(
                select(TicketRow).where(TicketRow.desk == DESK, TicketRow.key == self.ticket.key)
            ).one()
            updated = row.desk_updated_at
            return str(row.snapshot["subject"]), (
                updated.replace(tzinfo=dt.UTC) if updated and updated.tzinfo is None else updated
            )

    def inbox_row(self, inbox_id: int | None) -> tuple[str, str, str | None]:
        with self.run.rt.db.session() as session:
            row = session.get(InboxItem, inbox_id)
            assert row is not None
            return row.source, row.state, row.error

    def api_shows(self, body: bytes) -> None:
        """What the desk's REST API answers for the issue: the issue of ``body``."""
        issue = json.dumps(json.loads(body)["issue"]).encode()
        self.run.desks[DESK].set_ticket(
            self.ticket.key, RawDelivery("jira", issue, f"{self.ticket.key}:api")
        )

    def kept(self) -> list[RejectedDeliveryRow]:
        with self.run.rt.db.session() as session:
            return list(session.scalars(select(RejectedDeliveryRow)))


def test_a_captured_delivery_replayed_an_hour_later_is_only_a_notification(db_url: str) -> None:
    with demo_runtime(db_url) as run:
        jira = Jira(run)
        created = jira.body("created", summary="Reset my password", updated=T0, fired=T0)
        first = jira.send(created, T0)
        later = T0 + dt.timedelta(minutes=10)
        edited = jira.body(
            "updated", summary="Reset my password (urgent)", updated=later, fired=later
        )
        second = jira.send(edited, later)
        jira.api_shows(edited)

        # Someone who captured the first delivery sends it again an hour on, with a new id.
        replayed = jira.send(created, T0 + dt.timedelta(hours=1))
        after = jira.stored()
        kept = jira.inbox_row(replayed.inbox_id)

    assert (first.outcome, second.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED)
    assert replayed.outcome is Outcome.ACCEPTED
    assert kept == (
        "notification",
        "ingested",
        "signed, but $.timestamp is 3600 s away from now (window 300 s)",
    )
    assert after == ("Reset my password (urgent)", later)


@pytest.mark.parametrize(
    ("delay", "source"),
    [
        (dt.timedelta(seconds=0), "webhook"),
        (dt.timedelta(minutes=4, seconds=59), "webhook"),
        (dt.timedelta(minutes=5, seconds=1), "notification"),
        (dt.timedelta(minutes=-6), "notification"),
    ],
    ids=["at-once", "within-window", "just-outside", "from-the-future"],
)
def test_the_window_is_the_runtime_clock_against_the_signed_body_timestamp(
    db_url: str, delay: dt.timedelta, source: str
) -> None:
    """Within the window the body is acted on as it is; outside it, the API is read instead."""
    with demo_runtime(db_url) as run:
        jira = Jira(run)
        body = jira.body("created", summary="New laptop", updated=T0, fired=T0)
        jira.api_shows(jira.body("created", summary="As the API shows it", updated=T0, fired=T0))
        receipt = jira.send(body, T0 + delay)
        kept = jira.inbox_row(receipt.inbox_id)
        stored = jira.stored()
        refused = jira.kept()

    assert receipt.outcome is Outcome.ACCEPTED
    assert (kept[0], kept[1]) == (source, "ingested")
    assert (kept[2] is None) == (source == "webhook")
    assert stored[0] == ("New laptop" if source == "webhook" else "As the API shows it")
    assert refused == []


def test_an_older_version_arriving_late_does_not_overwrite_a_newer_snapshot(db_url: str) -> None:
    with demo_runtime(db_url) as run:
        jira = Jira(run)
        jira.send(jira.body("created", summary="v0", updated=T0, fired=T0), T0)
        v1_at, v2_at = T0 + dt.timedelta(minutes=8), T0 + dt.timedelta(minutes=10)
        v1 = jira.body("updated", summary="v1", updated=v1_at, fired=v1_at)
        v2 = jira.body("updated", summary="v2", updated=v2_at, fired=v2_at)
        newer = jira.send(v2, v2_at)
        # Jira's retry of v1 comes after v2, still inside the window: accepted, not applied.
        older = jira.send(v1, v2_at + dt.timedelta(minutes=2))
        stored = jira.stored()

    assert (newer.outcome, older.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED)
    assert stored == ("v2", v2_at)
