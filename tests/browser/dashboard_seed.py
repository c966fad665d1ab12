"""A small, hand-checked set of tickets, clocks, runs and approvals for the dashboard's tests."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from connectors.desks.memory import MemoryDesk
from connectors.identity.memory import MemoryDirectory
from worker.boot import build_runtime
from worker.config import AppSettings
from worker.db.records import SlaClockRow
from worker.db.tables import ApprovalRow, RunRow, TicketRow
from worker.runtime import Runtime

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
TOKEN_ENV = "DESKPILOT_TEST_DASHBOARD_TOKEN"
DESKS = ("jira-it", "zendesk-support")


def ago(**delta: float) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


def later(**delta: float) -> dt.datetime:
    return NOW + dt.timedelta(**delta)


# What the dashboard must show for the seed over the last 7 days (worked out by hand):
# jira-it: 3 met, 1 breached and stopped (IT-2), 1 breached and open (IT-3) -> 60 %;
# zendesk-support: ZD-4 is past its breach time although its timer has not fired yet -> 0 %.
EXPECTED_COMPLIANCE_DESK = {"jira-it": "60.00", "zendesk-support": "0.00"}
EXPECTED_ACTIVE_BREACHED = 2
EXPECTED_AT_RISK_KEYS = ("ZD-2", "ZD-1")  # least time left first
EXPECTED_AUTOMATION = "50.0 %"  # IT-1 by deskpilot (applied run), IT-2 by people


# key, desk, intent, priority, team, created, outcome, done_at
TICKETS = [
    ("IT-1", "jira-it", "account_unlock", "high", "l1", ago(days=2), "resolved", ago(days=2, minutes=-60)),
    ("IT-2", "jira-it", "access_request", "normal", "l2", ago(days=3), "escalated", ago(days=2)),
    ("IT-3", "jira-it", "access_request", "urgent", "l2", ago(days=1), None, None),
    ("ZD-1", "zendesk-support", "password_reset", "normal", "l1", ago(hours=5), None, None),
    ("ZD-2", "zendesk-support", "password_reset", "normal", "l1", ago(hours=3), None, None),
    ("ZD-3", "zendesk-support", "mfa_reset", "low", None, ago(hours=1), None, None),
    ("ZD-4", "zendesk-support", "mfa_reset", "high", "l1", ago(hours=1), None, None),
]  # fmt: skip

# key, metric, stage, goal_s, elapsed_s, remaining_s, breach_at, breached, stopped_at
CLOCKS = [
    ("IT-1", "first_response", "completed", 1800, 600, 1200, None, False, ago(days=2, minutes=-10)),
    ("IT-1", "resolution", "completed", 14400, 3600, 10800, None, False, ago(days=2, minutes=-60)),
    ("IT-2", "first_response", "completed", 7200, 1800, 5400, None, False, ago(days=3, minutes=-30)),
    ("IT-2", "resolution", "completed", 14400, 20000, -5600, ago(days=3, hours=-4), True, ago(days=2)),
    ("IT-3", "resolution", "running", 3600, 7200, -3600, ago(hours=1), True, None),
    ("ZD-1", "resolution", "running", 14400, 12600, 1800, later(minutes=30), False, None),
    ("ZD-2", "first_response", "paused", 7200, 6300, 900, None, False, None),
    ("ZD-3", "resolution", "running", 57600, 3600, 54000, later(hours=15), False, None),
    ("ZD-4", "first_response", "running", 1800, 1200, 600, ago(minutes=10), False, None),
]  # fmt: skip


def settings(database_url: str) -> AppSettings:
    os.environ[TOKEN_ENV] = secrets.token_urlsafe(24)
    return AppSettings.model_validate(
        {
            "database_url": database_url,
            "broker": {"url": "stub"},
            "web": {
                "api_tokens": [{"name": "lead", "role": "viewer", "token": {"env": TOKEN_ENV}}]
            },
            "desks": [{"name": d, "type": "memory", "connector": "memory"} for d in DESKS],
            "directories": [{"name": "corp", "type": "memory"}],
        }
    )


def seed(rt: Runtime) -> None:
    with rt.db.session() as session:
        ids: dict[str, int] = {}
        for key, desk, intent, priority, team, created, outcome, done in TICKETS:
            row = TicketRow(
                desk=desk, desk_type="memory", key=key, url=f"https://desk.example.com/{key}",
                subject=f"Ticket {key}", status="resolved" if done else "open", priority=priority,
                team=team, snapshot={}, desk_created_at=created, first_seen_at=created,
                stage="done" if done else "received", stage_at=created, intent=intent,
                outcome=outcome, done_at=done,
            )  # fmt: skip
            session.add(row)
            session.flush()
            ids[key] = row.id
        for key, metric, stage, goal, elapsed, left, breach_at, breached, stopped in CLOCKS:
            session.add(
                SlaClockRow(
                    ticket_id=ids[key], metric=metric, policy="standard", stage=stage,
                    goal_s=goal, elapsed_s=elapsed, remaining_s=left, breach_at=breach_at,
                    breached=breached, stopped_at=stopped, computed_at=ago(minutes=1),
                )
            )  # fmt: skip
        run = RunRow(
            ticket_id=ids["IT-1"], attempt=1, playbook="account_unlock", intent="account_unlock",
            state="applied", plan={}, decision={}, result=None, expires_at=None,
            created_at=ago(days=2, minutes=-1), updated_at=ago(days=2, minutes=-40),
        )  # fmt: skip
        session.add(run)
        session.flush()
        session.add(
            ApprovalRow(
                run_id=run.id,
                approver="lead@example.com",
                verdict="approved",
                source="review",
                at=ago(days=2, minutes=-31),
            )
        )


@contextmanager
def seeded_runtime(database_url: str) -> Iterator[Runtime]:
    """A migrated runtime whose clock stands at ``NOW``, with the seed stored."""
    desks = {name: MemoryDesk(name) for name in DESKS}
    rt = build_runtime(
        settings(database_url), desks=desks, directories={"corp": MemoryDirectory("corp")}
    )
    rt.clock = lambda: NOW
    seed(rt)
    try:
        yield rt
    finally:
        rt.broker.close()
        rt.db.dispose()
