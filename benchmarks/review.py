"""
Review queue benchmark: ``GET /review`` with 10,000 runs stored (each with its ticket, its
classification and two SLA clocks), by SLA urgency (the default), filtered by state, searched by
person, and a late page; the target is 300 ms a page.

    uv run python -m benchmarks.review [--runs N] [--db sqlite|postgres]

Figures go to docs/review.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import time
from typing import Any

from sqlalchemy import select

from benchmarks.sla import DESKS, bulk, database, ticket_row
from connectors.desks.memory import MemoryDesk
from connectors.identity.memory import MemoryDirectory
from worker.boot import build_runtime
from worker.config import AppSettings
from worker.db.database import utcnow
from worker.db.records import SlaClockRow
from worker.db.tables import ClassificationRow, RunRow, TicketRow
from worker.logging import configure_logging
from worker.runtime import Runtime

TOKEN_ENV = "DESKPILOT_BENCH_REVIEW_TOKEN"  # noqa: S105 (the name of a variable, not a secret)
STATES = ("waiting_approval", "applied", "applied", "failed", "unverified", "rejected")
QUERIES = {
    "urgency (default)": "/review",
    "waiting for approval": "/review?state=waiting",
    "search a person": "/review?q=user4242",
    "page 200 of 400": "/review?page=200",
}


def runtime(url: str) -> Runtime:
    """A runtime with the three desks and one agent token."""
    os.environ.setdefault(TOKEN_ENV, secrets.token_urlsafe(24))
    settings = AppSettings.model_validate(
        {
            "database_url": url,
            "broker": {"url": "stub"},
            "web": {
                "api_tokens": [{"name": "bench", "role": "agent", "token": {"env": TOKEN_ENV}}]
            },
            "desks": [{"name": d, "type": "memory", "connector": "memory"} for d in DESKS],
            "directories": [{"name": "corp", "type": "memory"}],
        }
    )
    desks = {d: MemoryDesk(d) for d in DESKS}
    return build_runtime(settings, desks=desks, directories={"corp": MemoryDirectory("corp")})


def seed(rt: Runtime, runs: int, now: dt.datetime) -> None:
    """``runs`` tickets, each with one run, a classification and two clocks (one running)."""
    rng = random.Random(11)
    shape = []
    for n in range(runs):
        created = now - dt.timedelta(seconds=rng.uniform(600, 60 * 86400))
        shape.append((created, None if n % 4 == 0 else created + dt.timedelta(hours=2)))
    tickets = [ticket_row(n, created, done, None) for n, (created, done) in enumerate(shape)]
    for n, row in enumerate(tickets):
        row["requester"] = f"user{n}@example.com"
    bulk(rt, TicketRow, tickets)
    with rt.db.session() as session:
        ids = list(session.scalars(select(TicketRow.id).order_by(TicketRow.id)))
    rows: list[dict[str, Any]] = []
    classes: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    for n, (created, done) in enumerate(shape):
        intent = ("account_unlock", "password_reset", "access_grant", "mfa_reset")[n % 4]
        plan = {"json": f'{{"target": {{"login": "user{n}"}}, "application": "app{n % 40}"}}'}
        rows.append(
            {"ticket_id": ids[n], "attempt": 1, "playbook": intent.replace("_", "-"),
             "intent": intent, "state": STATES[n % len(STATES)], "plan": plan, "decision": {},
             "result": None, "expires_at": None, "created_at": created,
             "updated_at": done or created}
        )  # fmt: skip
        classes.append(
            {"ticket_id": ids[n], "intent": intent, "confidence": rng.uniform(0.3, 1.0),
             "top": [[intent, 0.9]], "entities": {}, "route": "text", "auto": True,
             "created_at": created}
        )  # fmt: skip
        for metric, goal in (("first_response", 7200), ("resolution", 57600)):
            running = done is None and metric == "resolution"
            clocks.append(
                {"ticket_id": ids[n], "metric": metric, "policy": "standard",
                 "stage": "running" if running else "completed", "goal_s": goal,
                 "elapsed_s": 60.0, "remaining_s": goal - 60.0,
                 "breach_at": created + dt.timedelta(seconds=goal) if running else None,
                 "breached": False, "stopped_at": None if running else done, "computed_at": now}
            )  # fmt: skip
    bulk(rt, RunRow, rows)
    bulk(rt, ClassificationRow, classes)
    bulk(rt, SlaClockRow, clocks)


def bench(url: str, runs: int, repeat: int = 7) -> dict[str, tuple[float, float]]:
    """Median and worst seconds of each queue request (after one warm-up)."""
    from fastapi.testclient import TestClient

    from worker.web.app import create_app

    rt = runtime(url)
    now = utcnow()
    rt.clock = lambda: now
    seed(rt, runs, now)
    results = {}
    with TestClient(create_app(rt)) as client:
        client.headers["authorization"] = f"Bearer {os.environ[TOKEN_ENV]}"
        for name, path in QUERIES.items():
            assert client.get(path).status_code == 200
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                answer = client.get(path)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text
            results[name] = (statistics.median(times), max(times))
    rt.broker.close()
    rt.db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    configure_logging(json_output=True, level="ERROR")
    with database(args.db) as url:
        results = bench(url, args.runs)
    print(f"deskpilot review queue benchmark ({args.db}, {args.runs:,} runs)")
    print(f"{'GET /review':<28} {'median':>10} {'worst':>10} {'target':>10}  ok")
    for name, (median, worst) in results.items():
        ok = "yes" if median <= 0.3 else "NO"
        print(f"{name:<28} {median * 1000:>8.0f}ms {worst * 1000:>8.0f}ms {'<= 300 ms':>10}  {ok}")


if __name__ == "__main__":
    main()
