"""
Starting a campaign: the population read, its items and reviewers stored with their audit
entries and timers in one transaction, then one review ticket per reviewer opened on the desk.

Opening a ticket is retried by a durable timer (``review_open``) until the desk has them all;
``create_ticket`` finds a ticket an interrupted attempt created, so none is opened twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.desks import NewTicket
from connectors.errors import DeskpilotError
from intake.model import Person as DeskPerson
from intake.model import StatusCategory, Ticket
from playbooks.lifecycle import TicketStage
from playbooks.outbox import OutboxKind
from playbooks.reviews.campaign import REVIEW_INTENT, Campaign, definition_evidence
from playbooks.reviews.items import Item, build_items, by_reviewer, population_digest, unassigned
from playbooks.reviews.render import ListedItem, pages, ticket_body, ticket_subject
from playbooks.reviews.schedule import campaign_nudges, due_date
from worker.db import audit
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow, ReviewTicketRow
from worker.db.store import insert_ignore, insert_ignore_id, ticket_to_json
from worker.db.tables import TicketRow, TimerRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runs.review_grants import grants
from worker.runs.review_population import Population, PopulationError, read_population
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.reviews")
INTENT = REVIEW_INTENT
ESCALATED = "(escalated)"
"""The ``application`` of the ticket the fallback reviewer gets at the due date."""


class ReviewStartError(ValueError):
    """The campaign cannot start; ``problems`` says why (nothing was stored)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


START_ERRORS = (ReviewStartError, PopulationError, DeskpilotError)
"""What stops a start: no eligible reviewer, a scope the directory cannot answer, a failed read."""


def start_campaign(
    rt: Runtime, campaign: Campaign, *, started_by: str, text: str | None = None
) -> int:
    """
    Read the population, store the campaign and its items, open the tickets; the id. ``text``
    is the YAML ``campaign`` was read from: the evidence records it with its hash.
    """
    now = rt.clock()
    with rt.db.session() as session:
        running = session.scalar(
            select(ReviewCampaignRow).where(
                ReviewCampaignRow.name == campaign.name, ReviewCampaignRow.state == "active"
            )
        )
        if running is not None:
            raise ReviewStartError([
                f"campaign `{campaign.name}` is already running (id {running.id}, due "
                f"{running.due_at:%Y-%m-%d %H:%M} UTC): close it first"
            ])  # fmt: skip
    population = read_population(rt, campaign, now)
    with rt.db.session() as session:
        granted = grants(session, population.directory)
    items = build_items(campaign, population.holdings, population.people, now, granted)
    problems = unassigned(items)
    if not items:
        problems = [
            f"nobody in {population.directory} holds anything in scope "
            f"({population.users_read} accounts read): check the group, application and licence "
            "names and the user filter"
        ]
    if problems:
        raise ReviewStartError(problems)
    definition = definition_evidence(campaign, text)
    campaign_id = _store(rt, campaign, population, items, (started_by, definition), now)
    try:
        open_tickets(rt, campaign_id)
    except Exception as exc:  # noqa: BLE001 (the review_open timer retries; the start stands)
        log.warning("review.tickets_deferred", campaign_id=campaign_id, error=str(exc))
    return campaign_id


def _store(
    rt: Runtime,
    campaign: Campaign,
    population: Population,
    items: Sequence[Item],
    started: tuple[str, dict[str, str]],
    now: dt.datetime,
) -> int:
    started_by, definition = started
    due = due_date(now, campaign.window_days)
    nudges = campaign_nudges(campaign, now)
    summary = {
        "source": population.directory,
        "query": population.query,
        "users_read": population.users_read,
        "row_count": len(items),
        "rows_read": len(population.holdings),
        "digest": population_digest(population.holdings),
        "read_at": population.read_at.isoformat(),
    }
    if population.where is not None:
        summary["where"] = population.where
    with rt.db.session() as session:
        row = ReviewCampaignRow(
            name=campaign.name, title=campaign.title, desk=campaign.desk,
            directory=population.directory, definition=campaign.model_dump(mode="json"),
            population=summary, state="active", started_at=now, due_at=due,
            closes_at=nudges[-1].at, started_by=started_by,
        )  # fmt: skip
        session.add(row)
        session.flush()
        data = {
            "campaign_id": row.id, "campaign": campaign.name, "title": campaign.title,
            "desk": campaign.desk, "window_days": campaign.window_days, "due_at": due.isoformat(),
            "closes_at": row.closes_at.isoformat(), "no_response": campaign.no_response,
            "reviewers": campaign.reviewers.model_dump(mode="json"), "population": summary,
            "definition": definition,
        }  # fmt: skip
        audit.append(session, "review.started", actor=started_by, data=data, at=now)
        tickets = _tickets(session, row, campaign, population, items, now)
        for item in items:
            _store_item(session, row.id, item, campaign, tickets, now)
        for nudge in nudges:
            _timer(session, row.id, "review_nudge", nudge.name, nudge.at)
        _timer(session, row.id, "review_open", "open", now)
        return row.id


