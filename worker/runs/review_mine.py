"""
Access reviews as the review page shows them to one signed-in person, and their decisions.

The person is known only by the ``desk_identity`` an admin configured for their token, resolved
in the campaign desk's directory exactly as a comment's author is (``review_author``); their
role gives them nothing here. The items waiting for them are found with the comment path's own
check (``review_decide.why_not``: the assigned reviewer, a fallback after escalation, the
second level; never the subject, never someone who granted it), and their decisions are recorded
by the comment path's own ``review_decide.decide_items``, as if written on the review ticket
that lists the item for them: the same audit entries (with ``via: review page``, the token's
name and the request's id), the same removal, the same note on the ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from playbooks.reviews.campaign import Campaign
from playbooks.reviews.decisions import ReviewCommand, Verdict, needs_reason
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow, ReviewTicketRow
from worker.outbound.writeback import pending_outbox_ids, send_outbox
from worker.runs.authors import Author, review_author
from worker.runs.review_decide import Origin, decide_items, names_of, repeats, why_not
from worker.runs.review_facts import PAGE_FACTS, PageFacts
from worker.runs.review_grants import grants
from worker.runs.review_start import ESCALATED
from worker.runtime import Runtime

VIA = "review page"
OPEN = ("pending", "confirming")
READ_ONLY_DAYS = 90
"""Closed campaigns stay on the page (read-only) this long after their close."""


class PageInputError(ValueError):
    """A submission names an item that is not the campaign's, or no campaign at all."""


@dataclass(frozen=True)
class ItemLine:
    """One item as its reviewer reads it: who, what, the evidence it carries, where it stands."""

    id: int
    number: int
    subject: str
    entitlement: str
    recommendation: str | None
    evidence: str
    """Why the recommendation: the last use the directory reports, a disabled account …"""
    note: str
    """Why this reviewer (an eligibility note), if the rule did not pick them plainly."""
    state: str
    escalated: bool
    flagged: bool
    first: str | None
    """The first-level decision a second-level reviewer confirms or overturns."""
    decided: str | None
    """The final decision, by whom and why."""
    removal: str


@dataclass(frozen=True)
class ItemRef:
    """An item as the page counts, filters and pages it; ``lines`` draws the ones shown."""

    id: int
    number: int
    entitlement: str
    """As ``ItemLine.entitlement`` words it: ``Application (entitlement)`` or the entitlement."""


@dataclass(frozen=True)
class CampaignView:
    """One campaign run with the person's items: waiting for them, and decided by them."""

    id: int
    name: str
    title: str
    state: str
    due_at: dt.datetime
    closed_at: dt.datetime | None
    waiting: tuple[ItemRef, ...]
    mine: tuple[ItemRef, ...]
    """Decided by them (or, once closed, assigned to them): read-only."""
    problem: str | None = None
    """Why they cannot decide here (their identity is not in the directory)."""

    @property
    def active(self) -> bool:
        """Decisions are taken only while the campaign runs."""
        return self.state == "active"


@dataclass(frozen=True)
class PageOutcome:
    """What one submission did: recorded, already recorded (a repeated form), refused and why."""

    accepted: tuple[str, ...]
    already: tuple[str, ...]
    refused: tuple[str, ...]


def line(row: ReviewItemRow) -> ItemLine:
    """An item row in words."""
    first = row.first or {}
    said = f": {row.reason}" if row.reason else ""
    return ItemLine(
        id=row.id, number=row.number, subject=row.subject_login,
        entitlement=f"{row.application} ({row.entitlement})" if row.application else row.entitlement,
        recommendation=row.recommendation, evidence=row.recommendation_reason, note=row.note,
        state=row.state, escalated=row.escalated, flagged=row.flagged,
        first=f"{first['verdict']} by {first['by']}" + (f": {first['reason']}" if first.get("reason") else "") if first else None,
        decided=f"{row.verdict} by {row.decided_by}{said}" if row.verdict else None,
        removal=row.removal,
    )  # fmt: skip


