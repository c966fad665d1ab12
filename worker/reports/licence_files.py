"""
The licence files deskpilot reads and writes: the seat ledger from CSV or the first worksheet of
an .xlsx workbook, text files as UTF-8, and tables written as CSV or .xlsx (every cell through
``safe_cell``, so no value can run as a spreadsheet formula).

A file from a vendor is read within bounds (``MAX_ROWS``, ``MAX_COLUMNS``, ``MAX_XLSX_BYTES``):
a worksheet's own dimension is not believed (``A1:XFD1048576`` padded every row to 16,384
cells, and the rows missing before a row numbered 1048576 were made up: a 5 kB file took 3.7 GB
and 38 s before failing), and a workbook whose parts unpack to more than
``MAX_XLSX_BYTES`` is refused before it is opened (parts such as the shared strings and the
document properties are read whole).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from playbooks.licences.contracts import Contract, parse_csv, parse_rows
from playbooks.spreadsheet import safe_cell, write_csv

__all__ = ["LicenceFileError", "read_contracts", "read_table", "read_text", "write_table"]


MAX_ROWS = 100_000
"""Rows a ledger, invoice or pool file may have (header included)."""
MAX_COLUMNS = 200
"""Columns a worksheet row may reach (the files have a dozen)."""
MAX_XLSX_BYTES = 100 * 2**20
"""What a workbook's parts may unpack to, together."""


class LicenceFileError(ValueError):
    """A file that cannot be read, naming it and why."""


def read_text(path: Path) -> str:
    """The file's text (UTF-8, a byte-order mark ignored)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LicenceFileError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise LicenceFileError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def _cell(value: object) -> object:
    """A worksheet cell as the parser expects it: 10.0 is 10, 8.75 is '8.75' (never a float)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else repr(value)
    return value


def read_contracts(path: Path) -> list[Contract]:
    """
    The ledger from CSV, or from the first worksheet of an .xlsx workbook.

    Raises:
        LicenceFileError: the file cannot be read.
        ContractError: a row is wrong (naming row and column).
    """
    if path.suffix.lower() != ".xlsx":
        return parse_csv(read_text(path))
    header, rows = read_table(path, "xlsx")
    return parse_rows(header, rows)


def read_table(path: Path, kind: str | None = None) -> tuple[list[str], list[list[object]]]:
    """
    The header and rows of a CSV file or of the first worksheet of an .xlsx workbook (``kind``
    ``csv`` or ``xlsx``; default: by the file's suffix). Worksheet numbers come as ``_cell``
    gives them, never as floats; CSV cells are text.

    Raises:
        LicenceFileError: the file cannot be read, or has no header row.
    """
    kind = kind or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    if kind == "csv":
        table: list[list[object]] = _bounded(path, csv.reader(io.StringIO(read_text(path))))
    else:
        try:
            with path.open("rb") as handle:
                _check_unpacked(path, handle)
                book = load_workbook(handle, read_only=True, data_only=True)
                try:
                    sheet = book.worksheets[0]
                    if isinstance(sheet, ReadOnlyWorksheet):
                        sheet.reset_dimensions()  # the file's claim; the rows say what is there
                    cells = sheet.iter_rows(values_only=True)  # each row as wide as its last cell
                    table = _bounded(path, (tuple(map(_cell, r)) for r in cells))
                finally:
                    book.close()
        except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
            raise LicenceFileError(f"{path}: cannot read as an .xlsx workbook: {exc}") from exc
    if not table:
        raise LicenceFileError(f"{path}: the file is empty (no header row)")
    return [str(h or "") for h in table[0]], table[1:]


def _check_unpacked(path: Path, handle: BinaryIO) -> None:
    """Refuse a workbook whose parts unpack to more than ``MAX_XLSX_BYTES`` (a zip bomb); the
    sizes it declares bind: Python's zip reader stops at them and fails the CRC check."""
    with zipfile.ZipFile(handle) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    handle.seek(0)
    if unpacked > MAX_XLSX_BYTES:
        raise LicenceFileError(
            f"{path}: the workbook unpacks to {unpacked:,} bytes; at most {MAX_XLSX_BYTES:,}"
        )


def _bounded(path: Path, rows: Iterable[Sequence[object]]) -> list[list[object]]:
    """``rows`` without their trailing empty cells; ``LicenceFileError`` past ``MAX_ROWS`` rows
    or ``MAX_COLUMNS`` columns."""
    table: list[list[object]] = []
    for number, cells in enumerate(rows, start=1):
        row = list(cells)
        if number > MAX_ROWS:
            raise LicenceFileError(f"{path}: more than {MAX_ROWS:,} rows")
        while row and row[-1] in (None, ""):
            row.pop()
        if len(row) > MAX_COLUMNS:
            raise LicenceFileError(f"{path} row {number}: more than {MAX_COLUMNS} columns")
        table.append(row)
    return table


def write_table(header: Sequence[str], rows: Sequence[Sequence[object]], out: Path) -> None:
    """The table to ``out``: a workbook when it ends in .xlsx, CSV otherwise."""
    if out.suffix.lower() != ".xlsx":
        out.write_text(write_csv(header, rows), encoding="utf-8", newline="")
        return
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one worksheet
    sheet.append(list(header))
    for row in rows:  # openpyxl runs text starting with "=" as a formula: safe_cell stops that
        sheet.append([safe_cell(v) for v in row])
    book.save(out)
