"""
Applying a run exactly once: steps in order, each recorded before and after, verified, and
compensated in reverse if one fails.

The run is claimed (approved → applying, with a lease). Each step has an idempotency key
``desk:ticket:run:step:phase``; a step recorded ``done`` is never run again, and a step recorded
``started`` by a worker that died is run again — directory operations are idempotent, so the
directory reports "already so" instead of changing anything twice.
"""

from __future__ import annotations

import datetime as dt
import secrets as pysecrets
from collections.abc import Callable, Sequence
from typing import Any, cast

import structlog
from sqlalchemy import Connection, Table, bindparam, select, update

from connectors.errors import PermanentError, TransientError
from connectors.identity import Change, DirectoryUser
from playbooks.planned import Plan, PlannedStep
from playbooks.steps import Verification, compensations_for, execute_step, verify_step
from worker.db import audit
from worker.db.database import RunRow, StepRow, TicketRow, TimerRow
from worker.db.store import compare_and_set, detached, insert_ignore, older_than
from worker.metrics import STEPS
from worker.outbound.notes import Note, failure_notes, result_notes, run_facts
from worker.outbound.writeback import pending_outbox_ids, queue_state, queue_writeback, send_outbox
from worker.runs.scheduled import due_later, schedule_run
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.apply")


class StepFailedError(Exception):
    """A step failed for good; carries the step and the error for the notes."""

    def __init__(self, step: PlannedStep, error: Exception) -> None:
        super().__init__(f"step {step.index} ({step.kind}) failed: {error}")
        self.step = step
        self.error = error


class StepUncertainError(Exception):
    """A one-shot step was interrupted after it started: it may or may not have happened."""

    def __init__(self, step: PlannedStep) -> None:
        super().__init__(
            f"step {step.index} ({step.kind}) was interrupted by a worker crash; it cannot be read "
            "back, so it is not repeated automatically"
        )
        self.step = step


_RUNS = cast(Table, RunRow.__table__)
_STEPS = cast(Table, StepRow.__table__)
_TOUCH_RUN = (
    update(_RUNS).where(_RUNS.c.id == bindparam("run_id")).values(updated_at=bindparam("now"))
)
"""Keeps a running run's lease fresh (a Core statement: the hot path of every step)."""
_RECORD_FAILURE = (
    update(_STEPS)
    .where(_STEPS.c.idempotency_key == bindparam("b_key"))
    .values({name: bindparam(name) for name in ("state", "finished_at", "error")})
)
_RECORD_CHANGE = _RECORD_FAILURE.values(
    {name: bindparam(name) for name in ("changed", "before", "after")}
)
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
        (_RUNS.c.state == "approved")
        | ((_RUNS.c.state == "applying") & (_RUNS.c.updated_at < bindparam("b_stale"))),
    )
    .values(state="applying", updated_at=bindparam("b_now"))
)
"""Claim an approved run, or one whose claim outlived its lease."""
_START_APPLYING = (
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("b_id"))
    .values(stage="applying", stage_at=bindparam("b_now"), outcome="applying")
)
_STEP_STATE = select(_STEPS.c.state).where(_STEPS.c.idempotency_key == bindparam("b_key"))
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
        stage="done",
        stage_at=bindparam("now"),
        done_at=bindparam("now"),
    )
)
"""Statements built once: constructing one costs more than running it."""

ONE_SHOT = frozenset({"send_password_reset", "set_one_time_password"})
"""Operations that are not idempotent: running one twice sends a second e-mail or password.
Every other operation is idempotent in the directory, so an interrupted one is simply run again."""


def apply_run(rt: Runtime, run_id: int) -> str | None:
    """Apply run ``run_id`` if it is approved (or resume it); returns the run's new state."""
    claimed = _claim(rt, run_id)
    if claimed is None:
        return None
    run, ticket, plan = claimed
    if (later := due_later(plan, rt.clock())) is not None:
        return schedule_run(rt, run.id, ticket.id, later)
    if rt.library.get(run.playbook).bulk:
        from worker.runs.bulk_apply import apply_bulk

        return apply_bulk(rt, run, ticket, plan)
    done: list[PlannedStep] = []
    try:
        for step in plan.changes:
            _run_step(rt, run, ticket, step, "apply")
            done.append(step)
    except TransientError:
        _release(rt, run_id)
        raise
    except StepUncertainError as uncertain:
        return _hand_over_uncertain(rt, run, ticket, uncertain)
    except StepFailedError as failure:
        return _fail(rt, run, ticket, plan, done, failure)
    verifications = _verify(rt, run, plan)
    return _succeed(rt, run, ticket, plan, verifications)


