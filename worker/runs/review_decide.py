"""
Review decisions from desk comments: ``/keep``, ``/revoke`` and ``/keep-all`` on a review ticket.

Each comment is handled once (its event row is claimed). The author is proven through the desk's
user API and the directory exactly as approvers are (``worker.runs.authors``); an author who
cannot be proven, or who may not decide an item (not its reviewer, the subject, the first-level
reviewer confirming themself), is refused item by item with the reason. A final revoke queues
its removal at once (a ``review_removal`` timer, so it is durable and retried).

``decide_items`` is the one path every decision takes: a comment's, and the review page's
(``worker.runs.review_mine``), which says where it came from through its ``Origin``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.model import Comment
from playbooks.outbox import OutboxKind
from playbooks.reviews.campaign import Campaign
from playbooks.reviews.decisions import (
    Decision,
    ItemState,
    ItemStatus,
    ReviewCommand,
    ReviewCommandError,
    decide,
    may_decide,
    parse_review_command,
)
from playbooks.reviews.items import Grants, grant_key
from playbooks.reviews.render import outcome
from worker.db import audit
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow, ReviewTicketRow
from worker.db.store import compare_and_set, insert_ignore
from worker.db.tables import TicketEventRow, TicketRow, TimerRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runs.authors import Author, resolve_comment_author, unhandled_comments
from worker.runs.review_facts import ItemFacts
from worker.runs.review_grants import grants
from worker.runs.review_start import ticket_items, waiting_items
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.reviews")
OWN_MARKER = "deskpilot:"


def review_ticket_of(session: Session, ticket_id: int) -> ReviewTicketRow | None:
    """The review ticket desk ticket ``ticket_id`` is, if it is one."""
    return session.scalar(select(ReviewTicketRow).where(ReviewTicketRow.ticket_id == ticket_id))


def handle_review_comments(rt: Runtime, ticket_id: int) -> int | None:
    """Run the review commands in a review ticket's new comments; None if it is not one."""
    with rt.db.session() as session:
        review = review_ticket_of(session, ticket_id)
        if review is None:
            return None
        pending = [
            (row_id, event.comment) for row_id, event in unhandled_comments(session, ticket_id)
        ]
        review_id, desk = review.id, review.desk
    handled = 0
    for row_id, comment in pending:
        handled += _handle(rt, ticket_id, review_id, desk, row_id, comment)
    with rt.db.session() as session:
        outbox = pending_outbox_ids(session, ticket_id)
    send_outbox(rt, ticket_id, outbox)
    return handled


def _handle(
    rt: Runtime, ticket_id: int, review_id: int, desk: str, row_id: int, comment: Comment | None
) -> int:
    command: ReviewCommand | None = None
    problem = None
    if comment is not None and OWN_MARKER not in comment.body:
        try:
            text = comment.own_text if comment.own_text is not None else comment.body
            command = parse_review_command(text)
        except ReviewCommandError as exc:
            problem = str(exc)
    # The author is proven before the comment is claimed: a transient failure is retried.
    author = resolve_comment_author(rt, desk, comment) if comment and command else None
    with rt.db.session() as session:
        claimed = compare_and_set(
            session, TicketEventRow, row_id, TicketEventRow.handled.is_(False), handled=True
        )
    if not claimed or comment is None:
        return 0
    if problem is not None:
        _reply(
            rt,
            ticket_id,
            f"deskpilot could not run that command: {problem}",
            f"review-error-{comment.id}",
        )
    if command is None or author is None:
        return 0
    decide_items(rt, review_id, [command], author, Origin.of_comment(comment))
    return 1


def names_of(author: Author) -> frozenset[str]:
    """Every name ``author`` goes by (the address proven, their login and directory address),
    casefolded: what the reviewer checks compare."""
    found = {author.email or ""}
    if author.user is not None:
        found |= {author.user.login, author.user.email or ""}
    return frozenset(n.casefold() for n in found if n)


def status_of(row: ItemFacts) -> ItemStatus:
    """The pure decision state of an item row."""
    first = row.first
    return ItemStatus(
        number=row.number,
        subject=frozenset(str(n) for n in row.subject_names),
        reviewer=row.reviewer,
        second_level=row.second_level,
        state=ItemState(row.state),
        first=Decision(first["verdict"], first["by"], dt.datetime.fromisoformat(first["at"]), 1, first.get("reason")) if first else None,
        escalated=row.escalated,
        flagged=row.flagged,
    )  # fmt: skip


