"""
Applying a run exactly once: steps in order, verified by reading back, compensated in reverse if
one fails, and the run ended — state, outcome, notes and audit — in one transaction.

The run is claimed (approved → applying, with a lease) by the message applying it; the same
message — its retry, or its redelivery after a worker died — takes the claim back at once
(``worker.queue.claim``). Each step is recorded and run exactly once by ``worker.runs.steps``. A
bulk run goes through ``worker.runs.bulk_apply``, a run due on a later date through
``worker.runs.scheduled``.

A failed attempt gives the claim back (best effort: the database may be what failed) and its
message is retried. When the retries are spent and a step still fails, the run ends like a step
that failed for good: the steps already applied are undone in reverse, the undo is read back, and
the ticket is escalated with a note saying what was undone and what could not be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, cast

import structlog
from sqlalchemy import Connection, Table, bindparam, select, update

from connectors.errors import TransientError
from playbooks.lifecycle import RunState, TicketOutcome, TicketStage
from playbooks.outbox import Note, NotePurpose, OutboxKind
from playbooks.planned import Plan, PlannedStep
from playbooks.run_notes import RunNotes, failure_notes, result_notes
from playbooks.steps import Verification, compensation_of, verify_step
from worker.db import audit
from worker.db.store import detached, insert_ignore, older_than
from worker.db.tables import RunRow, StepRow, TicketRow, TimerRow
from worker.outbound.notes import run_facts
from worker.outbound.writeback import pending_outbox_ids, queue_state, queue_writeback, send_outbox
from worker.queue.broker import MAX_RETRIES
from worker.queue.claim import claim_token, last_attempt
from worker.runs.bulk_apply import apply_bulk
from worker.runs.scheduled import due_later, schedule_run
from worker.runs.secretlinks import unseal_link
from worker.runs.steps import (
    StepFailedError,
    StepUncertainError,
    compensate,
    release_run,
    run_step,
)
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.apply")


_RUNS = cast(Table, RunRow.__table__)
_STEPS = cast(Table, StepRow.__table__)
_RECORD_VERIFIED = (
    update(_STEPS)
    .where(
        _STEPS.c.run_id == bindparam("b_run"),
        _STEPS.c.idx == bindparam("b_idx"),
        _STEPS.c.phase == "apply",
    )
    .values(verified=bindparam("verified"))
)
_TICKETS = cast(Table, TicketRow.__table__)
_RUN = select(_RUNS).where(_RUNS.c.id == bindparam("b_id"))
_TICKET = select(_TICKETS).where(_TICKETS.c.id == bindparam("b_id"))
_CLAIM = (
    update(_RUNS)
    .where(
        _RUNS.c.id == bindparam("b_id"),
        (_RUNS.c.state == RunState.APPROVED)
        | (
            (_RUNS.c.state == RunState.APPLYING)
            & (
                (_RUNS.c.updated_at < bindparam("b_stale"))
                | (_RUNS.c.claimed_by == bindparam("b_token"))
            )
        ),
    )
    .values(state=RunState.APPLYING, updated_at=bindparam("b_now"), claimed_by=bindparam("b_token"))
)
"""Claim an approved run, one whose claim outlived its lease, or one this message holds."""
_START_APPLYING = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("b_id"))
    .values(stage=TicketStage.APPLYING, stage_at=bindparam("b_now"), outcome=TicketOutcome.APPLYING)
)
_FINISH_RUN = (
    update(_RUNS)
    .where(_RUNS.c.id == bindparam("b_id"))
    .values(
        state=bindparam("state"), updated_at=bindparam("updated_at"), result=bindparam("result")
    )
)
_FINISH_TICKET = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("b_id"))
    .values(
        outcome=bindparam("outcome"),
        stage=TicketStage.DONE,
        stage_at=bindparam("now"),
        done_at=bindparam("now"),
    )
)
"""Statements built once: constructing one costs more than running it."""


class RetriesSpentError(Exception):
    """A step still failed for a transient reason when its message's retries were spent."""


