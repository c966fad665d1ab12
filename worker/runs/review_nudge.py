"""
A campaign's timed steps, fired by the durable timers (``review_nudge``): reminders at 50 % of the
window and 3 and 1 days before the due date, escalation to the fallback reviewers at the due date
(the open items may then be decided by them too, and they get a ticket listing those items), and
the close: undecided items follow the no-response policy (kept and flagged unless the campaign
opted in to revocation), tickets are resolved, and a recurring campaign is scheduled again.
"""

from __future__ import annotations

import datetime as dt

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.errors import PermanentError
from playbooks.outbox import OutboxKind
from playbooks.reviews.campaign import Campaign
from playbooks.reviews.decisions import ItemState, at_close
from playbooks.reviews.render import escalation, reminder
from playbooks.reviews.schedule import next_start
from worker.db import audit
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow, ReviewTicketRow
from worker.db.store import insert_ignore
from worker.db.tables import TicketRow, TimerRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runs.review_decide import schedule_removal, status_of
from worker.runs.review_start import ESCALATED, open_tickets, waiting_items
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.reviews")
OPEN = (ItemState.PENDING.value, ItemState.CONFIRMING.value)


def fire_review_nudge(rt: Runtime, timer_id: int) -> None:
    """The reminder, escalation or close a ``review_nudge`` timer stands for."""
    with rt.db.session() as session:
        timer = session.get(TimerRow, timer_id)
        assert timer is not None
        campaign_id, name = int(timer.payload["campaign_id"]), str(timer.payload["nudge"])
    if name == "close":
        close_campaign(rt, campaign_id, by="deskpilot")
    elif name == "escalate":
        escalate(rt, campaign_id)
    else:
        remind(rt, campaign_id, name)


def _campaign(session: Session, campaign_id: int) -> ReviewCampaignRow | None:
    found = session.get(ReviewCampaignRow, campaign_id)
    return found if found is not None and found.state == "active" else None


def _tickets(session: Session, campaign_id: int) -> list[ReviewTicketRow]:
    return list(
        session.scalars(
            select(ReviewTicketRow)
            .where(ReviewTicketRow.campaign_id == campaign_id)
            .order_by(ReviewTicketRow.id)
        )
    )


def remind(rt: Runtime, campaign_id: int, name: str) -> None:
    """Remind every reviewer with open items (on their ticket)."""
    now = rt.clock()
    touched: set[int] = set()
    with rt.db.session() as session:
        campaign = _campaign(session, campaign_id)
        if campaign is None:
            return
        for review in _tickets(session, campaign_id):
            numbers = [i.number for i in waiting_items(session, review)]
            trow = session.get(TicketRow, review.ticket_id) if review.ticket_id else None
            if not numbers or trow is None:
                continue
            body = reminder(campaign.title, campaign.due_at, numbers, now)
            queue_writeback(rt, session, trow, OutboxKind.PUBLIC_REPLY, body, f"review-{name}")
            audit.append(session, "review.reminded", actor="deskpilot", ticket_id=trow.id,
                         data={"campaign_id": campaign_id, "nudge": name, "reviewer": review.reviewer,
                               "key": review.key, "open": len(numbers)}, at=now)  # fmt: skip
            touched.add(trow.id)
    _send(rt, touched)


def escalate(rt: Runtime, campaign_id: int) -> None:
    """At the due date: open items may be decided by the fallback, who gets a ticket of them."""
    now = rt.clock()
    touched: set[int] = set()
    with rt.db.session() as session:
        campaign = _campaign(session, campaign_id)
        if campaign is None:
            return
        fallback = list(Campaign.model_validate(campaign.definition).reviewers.fallback)
        directory = campaign.directory
    email = _address(rt, directory, fallback[0])  # read outside the transaction
    with rt.db.session() as session:
        campaign = _campaign(session, campaign_id)
        if campaign is None:
            return
        pending = list(session.scalars(select(ReviewItemRow).where(
            ReviewItemRow.campaign_id == campaign_id, ReviewItemRow.state == ItemState.PENDING.value
        )))  # fmt: skip
        if not pending:
            return
        session.execute(
            update(ReviewItemRow)
            .where(ReviewItemRow.id.in_([i.id for i in pending]))
            .values(escalated=True)
        )
        for review in _tickets(session, campaign_id):
            numbers = [i.number for i in pending if i.review_ticket_id == review.id]
            trow = session.get(TicketRow, review.ticket_id) if review.ticket_id else None
            if not numbers:
                continue
            review.escalated = True
            if trow is not None:
                body = escalation(campaign.title, review.reviewer, fallback, numbers)
                queue_writeback(
                    rt, session, trow, OutboxKind.PUBLIC_REPLY, body, "review-escalated"
                )
                touched.add(trow.id)
            audit.append(session, "review.escalated", actor="deskpilot",
                         ticket_id=trow.id if trow else None,
                         data={"campaign_id": campaign_id, "reviewer": review.reviewer,
                               "to": fallback, "items": numbers}, at=now)  # fmt: skip
        session.add(ReviewTicketRow(
            campaign_id=campaign_id, reviewer=fallback[0], reviewer_email=email,
            application=ESCALATED, level=1, desk=campaign.desk, state="open", escalated=True,
            created_at=now,
        ))  # fmt: skip
    _send(rt, touched)
    try:
        open_tickets(rt, campaign_id)
    except Exception as exc:  # noqa: BLE001 (the review_open timer retries it)
        log.warning("review.escalation_ticket_deferred", campaign_id=campaign_id, error=str(exc))
        _retry_open(rt, campaign_id, now)


