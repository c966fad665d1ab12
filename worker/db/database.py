"""
The database is the source of truth: every table deskpilot keeps, and how to open it.

A broker message only says "look at row N"; everything an actor needs is here, so losing the
broker's data delays a ticket but never loses it. SQLite (a file) by default, PostgreSQL in
production; the schema is created and upgraded by Alembic (``worker/db/migrations``).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    """The current instant, timezone-aware UTC (the shell's only clock)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes; SQLite hands back naive ones, which we read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base; the Alembic migrations are the schema's real history."""

    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class InboxItem(Base):
    """One delivery as received (webhook or poll), kept verbatim until it is ingested."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("desk", "dedupe_key", name="uq_inbox_desk_dedupe"),
        Index("ix_inbox_state", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str] = mapped_column(String(128))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16), default="received")
    """received → ingested | failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(BigId)
    updated_at: Mapped[dt.datetime]


class TicketRow(Base):
    """A ticket deskpilot has seen, its latest normalised snapshot and where the pipeline is."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("desk", "key", name="uq_tickets_desk_key"),
        Index("ix_tickets_stage", "stage", "stage_at"),
        Index("ix_tickets_done", "done_at"),
        Index("ix_tickets_created", "desk_created_at"),
        Index("ix_tickets_seen", "first_seen_at"),
        Index("ix_tickets_requester", "requester"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(64))
    desk_type: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    requester: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(128))
    request_type: Mapped[str | None] = mapped_column(String(255))
    snapshot: Mapped[dict[str, Any]]
    desk_created_at: Mapped[dt.datetime | None]
    desk_updated_at: Mapped[dt.datetime | None]
    first_seen_at: Mapped[dt.datetime]
    stage: Mapped[str] = mapped_column(String(24), default="received")
    """received → classified → planned → waiting_approval/applying → done (see pipeline.STAGES)."""
    stage_at: Mapped[dt.datetime]
    intent: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    """resolved | waiting_approval | escalated | not_account | suggested | refused."""
    done_at: Mapped[dt.datetime | None]


class TicketEventRow(Base):
    """A normalised ticket event, unique per the desk's own event id."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "desk_event_id", name="uq_events_ticket_desk_event"),
        Index("ix_events_ticket_at", "ticket_id", "at", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    desk_event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime]
    seq: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]]
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    """Set once the pipeline has acted on it (commands in comments are run once)."""


class ClassificationRow(Base):
    """What deskpilot understood a ticket to ask for, and any agent's correction."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    intent: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    top: Mapped[list[Any]]
    entities: Mapped[dict[str, Any]]
    route: Mapped[str] = mapped_column(String(16))
    auto: Mapped[bool] = mapped_column(Boolean)
    gate_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    corrected_intent: Mapped[str | None] = mapped_column(String(64))
    corrected_by: Mapped[str | None] = mapped_column(String(320))


class CorrectionRow(Base):
    """A labelled example from an agent's correction, for evaluation and retraining."""

    __tablename__ = "classifier_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(64))
    corrected_by: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]


class RunRow(Base):
    """One playbook run for a ticket: its plan, decision and state."""

    __tablename__ = "playbook_runs"
    __table_args__ = (
        UniqueConstraint("ticket_id", "attempt", name="uq_runs_ticket_attempt"),
        Index("ix_runs_state", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    playbook: Mapped[str] = mapped_column(String(128))
    intent: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(24))
    """planned → waiting_approval → approved → applying → applied | failed → compensated; rejected."""
    plan: Mapped[dict[str, Any]]
    decision: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any] | None]
    expires_at: Mapped[dt.datetime | None]
    """For time-bound access: when the grant is revoked."""
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class StepRow(Base):
    """One step of a run, recorded before (started) and after (done/failed) it touches a system."""

    __tablename__ = "run_steps"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_steps_idempotency"),
        Index("ix_steps_run", "run_id", "idx", "phase"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(16), default="apply")
    """apply | compensate | revoke."""
    idempotency_key: Mapped[str] = mapped_column(String(255))
    operation: Mapped[str] = mapped_column(String(64))
    system: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(16))
    """started → done | failed."""
    changed: Mapped[bool | None] = mapped_column(Boolean)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    verified: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