def apply_run(rt: Runtime, run_id: int) -> RunState | None:
    """Apply run ``run_id`` if it is approved (or resume it); returns the run's new state."""
    claimed = _claim(rt, run_id)
    if claimed is None:
        return None
    run, ticket, plan = claimed
    try:
        return _apply(rt, run, ticket, plan)
    except Exception:
        release_run(rt, run_id)
        raise


def _apply(rt: Runtime, run: RunRow, ticket: TicketRow, plan: Plan) -> RunState:
    if (later := due_later(plan, rt.clock())) is not None:
        return schedule_run(rt, run.id, ticket.id, later)
    if rt.library.get(run.playbook).bulk:
        return apply_bulk(rt, run, ticket, plan)
    done: list[PlannedStep] = []
    try:
        for step in plan.changes:
            try:
                run_step(rt, run, ticket, step, "apply")
            except TransientError as exc:
                if not last_attempt():
                    raise
                spent = RetriesSpentError(f"still failing after {MAX_RETRIES + 1} attempts: {exc}")
                raise StepFailedError(step, spent) from exc
            done.append(step)
    except StepUncertainError as uncertain:
        return _hand_over_uncertain(rt, run, ticket, uncertain)
    except StepFailedError as failure:
        return _fail(rt, run, ticket, plan, done, failure)
    verifications = _verify(rt, plan.changes)
    return _succeed(rt, run, ticket, plan, verifications)


def _claim(rt: Runtime, run_id: int) -> tuple[RunRow, TicketRow, Plan] | None:
    now = rt.clock()
    with rt.db.connect() as connection:
        stale = older_than(now, rt.settings.runtime.lease_s)
        won = connection.execute(
            _CLAIM, {"b_id": run_id, "b_now": now, "b_stale": stale, "b_token": claim_token()}
        )
        if not won.rowcount:
            return None
        run = detached(RunRow, connection.execute(_RUN, {"b_id": run_id}).one())
        ticket = detached(TicketRow, connection.execute(_TICKET, {"b_id": run.ticket_id}).one())
        if ticket.stage != TicketStage.APPLYING:
            ticket.stage, ticket.stage_at = TicketStage.APPLYING, now
            ticket.outcome = TicketOutcome.APPLYING
            connection.execute(_START_APPLYING, {"b_id": ticket.id, "b_now": now})
        return run, ticket, Plan.from_json(str(run.plan["json"]))


def _verify(rt: Runtime, steps: Sequence[PlannedStep]) -> dict[int, Verification]:
    """
    Read every step back from its system. A system that cannot answer fails the attempt (it is
    retried), unless the retries are spent: then that step is reported as not read back.
    """
    found = {}
    for step in steps:
        try:
            found[step.index] = verify_step(step, rt.directories)
        except TransientError as exc:
            if not last_attempt():
                raise
            found[step.index] = Verification(False, f"could not be read back: {exc}")
    return found


def _succeed(
    rt: Runtime, run: RunRow, ticket: TicketRow, plan: Plan, verifications: dict[int, Verification]
) -> RunState:
    failures = [
        f"step {step.index} ({step.kind}): {verifications[step.index].detail}"
        for step in plan.changes
        if not verifications[step.index].ok
    ]
    state = RunState.APPLIED if not failures else RunState.UNVERIFIED
    outcome = TicketOutcome.RESOLVED if not failures else TicketOutcome.ESCALATED

    def records_and_notes(connection: Connection) -> RunNotes:
        if verifications:
            connection.execute(
                _RECORD_VERIFIED,
                [
                    {"b_run": run.id, "b_idx": index, "verified": verification.ok}
                    for index, verification in verifications.items()
                ],
            )
        if plan.until is not None and not failures:
            _schedule_expiry(connection, run, plan.until)
        facts = run_facts(connection, run, plan, verifications, unseal=partial(unseal_link, rt))
        return result_notes(rt.library.get(run.playbook), facts, rt.settings.playbooks)

    _end_run(
        rt, run, ticket, state, outcome, {"verification_failures": failures}, records_and_notes
    )
    return state


