"""
Writeback: notes, replies and status changes go to the desk through the outbox, exactly once.

A row is queued in the same transaction as the decision that produced it. Sending claims the row
(pending → sending, with a lease), posts with the row's marker — the desk connector checks for a
comment carrying it before posting — and records the result. A crash between the post and the
record leaves the row "sending"; after the lease it is claimed again and the marker check finds
the comment already there, so nothing is posted twice.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import structlog
from sqlalchemy import ColumnElement, Connection, Table, Update, bindparam, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from connectors.errors import PermanentError
from playbooks.commentlimit import fit_comment
from playbooks.lifecycle import TicketOutcome
from playbooks.outbox import OutboxKind
from worker.db import audit
from worker.db.store import Executor, core, insert_ignore, older_than
from worker.db.tables import OutboxRow, TicketRow
from worker.outbound.events import record_sent_as_event
from worker.outbound.files import attach
from worker.outbound.notify import send_notification
from worker.queue.claim import claim_token
from worker.queue.names import ActorName
from worker.runs.secretlinks import redact_links
from worker.runtime import Runtime
from worker.wiring.desks import state_field

log = structlog.get_logger("deskpilot.writeback")

_OUTBOX = cast(Table, OutboxRow.__table__)
"""The outbox as a Core table: claiming and recording run on every ticket."""
_RECORD = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_id"))
    .values(
        {name: bindparam(name) for name in ("state", "updated_at", "desk_ref", "error", "sent_at")}
    )
)

_PENDING = select(_OUTBOX.c.id).where(
    _OUTBOX.c.ticket_id == bindparam("b_ticket"), _OUTBOX.c.state == "pending"
)

"""The desk person id deskpilot's own notes and transitions are recorded under."""


class TicketRef(Protocol):
    """What queueing a writeback needs of its ticket: a ``TicketRow``, or ``process.Ref``."""

    @property
    def id(self) -> int: ...
    @property
    def desk(self) -> str: ...
    @property
    def key(self) -> str: ...


def queue_writeback(
    rt: Runtime, db: Executor, ticket: TicketRef, kind: OutboxKind, body: str, purpose: str
) -> None:
    """Queue one writeback for ``ticket``; the same ``purpose`` is only ever queued once."""
    now = rt.clock()
    insert_ignore(
        db,
        OutboxRow,
        {
            "ticket_id": ticket.id,
            "desk": ticket.desk,
            "kind": kind,
            "body": body,
            "marker": f"deskpilot:{ticket.desk}:{ticket.key}:{purpose}"[:255],
            "state": "pending",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        },
        ("marker",),
    )


def queue_state(rt: Runtime, db: Executor, ticket_row: TicketRef, state: TicketOutcome) -> None:
    """
    Queue writing ``state`` (the ticket's outcome) into the desk's ``state_field``, once per state.

    Nothing is queued when the desk has no ``state_field`` option.
    """
    settings = rt.settings.desk(ticket_row.desk)
    field = state_field(settings) if settings is not None else None
    if field is None:
        return
    body = json.dumps({"field": field, "value": state})
    queue_writeback(rt, db, ticket_row, OutboxKind.FIELD, body, f"state-{state}")


def pending_outbox_ids(db: Executor, ticket_id: int) -> list[int]:
    """The outbox rows of a ticket still to send (to enqueue after the transaction commits)."""
    return list(core(db).scalars(_PENDING, {"b_ticket": ticket_id}))


def send_outbox(rt: Runtime, ticket_id: int, outbox_ids: Sequence[int]) -> None:
    """After the transaction that queued ``outbox_ids`` commits: one message sends them all."""
    if outbox_ids:
        rt.send(ActorName.WRITEBACK_TICKET, ticket_id)


@dataclass(frozen=True)
class _Claimed:
    id: int
    desk: str
    key: str
    kind: str
    body: str
    marker: str
    stale: bool
    resend: bool
    """An earlier attempt claimed the row: what it sent may have been applied."""


def writeback(rt: Runtime, outbox_id: int) -> bool:
    """Send outbox row ``outbox_id`` if nobody else is; True if it is sent now or already."""
    with rt.db.connect() as connection:
        ticket_id = connection.scalar(select(OutboxRow.ticket_id).where(OutboxRow.id == outbox_id))
    if ticket_id is None:
        return False
    _deliver(rt, ticket_id, "row", outbox_id)
    with rt.db.connect() as connection:
        return connection.scalar(select(OutboxRow.state).where(OutboxRow.id == outbox_id)) == "sent"


