"""Helpers for end-to-end runs of the real runtime: build it on demo data, wait for tickets."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select

from connectors.desks.memory import MemoryDesk
from connectors.identity.memory import MemoryDirectory
from worker.boot import Workers, build_runtime
from worker.config import AppSettings
from worker.db.database import utcnow
from worker.db.tables import OutboxRow, TicketRow
from worker.demo.deliveries import DemoDelivery, build_deliveries, load_demo
from worker.demo.settings import DEMO_DESKS, demo_settings, seed_directory
from worker.runtime import Runtime

TERMINAL = ("done", "waiting_approval")


@dataclass
class DemoRun:
    """A runtime on the demo's desks and directory, with its deliveries ready to send."""

    rt: Runtime
    desks: dict[str, MemoryDesk]
    directory: MemoryDirectory
    deliveries: list[DemoDelivery]


def demo_settings_for(
    database_url: str, broker_url: str = "stub", **runtime: float
) -> tuple[AppSettings, dict[str, bytes]]:
    """The demo's settings on another database and broker, with fresh webhook secrets."""
    keys = {name: secrets.token_hex(16).encode() for name in DEMO_DESKS}
    envs = {}
    for name, key in keys.items():
        env = f"DESKPILOT_TEST_{name.upper().replace('-', '_')}_SECRET"
        os.environ[env] = key.decode()
        envs[name] = env
    base = demo_settings(database_url, 0, envs)
    data = base.model_dump(mode="json")
    data["broker"]["url"] = broker_url
    data["runtime"].update(runtime)
    return AppSettings.model_validate(data), keys


@contextmanager
def demo_runtime(
    database_url: str, broker_url: str = "stub", **runtime: float
) -> Iterator[DemoRun]:
    """A migrated runtime on the demo data; disposed afterwards."""
    settings, keys = demo_settings_for(database_url, broker_url, **runtime)
    demo = load_demo()
    desks = {name: MemoryDesk(name) for name in DEMO_DESKS}
    directory = seed_directory(demo)
    rt = build_runtime(settings, desks=desks, directories={"corp": directory})
    deliveries = build_deliveries(demo, secrets=keys, now=utcnow())
    for delivery in deliveries:
        add = getattr(desks[delivery.desk], "add_person", None)
        if add is not None and delivery.requester_id:
            add(delivery.requester_id, delivery.requester_email)
    try:
        yield DemoRun(rt, desks, directory, deliveries)
    finally:
        rt.broker.close()
        rt.db.dispose()


@contextmanager
def running(rt: Runtime, threads: int = 4) -> Iterator[Workers]:
    """Real Dramatiq workers (and the ticker) consuming for the duration of the block."""
    workers = Workers(rt, threads)
    workers.start()
    try:
        yield workers
    finally:
        workers.stop()


def handled(rt: Runtime, keys: set[str] | None = None) -> int:
    """How many tickets reached a terminal stage with nothing left to write back."""
    with rt.db.session() as session:
        pending = select(OutboxRow.ticket_id).where(OutboxRow.state.in_(("pending", "sending")))
        query = select(func.count(TicketRow.id)).where(
            TicketRow.stage.in_(TERMINAL), TicketRow.id.not_in(pending)
        )
        if keys is not None:
            query = query.where(TicketRow.key.in_(keys))
        return int(session.scalar(query) or 0)


def wait_until_handled(
    rt: Runtime, count: int, timeout_s: float = 120.0, keys: set[str] | None = None
) -> int:
    """Wait until ``count`` tickets are handled (bounded); returns how many were."""
    deadline = time.monotonic() + timeout_s
    done = handled(rt, keys)
    while done < count and time.monotonic() < deadline:
        time.sleep(0.1)
        done = handled(rt, keys)
    return done
