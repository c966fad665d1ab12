"""Ticket text written to make planning slow: e-mailed form lines are read in linear time."""

from __future__ import annotations

import time

import pytest

from playbooks.targets import text_fields

SIZE = 200_000
BOUND_S = 5.0
"""Generous for a slow CI machine: each body reads in milliseconds now; a line of 20,000 blanks
took 3.6 s before (the two optional blank runs around the bullet split it every way), 200 KB
about six minutes of a worker."""


@pytest.mark.parametrize(
    "unit",
    [" ", "\t", " \t", "- ", " -", "1. ", "a: ", "\n ", "•\t"],
    ids=["blanks", "tabs", "mixed-blanks", "bullets", "blank-dash", "numbers", "labels",
         "blank-lines", "bullet-tab"],
)  # fmt: skip
def test_a_hostile_body_is_read_for_form_fields_in_bounded_time(unit: str) -> None:
    """200 KB of one repeated pattern after the subject line is read within the bound."""
    body = "Subject\nHello,\n" + (unit * (SIZE // len(unit) + 1))[:SIZE] + "x\nName: Ana"

    started = time.perf_counter()
    text_fields(body)
    elapsed = time.perf_counter() - started

    assert elapsed < BOUND_S, f"{elapsed:.1f} s for {unit!r}"


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("Name: Ana", {"Name": "Ana"}),
        ("   Name:   Ana", {"Name": "Ana"}),
        ("\t- Department: Research", {"Department": "Research"}),
        ("-Department: Research", {"Department": "Research"}),
        ("  *   Start = 13/10/2025", {"Start": "13/10/2025"}),
        ("2) Manager: Olivia", {"Manager": "Olivia"}),
        ("•\tTeam: Payroll", {"Team": "Payroll"}),
        ("- - Name: Ana", {}),
        ("-- Name: Ana", {}),
    ],
    ids=["plain", "indented", "tab-bullet", "tight-bullet", "star-equals", "numbered",
         "dot-bullet", "two-bullets", "double-dash"],
)  # fmt: skip
def test_form_lines_read_with_and_without_bullets(line: str, fields: dict[str, str]) -> None:
    """Blanks and one bullet before a label are read as before; two bullets are not a form."""
    assert fields == text_fields(f"Subject\n{line}\n")
