"""
Bulk provisioning from a CSV attachment: read it, check every row, plan the good ones, report.

``parse_csv`` reads UTF-8 (with or without BOM) or UTF-16 with its BOM and refuses anything else
with the row and byte, and sniffs the delimiter; ``validate_rows`` checks each row and says which column is wrong and why;
``build_bulk_plan`` plans a bulk playbook once per good row and joins the steps;
``chunk_steps`` cuts the plan into batches (one person's steps never split) for the worker to
apply under rate limits; ``render_bulk_result`` is the partial-success report. The bulk
approval rule is ``playbooks.verdict.approved_by_a_person``.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from playbooks.bulk_rows import carries_access
from playbooks.config import PolicySettings
from playbooks.model import Playbook
from playbooks.plan import build_plan
from playbooks.planned import Account, Plan, PlannedStep
from playbooks.policy import privileged_problems
from playbooks.request import DirectoryReader, PlanRequest
from playbooks.resolve import EMAIL
from playbooks.spreadsheet import write_csv

REQUIRED_COLUMNS = ("given_name", "family_name", "email", "department", "start_date")
OPTIONAL_COLUMNS = ("login", "title", "manager_email", "manager_login", "groups", "licenses")
_ALIASES = {
    "first_name": "given_name", "firstname": "given_name", "last_name": "family_name",
    "lastname": "family_name", "surname": "family_name", "mail": "email", "e_mail": "email",
    "manager": "manager_email", "job_title": "title", "startdate": "start_date",
    "licences": "licenses", "licence": "licenses", "license": "licenses",
    "manager_uid": "manager_login", "manager_username": "manager_login",
}  # fmt: skip


class BulkFileError(ValueError):
    """The file cannot be used at all (empty, no header, required columns missing)."""


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as read: normalised column names, rows numbered as a spreadsheet shows them."""

    columns: tuple[str, ...]
    rows: tuple[tuple[int, Mapping[str, str]], ...]
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell (``column`` is empty for a problem with the whole row)."""

    row: int
    column: str
    reason: str


@dataclass(frozen=True)
class BulkReport:
    """The rows that can be planned, and every problem of the others."""

    good_rows: tuple[tuple[int, Mapping[str, str]], ...]
    bad_rows: tuple[RowProblem, ...]

    def render_markdown(self) -> str:
        """The report as a Markdown table, for the internal note and the requester."""
        head = f"**{len(self.good_rows)} row(s) ready, {len({p.row for p in self.bad_rows})} row(s) with problems.**"
        if not self.bad_rows:
            return head + "\n"
        lines = [head, "", "| Row | Column | Problem |", "|---|---|---|"]
        lines += [f"| {p.row} | {p.column or '—'} | {p.reason} |" for p in self.bad_rows]
        return "\n".join(lines) + "\n"

    def render_csv(self) -> str:
        """The problems as CSV (row, column, problem), to attach for the requester to fix."""
        return write_csv(
            ["row", "column", "problem"], ([p.row, p.column, p.reason] for p in self.bad_rows), "\n"
        )


def parse_csv(data: bytes) -> CsvTable:
    """
    Read a CSV attachment.

    Args:
        data: the file's bytes.

    Returns:
        The table; ``BulkFileError`` when it is empty or lacks a required column.
    """
    text, encoding = _decode(data)
    if not text.strip():
        raise BulkFileError("the file is empty")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [_column(name) for name in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BulkFileError(
            f"required column(s) missing: {', '.join(missing)} (found: {', '.join(header)})"
        )
    rows = []
    for number, cells in enumerate(reader, start=2):
        if any(cell.strip() for cell in cells):
            rows.append(
                (
                    number,
                    {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)},
                )
            )
    return CsvTable(tuple(header), tuple(rows), encoding, delimiter)


_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def _decode(data: bytes) -> tuple[str, str]:
    """
    The text of a UTF-8 file (with or without a byte-order mark) or a UTF-16 one with its mark.

    Anything else is refused with the row and byte where it stops being that encoding: guessing
    (Windows-1252, Latin-1) turned mixed files into mangled names in the directory.
    """
    bom, codec, name = next((b for b in _BOMS if data.startswith(b[0])), (b"", "utf-8", "UTF-8"))
    if not bom and b"\x00" in data:
        offset = data.index(b"\x00")
        raise BulkFileError(
            f"the file looks like UTF-16 without a byte-order mark: row "
            f"{_row_at(data, offset, codec)}, byte {offset} (save it as CSV UTF-8)"
        )
    try:
        return data[len(bom) :].decode(codec), name
    except UnicodeDecodeError as exc:
        offset = len(bom) + exc.start
        raise BulkFileError(
            f"the file is not {name}: row {_row_at(data[len(bom) :], exc.start, codec)}, "
            f"byte {offset} (save it as CSV UTF-8)"
        ) from None


def _row_at(data: bytes, offset: int, codec: str) -> int:
    """The 1-based line (spreadsheet row) holding byte ``offset``."""
    return data[:offset].decode(codec, errors="ignore").count("\n") + 1


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _column(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return _ALIASES.get(key, key)


def validate_rows(table: CsvTable, settings: PolicySettings) -> BulkReport:
    """
    Check every row: required cells, e-mail format, dates, department, groups, duplicates.

    Args:
        table: the parsed file.
        settings: the role templates (departments) and the known groups.
    """
    good: list[tuple[int, Mapping[str, str]]] = []
    bad: list[RowProblem] = []
    seen: dict[str, int] = {}
    for number, row in table.rows:
        problems = _row_problems(number, row, settings)
        login = login_of(row)
        if login in seen:
            problems.append(
                RowProblem(number, "login", f"login {login} is also on row {seen[login]}")
            )
        seen.setdefault(login, number)
        if problems:
            bad.extend(problems)
        else:
            good.append((number, row))
    return BulkReport(tuple(good), tuple(bad))


def login_of(row: Mapping[str, str]) -> str:
    """
    The login a row will get: its ``login`` cell, else first initial + family name.

    Args:
        row: one row of the file.
    """
    if row.get("login"):
        return row["login"].lower()
    return (row.get("given_name", "")[:1] + row.get("family_name", "")).lower().replace(" ", "")


def _row_problems(
    number: int, row: Mapping[str, str], settings: PolicySettings
) -> list[RowProblem]:
    problems = [RowProblem(number, c, "is empty") for c in REQUIRED_COLUMNS if not row.get(c)]
    for column in ("email", "manager_email"):
        if row.get(column) and not EMAIL.match(row[column]):
            problems.append(RowProblem(number, column, f"“{row[column]}” is not an e-mail address"))
    if row.get("start_date") and _date(row["start_date"]) is None:
        problems.append(
            RowProblem(
                number, "start_date", f"“{row['start_date']}” is not a date (use YYYY-MM-DD)"
            )
        )
    if (
        row.get("department")
        and not carries_access(row)
        and settings.role_for(row["department"], row.get("title")) is None
    ):
        problems.append(
            RowProblem(
                number, "department", f"no role template for department “{row['department']}”"
            )
        )
    known = {g.casefold() for g in settings.known_groups()}
    for group in filter(None, (g.strip() for g in row.get("groups", "").split(";"))):
        if group.casefold() not in known:
            problems.append(RowProblem(number, "groups", f"unknown group “{group}”"))
    return problems


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def build_bulk_plan(
    playbook: Playbook,
    report: BulkReport,
    request: PlanRequest,
    directory: DirectoryReader,
    *,
    now: datetime,
    settings: PolicySettings,
    directories: Mapping[str, DirectoryReader] | None = None,
) -> tuple[Plan, BulkReport]:
    """
    Plan a bulk playbook for every good row (each row's cells are its desk fields).

    A row whose own plan asks or escalates (its manager is not in the directory, its login or
    address is taken) or touches a privileged group moves to the bad rows: a row with any invalid
    value is not applied, and the other rows still are. Steps are keyed ``row N`` so a batch never splits a person.

    Args:
        playbook: a playbook with ``bulk: true``.
        report: the validated file.
        request: the ticket's request (its requester asks for every row).
        directory: the directory to plan against.
        now: the planning time.
        settings: guardrails and role templates.
        directories: every configured directory by name.

    Returns:
        The joined plan and the report updated with rows that could not be planned.
    """
    steps: list[PlannedStep] = []
    good, bad = [], list(report.bad_rows)
    parents: dict[str, tuple[str, ...]] = {}
    for number, row in report.good_rows:
        row_request = dataclasses.replace(
            request, desk_fields={**row, "manager_email": row.get("manager_email", "")}
        )
        plan = build_plan(
            playbook, row_request, directory, now=now, settings=settings, directories=directories
        )
        if plan.kind in ("ask", "escalate"):
            bad.append(RowProblem(number, "", plan.reason or plan.question or "cannot be planned"))
            continue
        privileged = privileged_problems(plan, settings)
        if privileged:  # one row asking for a privileged group must not refuse the whole file
            bad.append(RowProblem(number, "groups", "; ".join(privileged)))
            continue
        good.append((number, row))
        steps += [dataclasses.replace(s, group_key=f"row {number}") for s in plan.steps]
        parents.update(plan.group_parents)
    header = build_plan_header(playbook, request, now)
    numbered = tuple(dataclasses.replace(s, index=i) for i, s in enumerate(steps, start=1))
    plan = dataclasses.replace(
        header,
        steps=numbered,
        requester_groups=_groups(request, directory),
        group_parents=parents,
    )
    if not numbered:
        plan = Plan.note_only(plan, "No row of the file can be planned; see the report.")
    return plan, BulkReport(tuple(good), tuple(sorted(bad, key=lambda p: p.row)))


def build_plan_header(playbook: Playbook, request: PlanRequest, now: datetime) -> Plan:
    """
    The header of a bulk plan (no single target).

    Args:
        playbook: the bulk playbook.
        request: the ticket's request.
        now: the planning time.
    """
    requester = request.requester
    return Plan(
        playbook=playbook.name,
        title=playbook.title,
        kind="apply",
        created_at=now,
        ticket=request.ticket.key,
        intent=request.intent,
        risk=playbook.risk,
        requester=None if requester is None else Account.of(requester, ""),
    )


def _groups(request: PlanRequest, directory: DirectoryReader) -> tuple[str, ...]:
    return (
        ()
        if request.requester is None
        else tuple(directory.transitive_groups_of(request.requester.id))
    )


def chunk_steps(plan: Plan, size: int) -> tuple[tuple[PlannedStep, ...], ...]:
    """
    Cut a plan's steps into batches of about ``size`` steps, never splitting one person's steps.

    Args:
        plan: a (bulk) plan.
        size: the wanted batch size (a person with more steps gets a batch of their own).
    """
    batches: list[list[PlannedStep]] = []
    current: list[PlannedStep] = []
    for key in dict.fromkeys(s.group_key for s in plan.steps):
        person = [s for s in plan.steps if s.group_key == key]
        if current and len(current) + len(person) > size:
            batches.append(current)
            current = []
        current = current + person
    if current:
        batches.append(current)
    return tuple(tuple(batch) for batch in batches)


def result_csv(report: BulkReport, failures: Mapping[int, str], applied: Sequence[int]) -> str:
    """Every row's result as CSV (row, result, detail): the file attached after applying."""
    outcome = {n: ("created", "") for n in applied}
    outcome |= {n: ("failed", why) for n, why in failures.items()}
    rows: list[tuple[int, str, str]] = [
        (number, *outcome.get(number, ("not applied", ""))) for number, _ in report.good_rows
    ]
    rows += [
        (p.row, "not planned", f"{p.column + ': ' if p.column else ''}{p.reason}")
        for p in report.bad_rows
    ]
    rows.sort(key=lambda r: r[0])
    return write_csv(["row", "result", "detail"], rows)


def render_bulk_result(
    report: BulkReport, failures: Mapping[int, str], applied: Sequence[int]
) -> str:
    """
    The partial-success report after applying: each row created, failed (and why) or not planned.

    Args:
        report: the report the plan was built with.
        failures: row number → what went wrong when applying it.
        applied: the row numbers whose steps all succeeded.
    """
    lines = ["| Row | Result |", "|---|---|"]
    outcome = {n: "created" for n in applied} | {n: f"failed: {why}" for n, why in failures.items()}
    for number, _ in report.good_rows:
        lines.append(f"| {number} | {outcome.get(number, 'not applied')} |")
    for problem in report.bad_rows:
        lines.append(
            f"| {problem.row} | not planned: {problem.column + ' ' if problem.column else ''}{problem.reason} |"
        )
    ok, failed = len(applied), len(failures)
    summary = (
        f"**{ok} created, {failed} failed, {len({p.row for p in report.bad_rows})} not planned.**"
    )
    return "\n".join([summary, "", *lines]) + "\n"
