"""
Processing a new ticket: classify, gate, plan, decide — then apply, wait or hand over.

The decisions are pure functions from ``intake`` and ``playbooks``; this module reads their
inputs (the ticket, the requester in the directory, recent resets), records their outputs (the
classification, the run with its plan and decision, the notes to write, the audit entries) in one
transaction, and enqueues what follows after it commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import structlog
from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from connectors.identity import DirectoryUser
from intake.classify import Classification, gate, suggestion_note
from intake.dismiss import NOT_ACCOUNT, dismissal
from intake.model import Ticket
from playbooks.lifecycle import TicketOutcome, TicketStage
from playbooks.model import Playbook
from playbooks.outbox import Note, NotePurpose, OutboxKind
from playbooks.plan import Plan, PlanRequest, build_plan, select_playbook
from playbooks.policy import Decision, decide
from playbooks.request import plan_request
from playbooks.resets import RESET_INTENTS, counts_resets
from playbooks.template import TemplateRenderError
from playbooks.verdict import Verdict, run_state_for, verdict_for
from worker.db import audit
from worker.db.store import insert_ignore, older_than, ticket_from_json
from worker.db.tables import ClassificationRow, RunRow, TicketRow
from worker.outbound.writeback import pending_outbox_ids, queue_state, queue_writeback, send_outbox
from worker.queue.claim import claim_token
from worker.queue.names import ActorName
from worker.runs.authors import with_date_order
from worker.runs.bulk import bulk_verdict
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.process")


def process_ticket(rt: Runtime, ticket_id: int) -> TicketOutcome | None:
    """Classify and plan ticket ``ticket_id`` once; returns the outcome, None if not ours now."""
    ticket = _claim(rt, ticket_id)
    if ticket is None:
        return None
    now = rt.clock()
    try:
        ticket = with_date_order(rt, ticket)
        classification = _classify(rt, ticket_id, ticket, now)
        decision = gate(classification, rt.settings.classifier, desk=ticket.desk)
        verdict = _decide(
            rt, ticket, ticket_id, classification, decision.auto, decision.reason, now
        )
        run_id, outbox = _record(
            rt, ticket_id, ticket, classification, decision.auto, decision.reason, verdict
        )
    except Exception:
        _release(rt, ticket_id)
        raise
    _dispatch(rt, ticket_id, run_id, verdict, outbox)
    log.info(
        "ticket.processed", ticket=ticket.key, intent=classification.intent, outcome=verdict.outcome
    )
    return verdict.outcome


def _classify(rt: Runtime, ticket_id: int, ticket: Ticket, now: dt.datetime) -> Classification:
    """The agent's correction (``/intent``) when there is one, else the classifier's reading."""
    with rt.db.connect() as connection:
        corrected = connection.scalar(_CORRECTED, {"b_id": ticket_id})
    if corrected:
        return rt.classifier.corrected(ticket, corrected, now=now)
    return rt.classifier.classify(ticket, now=now)


def _claim(rt: Runtime, ticket_id: int) -> Ticket | None:
    now = rt.clock()
    with rt.db.connect() as connection:
        won = connection.execute(
            _CLAIM,
            {
                "b_id": ticket_id,
                "b_stale": older_than(now, rt.settings.runtime.lease_s),
                "b_now": now,
                "b_token": claim_token(),
            },
        ).rowcount
        if not won:
            return None
        snapshot = connection.scalar(_SNAPSHOT, {"b_id": ticket_id})
        assert snapshot is not None
        return ticket_from_json(snapshot)


def _release(rt: Runtime, ticket_id: int) -> None:
    """
    Give the ticket back after a failed attempt (classification, planning or recording), so any
    message may take it. Best effort: when the database is what failed, the retry of the same
    message takes its claim back anyway (``worker.queue.claim``).
    """
    try:
        with rt.db.connect() as connection:
            connection.execute(_RELEASE, {"b_id": ticket_id, "b_now": rt.clock()})
    except SQLAlchemyError as exc:
        log.warning("ticket.release_failed", ticket_id=ticket_id, error=type(exc).__name__)


_TICKETS = cast(Table, TicketRow.__table__)
_CLAIM = (
    update(_TICKETS)
    .where(
        _TICKETS.c.id == bindparam("b_id"),
        (_TICKETS.c.stage == TicketStage.RECEIVED)
        | (
            (_TICKETS.c.stage == TicketStage.PROCESSING)
            & (
                (_TICKETS.c.stage_at < bindparam("b_stale"))
                | (_TICKETS.c.claimed_by == bindparam("b_token"))
            )
        ),
    )
    .values(
        stage=TicketStage.PROCESSING, stage_at=bindparam("b_now"), claimed_by=bindparam("b_token")
    )
)
"""Claim a received ticket, one whose claim outlived its lease, or one this message holds:
built once, run per ticket."""
_RELEASE = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("b_id"), _TICKETS.c.stage == TicketStage.PROCESSING)
    .values(stage=TicketStage.RECEIVED, stage_at=bindparam("b_now"), claimed_by=None)
)
_SNAPSHOT = select(_TICKETS.c.snapshot).where(_TICKETS.c.id == bindparam("b_id"))
_CLASSIFICATIONS = cast(Table, ClassificationRow.__table__)
_CORRECTED = select(_CLASSIFICATIONS.c.corrected_intent).where(
    _CLASSIFICATIONS.c.ticket_id == bindparam("b_id")
)
_RUNS = cast(Table, RunRow.__table__)
_RECENT_RESETS = (
    select(_RUNS.c.created_at)
    .join(_TICKETS, _TICKETS.c.id == _RUNS.c.ticket_id)
    .where(
        _TICKETS.c.requester == bindparam("b_requester"),
        _RUNS.c.intent.in_(RESET_INTENTS),
        _RUNS.c.created_at > bindparam("b_since"),
    )
)
_LAST_ATTEMPT = select(func.max(_RUNS.c.attempt)).where(_RUNS.c.ticket_id == bindparam("b_ticket"))
_INSERT_RUN = insert(_RUNS).returning(_RUNS.c.id)
_DECIDED = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("b_id"))
    .values(
        intent=bindparam("b_intent"),
        outcome=bindparam("b_outcome"),
        stage=bindparam("b_stage"),
        stage_at=bindparam("b_now"),
    )
)
_DONE = _DECIDED.values(done_at=bindparam("b_now"))
"""Record the decision on the ticket (and, when nothing follows, that it is done)."""


def _decide(
    rt: Runtime,
    ticket: Ticket,
    ticket_id: int,
    classification: Classification,
    auto: bool,
    gate_reason: str,
    now: dt.datetime,
) -> Verdict:
    dismissed = dismissal(classification, rt.settings.classifier)
    if dismissed.dismiss:
        return Verdict(TicketOutcome.NOT_ACCOUNT)
    if classification.intent == NOT_ACCOUNT:
        gate_reason = dismissed.reason
    if not auto:
        note = suggestion_note(classification)
        return Verdict(
            TicketOutcome.ESCALATED,
            notes=[Note(OutboxKind.INTERNAL_NOTE, note, NotePurpose.SUGGESTION)],
            reason=gate_reason,
        )
    directory = rt.directory_for(ticket.desk)
    requester = find_requester(rt, ticket)
    request = plan_request(ticket, classification, requester)
    playbook = select_playbook(rt.library, request, rt.settings.playbooks)
    if playbook is None:
        note = (
            f"deskpilot understood this as **{classification.intent}**, but no playbook "
            "answers that intent here. Handing it to an agent."
        )
        return Verdict(
            TicketOutcome.ESCALATED,
            notes=[Note(OutboxKind.INTERNAL_NOTE, note, NotePurpose.NO_PLAYBOOK)],
            reason="no playbook",
        )
    if playbook.bulk:
        return bulk_verdict(rt, playbook, request, ticket_id, now)
    try:
        plan = build_plan(
            playbook,
            request,
            directory,
            now=now,
            settings=rt.settings.playbooks,
            directories=rt.directories,
        )
        return _verdict_for(rt, playbook, plan, request, now)
    except TemplateRenderError as exc:
        # A playbook bug, not a passing fault: retrying cannot help, so a person takes over now.
        log.error("playbook.template_failed", playbook=playbook.name, error=str(exc))
        note = (
            f"deskpilot could not run the playbook `{playbook.name}`: a template failed "
            f"({exc}). Nothing was changed. Handing this ticket to an agent; the playbook "
            "needs fixing (`deskpilot check` shows such problems)."
        )
        return Verdict(
            TicketOutcome.ESCALATED,
            notes=[Note(OutboxKind.INTERNAL_NOTE, note, NotePurpose.PLAYBOOK_ERROR)],
            reason=str(exc),
        )


def _verdict_for(
    rt: Runtime, playbook: Playbook, plan: Plan, request: PlanRequest, now: dt.datetime
) -> Verdict:
    settings = rt.settings.playbooks
    if plan.kind == "escalate":
        return verdict_for(playbook, plan, None, settings=settings)
    if plan.kind != "apply":  # who may ask still holds when nothing would change
        decision = decide(playbook, plan, request, settings, recent_resets=())
        return verdict_for(playbook, plan, decision, settings=settings)
    recent = recent_resets(rt, request, now)
    decision = decide(playbook, plan, request, settings, recent_resets=recent)
    return verdict_for(playbook, plan, decision, settings=settings)


def find_requester(rt: Runtime, ticket: Ticket) -> DirectoryUser | None:
    """The requester's account; None (nobody, to the policy) for an address nobody verified."""
    email = ticket.requester.email
    if not email:
        return None
    trusted = rt.desk_settings(ticket.desk).unverified_requesters == "trusted"
    if not ticket.requester.verified and not trusted:
        return None
    return rt.directory_for(ticket.desk).find_user(email=email)


