"""
Bulk provisioning, the planning half: a CSV attachment → a validation report → a plan to approve.

``process_ticket`` hands a playbook with ``bulk: true`` here. The first CSV attachment of the
ticket is downloaded through the desk (size-capped), read and checked row by row
(``playbooks.bulk``); the report goes to the agents as an internal note (Markdown and CSV) and to
the requester; the good rows become one plan, which always waits for a person's approval — a
file can hold many people, and someone should read its report before accounts are created. The
report is kept in the audit log (``bulk.report``) for the apply half (``worker.runs.bulk_apply``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import structlog
from sqlalchemy import select

from connectors.errors import NotFoundError, NotSupportedError, RejectedError
from intake.model import Attachment, Ticket
from playbooks.bulk import (
    BulkFileError,
    BulkReport,
    RowProblem,
    build_bulk_plan,
    parse_csv,
    validate_rows,
)
from playbooks.lifecycle import TicketOutcome
from playbooks.model import Playbook
from playbooks.outbox import Note, NotePurpose, OutboxKind, file_note, file_stem
from playbooks.plan import PlanRequest
from playbooks.policy import decide
from playbooks.render import code_span
from playbooks.run_notes import reply
from playbooks.verdict import Verdict, approved_by_a_person, verdict_for
from worker.db import audit
from worker.db.records import AuditRow
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.bulk")

MAX_CSV_BYTES = 2 * 1024 * 1024
"""A bigger attachment is not read: thousands of starters belong in an HR-system sync."""
REPORT_ACTION = "bulk.report"


class BulkInputError(ValueError):
    """The ticket's file cannot be used; the message is for the requester."""


def bulk_verdict(
    rt: Runtime, playbook: Playbook, request: PlanRequest, ticket_id: int, now: dt.datetime
) -> Verdict:
    """Plan a bulk playbook from the ticket's CSV attachment: report, preview, approval."""
    try:
        attachment, data = _download(rt, request.ticket)
        table = parse_csv(data)
    except (BulkInputError, BulkFileError) as exc:
        question = f"The file cannot be used: {exc}. Please attach a corrected CSV file."
        question += unread_files_line(request.ticket)
        notes = [
            Note(OutboxKind.INTERNAL_NOTE, question, NotePurpose.BULK_FILE_PROBLEM),
            *reply(rt.settings.playbooks, "asked", question, NotePurpose.BULK_FILE),
        ]
        return Verdict(TicketOutcome.WAITING_REQUESTER, notes=notes)
    except NotSupportedError as exc:
        note = f"deskpilot cannot read attachments from this desk ({exc}); an agent takes over."
        return Verdict(
            TicketOutcome.ESCALATED,
            notes=[Note(OutboxKind.INTERNAL_NOTE, note, NotePurpose.BULK_FILE)],
            reason=str(exc),
        )
    directory = rt.directory_for(request.ticket.desk)
    checked = validate_rows(table, rt.settings.playbooks)
    plan, report = build_bulk_plan(
        playbook,
        checked,
        request,
        directory,
        now=now,
        settings=rt.settings.playbooks,
        directories=rt.directories,
    )
    plan = dataclasses.replace(plan, inputs={"file": attachment.filename, **plan.inputs})
    _keep_report(rt, ticket_id, attachment.filename, report)
    name = f"{file_stem(attachment.filename, 'bulk')}-{file_stem(attachment.id)}-problems.csv"
    checked_note = report_note(attachment.filename, report, table.encoding, table.delimiter, name)
    notes = [checked_note._replace(body=checked_note.body + unread_files_line(request.ticket))]
    if report.bad_rows:  # every problem, which the note can only summarise
        notes.append(file_note(name, report.render_csv(), NotePurpose.BULK_REPORT_FILE))
    if plan.kind != "apply":
        return verdict_for(playbook, plan, None, notes, rt.settings.playbooks)
    decision = decide(playbook, plan, request, rt.settings.playbooks, recent_resets=())
    settings = rt.settings.playbooks
    return verdict_for(
        playbook, plan, approved_by_a_person(decision, playbook, settings), notes, settings
    )


