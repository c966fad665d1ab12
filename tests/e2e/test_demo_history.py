"""``deskpilot demo``'s history: two weeks made by the real pipeline on a simulated clock."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from connectors.desks.memory import MemoryDesk
from sla.report import Period
from worker.boot import build_runtime
from worker.db.records import SlaClockRow
from worker.db.tables import ApprovalRow, CorrectionRow, RunRow, StepRow, TicketRow
from worker.demo.deliveries import load_demo
from worker.demo.history import History, seed_history
from worker.demo.settings import DEMO_DESKS, demo_settings, seed_directory
from worker.reports.dashboard_data import dashboard_view
from worker.runtime import Runtime

NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
DAYS = 30


def _made(folder: Path) -> Iterator[tuple[Runtime, History]]:
    demo = load_demo()
    keys = {name: secrets.token_hex(16).encode() for name in DEMO_DESKS}
    envs = {name: f"DESKPILOT_TEST_HISTORY_{name.upper().replace('-', '_')}" for name in DEMO_DESKS}
    for name, env in envs.items():
        os.environ[env] = keys[name].decode()
    settings = demo_settings(f"sqlite:///{folder / 'demo.sqlite3'}", 0, envs)
    desks = {name: MemoryDesk(name) for name in DEMO_DESKS}
    rt = build_runtime(settings, desks=desks, directories={"corp": seed_directory(demo)})
    try:
        yield rt, seed_history(rt, demo, desks, keys, NOW, DAYS)
    finally:
        rt.broker.close()
        rt.db.dispose()


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, History]]:
    yield from _made(tmp_path_factory.mktemp("history"))


def _outcomes(rt: Runtime) -> list[tuple[str, str, str | None, str | None]]:
    with rt.db.session() as session:
        rows = session.execute(
            select(TicketRow.desk, TicketRow.key, TicketRow.intent, TicketRow.outcome).order_by(
                TicketRow.desk, TicketRow.key
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_history_spreads_over_the_days_and_leaves_nothing_queued(
    made: tuple[Runtime, History],
) -> None:
    rt, history = made
    assert history.errors == 0
    assert history.tickets == history.actions["create"] >= 4 * 8
    with rt.db.session() as session:
        days = {
            d.date() if isinstance(d, datetime) else d
            for d in session.scalars(select(TicketRow.first_seen_at))
        }
    assert len(days) >= 20  # the weekdays of a month, and a weekend ticket or two
    assert min(days) >= (NOW - timedelta(days=DAYS)).date()
    assert isinstance(rt.broker, StubBroker)
    assert not any(q.qsize() for q in rt.broker.queues.values())


def test_people_act_through_the_products_rules(made: tuple[Runtime, History]) -> None:
    rt, history = made
    with rt.db.session() as session:
        approvals = session.execute(
            select(
                ApprovalRow.verdict, ApprovalRow.source, TicketRow.requester, ApprovalRow.approver
            )
            .join(RunRow, RunRow.id == ApprovalRow.run_id)
            .join(TicketRow, TicketRow.id == RunRow.ticket_id)
        ).all()
        corrections = session.scalar(select(func.count(CorrectionRow.id)))
        states = dict(
            session.execute(
                select(RunRow.state, func.count(RunRow.id)).group_by(RunRow.state)
            ).all()
        )
    assert approvals, "approvers approved runs"
    assert all(source.startswith("comment:review-") for _, source, _, _ in approvals)
    assert all(requester != approver for _, _, requester, approver in approvals)
    assert (corrections or 0) <= history.actions["correct"]  # the IT lead's own: refused
    assert states.get("applied", 0) > 0


def test_the_read_only_directory_fails_runs_that_are_compensated(
    made: tuple[Runtime, History],
) -> None:
    """The simulated failover: the runs that met it failed at their first change, escalated."""
    rt, history = made
    assert history.actions["outage"] == history.actions["recovered"] == 1
    with rt.db.session() as session:
        failed = session.execute(
            select(TicketRow.outcome, StepRow.error)
            .join(RunRow, RunRow.ticket_id == TicketRow.id)
            .join(StepRow, StepRow.run_id == RunRow.id)
            .where(RunRow.state == "compensated", StepRow.state == "failed")
        ).all()
    assert failed
    assert all("unwillingToPerform" in (error or "") for _, error in failed)


def test_clocks_are_met_and_breached_by_the_sla_engine(made: tuple[Runtime, History]) -> None:
    rt, _ = made
    with rt.db.session() as session:
        completed = dict(
            session.execute(
                select(SlaClockRow.breached, func.count(SlaClockRow.id))
                .where(SlaClockRow.stage == "completed", SlaClockRow.goal_s.is_not(None))
                .group_by(SlaClockRow.breached)
            ).all()
        )
    assert completed.get(False, 0) > completed.get(True, 0) > 0
    view = dashboard_view(rt, Period(NOW - timedelta(days=7), NOW), NOW)
    assert view.figures.resolved > 0
    assert 0 < (view.figures.automation_rate or 0) < 100
    assert view.provision.count == view.figures.resolved_by_automation


def test_the_history_is_the_same_every_time(made: tuple[Runtime, History], tmp_path: Path) -> None:
    rt, history = made
    for again, repeated in _made(tmp_path):
        assert repeated == history
        assert _outcomes(again) == _outcomes(rt)