def recent_resets(rt: Runtime, request: PlanRequest, now: dt.datetime) -> tuple[dt.datetime, ...]:
    """When the requester's resets of the last day were asked for (only if the policy counts them)."""
    if not counts_resets(request):
        return ()
    with rt.db.connect() as connection:
        rows = connection.scalars(
            _RECENT_RESETS,
            {
                "b_requester": request.ticket.requester.email,
                "b_since": now - dt.timedelta(days=1),
            },
        ).all()
    return tuple(rows)


def _record(
    rt: Runtime,
    ticket_id: int,
    ticket: Ticket,
    classification: Classification,
    auto: bool,
    gate_reason: str,
    verdict: Verdict,
) -> tuple[int | None, list[int]]:
    now = rt.clock()
    ref = Ref(ticket_id, ticket.desk, ticket.key)
    with rt.db.connect() as connection:
        _store_classification(connection, ticket_id, classification, auto, gate_reason, now)
        run_id = _store_run(connection, ticket_id, classification.intent, verdict, now)
        for kind, body, purpose in verdict.notes:
            queue_writeback(rt, connection, ref, kind, body, f"{purpose}-{run_id or 0}")
        if verdict.outcome != TicketOutcome.APPLYING:  # the run's end decides; see runs.apply
            queue_state(rt, connection, ref, verdict.outcome)
        connection.execute(
            _DONE if verdict.stage == TicketStage.DONE else _DECIDED,
            {
                "b_id": ticket_id,
                "b_intent": classification.intent,
                "b_outcome": verdict.outcome,
                "b_stage": verdict.stage,
                "b_now": now,
            },
        )
        audit.append(
            connection,
            "ticket.decided",
            actor="deskpilot",
            ticket_id=ticket_id,
            run_id=run_id,
            data={
                "intent": classification.intent,
                "confidence": round(classification.confidence, 4),
                "route": classification.route,
                "auto": auto,
                "outcome": verdict.outcome,
                "playbook": verdict.playbook,
                "reason": verdict.reason or gate_reason,
                "plan": verdict.plan.to_json() if verdict.plan else None,
            },
        )
        outbox = pending_outbox_ids(connection, ticket_id)
    return run_id, outbox