def lines(rt: Runtime, ids: Sequence[int]) -> tuple[ItemLine, ...]:
    """Items ``ids`` in words, in that order: only the page's items are ever loaded whole."""
    if not ids:
        return ()
    with rt.db.session() as session:
        rows = session.scalars(select(ReviewItemRow).where(ReviewItemRow.id.in_(list(ids))))
        found = {r.id: line(r) for r in rows}
    return tuple(found[i] for i in ids if i in found)


def _ref(row: PageFacts) -> ItemRef:
    label = f"{row.application} ({row.entitlement})" if row.application else row.entitlement
    return ItemRef(row.id, row.number, label)


def _by_me(row: PageFacts, names: frozenset[str]) -> bool:
    first_by = str((row.first or {}).get("by", ""))
    return (row.decided_by or "").casefold() in names or first_by.casefold() in names


def my_reviews(rt: Runtime, identity: str) -> list[CampaignView]:
    """
    Every running campaign, whenever it started, and those closed in the last 90 days (read-only)
    where ``identity`` has items: found by state and close time, not by recency.
    """
    recent = rt.clock() - dt.timedelta(days=READ_ONLY_DAYS)
    closed_lately = and_(ReviewCampaignRow.state != "active", ReviewCampaignRow.closed_at >= recent)
    with rt.db.session() as session:
        found = session.execute(
            select(ReviewCampaignRow.id, ReviewCampaignRow.desk)
            .where(or_(ReviewCampaignRow.state == "active", closed_lately))
            .order_by(ReviewCampaignRow.started_at.desc(), ReviewCampaignRow.id.desc())
        ).all()
    # Resolved like a comment's author, once per desk, outside any transaction.
    authors = {desk: review_author(rt, desk, identity) for desk in {d for _, d in found}}
    views: list[CampaignView] = []
    with rt.db.session() as session:
        for campaign_id, desk in found:
            campaign = session.get(ReviewCampaignRow, campaign_id)
            assert campaign is not None
            view = _view(session, campaign, authors[desk])
            if view.waiting or view.mine or (view.problem and view.active):
                views.append(view)
    return views


def _author(rt: Runtime, campaign_id: int, identity: str) -> Author:
    """``identity`` resolved on campaign ``campaign_id``'s desk (``PageInputError``: no campaign)."""
    with rt.db.session() as session:
        desk = session.scalar(
            select(ReviewCampaignRow.desk).where(ReviewCampaignRow.id == campaign_id)
        )
    if desk is None:
        raise PageInputError(f"there is no access review campaign {campaign_id}")
    return review_author(rt, desk, identity)


def _view(session: Session, campaign: ReviewCampaignRow, author: Author) -> CampaignView:
    def view(waiting: Sequence[PageFacts], mine: Sequence[PageFacts]) -> CampaignView:
        return CampaignView(
            campaign.id, campaign.name, campaign.title, campaign.state, campaign.due_at,
            campaign.closed_at, tuple(map(_ref, waiting)), tuple(map(_ref, mine)), author.problem,
        )  # fmt: skip

    if author.user is None:
        return view((), ())
    names = names_of(author)
    rows = _rows(session, campaign, names)
    if campaign.state != "active":
        return view((), [r for r in rows if r.reviewer.casefold() in names or _by_me(r, names)])
    return view(_waiting(session, campaign, rows, names), [r for r in rows if _by_me(r, names)])