def _claim(rt: Runtime, run_id: int) -> tuple[RunRow, TicketRow, Plan] | None:
    now = rt.clock()
    with rt.db.connect() as connection:
        stale = older_than(now, rt.settings.runtime.lease_s)
        won = connection.execute(_CLAIM, {"b_id": run_id, "b_now": now, "b_stale": stale})
        if not won.rowcount:
            return None
        run = detached(RunRow, connection.execute(_RUN, {"b_id": run_id}).one())
        ticket = detached(TicketRow, connection.execute(_TICKET, {"b_id": run.ticket_id}).one())
        if ticket.stage != "applying":
            ticket.stage, ticket.stage_at, ticket.outcome = "applying", now, "applying"
            connection.execute(_START_APPLYING, {"b_id": ticket.id, "b_now": now})
        return run, ticket, Plan.from_json(str(run.plan["json"]))


def _release(rt: Runtime, run_id: int) -> None:
    with rt.db.connect() as connection:
        compare_and_set(
            connection,
            RunRow,
            run_id,
            RunRow.state == "applying",
            state="approved",
            updated_at=rt.clock(),
        )


def step_key(ticket: TicketRow, run: RunRow, step: PlannedStep, phase: str) -> str:
    """The idempotency key of one step of one run (the unique key of its record)."""
    return f"{ticket.desk}:{ticket.key}:run{run.id}:step{step.index}:{phase}"


def _run_step(
    rt: Runtime, run: RunRow, ticket: TicketRow, step: PlannedStep, phase: str
) -> Change | None:
    key = step_key(ticket, run, step, phase)
    now = rt.clock()
    with rt.db.connect() as connection:
        fresh = insert_ignore(
            connection,
            StepRow,
            {
                "run_id": run.id,
                "idx": step.index,
                "phase": phase,
                "idempotency_key": key,
                "operation": step.kind,
                "system": step.directory,
                "target": step.target.login,
                "state": "started",
                "started_at": now,
            },
            ("idempotency_key",),
        )
        interrupted = False
        if not fresh:  # a retry or a resumed run: what happened to this step before?
            state = connection.scalar(_STEP_STATE, {"b_key": key})
            if state == "done":
                return None
            interrupted = state == "started" and step.kind in ONE_SHOT
            connection.execute(
                update(_STEPS)
                .where(_STEPS.c.idempotency_key == key)
                .values(
                    {"state": "uncertain", "error": "interrupted after it started"}
                    if interrupted
                    else {"state": "started"}
                )
            )
        connection.execute(_TOUCH_RUN, {"run_id": run.id, "now": now})
    if interrupted:
        raise StepUncertainError(step)
    try:
        change = execute_step(step, rt.directories, secrets=SecretLinks(rt))
    except TransientError as exc:
        STEPS.labels(step.kind, "retry").inc()
        if exc.status is not None:
            _mark_not_done(rt, key)  # the system answered "not now": nothing happened
        raise
    except (PermanentError, ValueError) as exc:
        _record_step(rt, run, key, step, None, str(exc))
        STEPS.labels(step.kind, "failed").inc()
        raise StepFailedError(step, exc) from exc
    _record_step(rt, run, key, step, change, None)
    STEPS.labels(step.kind, "changed" if change.changed else "unchanged").inc()
    return change


def _mark_not_done(rt: Runtime, key: str) -> None:
    with rt.db.connect() as connection:
        connection.execute(
            update(StepRow)
            .where(StepRow.idempotency_key == key, StepRow.state == "started")
            .values(state="pending")
        )


def _record_step(
    rt: Runtime, run: RunRow, key: str, step: PlannedStep, change: Change | None, error: str | None
) -> None:
    now = rt.clock()
    values: dict[str, object] = {
        "b_key": key,
        "state": "done" if error is None else "failed",
        "finished_at": now,
        "error": error,
    }
    if change is not None:
        values.update(changed=change.changed, before=dict(change.before), after=dict(change.after))
    with rt.db.connect() as connection:
        connection.execute(_RECORD_CHANGE if change is not None else _RECORD_FAILURE, values)
        audit.append(
            connection,
            "step.applied" if error is None else "step.failed",
            actor="deskpilot",
            ticket_id=run.ticket_id,
            run_id=run.id,
            data={
                "key": key,
                "operation": step.kind,
                "system": step.directory,
                "target": step.target.login,
                "changed": change.changed if change else None,
                "before": dict(change.before) if change else None,
                "after": _public_after(change),
                "error": error,
            },
        )


