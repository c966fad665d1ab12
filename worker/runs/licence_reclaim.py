"""
Reclaiming unused licences through the desk: each candidate becomes a ticket deskpilot opens in
the licences desk, addressed to the holder (the requester, so the desk notifies them) with their
manager named, and then goes through the ordinary pipeline (``process_ticket``): the
``licence-reclaim-unused`` playbook plans the removal, the policy asks an IT asset approver, the
approval is a ``/approve`` on the ticket checked against policy with its author resolved through
the desk, the run waits for the notice date (``apply_at``), applies once, reads back, and
compensates if it cannot finish.

Opening is idempotent: the ticket's marker finds a ticket a lost reply already opened, the ticket
and its classification rows are inserted once, and a ticket already processed is not planned
again, so a second ``licences reclaim --apply`` changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import structlog
from sqlalchemy import select

from connectors.desks import NewTicket
from connectors.errors import DeskpilotError
from intake.model import Person as DeskPerson
from intake.model import StatusCategory, Ticket
from playbooks.licences.reclaim import Candidate, notice
from playbooks.lifecycle import TicketStage
from worker.db import audit
from worker.db.store import insert_ignore, insert_ignore_id, ticket_to_json
from worker.db.tables import ClassificationRow, TicketRow
from worker.queue.names import ActorName
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.licences")

INTENT = "license_reclaim"
ACTOR = "deskpilot:licences"


@dataclass(frozen=True)
class Opened:
    """A reclaim ticket: its key, and whether this call recorded it (False: it already was)."""

    candidate: Candidate
    key: str
    opened: bool


def open_reclaim(rt: Runtime, candidate: Candidate, *, desk: str, wait_days: int) -> Opened:
    """Open (once) the reclaim ticket for ``candidate`` in ``desk`` and hand it to the pipeline."""
    now = rt.clock()
    manager = _manager_of(rt, desk, candidate.identity)
    subject, body = notice(candidate, now.date(), wait_days, manager)
    reclaim_after = now.date() + dt.timedelta(days=wait_days)
    fields = candidate.fields(reclaim_after)
    settings = rt.desk_settings(desk)
    created = rt.desks[desk].create_ticket(
        NewTicket(
            subject=subject,
            body=body,
            marker=candidate.marker(now.year)[:120],
            requester_email=candidate.identity if "@" in candidate.identity else None,
            project=rt.settings.licences.project,
        )
    )
    ticket = Ticket(
        desk=desk, desk_type=settings.type, key=created.key, subject=subject, description=body,
        requester=DeskPerson(id="", email=candidate.identity), status=StatusCategory.OPEN,
        url=created.url, request_type=INTENT, custom_fields=fields, created_at=now,
        updated_at=now,
    )  # fmt: skip
    with rt.db.session() as session:
        values = {
            "desk": desk, "desk_type": settings.type, "key": created.key, "url": created.url,
            "subject": subject[:2000], "requester": candidate.identity,
            "status": StatusCategory.OPEN.value, "priority": "normal", "request_type": INTENT,
            "snapshot": ticket_to_json(ticket), "first_seen_at": now,
            "stage": TicketStage.RECEIVED, "stage_at": now,
        }  # fmt: skip
        ticket_id = insert_ignore_id(session, TicketRow, values, ("desk", "key"))
        fresh = ticket_id is not None
        if ticket_id is None:
            ticket_id = session.scalar(
                select(TicketRow.id).where(TicketRow.desk == desk, TicketRow.key == created.key)
            )
            assert ticket_id is not None
        # The intent is deskpilot's own, not a guess: recorded as a correction by the licence
        # review, so the pipeline plans it without asking the classifier.
        insert_ignore(
            session,
            ClassificationRow,
            {
                "ticket_id": ticket_id, "intent": INTENT, "confidence": 1.0,
                "top": [[INTENT, 1.0]], "entities": {}, "route": "correction", "auto": True,
                "gate_reason": "opened by deskpilot's licence review", "created_at": now,
                "corrected_intent": INTENT, "corrected_by": ACTOR,
            },
            ("ticket_id",),
        )  # fmt: skip
        if fresh:
            audit.append(
                session,
                "licences.reclaim_opened",
                actor=ACTOR,
                ticket_id=ticket_id,
                data={
                    "identity": candidate.identity, "vendor": candidate.vendor,
                    "sku": candidate.sku, "bucket": candidate.bucket, "reason": candidate.reason,
                    "reclaim_after": reclaim_after.isoformat(), "key": created.key,
                    "downgrade_to": fields.get("downgrade_to"),
                    "group": fields.get("licence_group"),
                },
                at=now,
            )  # fmt: skip
    rt.send(ActorName.PROCESS_TICKET, ticket_id)
    log.info("licences.reclaim_opened", key=created.key, opened=created.created)
    return Opened(candidate, created.key, fresh)


def _manager_of(rt: Runtime, desk: str, identity: str) -> str | None:
    """The holder's manager as the notice names them (address or login), when the directory says."""
    directory = rt.directory_for(desk)
    try:
        user = directory.find_user(email=identity) if "@" in identity else None
        user = user or directory.find_user(login=identity)
        if user is None or not user.manager_id:
            return None
        manager = directory.get_user(user.manager_id)
    except DeskpilotError as exc:
        log.warning("licences.manager_unknown", identity=identity, error=str(exc))
        return None
    return manager.email or manager.login
