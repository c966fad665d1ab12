"""
Polling a desk: for desks that may not send webhooks, and to catch what webhooks missed.

One poll of a desk runs at a time (a lease on its cursor row, taken with compare-and-set), the
cursor advances only after the fetched deliveries are stored, and each delivery goes through the
same inbox as webhooks — so a change seen both ways is ingested once.
"""

from __future__ import annotations

import datetime as dt

import structlog
from sqlalchemy import or_, update

from intake.webhooks import VerifiedDelivery
from worker.db.records import PollCursorRow
from worker.db.store import insert_ignore
from worker.inbound.receive import store_delivery
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.poll")

FIRST_POLL_LOOKBACK = dt.timedelta(hours=1)
MAX_PAGES = 20


def poll_desk(rt: Runtime, desk_name: str) -> int:
    """Poll ``desk_name`` once (if no other poll of it runs); returns deliveries newly stored."""
    state = _lease(rt, desk_name)
    if state is None:
        return 0
    cursor, since = state
    desk = rt.desks[desk_name]
    stored = 0
    try:
        for _ in range(MAX_PAGES):
            page = desk.poll(cursor, since=since)
            for raw in page.deliveries:
                verified = VerifiedDelivery(raw.dedupe_key, "poll", None)
                receipt = store_delivery(rt, desk_name, verified, raw.body, source="poll")
                stored += receipt.outcome.value == 202
            cursor = page.cursor
            _advance(rt, desk_name, cursor)
            if not page.more:
                break
    finally:
        _unlease(rt, desk_name)
    log.info("desk.polled", desk=desk_name, stored=stored)
    return stored


def _lease_for(rt: Runtime, desk_name: str) -> dt.timedelta:
    interval = rt.desk_settings(desk_name).poll_interval_s or 60.0
    return dt.timedelta(seconds=max(rt.settings.runtime.lease_s, interval * 2))


def _lease(rt: Runtime, desk_name: str) -> tuple[str | None, dt.datetime] | None:
    now = rt.clock()
    with rt.db.session() as session:
        insert_ignore(
            session,
            PollCursorRow,
            {
                "desk": desk_name,
                "cursor": None,
                "since": now - FIRST_POLL_LOOKBACK,
                "updated_at": now,
                "lease_until": None,
            },
            ("desk",),
        )
        won = session.execute(
            update(PollCursorRow)
            .where(
                PollCursorRow.desk == desk_name,
                or_(PollCursorRow.lease_until.is_(None), PollCursorRow.lease_until < now),
            )
            .values(lease_until=now + _lease_for(rt, desk_name))
        ).rowcount  # type: ignore[attr-defined]
        if not won:
            return None
        row = session.get(PollCursorRow, desk_name)
        assert row is not None
        return row.cursor, row.since


def _advance(rt: Runtime, desk_name: str, cursor: str | None) -> None:
    # Each stored page also renews the lease, so a long multi-page poll keeps it.
    now = rt.clock()
    with rt.db.session() as session:
        row = session.get(PollCursorRow, desk_name)
        assert row is not None
        row.cursor, row.updated_at = cursor, now
        row.lease_until = now + _lease_for(rt, desk_name)


def _unlease(rt: Runtime, desk_name: str) -> None:
    with rt.db.session() as session:
        row = session.get(PollCursorRow, desk_name)
        if row is not None:
            row.lease_until = None
