"""
The append-only, hash-chained audit log.

Each entry's hash covers its content and the previous entry's hash, so editing or removing any
entry breaks every hash after it; ``verify_chain`` finds the first break. The database refuses
UPDATE and DELETE on the table as well (triggers in the initial migration). Appends are
serialised (a PostgreSQL advisory lock; SQLite serialises writers itself) so the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, insert, select, text
from sqlalchemy.orm import Session

from worker.db.database import utcnow
from worker.db.records import AuditRow
from worker.db.store import Executor, core

GENESIS = "0" * 64
_LOCK_KEY = 0x6465736B  # "desk": the advisory lock id that serialises appends on PostgreSQL


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    action: str,
    data: Mapping[str, Any],
    ticket_id: int | None,
    run_id: int | None,
) -> str:
    """The SHA-256 of an entry's canonical JSON, chained to ``prev_hash``."""
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "ticket": ticket_id,
            "run": run_id,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """What ``append`` wrote: the entry's id and its place in the chain."""

    id: int
    prev_hash: str
    hash: str


# Core statements on the table, not the ORM entity: an ORM-enabled INSERT costs four times more.
_TABLE = cast(Table, AuditRow.__table__)
_LAST_HASH = select(_TABLE.c.hash).order_by(_TABLE.c.id.desc()).limit(1)
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_TAIL = "deskpilot.audit_tail"
"""Connection info key: (transaction, hash) of the last entry this transaction appended, so a
transaction appending several entries reads the chain's tail (and takes its lock) once. The info
outlives the transaction (it is the pooled connection's), hence the transaction in the key."""


def append(
    db: Executor,
    action: str,
    *,
    actor: str,
    data: Mapping[str, Any],
    ticket_id: int | None = None,
    run_id: int | None = None,
    at: dt.datetime | None = None,
) -> Entry:
    """Append one entry in the caller's transaction (it commits or rolls back with the work)."""
    connection = core(db)
    transaction = connection.get_transaction()
    tail = connection.info.get(_TAIL)
    if tail is not None and tail[0] is transaction:
        prev = tail[1]  # this transaction holds the chain's lock and appended last
    else:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        prev = connection.execute(_LAST_HASH).scalar() or GENESIS
    when = at or utcnow()
    payload = json.loads(json.dumps(dict(data), default=str))
    digest = entry_hash(prev, when, actor, action, payload, ticket_id, run_id)
    # A Core insert of one prepared statement: the ORM's unit of work costs more than the hash.
    entry_id = connection.execute(
        _INSERT,
        {
            "at": when,
            "actor": actor,
            "action": action,
            "ticket_id": ticket_id,
            "run_id": run_id,
            "data": payload,
            "prev_hash": prev,
            "hash": digest,
        },
    ).scalar_one()
    connection.info[_TAIL] = (transaction, digest)
    return Entry(entry_id, prev, digest)


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found."""

    entries: int
    first_bad_id: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        """True when every entry's hash and link is intact."""
        return self.first_bad_id is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order and report the first entry that does not match."""
    prev = GENESIS
    count = 0
    for row in entries(session, batch=batch):
        count += 1
        if row.prev_hash != prev:
            return ChainReport(count, row.id, "link to the previous entry is broken")
        expected = entry_hash(
            prev, row.at, row.actor, row.action, row.data, row.ticket_id, row.run_id
        )
        if row.hash != expected:
            return ChainReport(count, row.id, "content does not match its hash")
        prev = row.hash
    return ChainReport(count, None, None)


def entries(
    session: Session, *conditions: ColumnElement[bool], batch: int = 5000
) -> Iterator[AuditRow]:
    """The entries matching ``conditions`` in chain order, read ``batch`` at a time (keyset)."""
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditRow)
            .where(AuditRow.id > last_id, *conditions)
            .order_by(AuditRow.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
