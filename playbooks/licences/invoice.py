"""
A vendor invoice and the vendors' seat pools as the reconciliation reads them (pure).

An invoice row is one invoice line (governance research §1.4 #3): vendor, invoice number, line,
SKU, billed quantity, billed unit price (per month, like the ledger's), billed amount, the period
it bills and its currency, and optionally the invoice date (default: the period's start). A bad
row never stops the others: ``parse_invoice`` returns the lines it could read and one
``InvoiceRowError`` per row it could not, naming the file, the row and the column.
Credit lines (negative quantity and amount) are lines like any other.

The seat pools are the file ``deskpilot licences snapshot --pools`` writes: per vendor and SKU,
the seats bought (when the vendor says) and assigned, and when the snapshot was taken.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from playbooks.licences.contracts import (
    MAX_NUMBER,
    ContractError,
    RowError,
    _date,
    _int,
    _price,
    _text,
)

__all__ = [
    "INVOICE_COLUMNS",
    "POOL_COLUMNS",
    "InvoiceLine",
    "InvoiceRowError",
    "PoolCount",
    "add_months",
    "billing_periods",
    "parse_invoice",
    "parse_pools",
]

INVOICE_COLUMNS = (
    "vendor", "invoice_number", "line", "sku", "billed_quantity", "billed_unit_price",
    "billed_amount", "period_start", "period_end", "currency",
)  # fmt: skip
OPTIONAL_INVOICE_COLUMNS = ("invoice_date",)
POOL_COLUMNS = ("vendor", "sku", "purchased", "assigned", "taken_at")


class InvoiceRowError(RowError):
    """A row of an invoice or pool file that cannot be read; ``row`` counts the header as 1."""


@dataclass(frozen=True)
class InvoiceLine:
    """One line of a vendor's invoice."""

    vendor: str
    invoice_number: str
    line: str
    sku: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    period_start: date
    period_end: date
    currency: str
    invoice_date: date
    row: int = 0


@dataclass(frozen=True)
class PoolCount:
    """One vendor's seat pool for one SKU at ``taken_at`` (``purchased`` None: not reported)."""

    vendor: str
    sku: str
    purchased: int | None
    assigned: int
    taken_at: datetime


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def billing_periods(start: date, end: date) -> Decimal:
    """
    How many monthly billing periods ``start`` to ``end`` (both included) covers: whole months
    counted from ``start``, plus the remaining days over the length of the month that follows
    (2026-11-01..2026-11-30 is 1; 2026-11-16..2026-11-30 is 15/30; a quarter is 3).
    """
    months = 0
    while add_months(start, months + 1) - timedelta(days=1) <= end:
        months += 1
    rest = add_months(start, months)
    if rest > end:
        return Decimal(months)
    days = (end - rest).days + 1
    cycle = (add_months(rest, 1) - rest).days
    return Decimal(months) + Decimal(days) / Decimal(cycle)


def _signed(raw: Mapping[str, object], column: str, row: int, *, whole: bool) -> Decimal:
    text = _text(raw, column, row)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ContractError(row, column, f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ContractError(row, column, f"{text!r} is not a number")
    if abs(number) >= MAX_NUMBER:  # before int(): 1E+999999 would take minutes
        raise ContractError(row, column, f"{text[:40]!r} is too large (at most {MAX_NUMBER:,} - 1)")
    if whole and number != number.to_integral_value():
        raise ContractError(row, column, f"{text!r} is not a whole number")
    if not whole and number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ContractError(row, column, f"{text!r} has more than 2 decimal places (cents)")
    return number


def _line(raw: Mapping[str, object], row: int) -> InvoiceLine:
    currency = _text(raw, "currency", row).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ContractError(row, "currency", f"{currency!r} is not an ISO 4217 code")
    start, end = _date(raw, "period_start", row), _date(raw, "period_end", row)
    if end < start:
        raise ContractError(row, "period_end", f"{end} is before period_start {start}")
    blank = raw.get("invoice_date") in (None, "") or not str(raw.get("invoice_date")).strip()
    return InvoiceLine(
        vendor=_text(raw, "vendor", row),
        invoice_number=_text(raw, "invoice_number", row),
        line=_text(raw, "line", row),
        sku=_text(raw, "sku", row),
        quantity=int(_signed(raw, "billed_quantity", row, whole=True)),
        unit_price=_price(raw, "billed_unit_price", row),
        amount=_signed(raw, "billed_amount", row, whole=False),
        period_start=start,
        period_end=end,
        currency=currency,
        invoice_date=start if blank else _date(raw, "invoice_date", row),
        row=row,
    )


def _names(header: Sequence[object], source: str, required: Sequence[str]) -> list[str]:
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    for column in required:
        if column not in names:
            raise InvoiceRowError(source, 1, column, "column is missing from the header")
    return names


def _blank(cells: Sequence[object]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def parse_invoice(
    header: Sequence[object], rows: Iterable[Sequence[object]], source: str = "invoice"
) -> tuple[list[InvoiceLine], list[InvoiceRowError]]:
    """
    The invoice lines that could be read, and an error for every row that could not (blank rows
    are skipped; a line number repeated within one invoice is an error on the second row).

    Raises:
        InvoiceRowError: a required column is missing from the header (nothing can be read).
    """
    names = _names(header, source, INVOICE_COLUMNS)
    lines: list[InvoiceLine] = []
    errors: list[InvoiceRowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, cells in enumerate(rows, start=2):
        if _blank(cells):
            continue
        try:
            line = _line(dict(zip(names, cells, strict=False)), number)
        except ContractError as exc:
            errors.append(InvoiceRowError(source, exc.row, exc.column, exc.problem))
            continue
        key = (line.vendor, line.invoice_number, line.line)
        if key in seen:
            errors.append(
                InvoiceRowError(source, number, "line", f"line {line.line!r} of invoice "
                                f"{line.invoice_number} is already on row {seen[key]}")
            )  # fmt: skip
            continue
        seen[key] = number
        lines.append(line)
    return lines, errors


def _taken(raw: Mapping[str, object], row: int) -> datetime:
    """When the pool was read; a time without a zone (a worksheet cell) is UTC."""
    value = raw.get("taken_at")
    if not isinstance(value, datetime):
        text = _text(raw, "taken_at", row)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ContractError(row, "taken_at", f"{text!r} is not an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_pools(
    header: Sequence[object], rows: Iterable[Sequence[object]], source: str = "pools"
) -> list[PoolCount]:
    """
    The seat pools of a ``licences snapshot --pools`` file (deskpilot's own output: the first
    bad row stops the import).

    Raises:
        InvoiceRowError: a missing column or a bad cell, naming the row and column.
    """
    names = _names(header, source, POOL_COLUMNS)
    out: list[PoolCount] = []
    for number, cells in enumerate(rows, start=2):
        if _blank(cells):
            continue
        raw = dict(zip(names, cells, strict=False))
        try:
            bought = raw.get("purchased")
            out.append(
                PoolCount(
                    vendor=_text(raw, "vendor", number),
                    sku=_text(raw, "sku", number),
                    purchased=None
                    if bought is None or not str(bought).strip()
                    else _int(raw, "purchased", number),
                    assigned=_int(raw, "assigned", number),
                    taken_at=_taken(raw, number),
                )
            )
        except ContractError as exc:
            raise InvoiceRowError(source, exc.row, exc.column, exc.problem) from None
    return out
