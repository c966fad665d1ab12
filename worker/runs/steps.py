"""
One step of a run, exactly once: recorded before and after under its idempotency key
``desk:ticket:run:step:phase``, run through the directory, and undone in reverse when a later
step fails.

A step recorded ``done`` is never run again; a step recorded ``started`` by a worker that died
is run again — directory operations are idempotent, so the directory reports "already so"
instead of changing anything twice — except a one-shot step (a reset e-mail, a one-time
password), which is marked ``uncertain`` and handed to a person.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from connectors.errors import PermanentError, TransientError
from connectors.identity import Change, DirectoryUser
from playbooks.lifecycle import RunState, StepState
from playbooks.planned import PlannedStep
from playbooks.steps import compensations_for, execute_step
from worker.db import audit
from worker.db.store import compare_and_set, insert_ignore
from worker.db.tables import RunRow, StepRow, TicketRow
from worker.metrics import STEPS
from worker.runs.secretlinks import LINK_KEY, public_after, seal_link, store_secret
from worker.runtime import Runtime

__all__ = [
    "ONE_SHOT",
    "SecretLinks",
    "StepFailedError",
    "StepUncertainError",
    "compensate",
    "release_run",
    "run_step",
    "step_key",
]


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
_STEP_STATE = select(_STEPS.c.state).where(_STEPS.c.idempotency_key == bindparam("b_key"))

ONE_SHOT = frozenset({"send_password_reset", "set_one_time_password"})
"""Operations that are not idempotent: running one twice sends a second e-mail or password.
Every other operation is idempotent in the directory, so an interrupted one is simply run again."""


def release_run(rt: Runtime, run_id: int) -> None:
    """Give a claimed run back (applying → approved): a transient error retries it later."""
    with rt.db.connect() as connection:
        compare_and_set(
            connection,
            RunRow,
            run_id,
            RunRow.state == RunState.APPLYING,
            state=RunState.APPROVED,
            updated_at=rt.clock(),
        )


def step_key(ticket: TicketRow, run: RunRow, step: PlannedStep, phase: str) -> str:
    """The idempotency key of one step of one run (the unique key of its record)."""
    return f"{ticket.desk}:{ticket.key}:run{run.id}:step{step.index}:{phase}"


def run_step(
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
                "state": StepState.STARTED,
                "started_at": now,
            },
            ("idempotency_key",),
        )
        interrupted = False
        if not fresh:  # a retry or a resumed run: what happened to this step before?
            state = connection.scalar(_STEP_STATE, {"b_key": key})
            if state == StepState.DONE:
                return None
            interrupted = state == StepState.STARTED and step.kind in ONE_SHOT
            connection.execute(
                update(_STEPS)
                .where(_STEPS.c.idempotency_key == key)
                .values(
                    {"state": StepState.UNCERTAIN, "error": "interrupted after it started"}
                    if interrupted
                    else {"state": StepState.STARTED}
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
            .where(StepRow.idempotency_key == key, StepRow.state == StepState.STARTED)
            .values(state=StepState.PENDING)
        )


def _record_step(
    rt: Runtime, run: RunRow, key: str, step: PlannedStep, change: Change | None, error: str | None
) -> None:
    now = rt.clock()
    values: dict[str, object] = {
        "b_key": key,
        "state": StepState.DONE if error is None else StepState.FAILED,
        "finished_at": now,
        "error": error,
    }
    if change is not None:
        values.update(changed=change.changed, before=dict(change.before), after=_sealed(rt, change))
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
                "after": public_after(change.after) if change else None,
                "error": error,
            },
        )


def _sealed(rt: Runtime, change: Change) -> dict[str, str | None]:
    # The one-time link is for the account's owner only: the step record keeps it encrypted.
    return {k: (seal_link(rt, v) if k == LINK_KEY and v else v) for k, v in change.after.items()}


def compensate(
    rt: Runtime, run: RunRow, ticket: TicketRow, done: Sequence[PlannedStep], phase: str
) -> list[str]:
    """Undo ``done`` in reverse, each undo recorded under ``phase``; returns what could not be."""
    errors = []
    for step in compensations_for(done):
        try:
            run_step(rt, run, ticket, step, phase)
        except (StepFailedError, TransientError) as exc:
            errors.append(str(exc))
    return errors


class SecretLinks:
    """Issues one-time passwords and the one-time links through which their owner reads them."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def issue_password_link(self, user: DirectoryUser) -> tuple[str, str]:
        """A fresh password for the directory and a link (shown once) for its owner."""
        password = pysecrets.token_urlsafe(12) + "!9a"
        token = store_secret(self.rt, user.login, password)
        base = (
            self.rt.settings.web.public_url
            or f"http://{self.rt.settings.web.host}:{self.rt.settings.web.port}"
        )
        return password, f"{base}/secret/{token}"
