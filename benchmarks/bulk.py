"""
Bulk benchmark: a 10,000-row starters file read, checked and planned (issue 13.10: at most 60 s).

Times what ``worker.runs.bulk.bulk_verdict`` does with a file: ``parse_csv`` → ``validate_rows``
→ ``build_bulk_plan`` with the library's ``bulk-onboarding`` playbook against an in-memory
directory of 2,000 people (managers looked up by e-mail), then the policy decision and every note
the ticket gets (report, plan, approval request), with the longest note's size.

    uv run python -m benchmarks.bulk [--rows 10000] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from typing import Any

from connectors.identity import NewUser
from connectors.identity.memory import MemoryDirectory
from intake.model import Attachment, Person, StatusCategory, Ticket
from playbooks.bulk import build_bulk_plan, parse_csv, validate_rows
from playbooks.commentlimit import COMMENT_LIMITS, fit_comment
from playbooks.config import PolicySettings
from playbooks.plan import PlanRequest
from playbooks.policy import decide
from playbooks.verdict import approved_by_a_person, verdict_for
from worker.runs.bulk import report_note
from worker.wiring.files import load_library

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
DEPARTMENTS = ("Sales", "Engineering", "Support", "Finance")
PEOPLE = 2000


def starters_csv(rows: int) -> bytes:
    """A UTF-8 file with a BOM, as Excel saves "CSV UTF-8": one row in 50 has a mistake."""
    lines = ["First Name;Last Name;Email;Department;Start Date;Title;Manager"]
    for i in range(rows):
        email = f"starter{i}@example.com" if i % 50 else f"starter{i}(at)example.com"
        lines.append(
            f"Zoë{i};Ångström{i};{email};{DEPARTMENTS[i % 4]};2026-12-{1 + i % 28:02d};"
            f"Staff;manager{i % PEOPLE}@example.com"
        )
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def company() -> MemoryDirectory:
    """The managers and the HR requester."""
    directory = MemoryDirectory("corp")
    for i in range(PEOPLE):
        directory.create_user(
            NewUser(f"manager{i}", "Manager", f"M{i}", email=f"manager{i}@example.com")
        )
    directory.create_user(NewUser("hr", "Hannah", "R", email="hr@example.com"))
    hr = directory.find_user(login="hr")
    assert hr is not None
    directory.add_to_group(hr.id, "hr-team")
    return directory


def settings() -> PolicySettings:
    return PolicySettings.model_validate(
        {
            "role_templates": [
                {"department": d, "groups": ["all-staff", d.lower()]} for d in DEPARTMENTS
            ],
            "blast_radius": 100_000,
        }
    )


def run(rows: int) -> dict[str, Any]:
    directory, policy = company(), settings()
    playbook = load_library().get("bulk-onboarding")
    data = starters_csv(rows)
    requester = directory.find_user(login="hr")
    ticket = Ticket(
        desk="jira-it", desk_type="jira", key="IT-1", subject="New starters",
        description="See the file.", requester=Person("p1", "hr@example.com", "Hannah"),
        status=StatusCategory.NEW,
        attachments=(Attachment("1", "starters.csv", len(data), "text/csv"),),
    )  # fmt: skip
    request = PlanRequest(intent="account_create", ticket=ticket, requester=requester)
    started = time.perf_counter()
    table = parse_csv(data)
    parsed = time.perf_counter()
    report = validate_rows(table, policy)
    checked = time.perf_counter()
    plan, report = build_bulk_plan(
        playbook, report, request, directory, now=NOW, settings=policy, directories={}
    )
    planned = time.perf_counter()
    decision = approved_by_a_person(
        decide(playbook, plan, request, policy, recent_resets=()), playbook, policy
    )
    note = report_note("starters.csv", report, table.encoding, ";", "starters-problems.csv")
    verdict = verdict_for(playbook, plan, decision, [note], policy)
    noted = time.perf_counter()
    longest = max((n.body for n in verdict.notes), key=len)
    return {
        "rows": rows,
        "bytes": len(data),
        "good_rows": len(report.good_rows),
        "bad_rows": len({p.row for p in report.bad_rows}),
        "steps": len(plan.steps),
        "parse_s": round(parsed - started, 2),
        "validate_s": round(checked - parsed, 2),
        "plan_s": round(planned - checked, 2),
        "notes_s": round(noted - planned, 2),
        "total_s": round(noted - started, 2),
        "notes": len(verdict.notes),
        "longest_note_chars": len(longest),
        "longest_note_bytes": len(longest.encode()),
        **{
            f"sent_to_{desk}": f"{len(fit_comment(longest, desk))} chars, "
            f"{len(fit_comment(longest, desk).encode())} bytes (limit {limit.describe()})"
            for desk, limit in COMMENT_LIMITS.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.rows)
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:>12}: {value}")


if __name__ == "__main__":
    main()
