"""
Who wrote a command: proven through the desk's user API and the directory, never read from a
payload.

A comment's author is known to deskpilot only by the desk's own user id (Zendesk ``author_id``,
Jira ``accountId``, ServiceNow ``sys_created_by`` or a user sys_id, Salesforce ``CreatedById``).
That id is looked up with deskpilot's own credentials (``DeskClient.find_person``, cached in the
connector), and the address the desk answers is looked up in the directory. An e-mail address
the payload itself carries is ignored: on an unsigned desk anyone can write one.

Commands from the review page come from a logged-in principal whose ``desk_identity`` the admin
configured; they are resolved in the directory the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.errors import PermanentError
from connectors.identity import DirectoryUser
from intake.date_order import date_order_for, needs_order
from intake.model import Comment, EventKind, Ticket, TicketEvent
from playbooks.approval import ApprovalRequirement
from playbooks.authority import Actor
from playbooks.outbox import OutboxKind
from playbooks.planned import Plan
from playbooks.policy import Decision
from worker.db import audit
from worker.db.store import event_from_json, ticket_from_json
from worker.db.tables import RunRow, TicketEventRow, TicketRow
from worker.outbound.writeback import queue_writeback
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.authors")


@dataclass(frozen=True)
class Author:
    """The proven identity behind a command, or why there is none."""

    label: str
    """How notes and the audit name them: the desk's address for them, else their desk id."""
    desk_id: str | None
    email: str | None
    """The address the desk's user API (or the review page's configuration) gives."""
    is_agent: bool | None
    """The desk's own role for them (None: the desk does not say)."""
    user: DirectoryUser | None
    """Their directory account (None when ``problem`` says why not)."""
    source: str
    """``desk`` (a comment, resolved through the desk) or ``review`` (the review page)."""
    problem: str | None = None
    """Why the author could not be proven (the command is then refused with this reason)."""


def resolve_comment_author(rt: Runtime, desk_name: str, comment: Comment) -> Author:
    """
    The author of ``comment`` on ``desk_name``, through the desk's user API and the directory.

    A transient desk or directory failure propagates (the caller retries the message before it
    claims the comment); a permanent one is an unproven author, with the reason.
    """
    person = comment.author
    if person is None or not person.id:
        return _unproven(None, "the comment names no author the desk can look up")
    if comment.edited_by is not None:
        return _unproven(
            person.id,
            f"the comment was last edited by desk user {comment.edited_by.id[:60]}, not by its "
            "author, so who wrote this command cannot be verified (its author can write it again)",
        )
    desk = rt.desks.get(desk_name)
    if desk is None:
        return _unproven(person.id, f"desk {desk_name!r} has no API client to look the author up")
    try:
        found = desk.find_person(person.id)
    except PermanentError as exc:
        log.warning("author.unresolved", desk=desk_name, reason=str(exc))
        return _unproven(person.id, f"the desk does not know author {person.id[:60]}")
    if not found.active:
        return _unproven(person.id, f"desk user {found.email or person.id} is deactivated")
    if not found.email:
        return _unproven(
            person.id,
            f"the desk does not show the address of user {person.id[:60]} "
            "(profile visibility), so who wrote this cannot be verified",
        )
    user = rt.directory_for(desk_name).find_user(email=found.email)
    return Author(
        label=found.email,
        desk_id=person.id,
        email=found.email,
        is_agent=found.is_agent,
        user=user,
        source="desk",
        problem=None if user is not None else f"{found.email} is not in the directory",
    )


def review_author(rt: Runtime, desk_name: str, identity: str) -> Author:
    """
    A logged-in agent of the review page, by the ``desk_identity`` the admin configured for
    their token; named by that address, as their desk comments are, so one person approving
    both ways still counts once.
    """
    user = rt.directory_for(desk_name).find_user(email=identity)
    return Author(
        label=identity,
        desk_id=None,
        email=identity,
        is_agent=True,
        user=user,
        source="review",
        problem=None if user is not None else f"{identity} is not in the directory",
    )


def _unproven(desk_id: str | None, problem: str) -> Author:
    return Author(
        label=desk_id or "unknown",
        desk_id=desk_id,
        email=None,
        is_agent=None,
        user=None,
        source="desk",
        problem=problem,
    )


def actor_of(rt: Runtime, desk_name: str, author: Author) -> Actor:
    """The pure policy's view of ``author``: their account and transitive groups."""
    groups: tuple[str, ...] = ()
    if author.user is not None:
        groups = tuple(rt.directory_for(desk_name).transitive_groups_of(author.user.id))
    return Actor(author.user, groups, author.is_agent, author.problem)


