"""
SLA benchmark: the clock engine's ingest rate, one timer tick, and the dashboard page.

* (a) events/s through ``sla.feed.evaluate_ticket`` over 100,000 tickets of 10 events each
  (1,000,000 events; the demo's business-hours calendar with English holidays);
* (b) one timer tick with 1,000 SLA timers due among 100,000 pending: the real
  ``worker.queue.timers.fire_timers`` (claim each, re-evaluate its ticket's clock, store it), until
  nothing is due — and the due-selection query alone;
* (c) ``GET /dashboard`` (last 7 and 30 days) with 100,000 tickets and 200,000 clocks stored.

    uv run python -m benchmarks.sla [--quick] [--db sqlite|postgres]

``--quick`` is ten times smaller. Run it as a module (``-m``): as a script, this file would
shadow the ``sla`` package. Figures go to docs/dashboard.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, insert, select, text, update

from connectors.desks.memory import MemoryDesk
from connectors.identity.memory import MemoryDirectory
from intake.model import Comment, EventKind, Person, Priority, StatusCategory, TicketEvent
from sla.config import SlaSettings
from sla.definition import compile_sla
from sla.feed import evaluate_ticket
from worker.boot import build_runtime
from worker.config import AppSettings
from worker.db.database import utcnow
from worker.db.records import SlaClockRow
from worker.db.store import compare_and_set, event_to_json
from worker.db.tables import ApprovalRow, RunRow, TicketEventRow, TicketRow, TimerRow
from worker.logging import configure_logging
from worker.queue.timers import fire_timers
from worker.runtime import Runtime

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TOKEN_ENV = "DESKPILOT_BENCH_DASHBOARD_TOKEN"  # noqa: S105 (a variable name)
SLA: dict[str, Any] = {
    "calendars": {
        "london-office": {
            "timezone": "Europe/London",
            "weekly": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"country": "GB", "subdivision": "ENG"},
        }
    },
    "default_calendar": "london-office",
    "policies": [
        {"name": "urgent", "match": {"priority": ["urgent", "high"]},
         "goals": {"first_response": {"goal": "30m"}, "resolution": {"goal": "4h"}}},
        {"name": "standard", "goals": {"first_response": {"goal": "2h"}, "resolution": {"goal": "16h"}}},
    ],
}  # fmt: skip
AGENT = Person("agent-1", is_agent=True)
REQUESTER = Person("req-1", is_agent=False)


def ticket_events(n: int, start: dt.datetime) -> list[TicketEvent]:
    """Ten events of one ticket's life: answered, waiting on the requester, re-prioritised, resolved."""
    step = dt.timedelta(minutes=37 + n % 50)

    def at(i: int) -> dt.datetime:
        return start + step * i

    def comment(i: int, who: Person, public: bool) -> Comment:
        return Comment(f"c{n}-{i}", "text", public, who, at(i))

    return [
        TicketEvent(EventKind.CREATED, at(0), f"{n}-0", status=StatusCategory.NEW, priority=Priority.NORMAL),
        TicketEvent(EventKind.ASSIGNEE, at(1), f"{n}-1", assignee=AGENT),
        TicketEvent(EventKind.COMMENT, at(2), f"{n}-2", comment=comment(2, AGENT, True)),
        TicketEvent(EventKind.STATUS, at(3), f"{n}-3", status=StatusCategory.IN_PROGRESS),
        TicketEvent(EventKind.STATUS, at(4), f"{n}-4", status=StatusCategory.PENDING_REQUESTER),
        TicketEvent(EventKind.COMMENT, at(5), f"{n}-5", comment=comment(5, REQUESTER, True)),
        TicketEvent(EventKind.STATUS, at(6), f"{n}-6", status=StatusCategory.OPEN),
        TicketEvent(EventKind.COMMENT, at(7), f"{n}-7", comment=comment(7, AGENT, False)),
        TicketEvent(EventKind.PRIORITY, at(8), f"{n}-8", priority=Priority.HIGH if n % 7 == 0 else Priority.NORMAL),
        TicketEvent(EventKind.STATUS, at(9), f"{n}-9", status=StatusCategory.RESOLVED),
    ]  # fmt: skip


def bench_ingest(tickets: int) -> tuple[float, int]:
    """(a) events per second through the SLA engine."""
    defs = compile_sla(SlaSettings.model_validate(SLA))
    base = dt.datetime(2026, 9, 1, 7, tzinfo=dt.UTC)
    streams = [ticket_events(n, base + dt.timedelta(minutes=n % 80_000)) for n in range(tickets)]
    now = base + dt.timedelta(days=90)
    started = time.perf_counter()
    for events in streams:
        evaluate_ticket(defs, "jira-it", "account_unlock", events, now)
    elapsed = time.perf_counter() - started
    count = sum(len(s) for s in streams)
    return count / elapsed, count


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def runtime(url: str) -> Runtime:
    os.environ.setdefault(TOKEN_ENV, secrets.token_urlsafe(24))
    settings = AppSettings.model_validate(
        {
            "database_url": url,
            "broker": {"url": "stub"},
            "web": {"api_tokens": [{"name": "bench", "token": {"env": TOKEN_ENV}}]},
            "desks": [{"name": d, "type": "memory", "connector": "memory"} for d in DESKS],
            "directories": [{"name": "corp", "type": "memory"}],
            "sla": SLA,
        }
    )
    desks = {d: MemoryDesk(d) for d in DESKS}
    return build_runtime(settings, desks=desks, directories={"corp": MemoryDirectory("corp")})