@dataclass(frozen=True)
class Origin:
    """Where a decision was made: a comment on the review ticket, or the review page."""

    key: str
    """Unique per submission (the comment's id, the page request's id): names the answer."""
    data: Mapping[str, object]
    """What each ``review.decided`` and ``review.refused`` entry records about it."""
    via: str = ""
    """How the answer on the ticket names the place (empty: a comment on the ticket itself)."""
    repeat_is_recorded: bool = False
    """An item the author already decided the same way is reported as recorded, not refused:
    the review page's form sent twice (a comment's repeat is refused, as it always was)."""
    answer_refusals: bool = True
    """Answer on the ticket even when nothing was recorded (a comment is always answered where
    it was written; the page shows its refusals itself, so anyone signed in cannot write on a
    review ticket that is not theirs)."""

    @classmethod
    def of_comment(cls, comment: Comment) -> Origin:
        """A desk comment (the entries record its id, as they always have)."""
        return cls(comment.id, {"comment": comment.id})


@dataclass(frozen=True)
class Outcome:
    """What one submission recorded and what it refused, and why."""

    accepted: tuple[str, ...]
    """``keep #3``, ``revoke #4`` …"""
    refused: tuple[str, ...]
    raced: tuple[int, ...] = ()
    """Items allowed but decided meanwhile by another submission (told as such on the ticket)."""
    repeated: tuple[int, ...] = ()
    """Items the author had already decided the same way (``Origin.repeat_is_recorded``)."""


def decide_items(
    rt: Runtime,
    review_id: int,
    commands: Sequence[ReviewCommand],
    author: Author,
    origin: Origin,
) -> Outcome:
    """
    Record ``commands`` by ``author`` as said on review ticket ``review_id``: the one decision
    path of desk comments and of the review page. Each item goes through the same checks
    (``why_not``), is recorded once (``review.decided``), a final revoke queues its removal, and
    the ticket gets one note saying what was recorded and what was refused.
    """
    now = rt.clock()
    accepted: list[str] = []
    refused: list[str] = []
    raced: list[int] = []
    repeated: list[int] = []
    with rt.db.session() as session:
        review = session.get(ReviewTicketRow, review_id)
        assert review is not None
        campaign = session.get(ReviewCampaignRow, review.campaign_id)
        assert campaign is not None
        ticket_id = review.ticket_id
        if author.problem is not None or author.user is None or campaign.state != "active":
            why = author.problem or (
                "the campaign is closed" if campaign.state != "active" else "unknown author"
            )
            refused.append(why)
            audit.append(session, "review.refused", actor=author.label, ticket_id=ticket_id,
                         data={"campaign_id": campaign.id, "reason": why, **origin.data}, at=now)  # fmt: skip
        else:
            fallback = Campaign.model_validate(campaign.definition).reviewers.fallback
            # The directory's grants from the audit log: read once, and only if a decision needs them.
            granted = cache(partial(grants, session, campaign.directory))
            names = names_of(author)
            for command in commands:
                for row, not_allowed in _targets(
                    session, review, command, names, fallback, granted
                ):
                    if origin.repeat_is_recorded and row and repeats(row, command.verdict, names):
                        repeated.append(row.number)
                        continue
                    if not_allowed is not None:
                        refused.append(not_allowed)
                        audit.append(session, "review.refused", actor=author.label, ticket_id=ticket_id,
                                     data={"campaign_id": campaign.id, "reason": not_allowed, **origin.data}, at=now)  # fmt: skip
                        continue
                    assert row is not None
                    if _record(session, row, command, author, origin, now):
                        accepted.append(f"{command.verdict} #{row.number}")
                    else:
                        raced.append(row.number)
            _complete(session, review, now)
        trow = session.get(TicketRow, ticket_id) if ticket_id is not None else None
        answer = bool(accepted) or origin.answer_refusals
        if trow is not None and answer:  # a ticket the desk has not opened yet gets no answer
            said = f"{author.label} ({origin.via})" if origin.via else author.label
            late = [f"item {n} was decided meanwhile" for n in raced]
            body = outcome(said, _short(accepted), refused + late)
            queue_writeback(
                rt, session, trow, OutboxKind.PUBLIC_REPLY, body, f"review-outcome-{origin.key}"
            )
    return Outcome(tuple(accepted), tuple(refused), tuple(raced), tuple(repeated))


def _short(accepted: Sequence[str]) -> list[str]:
    return list(accepted[:50]) + ([f"and {len(accepted) - 50} more"] if len(accepted) > 50 else [])