def _tickets(
    session: Session,
    row: ReviewCampaignRow,
    campaign: Campaign,
    population: Population,
    items: Sequence[Item],
    now: dt.datetime,
) -> dict[tuple[str, str], int]:
    """One ticket row per (reviewer, application) (and the second level's); their ids."""
    found: dict[tuple[str, str], int] = {}
    keys = [
        (r, a or "", 1)
        for r, a in by_reviewer(items, campaign.ticket_per == "reviewer_application")
    ]
    if campaign.reviewers.second_level:
        keys.append((campaign.reviewers.second_level, "", 2))
    for reviewer, application, level in keys:
        account = population.people.named(reviewer)
        ticket = ReviewTicketRow(
            campaign_id=row.id, reviewer=reviewer, application=application, level=level,
            reviewer_email=account.email if account else (reviewer if "@" in reviewer else None),
            desk=campaign.desk, state="open", escalated=False, created_at=now,
        )  # fmt: skip
        session.add(ticket)
        session.flush()
        found[(reviewer, application)] = ticket.id
    return found


def _store_item(
    session: Session,
    campaign_id: int,
    item: Item,
    campaign: Campaign,
    tickets: dict[tuple[str, str], int],
    now: dt.datetime,
) -> None:
    reviewer = item.assignment.reviewer
    assert reviewer is not None  # unassigned items stop the start
    per_app = campaign.ticket_per == "reviewer_application"
    application = (item.entitlement.application or item.entitlement.key) if per_app else ""
    session.add(
        ReviewItemRow(
            campaign_id=campaign_id, number=item.number, subject_id=item.subject.id,
            subject_login=item.subject.login, subject_names=sorted(item.subject.names),
            entitlement=item.entitlement.key, application=item.entitlement.application,
            reviewer=reviewer, rule=item.assignment.rule, note=item.assignment.note,
            second_level=campaign.reviewers.second_level,
            recommendation=item.recommendation.action,
            recommendation_reason=item.recommendation.reason,
            review_ticket_id=tickets[(reviewer, application)], state="pending", escalated=False,
            flagged=False, removal="none", created_at=now,
        )
    )  # fmt: skip
    data = {
        "campaign_id": campaign_id, "item": item.number, "subject_id": item.subject.id,
        "subject_login": item.subject.login, "entitlement": item.entitlement.key,
        "application": item.entitlement.application, "reviewer": reviewer,
        "rule": item.assignment.rule, "note": item.assignment.note,
        "recommendation": item.recommendation.action,
        "recommendation_reason": item.recommendation.reason,
    }  # fmt: skip
    audit.append(session, "review.item", actor="deskpilot", data=data, at=now)


def _timer(session: Session, campaign_id: int, kind: str, name: str, at: dt.datetime) -> None:
    insert_ignore(
        session,
        TimerRow,
        {
            "kind": kind,
            "ref": f"review:{campaign_id}:{name}",
            "due_at": at,
            "state": "pending",
            "payload": {"campaign_id": campaign_id, "nudge": name},
        },
        ("kind", "ref"),
    )


def listed(row: ReviewItemRow) -> ListedItem:
    """An item row as a reviewer reads it."""
    first = row.first or {}
    return ListedItem(
        number=row.number,
        subject=row.subject_login,
        entitlement=f"{row.application} ({row.entitlement})"
        if row.application
        else row.entitlement,
        recommendation=row.recommendation,
        recommendation_reason=row.recommendation_reason,
        state=row.state,
        first=f"{first['verdict']} by {first['by']}"
        + (f": {first['reason']}" if first.get("reason") else "")
        if first
        else None,
    )


