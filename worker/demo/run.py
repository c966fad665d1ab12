"""
``deskpilot demo``: the real runtime on the embedded default, fed 36 bundled, signed tickets.

Starts the web app and in-process Dramatiq workers on a StubBroker with a SQLite file, sends every
bundled delivery to its own ``/hooks/{desk}`` over HTTP exactly as the desks would (signed), lets
the pipeline work them against the in-memory desks and directory, and prints what happened.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from dramatiq.brokers.stub import StubBroker
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from connectors.desks.memory import MemoryDesk
from playbooks.lifecycle import TicketStage
from worker.boot import WebServer, Workers, build_runtime
from worker.config import AppSettings
from worker.db.database import utcnow
from worker.db.records import SlaClockRow
from worker.db.tables import InboxItem, OutboxRow, RunRow, TicketRow
from worker.demo.data import DemoSet
from worker.demo.deliveries import DemoDelivery, build_deliveries, load_demo
from worker.demo.history import DAYS, seed_history
from worker.demo.settings import DEMO_DESKS, demo_settings, name_groups, seed_directory
from worker.logging import configure_logging
from worker.runtime import Runtime

WAIT_S = 120.0
TERMINAL = (TicketStage.DONE, TicketStage.WAITING_APPROVAL)
"""Where the demo stops watching: done, or waiting for a person's approval."""


@dataclass(frozen=True)
class Row:
    """One line of the demo's result table."""

    key: str
    desk: str
    intent: str
    playbook: str
    outcome: str
    sla: str
    seconds: float | None


def run_demo(*, once: bool, keep: bool, data_dir: Path, port: int, history_days: int = DAYS) -> int:
    """Run the demo; returns the process exit code (0 when every ticket was handled)."""
    console = Console() if Console().is_terminal else Console(width=150)
    configure_logging(level="WARNING")
    fresh = keep is False or not (data_dir / "deskpilot.sqlite3").exists()
    db_url = _prepare(console, data_dir, keep)
    demo = load_demo()
    secrets_by_desk = {name: secrets.token_hex(24).encode() for name in DEMO_DESKS}
    for name, secret in secrets_by_desk.items():
        os.environ[_secret_env(name)] = secret.decode()
    settings = demo_settings(db_url, port, {n: _secret_env(n) for n in DEMO_DESKS})
    desks = {name: MemoryDesk(name) for name in DEMO_DESKS}
    name_groups(desks)
    rt = build_runtime(settings, desks=desks, directories={"corp": seed_directory(demo)})
    if fresh and history_days:
        _history(console, rt, demo, desks, secrets_by_desk, history_days)
    workers = Workers(rt, threads=8)
    workers.start()
    web = WebServer(rt, "127.0.0.1", port)
    web.start()
    try:
        deliveries = build_deliveries(demo, secrets=secrets_by_desk, now=utcnow())
        for delivery in deliveries:
            # The desks know their users: deliveries that name the requester by id resolve.
            if delivery.requester_id and delivery.requester_email:
                desks[delivery.desk].add_person(delivery.requester_id, delivery.requester_email)
        _send_all(console, web.port, deliveries)
        handled = _wait(console, rt, {d.key for d in deliveries})
        console.print(_table(_rows(rt, {d.key for d in deliveries})))
        console.print(_summary(rt, deliveries, handled))
        if not once:
            _serve(console, rt, web.port, settings)
    finally:
        web.stop()
        workers.stop()
        rt.db.dispose()
    return 0 if handled else 1


def _history(
    console: Console, rt: Runtime, demo: DemoSet, desks: dict[str, MemoryDesk],
    secrets_by_desk: dict[str, bytes], days: int,
) -> None:  # fmt: skip
    started = time.monotonic()
    with console.status(
        f"Making {days} days of history (the dashboard's trends, the review queue)"
    ):
        made = seed_history(rt, demo, desks, secrets_by_desk, utcnow(), days)
    done = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in sorted(made.actions.items()))
    failed = f"; {made.errors} steps failed (see the log)" if made.errors else ""
    console.print(
        f"History: {made.tickets} tickets over {days} days ({done}) in "
        f"{time.monotonic() - started:.1f} s{failed}."
    )


def _secret_env(desk: str) -> str:
    return f"DESKPILOT_DEMO_{desk.upper().replace('-', '_')}_SECRET"


def _prepare(console: Console, data_dir: Path, keep: bool) -> str:
    db_path = data_dir / "deskpilot.sqlite3"
    if db_path.exists() and not keep:
        shutil.rmtree(data_dir)
        console.print(
            f"Starting clean: removed the previous demo in {data_dir}/ (--keep continues it)."
        )
    elif db_path.exists():
        console.print(f"Continuing the previous demo in {data_dir}/ (its tickets are kept).")
    else:
        console.print(f"Starting clean in {data_dir}/.")
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{db_path.resolve()}"