DESKS = ("jira-it", "zendesk-support", "servicenow-corp")


def bulk(rt: Runtime, table: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    for first in range(0, len(rows), chunk):
        with rt.db.session() as session:
            session.execute(insert(table), rows[first : first + chunk])


def ticket_row(
    n: int, created: dt.datetime, done: dt.datetime | None, outcome: str | None
) -> dict[str, Any]:
    return {
        "desk": DESKS[n % 3], "desk_type": "memory", "key": f"T-{n}",
        "url": f"https://desk.example.com/T-{n}", "subject": f"ticket {n}",
        "status": "resolved" if done else "open", "priority": ("normal", "high", "low", "urgent")[n % 4],
        "team": ("l1", "l2", "apps")[n % 3], "snapshot": {}, "desk_created_at": created,
        "first_seen_at": created, "stage": "done" if done else "planned", "stage_at": created,
        "intent": ("account_unlock", "password_reset", "access_request", "mfa_reset")[n % 4],
        "outcome": outcome, "done_at": done,
    }  # fmt: skip


def bench_timers(url: str, open_timers: int, due: int) -> tuple[float, float, float, int]:
    """(b) seconds to fire every due timer (real fire_timers), the selection alone, and the count."""
    rt = runtime(url)
    now = utcnow()
    rt.clock = lambda: now
    tickets = due
    start = now - dt.timedelta(hours=6)
    bulk(rt, TicketRow, [ticket_row(n, start, None, None) for n in range(tickets)])
    with rt.db.session() as session:
        ids = list(session.scalars(select(TicketRow.id).order_by(TicketRow.id)))
    events = [
        {"ticket_id": ids[n], "desk_event_id": e.desk_event_id, "kind": str(e.kind), "at": e.at,
         "seq": 0, "data": event_to_json(e), "handled": True}
        for n in range(tickets) for e in ticket_events(n, start)[:4]
    ]  # fmt: skip
    bulk(rt, TicketEventRow, events)
    timers = [
        {"kind": "sla", "ref": f"bench-{i}", "ticket_id": ids[i % tickets], "run_id": None,
         "due_at": now - dt.timedelta(seconds=1 + i) if i < due else now + dt.timedelta(minutes=5 + i % 10_000),
         "state": "pending", "payload": {"metric": "resolution", "due": "breach"}, "fired_at": None}
        for i in range(open_timers)
    ]  # fmt: skip
    bulk(rt, TimerRow, timers)
    selection, claim = claim_only(rt, now)
    started, fired = time.perf_counter(), 0
    while (batch := fire_timers(rt)) > 0:
        fired += batch
    elapsed = time.perf_counter() - started
    rt.broker.close()
    rt.db.dispose()
    return elapsed, selection, claim, fired


def claim_only(rt: Runtime, now: dt.datetime) -> tuple[float, float]:
    """The tick's own work, as ``fire_timers`` does it: select the due rows, claim each one.

    Returns (selection seconds, selection + claim seconds); the claims are then undone so the
    real ``fire_timers`` finds the same timers due.
    """
    started = time.perf_counter()
    with rt.db.session() as session:
        due = session.execute(
            select(TimerRow.id).where(TimerRow.state == "pending", TimerRow.due_at <= now)
            .order_by(TimerRow.due_at)
        ).all()  # fmt: skip
    selection = time.perf_counter() - started
    for (timer_id,) in due:
        with rt.db.session() as session:
            compare_and_set(
                session,
                TimerRow,
                timer_id,
                TimerRow.state == "pending",
                state="fired",
                fired_at=now,
            )
    claim = time.perf_counter() - started
    with rt.db.session() as session:
        session.execute(
            update(TimerRow).where(TimerRow.state == "fired").values(state="pending", fired_at=None)
        )
    return selection, claim


def _clock(ticket_id: int, metric: str, goal: int, created: dt.datetime, done: dt.datetime | None,
           now: dt.datetime, n: int) -> dict[str, Any]:  # fmt: skip
    if done is not None:
        used = (done - created).total_seconds() * 0.4
        stopped = created + (done - created) / (8 if metric == "first_response" else 1)
        stage, breached, left = "completed", used > goal, goal - used
        breach_at = created + dt.timedelta(seconds=goal) if breached else None
    else:
        used = goal * (0.2 + (n % 10) / 8)  # some on track, some at risk, some breached
        stage, stopped, breached, left = "running", None, used > goal, goal - used
        breach_at = now + dt.timedelta(seconds=left)
    return {
        "ticket_id": ticket_id, "metric": metric, "policy": "standard", "stage": stage,
        "goal_s": goal, "elapsed_s": used, "remaining_s": left, "breach_at": breach_at,
        "breached": breached, "stopped_at": stopped, "computed_at": now,
    }  # fmt: skip


def seed_dashboard(rt: Runtime, tickets: int, now: dt.datetime, days: int = 90) -> None:
    """``tickets`` over the last ``days`` days, 3 % still open; two clocks each; runs, approvals."""
    rng = random.Random(7)
    shape = []
    for n in range(tickets):
        created = now - dt.timedelta(seconds=rng.uniform(3600, days * 86400))
        done = None if n % 33 == 0 else min(now, created + dt.timedelta(hours=rng.uniform(0.2, 40)))
        outcome = None if done is None else ("resolved" if n % 5 < 3 else "escalated")
        shape.append((created, done, outcome))
    bulk(rt, TicketRow, [ticket_row(n, *s) for n, s in enumerate(shape)])
    with rt.db.session() as session:
        ids = list(session.scalars(select(TicketRow.id).order_by(TicketRow.id)))
    clocks = []
    for n, (created, done, _) in enumerate(shape):
        clocks.append(_clock(ids[n], "first_response", 7200, created, done, now, n))
        clocks.append(_clock(ids[n], "resolution", 57600, created, done, now, n + 3))
    bulk(rt, SlaClockRow, clocks)
    runs: list[dict[str, Any]] = [
        {"ticket_id": ids[n], "attempt": 1, "playbook": "pb", "intent": "account_unlock",
         "state": "applied", "plan": {}, "decision": {}, "result": None, "expires_at": None,
         "created_at": created, "updated_at": done}
        for n, (created, done, outcome) in enumerate(shape) if outcome == "resolved"
    ]  # fmt: skip
    bulk(rt, RunRow, runs)
    with rt.db.session() as session:
        run_ids = list(session.execute(select(RunRow.id, RunRow.created_at)))
    approvals = [
        {"run_id": rid, "approver": "lead@example.com", "verdict": "approved", "source": "review",
         "at": created + dt.timedelta(minutes=5 + i % 240), "stage": 0}
        for i, (rid, created) in enumerate(run_ids) if i % 10 == 0
    ]  # fmt: skip
    bulk(rt, ApprovalRow, approvals)


def bench_dashboard(url: str, tickets: int, repeat: int = 5) -> dict[str, float]:
    """(c) median seconds of GET /dashboard for the last 7 and 30 days, and the first request."""
    from fastapi.testclient import TestClient

    from worker.web.app import create_app

    rt = runtime(url)
    now = utcnow()
    rt.clock = lambda: now
    seed_dashboard(rt, tickets, now)
    results = {}
    with TestClient(create_app(rt)) as client:
        client.headers["authorization"] = f"Bearer {os.environ[TOKEN_ENV]}"
        for preset in ("7d", "30d"):
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                answer = client.get(f"/dashboard?range={preset}")
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text
            results[preset] = statistics.median(times)
            results[f"{preset} first"] = times[0]
    rt.broker.close()
    rt.db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="ten times smaller")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    configure_logging(json_output=True, level="ERROR")
    scale = 10 if args.quick else 1
    tickets, timers, due = 100_000 // scale, 100_000 // scale, 1_000 // scale
    rate, events = bench_ingest(tickets)
    with database(args.db) as url:
        fire_s, select_s, claim_s, fired = bench_timers(url, timers, due)
    with database(args.db) as url:
        page = bench_dashboard(url, tickets)
    rows = [
        (f"(a) SLA engine ingest, {events:,} events / {tickets:,} tickets", f"{rate:,.0f} events/s", ">= 5,000 events/s", rate >= 5000),
        (f"(b) timer tick: select + claim {fired:,} due of {timers:,}", f"{claim_s * 1000:,.0f} ms", "<= 1,000 ms", claim_s <= 1.0),
        ("    due-selection query alone", f"{select_s * 1000:,.1f} ms", "", None),
        ("    fire_timers incl. handlers (re-evaluate, store)", f"{fire_s * 1000:,.0f} ms", "", None),
        (f"(c) GET /dashboard, {tickets:,} tickets, last 7 days", f"{page['7d'] * 1000:,.0f} ms", "<= 500 ms", page["7d"] <= 0.5),
        ("    first request (7 days; template compiled, caches cold)", f"{page['7d first'] * 1000:,.0f} ms", "", None),
        ("    same, last 30 days", f"{page['30d'] * 1000:,.0f} ms", "", None),
    ]  # fmt: skip
    print(f"deskpilot SLA benchmark ({args.db}{', quick' if args.quick else ''})")
    print(f"{'figure':<58} {'measured':>18} {'target':>18}  ok")
    for name, value, target, ok in rows:
        print(
            f"{name:<58} {value:>18} {target:>18}  {'' if ok is None else ('yes' if ok else 'NO')}"
        )


if __name__ == "__main__":
    main()
