"""
CSV cells a spreadsheet opens as text, never as a formula.

Spreadsheets run a cell beginning with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return before one) as a formula: a ticket subject or a name from a desk could then
fetch URLs or run commands on the machine of whoever opens an export (CSV injection). Such
cells get a leading apostrophe, which spreadsheets show as plain text; numbers are left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """
    ``value`` ready for a CSV cell: text that a spreadsheet would run gets a leading ``'``.

    Args:
        value: a cell (numbers and None pass unchanged).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(
    header: Iterable[str], rows: Iterable[Iterable[object]], lineterminator: str = "\r\n"
) -> str:
    """
    A CSV document whose every cell went through ``safe_cell`` (None is an empty cell).

    Args:
        header: the column names.
        rows: the cells.
        lineterminator: the line ending (RFC 4180 says CRLF).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell("" if v is None else v) for v in row] for row in rows)
    return out.getvalue()