@dataclass(frozen=True)
class Ref:
    """A ticket as the outbox names it (``worker.outbound.writeback.TicketRef``)."""

    id: int
    desk: str
    key: str


def _store_classification(
    connection: Connection,
    ticket_id: int,
    c: Classification,
    auto: bool,
    reason: str,
    now: dt.datetime,
) -> None:
    insert_ignore(
        connection,
        ClassificationRow,
        {
            "ticket_id": ticket_id,
            "intent": c.intent,
            "confidence": c.confidence,
            "top": [list(pair) for pair in c.top],
            "entities": c.entities.as_dict(),
            "route": c.route,
            "auto": auto,
            "gate_reason": reason,
            "created_at": now,
        },
        ("ticket_id",),
    )


def _store_run(
    connection: Connection, ticket_id: int, intent: str, verdict: Verdict, now: dt.datetime
) -> int | None:
    if verdict.plan is None or verdict.playbook is None:
        return None
    attempt = (connection.scalar(_LAST_ATTEMPT, {"b_ticket": ticket_id}) or 0) + 1
    state = run_state_for(verdict.outcome)
    run_id = connection.scalar(
        _INSERT_RUN,
        {
            "ticket_id": ticket_id,
            "attempt": attempt,
            "playbook": verdict.playbook,
            "intent": intent,
            "state": state,
            "plan": {"json": verdict.plan.to_json()},
            "decision": _decision_json(verdict.decision),
            "result": None,
            "expires_at": verdict.plan.until,
            "created_at": now,
            "updated_at": now,
        },
    )
    assert run_id is not None
    return int(run_id)


def _decision_json(decision: Decision | None) -> dict[str, object]:
    return {} if decision is None else {"json": decision.to_json()}


def _dispatch(
    rt: Runtime, ticket_id: int, run_id: int | None, verdict: Verdict, outbox: list[int]
) -> None:
    if any(policy.match.intent for policy in rt.settings.sla.policies):
        rt.send(
            ActorName.UPDATE_SLA, ticket_id
        )  # the intent is known now: it may select another policy
    if verdict.outcome == TicketOutcome.APPLYING and run_id is not None:
        rt.send(ActorName.APPLY_RUN, run_id)
    send_outbox(rt, ticket_id, outbox)