def _download(rt: Runtime, ticket: Ticket) -> tuple[Attachment, bytes]:
    found = [a for a in ticket.attachments if a.filename.lower().endswith(".csv")]
    if not found:
        raise BulkInputError("no CSV file is attached to the ticket")
    attachment = found[0]
    if attachment.size is not None and attachment.size > MAX_CSV_BYTES:
        raise BulkInputError(
            f"{code_span(attachment.filename)} is larger than {MAX_CSV_BYTES} bytes"
        )
    try:
        data = rt.desks[ticket.desk].download_attachment(ticket.key, attachment.id)
    except (NotFoundError, RejectedError) as exc:
        raise BulkInputError(f"{code_span(attachment.filename)} could not be read ({exc})") from exc
    if len(data) > MAX_CSV_BYTES:
        raise BulkInputError(
            f"{code_span(attachment.filename)} is larger than {MAX_CSV_BYTES} bytes"
        )
    return attachment, data


def unread_files_line(ticket: Ticket) -> str:
    """
    The sentence a bulk note ends with when the desk's listing stopped before the ticket's last
    file (``Ticket.files_unread``): the file read may not be the one meant, and a file beyond
    the bound is never seen, so a new ticket is the way to send it. Empty otherwise.
    """
    if ticket.files_unread is None:
        return ""
    return (
        f"\n\nThis ticket has more files than deskpilot reads: files beyond the first "
        f"{ticket.files_unread} were not read. To send a file that is not among them, raise a "
        "new ticket with it."
    )


SHOWN_PROBLEMS = 25
"""Problems listed in the note; a longer list is summarised (every desk caps a comment's size)."""


def report_note(
    filename: str, report: BulkReport, encoding: str, delimiter: str, attached: str
) -> Note:
    """
    The validation report for the agents: the counts, the first problems as a Markdown table
    and as CSV; beyond ``SHOWN_PROBLEMS``, how many more and where the full report is.
    """
    shown = {"\t": "tab"}.get(delimiter, f"`{delimiter}`")
    first = BulkReport(report.good_rows, report.bad_rows[:SHOWN_PROBLEMS])
    body = (
        f"**deskpilot · bulk file check ·** {code_span(filename)} (read as {encoding}, separator {shown})\n\n"
        f"{first.render_markdown()}"
    )
    hidden = len(report.bad_rows) - len(first.bad_rows)
    if hidden:
        rows = len({p.row for p in report.bad_rows})
        body += (
            f"\n… and {hidden} more problems ({rows} rows with problems in all). Every problem is "
            f"in the attached `{attached}` (and kept with the ticket: `deskpilot audit export`, "
            "entry `bulk.report`).\n"
        )
    if report.bad_rows:
        body += f"\nThe problems above as CSV, for the requester to fix:\n\n```csv\n{first.render_csv()}```\n"
    return Note(OutboxKind.INTERNAL_NOTE, body, NotePurpose.BULK_REPORT)


def _keep_report(rt: Runtime, ticket_id: int, filename: str, report: BulkReport) -> None:
    with rt.db.session() as session:
        audit.append(
            session,
            REPORT_ACTION,
            actor="deskpilot",
            ticket_id=ticket_id,
            data={
                "file": filename,
                "good": [[number, dict(row)] for number, row in report.good_rows],
                "bad": [[p.row, p.column, p.reason] for p in report.bad_rows],
            },
        )


def kept_report(rt: Runtime, ticket_id: int) -> BulkReport:
    """The latest validation report of ticket ``ticket_id`` (as the plan was built from it)."""
    with rt.db.session() as session:
        data = session.scalars(
            select(AuditRow.data)
            .where(AuditRow.ticket_id == ticket_id, AuditRow.action == REPORT_ACTION)
            .order_by(AuditRow.id.desc())
            .limit(1)
        ).one()
    good: tuple[tuple[int, Mapping[str, str]], ...] = tuple(
        (int(number), {str(k): str(v) for k, v in row.items()}) for number, row in data["good"]
    )
    bad = tuple(RowProblem(int(r), str(c), str(why)) for r, c, why in data["bad"])
    return BulkReport(good, bad)