def ticket_items(session: Session, ticket: ReviewTicketRow) -> list[ReviewItemRow]:
    """
    The items a review ticket lists: its reviewer's; every escalated one still pending for the
    fallback's ticket; every one of the campaign for the second level.
    """
    query = select(ReviewItemRow).where(ReviewItemRow.campaign_id == ticket.campaign_id)
    if ticket.application == ESCALATED:
        query = query.where(ReviewItemRow.escalated.is_(True), ReviewItemRow.state == "pending")
    elif ticket.level == 1:
        query = query.where(ReviewItemRow.review_ticket_id == ticket.id)
    return list(session.scalars(query.order_by(ReviewItemRow.number)))


def waiting_items(session: Session, ticket: ReviewTicketRow) -> list[ReviewItemRow]:
    """The items of ``ticket`` still waiting for a decision at its level."""
    waiting = "confirming" if ticket.level == 2 else "pending"
    return [i for i in ticket_items(session, ticket) if i.state == waiting]


def open_tickets(rt: Runtime, campaign_id: int) -> int:
    """Open the campaign's review tickets not opened yet; how many were opened now."""
    with rt.db.session() as session:
        campaign = session.get(ReviewCampaignRow, campaign_id)
        assert campaign is not None
        waiting = list(
            session.scalars(
                select(ReviewTicketRow).where(
                    ReviewTicketRow.campaign_id == campaign_id, ReviewTicketRow.key.is_(None)
                )
            )
        )
        work = [(t, [listed(i) for i in ticket_items(session, t)]) for t in waiting]
        session.expunge_all()
    desk = rt.desks[campaign.desk]
    definition = Campaign.model_validate(campaign.definition)
    for ticket, shown in work:
        parts = pages(shown)
        new = NewTicket(
            subject=ticket_subject(campaign.title, ticket.reviewer, ticket.application, ticket.level),
            body=ticket_body(campaign.title, ticket.reviewer, campaign.due_at, shown,
                             level=ticket.level, no_response=definition.no_response,
                             more_pages=len(parts) - 1),
            marker=f"deskpilot-review-{campaign_id}-{ticket.id}",
            requester_email=ticket.reviewer_email,
            project=definition.project,
        )  # fmt: skip
        created = desk.create_ticket(new)
        _record_ticket(rt, campaign, ticket, new, created.key, created.url, parts[1:])
    return len(work)


def _record_ticket(
    rt: Runtime,
    campaign: ReviewCampaignRow,
    ticket: ReviewTicketRow,
    new: NewTicket,
    key: str,
    url: str | None,
    more: Sequence[str],
) -> None:
    now = rt.clock()
    desk = rt.desk_settings(campaign.desk)
    snapshot = Ticket(
        desk=desk.name, desk_type=desk.type, key=key, subject=new.subject, description=new.body,
        requester=DeskPerson(id="", email=ticket.reviewer_email), status=StatusCategory.OPEN,
        url=url, request_type=INTENT, created_at=now, updated_at=now,
    )  # fmt: skip
    with rt.db.session() as session:
        values = {
            "desk": desk.name, "desk_type": desk.type, "key": key, "url": url,
            "subject": new.subject[:2000], "requester": ticket.reviewer_email,
            "status": StatusCategory.OPEN.value, "priority": "normal", "request_type": INTENT,
            "snapshot": ticket_to_json(snapshot), "first_seen_at": now, "stage": TicketStage.DONE,
            "stage_at": now, "intent": INTENT,
        }  # fmt: skip
        ticket_id = insert_ignore_id(session, TicketRow, values, ("desk", "key"))
        if ticket_id is None:
            found = session.scalar(
                select(TicketRow.id).where(TicketRow.desk == desk.name, TicketRow.key == key)
            )
            assert found is not None
            ticket_id = found
        row = session.get(ReviewTicketRow, ticket.id)
        assert row is not None
        row.key, row.url, row.ticket_id = key, url, ticket_id
        trow = session.get(TicketRow, ticket_id)
        assert trow is not None
        for number, text in enumerate(more, start=2):
            queue_writeback(
                rt, session, trow, OutboxKind.PUBLIC_REPLY, text, f"review-page-{number}"
            )
        audit.append(
            session,
            "review.ticket",
            actor="deskpilot",
            ticket_id=ticket_id,
            data={
                "campaign_id": campaign.id,
                "reviewer": ticket.reviewer,
                "application": ticket.application,
                "level": ticket.level,
                "desk": desk.name,
                "key": key,
            },
            at=now,
        )
        outbox = pending_outbox_ids(session, ticket_id)
    send_outbox(rt, ticket_id, outbox)