def _send_all(console: Console, port: int, deliveries: list[DemoDelivery]) -> None:
    statuses: dict[int, int] = {}
    with (
        Progress(
            TextColumn("Sending tickets to /hooks"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        task = progress.add_task("send", total=len(deliveries))
        for delivery in deliveries:
            response = client.post(
                f"/hooks/{delivery.desk}", content=delivery.body, headers=delivery.headers
            )
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            progress.advance(task)
    described = ", ".join(f"{count} x HTTP {code}" for code, count in sorted(statuses.items()))
    console.print(f"Webhooks answered: {described}")


def _wait(console: Console, rt: Runtime, keys: set[str]) -> bool:
    deadline = time.monotonic() + WAIT_S
    with Progress(
        TextColumn("Working tickets"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("work", total=len(keys))
        while time.monotonic() < deadline:
            done = _handled(rt, keys)
            progress.update(task, completed=done)
            if done >= len(keys):
                _drain(rt)
                return True
            time.sleep(0.1)
    return False


def _drain(rt: Runtime) -> None:
    # Let the last SLA recomputations (queued just after the final notes are recorded) finish
    # before printing: join every queue until a pass finds them all still idle a moment later.
    if not isinstance(rt.broker, StubBroker):
        return
    broker = rt.broker
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for queue in broker.get_declared_queues():
            broker.join(queue, timeout=10_000)
        time.sleep(0.2)
        if not any(q.unfinished_tasks for q in broker.queues.values()):
            return


def _handled(rt: Runtime, keys: set[str]) -> int:
    with rt.db.session() as session:
        pending_outbox = select(OutboxRow.ticket_id).where(
            OutboxRow.state.in_(("pending", "sending"))
        )
        return int(
            session.scalar(
                select(func.count(TicketRow.id)).where(
                    TicketRow.key.in_(keys),
                    TicketRow.stage.in_(TERMINAL),
                    TicketRow.id.not_in(pending_outbox),
                )
            )
            or 0
        )


def _rows(rt: Runtime, keys: set[str]) -> list[Row]:
    rows = []
    with rt.db.session() as session:
        tickets = session.scalars(
            select(TicketRow).where(TicketRow.key.in_(keys)).order_by(TicketRow.id)
        )
        for ticket in tickets:
            run = session.scalars(select(RunRow).where(RunRow.ticket_id == ticket.id)).first()
            clocks = session.scalars(
                select(SlaClockRow).where(SlaClockRow.ticket_id == ticket.id)
            ).all()
            received = session.scalar(
                select(func.min(InboxItem.received_at)).where(InboxItem.ticket_id == ticket.id)
            )
            written = session.scalar(
                select(func.max(OutboxRow.sent_at)).where(OutboxRow.ticket_id == ticket.id)
            )
            seconds = (written - received).total_seconds() if received and written else None
            rows.append(
                Row(
                    ticket.key,
                    ticket.desk,
                    ticket.intent or "—",
                    run.playbook if run else "—",
                    (ticket.outcome or ticket.stage).replace("_", " "),
                    _sla_cell(clocks),
                    seconds,
                )
            )
    return rows


def _sla_cell(clocks: Sequence[SlaClockRow]) -> str:
    parts = []
    for clock in sorted(clocks, key=lambda c: c.metric):
        if clock.goal_s is None:
            continue
        name = "".join(word[0] for word in clock.metric.split("_")).upper()
        if clock.breached:
            state = "breached"
        elif clock.stage == "completed":
            state = "met"
        elif clock.remaining_s is not None:
            state = f"{clock.stage} {_human(clock.remaining_s)} left"
        else:
            state = clock.stage
        parts.append(f"{name} {state}")
    return ", ".join(parts) or "—"


def _human(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}m"


def _table(rows: list[Row]) -> Table:
    table = Table(title="deskpilot demo", show_lines=False)
    for column in ("ticket", "desk", "intent", "playbook", "outcome", "SLA", "time"):
        table.add_column(column, justify="right" if column == "time" else "left")
    for row in rows:
        time_taken = f"{row.seconds * 1000:.0f} ms" if row.seconds is not None else "—"
        table.add_row(row.key, row.desk, row.intent, row.playbook, row.outcome, row.sla, time_taken)
    return table


def _summary(rt: Runtime, deliveries: list[DemoDelivery], handled: bool) -> str:
    rows = _rows(rt, {d.key for d in deliveries})
    outcomes: dict[str, int] = {}
    for row in rows:
        outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
    expected = {d.key: d.expect_intent for d in deliveries}
    right = sum(1 for r in rows if expected.get(r.key) == r.intent)
    parts = ", ".join(f"{n} {name}" for name, n in sorted(outcomes.items()))
    state = "all handled" if handled else f"NOT all handled within {WAIT_S:.0f} s"
    return f"{len(rows)} tickets, {state}: {parts}. Intent as labelled: {right}/{len(rows)}."


def _serve(console: Console, rt: Runtime, port: int, settings: AppSettings) -> None:
    from worker.boot import wait_for_signal

    token = os.environ[settings.web.api_tokens[0].token.env or ""]
    console.print(
        f"\nDashboard: http://127.0.0.1:{port}/login (token: {token})\n"
        "Webhooks: "
        + ", ".join(f"http://127.0.0.1:{port}/hooks/{d}" for d in DEMO_DESKS)
        + "\nPress Ctrl-C to stop."
    )
    wait_for_signal()
