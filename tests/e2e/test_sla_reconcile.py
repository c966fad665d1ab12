"""SLA reconciliation end to end: the desk's own figures beside our clocks, drift on the page and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from connectors.desks import DeskSlaValue
from connectors.desks.memory import MemoryDesk
from connectors.identity.memory import MemoryDirectory
from worker.boot import build_runtime
from worker.clocks.reconcile import reconcile_desk
from worker.config import AppSettings
from worker.db.records import SlaClockRow, SlaReconciliationRow
from worker.db.tables import TicketRow
from worker.queue.names import ActorName
from worker.queue.periodic import Job, jobs_for
from worker.runtime import Runtime
from worker.web.app import create_app

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
TOKEN_ENV = "DESKPILOT_TEST_DRIFT_TOKEN"
METRIC_MAP = {"Time to first response": "first_response", "Time to resolution": "resolution"}


def at(**delta: float) -> dt.datetime:
    return NOW + dt.timedelta(**delta)


def sla(name: str, breach_at: dt.datetime | None, breached: bool = False) -> DeskSlaValue:
    return DeskSlaValue(name, 3600.0, 600.0, 3000.0, breached, breach_at, paused=False)


@dataclass
class World:
    rt: Runtime
    desk: MemoryDesk
    ids: dict[str, int]


@pytest.fixture
def world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv(TOKEN_ENV, secrets.token_urlsafe(24))
    settings = AppSettings.model_validate(
        {
            "database_url": database_url,
            "broker": {"url": "stub"},
            "web": {"api_tokens": [{"name": "lead", "role": "viewer", "token": {"env": TOKEN_ENV}}]},
            "desks": [
                {"name": "jira-it", "type": "memory", "connector": "memory",
                 "options": {"reconcile_sla": {"metric_map": METRIC_MAP, "interval_s": 600}}},
                {"name": "plain", "type": "memory", "connector": "memory"},
            ],
            "directories": [{"name": "corp", "type": "memory"}],
        }
    )  # fmt: skip
    desk = MemoryDesk("jira-it")
    rt = build_runtime(
        settings,
        desks={"jira-it": desk, "plain": MemoryDesk("plain")},
        directories={"corp": MemoryDirectory("corp")},
    )
    rt.clock = lambda: NOW
    try:
        yield World(rt, desk, _seed(rt))
    finally:
        rt.broker.close()
        rt.db.dispose()


# key, metric, our breach_at, our breached
CLOCKS = [
    ("IT-1", "resolution", at(hours=2), False),
    ("IT-1", "first_response", at(minutes=-30), True),
    ("IT-2", "resolution", at(hours=3), False),
]


def _seed(rt: Runtime) -> dict[str, int]:
    ids: dict[str, int] = {}
    with rt.db.session() as session:
        for key in ("IT-1", "IT-2"):
            row = TicketRow(
                desk="jira-it", desk_type="memory", key=key, url=f"https://desk.example.com/{key}",
                subject=key, status="open", priority="normal", snapshot={}, first_seen_at=at(days=-1),
                stage="received", stage_at=at(days=-1),
            )  # fmt: skip
            session.add(row)
            session.flush()
            ids[key] = row.id
        for key, metric, breach_at, breached in CLOCKS:
            session.add(
                SlaClockRow(
                    ticket_id=ids[key], metric=metric, policy="standard", stage="running",
                    goal_s=3600, elapsed_s=600, remaining_s=3000, breach_at=breach_at,
                    breached=breached, computed_at=at(minutes=-1),
                )
            )  # fmt: skip
    return ids


def _rows(rt: Runtime) -> dict[tuple[str, str], SlaReconciliationRow]:
    keys = {"IT-1", "IT-2"}
    with rt.db.session() as session:
        found = session.execute(
            select(SlaReconciliationRow, TicketRow.key).join(
                TicketRow, TicketRow.id == SlaReconciliationRow.ticket_id
            )
        ).all()
        session.expunge_all()
    return {(key, row.metric): row for row, key in found if key in keys}


def test_reconcile_records_drift_without_touching_our_clocks(world: World) -> None:
    """A 2 h later desk breach time and a flag disagreement drift; a 2 min gap does not."""
    world.desk.set_sla_values(
        "IT-1",
        [
            sla("Time to resolution", at(hours=4)),
            sla("Time to first response", at(minutes=-28), breached=False),
            sla("Time to approve normal change", at(hours=1)),
        ],
    )
    world.desk.set_sla_values("IT-2", [sla("Time to resolution", at(hours=3, minutes=2))])

    assert 2 == reconcile_desk(world.rt, "jira-it")

    rows = _rows(world.rt)
    assert {("IT-1", "resolution"), ("IT-1", "first_response"), ("IT-2", "resolution")} == set(rows)
    assert (7200.0, True) == (
        rows["IT-1", "resolution"].drift_s,
        rows["IT-1", "resolution"].drifted,
    )
    first = rows["IT-1", "first_response"]
    assert (120.0, True, True, False) == (
        first.drift_s, first.drifted, first.ours_breached, first.desk_breached
    )  # fmt: skip
    assert (120.0, False) == (
        rows["IT-2", "resolution"].drift_s,
        rows["IT-2", "resolution"].drifted,
    )
    with world.rt.db.session() as session:
        ours = session.scalars(select(SlaClockRow.breach_at).order_by(SlaClockRow.id)).all()
    assert [c[2] for c in CLOCKS] == list(ours)


def test_second_run_updates_the_row_in_place(world: World) -> None:
    """Once the desk agrees again, the same row stops being drift (no duplicate rows)."""
    world.desk.set_sla_values("IT-1", [sla("Time to resolution", at(hours=4))])
    reconcile_desk(world.rt, "jira-it")
    world.desk.set_sla_values("IT-1", [sla("Time to resolution", at(hours=2))])
    world.rt.clock = lambda: at(minutes=10)

    reconcile_desk(world.rt, "jira-it")

    row = _rows(world.rt)["IT-1", "resolution"]
    assert (0.0, False, at(minutes=10)) == (row.drift_s, row.drifted, row.checked_at)
    assert 1 == len(_rows(world.rt))


def test_only_desks_with_the_option_get_a_job(world: World) -> None:
    """The reconcile job runs at the desk's interval and only where reconcile_sla is set."""
    jobs = [job for job in jobs_for(world.rt) if job.actor == ActorName.RECONCILE_DESK]

    assert [Job("reconcile:jira-it", 600.0, ActorName.RECONCILE_DESK, ("jira-it",))] == jobs
    assert 0 == reconcile_desk(world.rt, "plain")


def test_drift_page_and_csv_list_the_drifted_tickets(world: World) -> None:
    """Viewer login; the page links the ticket and shows both breach times; the CSV matches."""
    world.desk.set_sla_values("IT-1", [sla("Time to resolution", at(hours=4))])
    world.desk.set_sla_values("IT-2", [sla("Time to resolution", at(hours=3))])
    reconcile_desk(world.rt, "jira-it")

    with TestClient(create_app(world.rt)) as client:
        assert 401 == client.get("/dashboard/drift").status_code
        token = world.rt.settings.web.api_tokens[0].token.resolve()
        assert (
            303 == client.post("/login", data={"token": token}, follow_redirects=False).status_code
        )
        page = client.get("/dashboard/drift")
        export = client.get("/dashboard/export/drift.csv")

    assert 200 == page.status_code
    assert 'href="https://desk.example.com/IT-1"' in page.text
    assert "2026-11-25 14:00 UTC" in page.text
    assert "2026-11-25 16:00 UTC" in page.text
    assert "IT-2" not in page.text
    assert export.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(export.text)))
    assert [("IT-1", "resolution", "7200")] == [
        (r["ticket"], r["metric"], r["drift_s"]) for r in lines
    ]