def writeback_ticket(rt: Runtime, ticket_id: int) -> int:
    """Send every claimable outbox row of ticket ``ticket_id`` in order; returns how many were sent."""
    return _deliver(rt, ticket_id, "ticket", ticket_id)


def _deliver(rt: Runtime, ticket_id: int, by: str, key: int) -> int:
    """
    Claim, in one transaction, the ticket's rows (``by="ticket"``) or the one row (``by="row"``)
    whose id is ``key`` — pending, or sending past its lease — send them in the order they were
    queued, and record every result in one transaction.

    A transient failure records what was sent, gives the rest back and re-raises (the message
    is retried); a permanent one marks that row failed and goes on with the next.
    """
    claimed = _claim(rt, ticket_id, by, key)
    results: list[tuple[int, str, str | None, str | None]] = []
    try:
        for item in claimed:
            try:
                ref = "superseded" if item.stale else _send(rt, item)
            except PermanentError as exc:
                results.append((item.id, "failed", None, str(exc)))
                log.error("writeback.failed", outbox_id=item.id, kind=item.kind, error=str(exc))
                continue
            results.append((item.id, "sent", ref, None))
    except Exception:
        _record_then_release(rt, ticket_id, claimed, results)
        raise
    _finish(rt, ticket_id, claimed, results)
    sent = {
        item.kind
        for item, (_, state, _, _) in zip(claimed, results, strict=True)
        if state == "sent"
    }
    if OutboxKind.TRANSITION in sent or (
        OutboxKind.PUBLIC_REPLY in sent and not _transition_due(rt, ticket_id)
    ):
        rt.send(
            ActorName.UPDATE_SLA, ticket_id
        )  # once per batch of replies: after the status change
    return sum(1 for _, state, _, _ in results if state == "sent")


def _claim(rt: Runtime, ticket_id: int, by: str, key: int) -> list[_Claimed]:
    now = rt.clock()
    with rt.db.connect() as connection:
        # One UPDATE ... RETURNING claims atomically: a concurrent worker gets the other rows.
        rows = connection.execute(
            _CLAIM[by],
            {
                "b_key": key,
                "b_now": now,
                "b_stale": older_than(now, rt.settings.runtime.lease_s),
                "b_token": claim_token(),
            },
        ).all()
        if not rows:
            return []
        ticket_key = connection.scalar(_TICKET_KEY, {"b_ticket": ticket_id})
        assert ticket_key is not None
        return [
            _Claimed(
                row.id,
                row.desk,
                ticket_key,
                row.kind,
                row.body,
                row.marker,
                row.kind == OutboxKind.FIELD and _superseded(connection, ticket_id, row.id),
                row.attempts > 1,
            )
            for row in sorted(rows, key=lambda r: int(r.id))
        ]


def _transition_due(rt: Runtime, ticket_id: int) -> bool:
    with rt.db.connect() as connection:
        return connection.scalar(_TRANSITION_DUE, {"b_ticket": ticket_id}) is not None


def _superseded(connection: Connection, ticket_id: int, outbox_id: int) -> bool:
    # A state queued later is already on the desk: this older one must not overwrite it.
    later = connection.scalar(_LATER_STATE_SENT, {"b_ticket": ticket_id, "b_id": outbox_id})
    return later is not None


def _claim_by(column: ColumnElement[int]) -> Update:
    """
    Claim the rows whose ``column`` is ``b_key``: pending, sending past their lease, or sending
    under this message's own claim (its retry, or its redelivery after a worker died).
    """
    return (
        update(_OUTBOX)
        .where(
            column == bindparam("b_key"),
            or_(
                _OUTBOX.c.state == "pending",
                (_OUTBOX.c.state == "sending")
                & (
                    (_OUTBOX.c.updated_at < bindparam("b_stale"))
                    | (_OUTBOX.c.claimed_by == bindparam("b_token"))
                ),
            ),
        )
        .values(
            state="sending",
            updated_at=bindparam("b_now"),
            attempts=_OUTBOX.c.attempts + 1,
            claimed_by=bindparam("b_token"),
        )
        .returning(
            _OUTBOX.c.id,
            _OUTBOX.c.desk,
            _OUTBOX.c.kind,
            _OUTBOX.c.body,
            _OUTBOX.c.marker,
            _OUTBOX.c.attempts,
        )
    )