def _address(rt: Runtime, directory: str, name: str) -> str | None:
    """The e-mail address of reviewer ``name`` (a login or an address) in ``directory``."""
    try:
        found = rt.directories[directory].find_user(
            **({"email": name} if "@" in name else {"login": name})
        )
    except PermanentError:
        found = None
    return found.email if found is not None and found.email else (name if "@" in name else None)


def _retry_open(rt: Runtime, campaign_id: int, now: dt.datetime) -> None:
    with rt.db.session() as session:
        found = session.scalar(select(TimerRow).where(
            TimerRow.kind == "review_open", TimerRow.ref == f"review:{campaign_id}:open"
        ))  # fmt: skip
        if found is not None:
            found.state, found.due_at, found.fired_at = "pending", now, None


def close_campaign(rt: Runtime, campaign_id: int, *, by: str) -> dict[str, int] | None:
    """Close a campaign: the no-response policy for what is undecided; the counts (None if closed)."""
    now = rt.clock()
    touched: set[int] = set()
    with rt.db.session() as session:
        campaign = _campaign(session, campaign_id)
        if campaign is None:
            return None
        definition = Campaign.model_validate(campaign.definition)
        undecided = list(session.scalars(select(ReviewItemRow).where(
            ReviewItemRow.campaign_id == campaign_id, ReviewItemRow.state.in_(OPEN)
        ).order_by(ReviewItemRow.number)))  # fmt: skip
        counts = {"kept_by_policy": 0, "revoked_by_policy": 0}
        for row in undecided:
            closed = at_close(status_of(row), definition.no_response, row.recommendation, now)  # type: ignore[arg-type]
            assert closed.final is not None
            row.state, row.flagged = closed.state.value, True
            row.verdict, row.decided_by, row.decided_at = closed.final.verdict, closed.final.by, now
            row.reason = closed.final.reason
            revoked = closed.state is ItemState.REVOKED
            counts["revoked_by_policy" if revoked else "kept_by_policy"] += 1
            audit.append(session, "review.decided", actor=by,
                         data={"campaign_id": campaign_id, "item": row.number,
                               "verdict": closed.final.verdict, "level": closed.final.level,
                               "final": True, "reason": closed.final.reason, "flagged": True,
                               "escalated": row.escalated}, at=now)  # fmt: skip
            if revoked:
                row.removal = "pending"
                session.flush()
                schedule_removal(session, row.id, now)
        for review in _tickets(session, campaign_id):
            review.state = "closed"
            trow = session.get(TicketRow, review.ticket_id) if review.ticket_id else None
            if trow is not None:
                queue_writeback(
                    rt,
                    session,
                    trow,
                    OutboxKind.PUBLIC_REPLY,
                    f"**{campaign.title}** is closed. Thank you.",
                    "review-closed",
                )
                queue_writeback(
                    rt, session, trow, OutboxKind.TRANSITION, "resolved", "review-resolved"
                )
                touched.add(trow.id)
        campaign.state, campaign.closed_at = "closed", now
        audit.append(session, "review.closed", actor=by,
                     data={"campaign_id": campaign_id, **counts}, at=now)  # fmt: skip
        if definition.recurrence is not None:
            again = next_start(campaign.started_at, definition.recurrence)
            insert_ignore(session, TimerRow, {
                "kind": "review_recur", "ref": f"review:{campaign_id}:recur", "due_at": again,
                "state": "pending", "payload": {"campaign_id": campaign_id},
            }, ("kind", "ref"))  # fmt: skip
    _send(rt, touched)
    return counts


def _send(rt: Runtime, ticket_ids: set[int]) -> None:
    """After the commit: send the touched tickets' pending outbox, read in one session."""
    with rt.db.session() as session:
        pending = {t: pending_outbox_ids(session, t) for t in sorted(ticket_ids)}
    for ticket_id, outbox in pending.items():
        send_outbox(rt, ticket_id, outbox)