def _end_run(
    rt: Runtime,
    run: RunRow,
    ticket: TicketRow,
    state: RunState,
    outcome: TicketOutcome,
    result: dict[str, Any],
    within: Callable[[Connection], RunNotes],
) -> None:
    """
    End ``run`` in one transaction: its ``state`` and ``result``, the ticket done with
    ``outcome``, whatever ``within`` records in the same transaction and the notes it returns,
    the outcome for the desk's state field and the audit entry; then send the notes.

    If the playbook's note template failed (the notes fell back to the default wording), the
    record says so: the error in the run's result, a ``run.note_template_failed`` audit entry,
    and the ticket escalated rather than resolved.
    """
    now = rt.clock()
    with rt.db.connect() as connection:
        notes, template_error = within(connection)
        if template_error is not None:
            outcome = TicketOutcome.ESCALATED
            result = {**result, "note_template_error": template_error}
            audit.append(
                connection,
                "run.note_template_failed",
                actor="deskpilot",
                ticket_id=ticket.id,
                run_id=run.id,
                data={"playbook": run.playbook, "error": template_error},
            )
        connection.execute(
            _FINISH_RUN, {"b_id": run.id, "state": state, "updated_at": now, "result": result}
        )
        connection.execute(_FINISH_TICKET, {"b_id": ticket.id, "outcome": outcome, "now": now})
        for kind, body, purpose in notes:
            queue_writeback(rt, connection, ticket, kind, body, f"{purpose}-{run.id}")
        queue_state(rt, connection, ticket, outcome)
        audit.append(
            connection,
            f"run.{state}",
            actor="deskpilot",
            ticket_id=ticket.id,
            run_id=run.id,
            data=result,
        )
        outbox = pending_outbox_ids(connection, ticket.id)
    send_outbox(rt, ticket.id, outbox)


def _schedule_expiry(connection: Connection, run: RunRow, until: dt.datetime) -> None:
    insert_ignore(
        connection,
        TimerRow,
        {
            "kind": "access_expiry",
            "ref": f"run:{run.id}",
            "ticket_id": run.ticket_id,
            "run_id": run.id,
            "due_at": until,
            "state": "pending",
            "payload": {},
        },
        ("kind", "ref"),
    )


def _fail(
    rt: Runtime,
    run: RunRow,
    ticket: TicketRow,
    plan: Plan,
    done: Sequence[PlannedStep],
    failure: StepFailedError,
) -> RunState:
    compensation_errors = compensate(rt, run, ticket, done, "compensate")
    state = RunState.COMPENSATED if not compensation_errors else RunState.FAILED
    kept = [
        f"{step.description} (this cannot be undone automatically)"
        for step in done
        if compensation_of(step) is None and not step.manual
    ]
    result = {
        "failed_step": failure.step.index,
        "error": str(failure.error),
        "compensation_errors": compensation_errors,
        "not_undoable": kept,
    }

    def notes(connection: Connection) -> RunNotes:
        facts = run_facts(
            connection,
            run,
            plan,
            failed=(failure.step, str(failure.error)),
            unseal=partial(unseal_link, rt),
        )
        return failure_notes(
            rt.library.get(run.playbook),
            facts,
            [*compensation_errors, *kept],
            rt.settings.playbooks,
        )

    _end_run(rt, run, ticket, state, TicketOutcome.ESCALATED, result, notes)
    log.error("run.failed", run_id=run.id, step=failure.step.index, state=state)
    return state


def _hand_over_uncertain(
    rt: Runtime, run: RunRow, ticket: TicketRow, uncertain: StepUncertainError
) -> RunState:
    body = (
        f"deskpilot stopped before finishing **{uncertain.step.description}**: the attempt was "
        "interrupted while the directory call was under way (a worker stopped, or the answer "
        "never came), and this operation cannot be read back. Check the account (and whether "
        "the owner received a reset e-mail) before doing it again by hand."
    )
    result = {"uncertain_step": uncertain.step.index, "error": str(uncertain)}
    _end_run(
        rt,
        run,
        ticket,
        RunState.UNCERTAIN,
        TicketOutcome.ESCALATED,
        result,
        lambda _: RunNotes([Note(OutboxKind.INTERNAL_NOTE, body, NotePurpose.UNCERTAIN)]),
    )
    log.error("run.uncertain", run_id=run.id, step=uncertain.step.index)
    return RunState.UNCERTAIN