class ApprovalRow(Base):
    """An approval or rejection of a run, with who gave it and where."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("run_id", "approver", name="uq_approvals_run_approver"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    approver: Mapped[str] = mapped_column(String(320))
    directory_user: Mapped[str | None] = mapped_column(String(320))
    directory_login: Mapped[str | None] = mapped_column(String(320))
    stage: Mapped[int] = mapped_column(Integer, default=0)
    """Which approval stage this approval counts for (N of M, manager then security…)."""
    verdict: Mapped[str] = mapped_column(String(16))
    """approved | rejected | refused (not allowed to approve)."""
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]


class OutboxRow(Base):
    """Something to write back to a desk, written exactly once (the marker is the idempotency key)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("marker", name="uq_outbox_marker"),
        Index("ix_outbox_state", "state", "updated_at"),
        Index("ix_outbox_ticket", "ticket_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    desk: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    """internal_note | public_reply | transition."""
    body: Mapped[str] = mapped_column(Text)
    marker: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """pending → sent | failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    desk_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]


class TimerRow(Base):
    """A durable timer (SLA warning or breach, access expiry), fired by the tick, re-checked first."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_timers_kind_ref"),
        Index("ix_timers_due", "state", "due_at"),
        Index("ix_timers_ticket", "ticket_id", "kind", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(255))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("playbook_runs.id", ondelete="CASCADE"))
    due_at: Mapped[dt.datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    """pending → fired | cancelled."""
    payload: Mapped[dict[str, Any]]
    fired_at: Mapped[dt.datetime | None]


class SlaClockRow(Base):
    """The latest computed state of one SLA clock of one ticket (what the dashboard reads)."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", name="uq_sla_ticket_metric"),
        Index("ix_sla_breach", "breached", "breach_at"),
        Index("ix_sla_stage", "stage"),
        Index("ix_sla_stopped", "stopped_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(24))
    goal_s: Mapped[int | None] = mapped_column(Integer)
    elapsed_s: Mapped[float] = mapped_column(Float)
    remaining_s: Mapped[float | None] = mapped_column(Float)
    breach_at: Mapped[dt.datetime | None]
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    stopped_at: Mapped[dt.datetime | None]
    computed_at: Mapped[dt.datetime]


class SlaReconciliationRow(Base):
    """The desk's own value of one SLA metric of a ticket beside ours, as last read."""

    __tablename__ = "sla_reconciliation"
    __table_args__ = (
        UniqueConstraint("ticket_id", "metric", name="uq_reconcile_ticket_metric"),
        Index("ix_reconcile_drifted", "drifted", "checked_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(64))
    desk_metric: Mapped[str] = mapped_column(String(255))
    desk_breach_at: Mapped[dt.datetime | None]
    desk_breached: Mapped[bool] = mapped_column(Boolean)
    desk_remaining_s: Mapped[float | None] = mapped_column(Float)
    ours_breach_at: Mapped[dt.datetime | None]
    ours_breached: Mapped[bool | None] = mapped_column(Boolean)
    drift_s: Mapped[float | None] = mapped_column(Float)
    """Desk breach time minus ours, in seconds; None when either side has none."""
    drifted: Mapped[bool] = mapped_column(Boolean)
    """Breach times more than the tolerance apart, or the breached flags disagree."""
    checked_at: Mapped[dt.datetime]


class AuditRow(Base):
    """Append-only, hash-chained record of every decision, approval and change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_ticket", "ticket_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(BigId)
    run_id: Mapped[int | None] = mapped_column(BigId)
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class PollCursorRow(Base):
    """Where the next poll of a desk starts."""

    __tablename__ = "poll_cursors"

    desk: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    since: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    lease_until: Mapped[dt.datetime | None]
    """Only one poll of a desk runs at a time, however many workers there are."""


class PeriodicSlotRow(Base):
    """One row per periodic job per time slot: whoever inserts it first runs that slot."""

    __tablename__ = "periodic_slots"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimed_by: Mapped[str] = mapped_column(String(128))
    claimed_at: Mapped[dt.datetime]


class SecretLinkRow(Base):
    """A one-time secret (e.g. a temporary password) shown once through a link, then destroyed."""

    __tablename__ = "secret_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_ref: Mapped[str] = mapped_column(String(320))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    viewed_at: Mapped[dt.datetime | None]


class DeadLetterRow(Base):
    """A message that failed for good, kept so nothing disappears silently."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    args: Mapped[list[Any]]
    error: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime]


class RejectedDeliveryRow(Base):
    """
    A webhook request that was refused (bad signature, unreadable, unknown desk, too large), kept
    as received so an admin can see why and replay it once the cause is fixed. Never trusted:
    a replay verifies it again. The newest ``web.keep_rejected`` rows are kept.
    """

    __tablename__ = "rejected_deliveries"
    __table_args__ = (Index("ix_rejected_desk", "desk", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    desk: Mapped[str] = mapped_column(String(64))
    """The desk name in the URL (``/hooks/{desk}``), configured or not."""
    received_at: Mapped[dt.datetime]
    status: Mapped[int] = mapped_column(Integer)
    """What the sender was answered (401, 400, 404, 413)."""
    reason: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]]
    """As received, less credentials (Authorization, Cookie)."""
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_size: Mapped[int] = mapped_column(BigInteger)
    """The size received; larger than ``body`` when the body was cut to ``KEEP_BODY_BYTES``."""
    replayed_inbox_id: Mapped[int | None] = mapped_column(BigId)
    """The inbox row a successful replay stored."""


def make_engine(url: str) -> Engine:
    """Open the database at ``url``; SQLite gets WAL, normal sync and a busy timeout."""
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_use_lifo=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _private_file(url: str) -> None:
    """
    Create the SQLite file readable by its owner only (0600), or narrow an existing one.

    It holds tickets, requesters' details and sealed secrets; SQLite gives its -wal and -shm
    files the main file's permissions.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit survives a crash of deskpilot itself; only a power loss or OS crash
    # can roll back the last transactions (fsync at checkpoints). FULL costs an fsync per commit,
    # which caps a single SQLite writer at tens of tickets per second. PostgreSQL is the choice
    # where even that window matters (docs/operations.md).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class WriterTurn:
    """
    SQLite's one writer at a time, taken in turns inside the process: re-entrant per thread, and
    a waiter marked urgent is served before every non-urgent waiter (a webhook's 2 ms insert
    should not queue behind a worker's batch of transactions).

    The turn is handed straight to the next waiter, which alone is woken: with eight worker
    threads, waking them all at every commit (a condition's ``notify_all``) cost ten times the
    context switches and a third more CPU per ticket.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._urgent: deque[tuple[int, threading.Lock]] = deque()
        self._waiting: deque[tuple[int, threading.Lock]] = deque()

    @contextmanager
    def hold(self, *, urgent: bool = False) -> Iterator[None]:
        """Hold the turn for the block."""
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:
                self._depth += 1
                wake = None
            elif self._owner is None:
                self._owner, self._depth = me, 1
                wake = None
            else:
                wake = threading.Lock()
                wake.acquire()
                (self._urgent if urgent else self._waiting).append((me, wake))
        if wake is not None:
            self._wait(me, wake)
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._pass_on()

    def _wait(self, me: int, wake: threading.Lock) -> None:
        """Block until the previous holder hands us the turn; leave cleanly if interrupted."""
        try:
            wake.acquire()  # released by the previous holder, which made us the owner
        except BaseException:
            with self._lock:
                for queue in (self._urgent, self._waiting):
                    if (me, wake) in queue:
                        queue.remove((me, wake))
                        break
                else:  # handed over meanwhile: a turn nobody will use must not stop the rest
                    if self._owner == me:
                        self._pass_on()
            raise

    def _pass_on(self) -> None:
        """Give the turn to the next waiter (urgent ones first), or free it (lock held)."""
        queue = self._urgent or self._waiting
        if queue:
            self._owner, wake = queue.popleft()
            self._depth = 1
            wake.release()
        else:
            self._owner, self._depth = None, 0


class Database:
    """An engine and a session factory; ``session()`` is one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time and Python's driver waits for the lock by sleeping, in
        # steps of up to 100 ms; taking turns in-process instead keeps each transaction a few
        # milliseconds. (The embedded default is one process; PostgreSQL needs no such lock.)
        self._turn: WriterTurn | None = WriterTurn() if url.startswith("sqlite") else None

    @property
    def is_sqlite(self) -> bool:
        """True on the embedded default (SQLite)."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self, *, urgent: bool = False) -> Iterator[Session]:
        """
        A session that commits on success and rolls back on error.

        ``urgent`` (a webhook being acknowledged) goes ahead of queued background work on the
        embedded default, where transactions take turns.
        """
        if self._turn is None:
            with self._sessions() as session, session.begin():
                yield session
            return
        with self._turn.hold(urgent=urgent), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def connect(self, *, urgent: bool = False) -> Iterator[Connection]:
        """
        A Core connection in one transaction that commits on success and rolls back on error.

        For the pipeline's hot paths, which run only Core statements: a session's bookkeeping
        costs more there than the statements themselves (about 17 µs more per statement and
        50 µs more per transaction on SQLite). Takes turns like ``session``.
        """
        if self._turn is None:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._turn.hold(urgent=urgent), self.engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
