"""
Periodic work on any number of machines: each slot of each job runs once.

Every worker process runs a ticker thread. For each job and each time slot
(``floor(now / interval)``) it tries to insert a row into ``periodic_slots``; the one insert that
succeeds enqueues that slot's message. The message does catch-up work from the database (what is
due now, what is stuck), so a missed or late slot is harmless. No leader, no lock to lose.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import structlog
from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from playbooks.lifecycle import RunState, TicketStage
from worker.db.base import Base
from worker.db.records import PeriodicSlotRow
from worker.db.store import insert_ignore, older_than
from worker.db.tables import InboxItem, OutboxRow, RunRow, TicketRow
from worker.metrics import SWEEP_REQUEUED
from worker.queue.names import ActorName
from worker.runtime import Runtime
from worker.wiring.desks import reconcile_settings

log = structlog.get_logger("deskpilot.periodic")

OPEN_STAGES = (TicketStage.RECEIVED, TicketStage.PROCESSING)
APPLY_STATES = (RunState.APPROVED, RunState.APPLYING)
SLOT_RETENTION_S = 86_400
SWEEP_BATCH = 1000
DIGEST_INTERVAL_S = 86_400.0
LICENCES_INTERVAL_S = 300.0
"""How often the licence job looks for due work (the report at 09:00 runs within 5 minutes)."""


@dataclass(frozen=True)
class Job:
    """A periodic job: send ``actor(*args)`` once per ``interval_s`` slot."""

    name: str
    interval_s: float
    actor: ActorName
    args: tuple[str, ...] = ()


def jobs_for(rt: Runtime) -> list[Job]:
    """The periodic jobs this configuration needs."""
    settings = rt.settings.runtime
    jobs = [
        Job("sweep", settings.sweep_interval_s, ActorName.SWEEP),
        Job("timers", settings.timer_tick_s, ActorName.FIRE_TIMERS),
    ]
    if settings.digest_ticket is not None:
        jobs.append(Job("digest", DIGEST_INTERVAL_S, ActorName.POST_DIGEST))
    licences = rt.settings.licences
    if licences.ticket is not None and licences.contracts is not None:
        jobs.append(Job("licences", LICENCES_INTERVAL_S, ActorName.LICENCES))
    for desk in rt.settings.desks:
        if desk.poll_interval_s is not None:
            jobs.append(
                Job(f"poll:{desk.name}", desk.poll_interval_s, ActorName.POLL_DESK, (desk.name,))
            )
        reconcile = reconcile_settings(desk)
        if reconcile is not None:
            jobs.append(
                Job(
                    f"reconcile:{desk.name}",
                    reconcile.interval_s,
                    ActorName.RECONCILE_DESK,
                    (desk.name,),
                )
            )
    return jobs


def claim_slot(rt: Runtime, job: Job, now_s: float) -> bool:
    """Claim this job's current slot; True for exactly one caller across all machines."""
    slot = int(now_s // job.interval_s)
    with rt.db.session() as session:
        return insert_ignore(
            session,
            PeriodicSlotRow,
            {"name": job.name, "slot": slot, "claimed_by": rt.node, "claimed_at": rt.clock()},
            ("name", "slot"),
        )


class Ticker:
    """The per-process thread that claims slots and enqueues their messages."""

    def __init__(self, rt: Runtime, *, resolution_s: float = 1.0) -> None:
        self.rt = rt
        self.jobs = jobs_for(rt)
        self.resolution_s = resolution_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="deskpilot-ticker", daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking and wait for the thread."""
        self._stop.set()
        self._thread.join(timeout=5)

    def tick(self) -> None:
        """Claim and enqueue whatever slots are current now."""
        now_s = self.rt.clock().timestamp()
        for job in self.jobs:
            if claim_slot(self.rt, job, now_s):
                self.rt.send(job.actor, *job.args)

    def _run(self) -> None:
        while not self._stop.wait(self.resolution_s):
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 (a DB hiccup must not stop the ticker)
                log.warning("ticker.failed", error=str(exc))


def sweep(rt: Runtime, *, broker_lost: bool = False) -> dict[str, int]:
    """
    Re-enqueue work whose message was lost or whose worker died; returns counts per kind.

    ``broker_lost``: the broker lost its data (Redis flushed or restarted empty), so no waiting
    row has a message any more: every unclaimed row is sent again now, without waiting for its
    lease (claimed rows are still leased to the worker handling them).
    """
    lease = older_than(rt.clock(), rt.settings.runtime.lease_s)
    found: dict[ActorName, list[int]] = {}
    with rt.db.session() as session:
        if broker_lost:
            found[ActorName.INGEST] = _stale(session, InboxItem, InboxItem.state == "received")
            found[ActorName.PROCESS_TICKET] = _stale(
                session, TicketRow, TicketRow.stage == TicketStage.RECEIVED
            )
            found[ActorName.APPLY_RUN] = _stale(session, RunRow, RunRow.state == RunState.APPROVED)
            found[ActorName.WRITEBACK] = _stale(session, OutboxRow, OutboxRow.state == "pending")
        else:
            found[ActorName.INGEST] = _stale(
                session, InboxItem, InboxItem.state == "received", InboxItem.updated_at < lease
            )
            found[ActorName.PROCESS_TICKET] = _stale(
                session, TicketRow, TicketRow.stage.in_(OPEN_STAGES), TicketRow.stage_at < lease
            )
            found[ActorName.APPLY_RUN] = _stale(
                session, RunRow, RunRow.state.in_(APPLY_STATES), RunRow.updated_at < lease
            )
            found[ActorName.WRITEBACK] = _stale(
                session,
                OutboxRow,
                or_(OutboxRow.state == "pending", OutboxRow.state == "sending"),
                OutboxRow.updated_at < lease,
            )
        _touch(session, found, rt.clock())
        session.execute(
            delete(PeriodicSlotRow).where(
                PeriodicSlotRow.claimed_at < older_than(rt.clock(), SLOT_RETENTION_S)
            )
        )
    for actor, ids in found.items():
        for row_id in ids:
            rt.send(actor, row_id)
        if ids:
            SWEEP_REQUEUED.labels(actor).inc(len(ids))
            log.warning("sweeper.requeued", actor=actor, count=len(ids))
    return {actor: len(ids) for actor, ids in found.items()}


def _stale(session: Session, model: type[Base], *conditions: ColumnElement[bool]) -> list[int]:
    column = model.__table__.c.id
    return list(session.scalars(select(column).where(*conditions).limit(SWEEP_BATCH)))


def _touch(session: Session, found: dict[ActorName, list[int]], now: dt.datetime) -> None:
    # Each stale row goes back to its claimable state with a fresh timestamp, so it is sent once
    # per lease — never again every sweep while its message waits in a busy queue. A claim whose
    # lease ran out is void: its worker died or stalled, and the row is up for grabs again.
    if found[ActorName.INGEST]:
        session.execute(
            update(InboxItem)
            .where(InboxItem.id.in_(found[ActorName.INGEST]))
            .values(updated_at=now)
        )
    if found[ActorName.PROCESS_TICKET]:
        session.execute(
            update(TicketRow)
            .where(TicketRow.id.in_(found[ActorName.PROCESS_TICKET]))
            .values(stage=TicketStage.RECEIVED, stage_at=now, claimed_by=None)
        )
    if found[ActorName.APPLY_RUN]:
        session.execute(
            update(RunRow)
            .where(RunRow.id.in_(found[ActorName.APPLY_RUN]))
            .values(state=RunState.APPROVED, updated_at=now, claimed_by=None)
        )
    if found[ActorName.WRITEBACK]:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(found[ActorName.WRITEBACK]))
            .values(state="pending", updated_at=now, claimed_by=None)
        )
