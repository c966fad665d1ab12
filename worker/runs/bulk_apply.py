"""
Bulk provisioning, the apply half: batch by batch, person by person, then a per-row report.

One ``apply_run`` message applies one batch (``playbooks.bulk.chunk_steps``, size
``playbooks.bulk_batch_size``; a person's steps never split) and enqueues the next, so a long
file never holds a worker past its time limit and the directories' rate limiters pace it. A
person whose step fails has their own completed steps undone (their account is not left half
made) and the others go on: the result is a partial success, reported row by row. Every step
keeps the idempotency of ``worker.runs.apply``; a resumed run skips the people already finished.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy import select

from connectors.errors import TransientError
from playbooks.bulk import chunk_steps, render_bulk_result, result_csv
from playbooks.config import ReplyEvent
from playbooks.lifecycle import RunState, StepState, TicketOutcome, TicketStage
from playbooks.outbox import NotePurpose, OutboxKind, file_note, file_stem
from playbooks.planned import Plan, PlannedStep
from playbooks.steps import Verification, verify_step
from worker.db import audit
from worker.db.store import compare_and_set
from worker.db.tables import RunRow, StepRow, TicketRow
from worker.outbound.writeback import pending_outbox_ids, queue_state, queue_writeback, send_outbox
from worker.queue.names import ActorName
from worker.runs.bulk import kept_report
from worker.runs.steps import StepFailedError, compensate, release_run, run_step
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.bulk")

Person = tuple[PlannedStep, ...]


def apply_bulk(rt: Runtime, run: RunRow, ticket: TicketRow, plan: Plan) -> RunState:
    """Apply the next unfinished batch of a claimed bulk run; finish the run after the last."""
    batches = [_people(batch) for batch in chunk_steps(plan, rt.settings.playbooks.bulk_batch_size)]
    states = _step_states(rt, run.id)
    pending = [b for b in batches if any(not _finished(p, states) for p in b)]
    if pending:
        try:
            for person in pending[0]:
                if not _finished(person, states):
                    _apply_person(rt, run, ticket, person)
        except TransientError:
            release_run(rt, run.id)
            raise
    if len(pending) > 1:
        return _next_batch(rt, run.id)
    return _finish(rt, run, ticket, plan)


def _people(batch: Sequence[PlannedStep]) -> list[Person]:
    keys = dict.fromkeys(s.group_key for s in batch)
    return [tuple(s for s in batch if s.group_key == key) for key in keys]


def _step_states(rt: Runtime, run_id: int) -> dict[int, str]:
    with rt.db.session() as session:
        rows = session.execute(
            select(StepRow.idx, StepRow.state).where(
                StepRow.run_id == run_id, StepRow.phase == "apply"
            )
        ).all()
    return {idx: state for idx, state in rows}


def _finished(person: Person, states: dict[int, str]) -> bool:
    got = [states.get(s.index) for s in person]
    return StepState.FAILED in got or all(state == StepState.DONE for state in got)


def _apply_person(rt: Runtime, run: RunRow, ticket: TicketRow, person: Person) -> None:
    done: list[PlannedStep] = []
    try:
        for step in person:
            run_step(rt, run, ticket, step, "apply")
            done.append(step)
    except StepFailedError as failure:
        errors = compensate(rt, run, ticket, done, "compensate")
        log.warning(
            "bulk.row_failed", run_id=run.id, row=person[0].group_key, step=failure.step.index,
            undo_errors=len(errors),
        )  # fmt: skip


def _next_batch(rt: Runtime, run_id: int) -> RunState:
    with rt.db.session() as session:
        compare_and_set(
            session, RunRow, run_id, RunRow.state == RunState.APPLYING, state=RunState.APPROVED,
            updated_at=rt.clock(),
        )  # fmt: skip
    rt.send(ActorName.APPLY_RUN, run_id)
    return RunState.APPROVED


def _row(person: Person) -> int:
    return int((person[0].group_key or "row 0").removeprefix("row "))


def _outcomes(
    rt: Runtime, run: RunRow, plan: Plan
) -> tuple[dict[int, str], list[int], dict[int, Verification]]:
    with rt.db.session() as session:
        rows = session.scalars(
            select(StepRow).where(StepRow.run_id == run.id, StepRow.phase == "apply")
        ).all()
        records = {r.idx: (r.state, r.error) for r in rows}
    failures: dict[int, str] = {}
    applied: list[int] = []
    verifications: dict[int, Verification] = {}
    for person in _people(plan.steps):
        errors = [f"{s.description}: {records[s.index][1]}" for s in person
                  if records.get(s.index, ("", None))[0] == StepState.FAILED]  # fmt: skip
        if not errors:
            checks = {s.index: verify_step(s, rt.directories) for s in person if s.changed}
            verifications |= checks
            errors = [f"{s.description} not read back: {checks[s.index].detail}" for s in person
                      if s.index in checks and not checks[s.index].ok]  # fmt: skip
        if errors:
            failures[_row(person)] = "; ".join(errors) + " (this row's changes were undone)"
        else:
            applied.append(_row(person))
    return failures, applied, verifications


def _finish(rt: Runtime, run: RunRow, ticket: TicketRow, plan: Plan) -> RunState:
    from playbooks.run_notes import owner_only, render_notes, reply
    from worker.outbound.notes import run_facts

    report = kept_report(rt, ticket.id)
    failures, applied, verifications = _outcomes(rt, run, plan)
    table = render_bulk_result(report, failures, applied)
    state = RunState.APPLIED if not failures else RunState.PARTIAL
    now = rt.clock()
    with rt.db.session() as session:
        row, trow = session.get(RunRow, run.id), session.get(TicketRow, ticket.id)
        assert row is not None and trow is not None
        playbook = rt.library.get(row.playbook)
        facts = run_facts(session, row, plan, verifications)
        settings = rt.settings.playbooks
        done, evidence, template_error = render_notes(playbook, facts, owner_only(facts), settings)
        # Rows the file got wrong were never planned: the reply tells the requester which to
        # fix. A note template that failed leaves the ticket to a person too, on the record.
        resolved = not failures and template_error is None
        outcome = TicketOutcome.RESOLVED if resolved else TicketOutcome.ESCALATED
        row.state, row.updated_at = state, now
        row.result = {"created": applied, "failed": {str(k): v for k, v in failures.items()}}
        if template_error is not None:
            row.result = {**row.result, "note_template_error": template_error}
            audit.append(
                session, "run.note_template_failed", actor="deskpilot", ticket_id=trow.id,
                run_id=row.id, data={"playbook": row.playbook, "error": template_error},
            )  # fmt: skip
        trow.outcome, trow.stage, trow.stage_at, trow.done_at = outcome, TicketStage.DONE, now, now
        queue_state(rt, session, trow, outcome)
        public = _public(done, table, failed_rows=bool(failures))
        name = f"bulk-result-{file_stem(trow.key)}-run{row.id}.csv"
        internal = (
            f"{evidence}\n#### Rows\n\nEvery row's result is attached as `{name}`.\n\n{table}"
        )
        event: ReplyEvent = "done" if not failures else "failed"
        for note in reply(settings, event, public, NotePurpose.BULK_RESULT):
            queue_writeback(rt, session, trow, note.kind, note.body, f"bulk-result-{row.id}")
        queue_writeback(
            rt, session, trow, OutboxKind.INTERNAL_NOTE, internal, f"bulk-evidence-{row.id}"
        )
        rows_file = file_note(
            name, result_csv(report, failures, applied), NotePurpose.BULK_RESULT_FILE
        )
        queue_writeback(rt, session, trow, rows_file.kind, rows_file.body, f"bulk-file-{row.id}")
        if outcome == TicketOutcome.RESOLVED:
            queue_writeback(
                rt, session, trow, OutboxKind.TRANSITION, "resolved", f"resolve-{row.id}"
            )
        audit.append(
            session, f"run.{state}", actor="deskpilot", ticket_id=trow.id, run_id=row.id,
            data=row.result,
        )  # fmt: skip
        outbox = pending_outbox_ids(session, trow.id)
    send_outbox(rt, trow.id, outbox)
    return state


def _public(done_reply: str, table: str, *, failed_rows: bool) -> str:
    if not failed_rows:
        return f"{done_reply}\n{table}"
    return (
        "Some rows of your file could not be done; the others are. Each row's result:\n\n"
        f"{table}\nAn agent will follow up on the rows that were not created; you can also "
        "attach a corrected file with just those rows on a new ticket.\n"
    )