def _rows(session: Session, campaign: ReviewCampaignRow, names: frozenset[str]) -> list[PageFacts]:
    """
    The campaign's items that may concern someone going by ``names``: those they are the
    reviewer, second level or decider of (the stored names matched casefolded, in Python), every
    escalated item if they are a fallback, every item with a first-level decision. A superset:
    ``_view`` applies the exact rules; the rest of a campaign of thousands is never loaded, and
    of these only the columns the rules read (``PAGE_FACTS``): ``lines`` loads the page's items.
    """
    mine = ReviewItemRow.campaign_id == campaign.id

    def matching(
        column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    ) -> list[str]:
        stored = session.scalars(select(column).where(mine).distinct()).all()
        return [v for v in stored if v is not None and v.casefold() in names]

    fallback = Campaign.model_validate(campaign.definition).reviewers.fallback
    concern = [
        ReviewItemRow.reviewer.in_(matching(ReviewItemRow.reviewer)),
        ReviewItemRow.second_level.in_(matching(ReviewItemRow.second_level)),
        ReviewItemRow.decided_by.in_(matching(ReviewItemRow.decided_by)),
        ReviewItemRow.first.is_not(None),
    ]
    if names & {f.casefold() for f in fallback}:
        concern.append(ReviewItemRow.escalated.is_(True))
    query = select(*PAGE_FACTS).where(mine, or_(*concern)).order_by(ReviewItemRow.number)
    return list(session.connection().execute(query))  # Core rows: no ORM loading per row


def _waiting(
    session: Session,
    campaign: ReviewCampaignRow,
    rows: Sequence[PageFacts],
    names: frozenset[str],
) -> list[PageFacts]:
    """The open items the comment path would let someone going by ``names`` decide now."""
    fallback = Campaign.model_validate(campaign.definition).reviewers.fallback
    granted = cache(partial(grants, session, campaign.directory))
    return [r for r in rows if r.state in OPEN and why_not(r, names, fallback, granted) is None]


Choice = tuple[Verdict, str | None]
"""A verdict on one item and its reason."""


def decide_from_page(
    rt: Runtime,
    principal: str,
    identity: str,
    campaign_id: int,
    choices: Mapping[int, Choice],
    request_id: str,
) -> PageOutcome:
    """
    Record the verdicts ``choices`` (by item id) that ``identity`` (token ``principal``) made on
    the page for campaign ``campaign_id``, through ``decide_items``. An item already decided by
    them the same way (the form sent twice) is reported, not decided again; every other item is
    checked and recorded, or refused, as a comment's would be.
    """
    author = _author(rt, campaign_id, identity)
    names = names_of(author) if author.user is not None else frozenset()
    with rt.db.session() as session:
        rows = _chosen(session, campaign_id, choices)
        groups: dict[int, list[ReviewItemRow]] = {}
        tickets = session.scalars(
            select(ReviewTicketRow)
            .where(ReviewTicketRow.campaign_id == campaign_id)
            .order_by(ReviewTicketRow.id)
        ).all()
        for row in rows:
            groups.setdefault(_home(tickets, row, names), []).append(row)
    data = {"via": VIA, "principal": principal, "request": request_id}
    accepted: list[str] = []
    refused: list[str] = []
    again: list[int] = []
    raced: list[int] = []
    for review_id, group in groups.items():
        commands = _commands([(r.number, choices[r.id]) for r in group])
        origin = Origin(
            f"page-{request_id}-{review_id}",
            data,
            VIA,
            repeat_is_recorded=True,
            answer_refusals=False,
        )
        done = decide_items(rt, review_id, commands, author, origin)
        accepted += done.accepted
        refused += done.refused
        again += done.repeated
        raced += done.raced
    _send(rt, list(groups))
    ids = {r.number: r.id for r in rows}
    with rt.db.session() as session:  # decided meanwhile: by the same form sent at once?
        for number in raced:
            now = session.get(ReviewItemRow, ids[number])
            if now is not None and repeats(now, choices[now.id][0], names):
                again.append(number)
            else:
                refused.append(f"item {number} was decided meanwhile")
    said = [f"{choices[ids[n]][0]} #{n}: already recorded" for n in sorted(again)]
    return PageOutcome(tuple(accepted), tuple(said), tuple(dict.fromkeys(refused)))


def keep_all_from_page(
    rt: Runtime, principal: str, identity: str, campaign_id: int, request_id: str
) -> PageOutcome:
    """Keep every item of campaign ``campaign_id`` still waiting for ``identity`` (``/keep-all``)."""
    author = _author(rt, campaign_id, identity)
    with rt.db.session() as session:
        campaign = session.get(ReviewCampaignRow, campaign_id)
        assert campaign is not None
        view = _view(session, campaign, author)
    if view.problem is not None or not view.active:  # refused, and audited, by the decision path
        return _refused_whole(rt, principal, author, campaign_id, request_id)
    choices: dict[int, Choice] = {i.id: ("keep", None) for i in view.waiting}
    if not choices:
        return PageOutcome((), (), ("nothing is waiting for you in this campaign",))
    return decide_from_page(rt, principal, identity, campaign_id, choices, request_id)