_TICKETS = cast(Table, TicketRow.__table__)
_CLAIM = {"ticket": _claim_by(_OUTBOX.c.ticket_id), "row": _claim_by(_OUTBOX.c.id)}
_TICKET_KEY = select(_TICKETS.c.key).where(_TICKETS.c.id == bindparam("b_ticket"))
_TRANSITION_DUE = (
    select(_OUTBOX.c.id)
    .where(
        _OUTBOX.c.ticket_id == bindparam("b_ticket"),
        _OUTBOX.c.kind == OutboxKind.TRANSITION,
        _OUTBOX.c.state.in_(("pending", "sending")),
    )
    .limit(1)
)
_LATER_STATE_SENT = (
    select(_OUTBOX.c.id)
    .where(
        _OUTBOX.c.ticket_id == bindparam("b_ticket"),
        _OUTBOX.c.kind == OutboxKind.FIELD,
        _OUTBOX.c.id > bindparam("b_id"),
        _OUTBOX.c.state == "sent",
    )
    .limit(1)
)
"""Statements built once: every ticket's writeback runs them."""


def _send(rt: Runtime, item: _Claimed) -> str | None:
    desk, key, kind, body = rt.desks[item.desk], item.key, item.kind, item.body
    if kind == OutboxKind.TRANSITION:
        desk.transition(key, body, resend=item.resend)
        return None
    if kind == OutboxKind.FIELD:
        change = json.loads(body)
        desk.set_field(key, str(change["field"]), str(change["value"]))
        return None
    if kind == OutboxKind.PRIORITY:
        desk.set_priority(key, body)
        return None
    if kind == OutboxKind.ASSIGN:
        desk.assign(key, body)
        return None
    if kind == OutboxKind.NOTIFY:
        send_notification(rt, body, item.marker)
        return None
    if kind == OutboxKind.ATTACHMENT:
        return attach(desk, key, body)
    settings = rt.settings.desk(item.desk)
    if settings is not None:  # the outbox keeps the full text; the desk gets what it can take
        body = fit_comment(body, settings.type)
    posted = desk.post_comment(
        key, body, public=kind == OutboxKind.PUBLIC_REPLY, marker=item.marker
    )
    log.info("writeback.posted", kind=kind, created=posted.created)
    return posted.comment_id


def _finish(
    rt: Runtime,
    ticket_id: int,
    claimed: Sequence[_Claimed],
    results: Sequence[tuple[int, str, str | None, str | None]],
) -> None:
    if not results:
        return
    now = rt.clock()
    items = {item.id: item for item in claimed}
    with rt.db.connect() as connection:
        for outbox_id, state, desk_ref, error in results:
            item = items[outbox_id]
            connection.execute(
                _RECORD,
                {
                    "b_id": outbox_id,
                    "state": state,
                    "updated_at": now,
                    "desk_ref": desk_ref,
                    "error": error,
                    "sent_at": now if state == "sent" else None,
                },
            )
            if state == "sent":
                item = _forget_links(connection, item)
                record_sent_as_event(
                    connection, ticket_id, item.id, item.kind, item.body, item.marker, now
                )
            audit.append(
                connection,
                f"writeback.{state}",
                actor="deskpilot",
                ticket_id=ticket_id,
                data={
                    "kind": item.kind,
                    "marker": item.marker,
                    "desk_ref": desk_ref,
                    "error": error,
                },
            )


def _forget_links(connection: Connection, item: _Claimed) -> _Claimed:
    # Once the owner's reply is on the desk, the stored copy needs no live one-time link.
    body = redact_links(item.body)
    if body == item.body:
        return item
    connection.execute(update(_OUTBOX).where(_OUTBOX.c.id == item.id).values(body=body))
    return dataclasses.replace(item, body=body)


def _record_then_release(
    rt: Runtime,
    ticket_id: int,
    claimed: Sequence[_Claimed],
    results: Sequence[tuple[int, str, str | None, str | None]],
) -> None:
    """
    After a failure: record what was sent and give the rest back, so the retry (or the sweeper)
    can claim them at once. Best effort: when the database is what failed, the retry of the same
    message takes its claim back anyway, and the desk's marker check finds what was sent.
    """
    try:
        _finish(rt, ticket_id, claimed, results)
        unsent = [item.id for item in claimed[len(results) :]]
        if unsent:
            with rt.db.connect() as connection:
                connection.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(unsent), OutboxRow.state == "sending")
                    .values(state="pending", updated_at=rt.clock(), claimed_by=None)
                )
    except SQLAlchemyError as exc:
        log.warning("writeback.release_failed", ticket_id=ticket_id, error=type(exc).__name__)
