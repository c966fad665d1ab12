"""
The licence files deskpilot reads and writes: the seat ledger from CSV or the first worksheet of
an .xlsx workbook, text files as UTF-8, and tables written as CSV or .xlsx (every cell through
``safe_cell``, so no value can run as a spreadsheet formula).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from playbooks.licences.contracts import Contract, parse_csv, parse_rows
from playbooks.spreadsheet import safe_cell, write_csv

__all__ = ["LicenceFileError", "read_contracts", "read_table", "read_text", "write_table"]


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
        table: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(read_text(path)))]
    else:
        try:
            with path.open("rb") as handle:
                book = load_workbook(handle, read_only=True, data_only=True)
                try:
                    sheet = book.worksheets[0].iter_rows(values_only=True)
                    table = [[_cell(v) for v in r] for r in sheet]
                finally:
                    book.close()
        except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
            raise LicenceFileError(f"{path}: cannot read as an .xlsx workbook: {exc}") from exc
    if not table:
        raise LicenceFileError(f"{path}: the file is empty (no header row)")
    return [str(h or "") for h in table[0]], table[1:]


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