def _refused_whole(
    rt: Runtime, principal: str, author: Author, campaign_id: int, request_id: str
) -> PageOutcome:
    with rt.db.session() as session:
        review_id = session.scalar(
            select(ReviewTicketRow.id)
            .where(ReviewTicketRow.campaign_id == campaign_id)
            .order_by(ReviewTicketRow.id)
        )
    if review_id is None:
        return PageOutcome((), (), ("this campaign has no review ticket",))
    origin = Origin(
        f"page-{request_id}-{review_id}",
        {"via": VIA, "principal": principal, "request": request_id},
        VIA,
        repeat_is_recorded=True,
        answer_refusals=False,
    )
    done = decide_items(rt, review_id, [ReviewCommand("keep", None)], author, origin)
    _send(rt, [review_id])
    return PageOutcome(done.accepted, (), done.refused)


def _chosen(
    session: Session, campaign_id: int, choices: Mapping[int, Choice]
) -> list[ReviewItemRow]:
    """The rows ``choices`` names, all of campaign ``campaign_id`` (else ``PageInputError``)."""
    if not choices:
        raise PageInputError("choose keep or revoke for at least one item")
    for item_id, (verdict, reason) in choices.items():
        if needs_reason(verdict, reason):
            raise PageInputError(f"item id {item_id}: a revoke needs a reason")
    query = select(ReviewItemRow).where(ReviewItemRow.id.in_(list(choices)))
    rows = {r.id: r for r in session.scalars(query)}
    stray = sorted(i for i in choices if i not in rows or rows[i].campaign_id != campaign_id)
    if stray:
        named = ", ".join(str(i) for i in stray[:10])
        raise PageInputError(f"item id {named} is not an item of campaign {campaign_id}")
    return sorted(rows.values(), key=lambda r: r.number)


def _home(tickets: Sequence[ReviewTicketRow], row: ReviewItemRow, names: frozenset[str]) -> int:
    """
    Which of the campaign's review ``tickets`` lists ``row`` for someone going by ``names``: the
    second level's when it waits for confirmation; the item's own when they are its reviewer,
    else the escalated ticket of the fallback they are; else (a refusal to come) the item's own.
    """
    second = [t.id for t in tickets if t.level == 2]
    if row.state == "confirming" and second:
        return second[0]
    escalated = [
        t.id for t in tickets if t.application == ESCALATED and t.reviewer.casefold() in names
    ]
    if row.reviewer.casefold() not in names and row.escalated and escalated:
        return escalated[0]
    return row.review_ticket_id or tickets[0].id


def _commands(chosen: Sequence[tuple[int, Choice]]) -> list[ReviewCommand]:
    """One ``/keep`` for the kept items, one ``/revoke`` per reason."""
    keep = tuple(n for n, (verdict, _) in chosen if verdict == "keep")
    commands = [ReviewCommand("keep", keep)] if keep else []
    reasons: dict[str, list[int]] = {}
    for number, (verdict, reason) in chosen:
        if verdict == "revoke":
            reasons.setdefault(reason or "", []).append(number)
    commands += [ReviewCommand("revoke", tuple(n), r) for r, n in reasons.items()]
    return commands


def _send(rt: Runtime, review_ids: Sequence[int]) -> None:
    """Send the answers queued on the review tickets (after their transactions committed)."""
    for review_id in review_ids:
        with rt.db.session() as session:
            review = session.get(ReviewTicketRow, review_id)
            ticket_id = review.ticket_id if review is not None else None
            outbox = pending_outbox_ids(session, ticket_id) if ticket_id is not None else []
        if ticket_id is not None:
            send_outbox(rt, ticket_id, outbox)