def _public_after(change: Change | None) -> dict[str, str | None] | None:
    if change is None:
        return None
    # The one-time link is for the account's owner only: the audit keeps that one was issued.
    return {k: ("(issued)" if k == "one_time_link" else v) for k, v in change.after.items()}


def _verify(rt: Runtime, run: RunRow, plan: Plan) -> dict[int, Verification]:
    """Read every changed step back from its system (recorded with the run's result)."""
    return {step.index: verify_step(step, rt.directories) for step in plan.changes}


def _succeed(
    rt: Runtime, run: RunRow, ticket: TicketRow, plan: Plan, verifications: dict[int, Verification]
) -> str:
    failures = [
        f"step {step.index} ({step.kind}): {verifications[step.index].detail}"
        for step in plan.changes
        if not verifications[step.index].ok
    ]
    state = "applied" if not failures else "unverified"
    outcome = "resolved" if not failures else "escalated"

    def records_and_notes(connection: Connection) -> list[Note]:
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
        facts = run_facts(connection, run, plan, verifications)
        return result_notes(rt.library.get(run.playbook), facts, rt.settings.playbooks.replies)

    _end_run(
        rt, run, ticket, state, outcome, {"verification_failures": failures}, records_and_notes
    )
    return state


def _end_run(
    rt: Runtime,
    run: RunRow,
    ticket: TicketRow,
    state: str,
    outcome: str,
    result: dict[str, Any],
    within: Callable[[Connection], Sequence[Note]],
) -> None:
    """
    End ``run`` in one transaction: its ``state`` and ``result``, the ticket done with
    ``outcome``, whatever ``within`` records in the same transaction and the notes it returns,
    the outcome for the desk's state field and the audit entry; then send the notes.
    """
    now = rt.clock()
    with rt.db.connect() as connection:
        connection.execute(
            _FINISH_RUN, {"b_id": run.id, "state": state, "updated_at": now, "result": result}
        )
        connection.execute(_FINISH_TICKET, {"b_id": ticket.id, "outcome": outcome, "now": now})
        for kind, body, purpose in within(connection):
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
) -> str:
    compensation_errors = compensate(rt, run, ticket, done, "compensate")
    state = "compensated" if not compensation_errors else "failed"
    result = {
        "failed_step": failure.step.index,
        "error": str(failure.error),
        "compensation_errors": compensation_errors,
    }

    def notes(connection: Connection) -> list[Note]:
        facts = run_facts(connection, run, plan, failed=(failure.step, str(failure.error)))
        return failure_notes(
            rt.library.get(run.playbook), facts, compensation_errors, rt.settings.playbooks.replies
        )

    _end_run(rt, run, ticket, state, "escalated", result, notes)
    log.error("run.failed", run_id=run.id, step=failure.step.index, state=state)
    return state


def _hand_over_uncertain(
    rt: Runtime, run: RunRow, ticket: TicketRow, uncertain: StepUncertainError
) -> str:
    body = (
        f"deskpilot stopped before finishing **{uncertain.step.description}**: a worker crashed "
        "while it ran, and this operation cannot be read back. Check the account (and whether "
        "the owner received a reset e-mail) before doing it again by hand."
    )
    result = {"uncertain_step": uncertain.step.index, "error": str(uncertain)}
    _end_run(
        rt,
        run,
        ticket,
        "uncertain",
        "escalated",
        result,
        lambda _: [("internal_note", body, "uncertain")],
    )
    log.error("run.uncertain", run_id=run.id, step=uncertain.step.index)
    return "uncertain"


def compensate(
    rt: Runtime, run: RunRow, ticket: TicketRow, done: Sequence[PlannedStep], phase: str
) -> list[str]:
    """Undo ``done`` in reverse, each undo recorded under ``phase``; returns what could not be."""
    errors = []
    for step in compensations_for(done):
        try:
            _run_step(rt, run, ticket, step, phase)
        except (StepFailedError, TransientError) as exc:
            errors.append(str(exc))
    return errors


class SecretLinks:
    """Issues one-time passwords and the one-time links through which their owner reads them."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def issue_password_link(self, user: DirectoryUser) -> tuple[str, str]:
        """A fresh password for the directory and a link (shown once) for its owner."""
        from worker.runs.secretlinks import store_secret

        password = pysecrets.token_urlsafe(12) + "!9a"
        token = store_secret(self.rt, user.login, password)
        base = (
            self.rt.settings.web.public_url
            or f"http://{self.rt.settings.web.host}:{self.rt.settings.web.port}"
        )
        return password, f"{base}/secret/{token}"
