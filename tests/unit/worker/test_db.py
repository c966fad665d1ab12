"""The database shell: SQLite's in-process write turn, Core transactions, detached rows."""

from __future__ import annotations

import signal
import threading
import time

import pytest
from sqlalchemy import func, inspect, select

from worker.db.database import Database, WriterTurn, utcnow
from worker.db.store import detached, insert_ignore_id
from worker.db.tables import InboxItem, TicketRow


def _waiter(turn: WriterTurn, name: str, order: list[str], urgent: bool) -> threading.Thread:
    def run() -> None:
        with turn.hold(urgent=urgent):
            order.append(name)

    thread = threading.Thread(target=run, name=name, daemon=True)  # a failure must not hang
    thread.start()
    return thread


def _wait_queued(turn: WriterTurn, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(turn._urgent) + len(turn._waiting) < count:
        assert time.monotonic() < deadline, "the waiters never queued"
        time.sleep(0.001)


def test_turn_goes_to_urgent_waiters_first_then_in_arrival_order() -> None:
    turn, order = WriterTurn(), list[str]()
    threads = []
    with turn.hold():
        for n, (name, urgent) in enumerate(
            [("worker-1", False), ("worker-2", False), ("webhook-1", True), ("webhook-2", True)]
        ):
            threads.append(_waiter(turn, name, order, urgent))
            _wait_queued(turn, n + 1)
        assert order == []  # nobody runs while the turn is held
    for thread in threads:
        thread.join(5)

    assert order == ["webhook-1", "webhook-2", "worker-1", "worker-2"]


def test_turn_is_reentrant_and_released_on_error() -> None:
    turn = WriterTurn()
    with pytest.raises(ValueError, match="boom"), turn.hold(), turn.hold(urgent=True):
        raise ValueError("boom")
    order: list[str] = []
    _waiter(turn, "next", order, urgent=False).join(5)

    assert order == ["next"]  # the failed holder gave the turn back, both levels of it


class Interrupted(Exception):
    pass


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted


def test_a_waiter_interrupted_in_the_queue_does_not_stop_the_rest() -> None:
    # Ctrl-C reaches the main thread while it waits for the turn: the turn must not later be
    # handed to it, or every other thread would wait forever.
    turn, held, release = WriterTurn(), threading.Event(), threading.Event()

    def hold() -> None:
        with turn.hold():
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    held.wait(5)
    previous = signal.signal(signal.SIGALRM, _interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    try:
        with pytest.raises(Interrupted), turn.hold():
            pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    release.set()
    holder.join(5)
    order: list[str] = []
    _waiter(turn, "next", order, urgent=False).join(5)

    assert order == ["next"]


def test_connect_commits_or_rolls_back_as_one_transaction(db: Database) -> None:
    now = utcnow()
    row = {
        "desk": "jira-it",
        "dedupe_key": "k1",
        "source": "webhook",
        "event_type": "jira:issue_created",
        "received_at": now,
        "body": b"{}",
        "state": "received",
        "updated_at": now,
    }
    with db.connect() as connection:
        insert_ignore_id(connection, InboxItem, row, ("desk", "dedupe_key"))
    with pytest.raises(RuntimeError, match="the rest of the work failed"):
        _insert_then_fail(db, {**row, "dedupe_key": "k2"})

    with db.session() as session:
        keys = session.scalars(select(InboxItem.dedupe_key)).all()
    assert keys == ["k1"]


def _insert_then_fail(db: Database, row: dict[str, object]) -> None:
    with db.connect() as connection:
        insert_ignore_id(connection, InboxItem, row, ("desk", "dedupe_key"))
        raise RuntimeError("the rest of the work failed")


def test_detached_rows_read_like_the_session_and_belong_to_none(db: Database) -> None:
    now = utcnow()
    with db.connect() as connection:
        ticket_id = insert_ignore_id(
            connection,
            TicketRow,
            {
                "desk": "jira-it",
                "desk_type": "jira",
                "key": "IT-1",
                "subject": "Locked out",
                "requester": "ada@example.com",
                "status": "new",
                "priority": "normal",
                "snapshot": {"key": "IT-1"},
                "first_seen_at": now,
                "stage": "received",
                "stage_at": now,
            },
            ("desk", "key"),
        )
        assert ticket_id is not None
        built = detached(
            TicketRow,
            connection.execute(
                select(TicketRow.__table__).where(TicketRow.__table__.c.id == ticket_id)
            ).one(),
        )
    with db.session() as session:
        loaded = session.get(TicketRow, ticket_id)
        assert loaded is not None
        columns = [attr.key for attr in inspect(TicketRow).column_attrs]
        assert {c: getattr(built, c) for c in columns} == {c: getattr(loaded, c) for c in columns}
        assert inspect(built).transient  # in no session: nothing would write it back by accident
        assert session.scalar(select(func.count()).select_from(TicketRow)) == 1
