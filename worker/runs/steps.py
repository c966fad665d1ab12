"""
One step of a run against its directory, recorded before and after, exactly once.

Each step has an idempotency key ``desk:ticket:run:step:phase``. A step recorded ``done`` is never
run again. Where a failure happened decides what the record says:

* **before the directory call** (finding the account, issuing a one-time password, the database):
  nothing changed. The step is only recorded ``started`` once everything before the call has
  succeeded, so a failure here leaves no trace that a retry could mistake for an interruption.
* **during the call**: the connectors' error tree says whether the system certainly did nothing
  (``connectors.errors.changed_nothing``: it answered with an error, was never reached, or asked
  us to slow down) — the step is recorded ``pending`` — or whether the request may have been acted
  on (a timeout or reset while waiting for the answer): it stays ``started``.
* **after the call** (recording the result): the change happened. A one-shot step's result is
  recorded with retries while the database is unavailable; an idempotent step is simply run again
  by the retry, and the directory answers "already so".

A one-shot step (a reset e-mail, a one-time password) found ``started`` by a retry is the one
truly unknown case: it is recorded ``uncertain`` and handed to a person, never repeated.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Sequence
from typing import NoReturn, cast

import structlog
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

from connectors.errors import PermanentError, TransientError, changed_nothing
from connectors.identity import Change, DirectoryUser
from playbooks.lifecycle import RunState, StepState
from playbooks.planned import PlannedStep
from playbooks.steps import StepError, compensations_for, prepare_step, verify_step
from worker.db import audit
from worker.db.outage import database_unavailable
from worker.db.store import insert_ignore
from worker.db.tables import RunRow, StepRow, TicketRow
from worker.metrics import STEPS
from worker.runs.secretlinks import LINK_KEY, public_after, seal_link, store_secret
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.apply")

ONE_SHOT = frozenset({"send_password_reset", "set_one_time_password"})
"""Operations that are not idempotent: running one twice sends a second e-mail or password.
Every other operation is idempotent in the directory, so an interrupted one is simply run again."""
RECORD_PATIENCE_S = 90.0
"""How long a one-shot step's result is retried into an unavailable database."""


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
            f"step {step.index} ({step.kind}) was interrupted while the directory call was under "
            "way; it cannot be read back, so it is not repeated automatically"
        )
        self.step = step


_STEPS = cast(Table, StepRow.__table__)
_RUNS = cast(Table, RunRow.__table__)
_STEP_STATE = select(_STEPS.c.state).where(_STEPS.c.idempotency_key == bindparam("b_key"))
_SET_STATE = (
    update(_STEPS)
    .where(_STEPS.c.idempotency_key == bindparam("b_key"))
    .values(state=bindparam("state"), error=bindparam("error"))
)
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
_RELEASE = (
    update(_RUNS)
    .where(_RUNS.c.id == bindparam("b_id"), _RUNS.c.state == RunState.APPLYING)
    .values(state=RunState.APPROVED, updated_at=bindparam("b_now"), claimed_by=None)
)
_NOT_DONE = (
    update(_STEPS)
    .where(_STEPS.c.idempotency_key == bindparam("b_key"), _STEPS.c.state == StepState.STARTED)
    .values(state=StepState.PENDING)
)


def release_run(rt: Runtime, run_id: int) -> None:
    """
    Give a claimed run back (applying → approved) after a failed attempt, so any message may
    take it. Best effort: when the database is what failed, the retry of the same message takes
    its claim back anyway (``worker.queue.claim``).
    """
    try:
        with rt.db.connect() as connection:
            connection.execute(_RELEASE, {"b_id": run_id, "b_now": rt.clock()})
    except SQLAlchemyError as exc:
        log.warning("run.release_failed", run_id=run_id, error=type(exc).__name__)


def step_key(ticket: TicketRow, run: RunRow, step: PlannedStep, phase: str) -> str:
    """The idempotency key of one step of one run (the unique key of its record)."""
    return f"{ticket.desk}:{ticket.key}:run{run.id}:step{step.index}:{phase}"


def run_step(
    rt: Runtime, run: RunRow, ticket: TicketRow, step: PlannedStep, phase: str
) -> Change | None:
    """
    Run ``step`` once under ``phase``; None when it was done before. Raises ``StepFailedError``
    (for good), ``StepUncertainError`` (a one-shot step found interrupted) or the transient error.
    """
    key = step_key(ticket, run, step, phase)
    with rt.db.connect() as connection:
        before = connection.scalar(_STEP_STATE, {"b_key": key})
    if before == StepState.DONE:
        return None
    if before == StepState.STARTED and step.kind in ONE_SHOT:
        _set_state(
            rt, key, StepState.UNCERTAIN, "interrupted while the directory call was under way"
        )
        raise StepUncertainError(step)
    try:
        perform = prepare_step(step, rt.directories, secrets=SecretLinks(rt))
    except (PermanentError, ValueError) as exc:
        _start(rt, run, key, step, phase, before)
        _fail_step(rt, run, key, step, exc)
    except TransientError:
        STEPS.labels(step.kind, "retry").inc()
        raise  # before the directory call: nothing changed, nothing recorded
    _start(rt, run, key, step, phase, before)
    try:
        change = perform()
    except TransientError as exc:
        STEPS.labels(step.kind, "retry").inc()
        if changed_nothing(exc):
            _mark_not_done(rt, key)
        raise
    except (PermanentError, ValueError) as exc:
        _fail_step(rt, run, key, step, exc)
    _record_after(rt, run, key, step, change)
    STEPS.labels(step.kind, "changed" if change.changed else "unchanged").inc()
    return change