def requester_user(rt: Runtime, ticket: TicketRow) -> DirectoryUser | None:
    """The directory account of the person who asked (``ticket``'s requester)."""
    email = ticket_from_json(ticket.snapshot).requester.email
    return rt.directory_for(ticket.desk).find_user(email=email) if email else None


def with_date_order(rt: Runtime, ticket: Ticket) -> Ticket:
    """
    ``ticket`` with the day/month order for its ambiguous dates (``Ticket.date_order``): the
    site's ``classifier.date_order``, or (``auto``) the requester's locale as the desk's user
    API gives it (the connector's cached lookup, as for authors), asked only when the ticket
    holds a date that reads two ways. A requester the desk does not know leaves it to the text
    and the default; a transient failure propagates (the message is retried).
    """
    setting = rt.settings.classifier.date_order
    locale = date_format = None
    desk = rt.desks.get(ticket.desk)
    written = "\n".join((ticket.subject, ticket.description, *ticket.custom_fields.values()))
    asked = setting == "auto" and bool(ticket.requester.id) and needs_order(written)
    if asked and desk is not None:
        try:
            person = desk.find_person(ticket.requester.id)
            locale, date_format = person.locale, person.date_format
        except PermanentError as exc:
            log.info("requester.locale_unknown", desk=ticket.desk, reason=str(exc))
    return replace(ticket, date_order=date_order_for(setting, locale, date_format))


def submitter_user(rt: Runtime, ticket: TicketRow) -> DirectoryUser | None:
    """
    The directory account of whoever typed ``ticket`` in for its requester (the pinned
    ``Ticket.submitter``), known the way a command's author is: their desk id through the
    desk's user API (cached in the connector), then the directory. When the desk no longer
    knows them, the address the ticket was received with still counts (refusing more, never
    less). A transient failure propagates, as for the author.
    """
    person = ticket_from_json(ticket.snapshot).submitter
    if person is None:
        return None
    email = person.email
    desk = rt.desks.get(ticket.desk)
    if desk is not None and person.id:
        try:
            email = desk.find_person(person.id).email or email
        except PermanentError as exc:
            log.warning("submitter.unresolved", desk=ticket.desk, reason=str(exc))
    return rt.directory_for(ticket.desk).find_user(email=email) if email else None


@dataclass(frozen=True)
class Change:
    """What a run changes, for the command checks: who asked, for whom, who may approve it."""

    requirement: ApprovalRequirement | None
    requester: DirectoryUser | None
    target: DirectoryUser | None
    plan: Plan
    submitter: DirectoryUser | None = None
    """Whoever typed the request in for the requester (they asked for it too)."""


def change_of(rt: Runtime, run: RunRow, ticket: TicketRow) -> Change:
    """The run's approval requirement (None when it needed none), requester, target and the
    person who typed the request in."""
    plan = Plan.from_json(str(run.plan["json"]))
    decision = Decision.from_json(str(run.decision["json"]))
    directory = rt.directory_for(ticket.desk)
    target = directory.find_user(login=plan.target.login) if plan.target else None
    requester, submitter = requester_user(rt, ticket), submitter_user(rt, ticket)
    return Change(decision.approvals, requester, target, plan, submitter)


def refuse(
    rt: Runtime,
    session: Session,
    ticket: TicketRow,
    *,
    command: str,
    author: str,
    reason: str,
    purpose: str,
    run_id: int | None = None,
) -> None:
    """A refused command: an internal note saying why, and an audit entry."""
    queue_writeback(rt, session, ticket, OutboxKind.INTERNAL_NOTE, f"{author}: {reason}.", purpose)
    audit.append(
        session,
        "command.refused",
        actor=author,
        ticket_id=ticket.id,
        run_id=run_id,
        data={"command": command, "reason": reason},
    )


def unhandled_comments(session: Session, ticket_id: int) -> list[tuple[int, TicketEvent]]:
    """Ticket ``ticket_id``'s comment events not yet handled, oldest first, with their row ids."""
    rows = session.scalars(
        select(TicketEventRow)
        .where(
            TicketEventRow.ticket_id == ticket_id,
            TicketEventRow.kind == EventKind.COMMENT.value,
            TicketEventRow.handled.is_(False),
        )
        .order_by(TicketEventRow.at, TicketEventRow.seq)
    ).all()
    return [(row.id, event_from_json(row.data)) for row in rows]