def repeats(row: ReviewItemRow, verdict: str, names: frozenset[str]) -> bool:
    """True when someone going by ``names`` already decided ``row`` as ``verdict`` (at either
    level)."""
    first = row.first or {}
    if str(first.get("by", "")).casefold() in names and first.get("verdict") == verdict:
        return True
    return (row.decided_by or "").casefold() in names and row.verdict == verdict


def why_not(
    row: ItemFacts,
    names: frozenset[str],
    fallback: Sequence[str],
    granted: Callable[[], Grants],
) -> str | None:
    """
    Why someone going by ``names`` may not decide item ``row`` now, or None: not its reviewer
    (after escalation: nor a fallback; at the second level: not the second-level reviewer, or the
    first reviewer again), its subject, already decided, or (not the assigned reviewer) someone
    who requested or approved the run that granted it.
    """
    problem = may_decide(status_of(row), names, fallback)
    if problem is not None or row.reviewer.casefold() in names:
        return problem  # the assigned reviewer was checked against the grants at the start
    did = granted().get(grant_key(row.subject_login, row.entitlement), {})
    for name in sorted(names & set(did)):
        return f"item {row.number}: you {did[name]}, so someone else reviews it"
    return None


def _targets(
    session: Session,
    review: ReviewTicketRow,
    command: ReviewCommand,
    names: frozenset[str],
    fallback: Sequence[str],
    granted: Callable[[], Grants],
) -> list[tuple[ReviewItemRow | None, str | None]]:
    """The items a command names (every open one here for ``/keep-all``) and why not each."""

    def not_allowed(row: ReviewItemRow) -> str | None:
        return why_not(row, names, fallback, granted)

    if command.items is None:
        return [(r, None) for r in ticket_items(session, review) if not_allowed(r) is None]
    query = select(ReviewItemRow).where(ReviewItemRow.campaign_id == review.campaign_id)
    rows = session.scalars(query.where(ReviewItemRow.number.in_(command.items))).all()
    by_number = {r.number: r for r in rows}
    found: list[tuple[ReviewItemRow | None, str | None]] = []
    for number in command.items:
        row = by_number.get(number)
        if row is None:
            found.append((None, f"there is no item {number} in this campaign"))
        else:
            found.append((row, not_allowed(row)))
    return found


def _record(
    session: Session,
    row: ReviewItemRow,
    command: ReviewCommand,
    author: Author,
    origin: Origin,
    now: dt.datetime,
) -> bool:
    assert author.user is not None
    before = status_of(row)
    after = decide(before, command.verdict, author.user.login, now, command.reason)
    final = after.final is not None
    values: dict[str, object] = {"state": after.state.value}
    if after.first is not None and after.second_level is not None:
        first = after.first
        values["first"] = {
            "verdict": first.verdict,
            "by": first.by,
            "at": first.at.isoformat(),
            "reason": first.reason,
        }
    if final:
        values |= {
            "verdict": command.verdict,
            "decided_by": author.user.login,
            "decided_at": now,
            "reason": command.reason,
        }
        if command.verdict == "revoke":
            values["removal"] = "pending"
    if not compare_and_set(
        session, ReviewItemRow, row.id, ReviewItemRow.state == before.state.value, **values
    ):
        return False
    audit.append(
        session,
        "review.decided",
        actor=author.label,
        data={
            "campaign_id": row.campaign_id, "item": row.number, "verdict": command.verdict,
            "level": before.level, "final": final, "reason": command.reason,
            "login": author.user.login, **origin.data, "flagged": False,
            "escalated": row.escalated,
        },
        at=now,
    )  # fmt: skip
    if final and command.verdict == "revoke":
        schedule_removal(session, row.id, now)
    return True


def schedule_removal(session: Session, item_id: int, now: dt.datetime) -> None:
    """Queue the removal of a revoked item (a durable timer due now)."""
    insert_ignore(
        session,
        TimerRow,
        {"kind": "review_removal", "ref": f"review-item:{item_id}", "due_at": now,
         "state": "pending", "payload": {"item_id": item_id}},
        ("kind", "ref"),
    )  # fmt: skip


def _complete(session: Session, review: ReviewTicketRow, now: dt.datetime) -> None:
    """Mark the ticket complete when nothing on it waits for its reviewer."""
    session.flush()
    session.expire_all()  # the decisions were Core updates: read the items afresh
    if review.state == "open" and not waiting_items(session, review):
        review.state, review.completed_at = "complete", now


def _reply(rt: Runtime, ticket_id: int, body: str, purpose: str) -> None:
    with rt.db.session() as session:
        trow = session.get(TicketRow, ticket_id)
        assert trow is not None
        queue_writeback(rt, session, trow, OutboxKind.PUBLIC_REPLY, body, purpose)