def _start(
    rt: Runtime, run: RunRow, key: str, step: PlannedStep, phase: str, before: str | None
) -> None:
    now = rt.clock()
    with rt.db.connect() as connection:
        fresh = before is None and insert_ignore(
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
        if not fresh:
            connection.execute(
                _SET_STATE, {"b_key": key, "state": StepState.STARTED, "error": None}
            )
        connection.execute(_TOUCH_RUN, {"run_id": run.id, "now": now})


def _set_state(rt: Runtime, key: str, state: str, error: str | None) -> None:
    with rt.db.connect() as connection:
        connection.execute(_SET_STATE, {"b_key": key, "state": state, "error": error})


def _mark_not_done(rt: Runtime, key: str) -> None:
    # The system answered "not now" (or was never reached): nothing happened. Best effort: if
    # the database cannot take it, the step stays "started" and an idempotent one runs again.
    try:
        with rt.db.connect() as connection:
            connection.execute(_NOT_DONE, {"b_key": key})
    except SQLAlchemyError as exc:
        log.warning("step.not_done_unrecorded", key=key, error=type(exc).__name__)


def _fail_step(rt: Runtime, run: RunRow, key: str, step: PlannedStep, exc: Exception) -> NoReturn:
    _record_step(rt, run, key, step, None, str(exc))
    STEPS.labels(step.kind, "failed").inc()
    raise StepFailedError(step, exc) from exc


def _record_after(rt: Runtime, run: RunRow, key: str, step: PlannedStep, change: Change) -> None:
    if step.kind not in ONE_SHOT:
        _record_step(rt, run, key, step, change, None)
        return
    # Done, and not repeatable: keep trying to say so rather than leave it "started", which the
    # retry could only read as "interrupted".
    for attempt in Retrying(
        retry=retry_if_exception(database_unavailable),
        wait=wait_exponential(multiplier=0.5, max=5),
        stop=stop_after_delay(RECORD_PATIENCE_S),
        reraise=True,
    ):
        with attempt:
            _record_step(rt, run, key, step, change, None)


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
    """
    Undo ``done`` in reverse, each undo recorded under ``phase``, then read every undo back;
    returns what could not be undone or was not confirmed.
    """
    errors = []
    undone = []
    for step in compensations_for(done):
        try:
            run_step(rt, run, ticket, step, phase)
        except (StepFailedError, StepUncertainError, TransientError) as exc:
            errors.append(str(exc))
            continue
        undone.append(step)
    for step in undone:
        try:
            check = verify_step(step, rt.directories)
        except TransientError as exc:
            errors.append(f"{step.description}: done, but could not be read back: {exc}")
            continue
        if not check.ok:
            errors.append(f"{step.description}: done, but reading back shows {check.detail}")
    return errors


class SecretLinks:
    """Issues one-time passwords and the one-time links through which their owner reads them."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def issue_password_link(self, user: DirectoryUser) -> tuple[str, str]:
        """
        A fresh password for the directory and a link (shown once) for its owner. With
        ``web.owner_proof: email``, a ``StepError`` (before anything changes) when no code
        could reach the owner: no ``mail`` configured, or no address for them in the directory.
        """
        address = None
        if self.rt.settings.web.owner_proof == "email":
            mail = self.rt.settings.mail
            if mail is None:
                raise StepError(
                    "a one-time password needs `mail` configured: its owner proves the link "
                    "is theirs with a code sent by mail (web.owner_proof: email)"
                )
            attribute = mail.address_attribute
            address = user.attributes.get(attribute) if attribute else user.email
            if not address or "@" not in address:
                where = f"attribute {attribute!r}" if attribute else "e-mail"
                raise StepError(
                    f"{user.login} has no {where} in the directory to send the one-time "
                    "link's code to; a person must hand over this reset"
                )
        password = pysecrets.token_urlsafe(12) + "!9a"
        token = store_secret(self.rt, user.login, password, address)
        base = (
            self.rt.settings.web.public_url
            or f"http://{self.rt.settings.web.host}:{self.rt.settings.web.port}"
        )
        return password, f"{base}/secret/{token}"


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
