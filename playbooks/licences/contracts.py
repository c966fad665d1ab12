"""
The seat ledger: contracts parsed from CSV text or spreadsheet rows, with errors naming row and column.

A row is one contract line: a vendor, a SKU, how many seats were bought, the price of one seat
for the billing period (a ``Decimal``, never a float), the currency, the term, the notice period
and the billing model. Two contracts for the same vendor and SKU may not overlap in time, so on
any date at most one of them is in force.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

BillingModel = Literal["per_seat", "active_user", "tiered"]
BILLING_MODELS: tuple[BillingModel, ...] = ("per_seat", "active_user", "tiered")
COLUMNS = (
    "vendor",
    "sku",
    "quantity",
    "unit_price",
    "currency",
    "term_start",
    "term_end",
    "notice_days",
    "billing_model",
)


class RowError(ValueError):
    """A row of a licence file (contracts, usage, invoices…) that cannot be read: ``source``
    names the file's kind or name, ``row`` counts the header as 1."""

    def __init__(self, source: str, row: int, column: str, message: str) -> None:
        super().__init__(f"{source} row {row}, column {column!r}: {message}")
        self.source = source
        self.row = row
        self.column = column
        self.problem = message
        """What is wrong with the cell, without the row and column (other files reuse it)."""


class ContractError(RowError):
    """A contract row that cannot be read; ``row`` is the spreadsheet row (header = 1)."""

    def __init__(self, row: int, column: str, message: str) -> None:
        super().__init__("contracts", row, column, message)


@dataclass(frozen=True)
class Contract:
    """One contract line of the seat ledger."""

    vendor: str
    sku: str
    quantity: int
    unit_price: Decimal
    currency: str
    term_start: date
    term_end: date
    notice_days: int
    billing_model: BillingModel
    row: int = 0

    def in_force(self, on: date) -> bool:
        """Whether ``on`` falls within the term (both ends included)."""
        return self.term_start <= on <= self.term_end

    @property
    def notice_date(self) -> date:
        """The last day on which notice can still be given before the term ends."""
        return self.term_end - timedelta(days=self.notice_days)

    @property
    def cost(self) -> Decimal:
        """Seats bought times the price of one seat."""
        return self.quantity * self.unit_price


def _text(raw: Mapping[str, object], column: str, row: int) -> str:
    value = raw.get(column)
    text = "" if value is None else str(value).strip()
    if not text:
        raise ContractError(row, column, "is empty")
    return text


def _int(raw: Mapping[str, object], column: str, row: int) -> int:
    text = _text(raw, column, row)
    try:
        number = int(text)
    except ValueError:
        raise ContractError(row, column, f"{text!r} is not a whole number") from None
    if number < 0:
        raise ContractError(row, column, f"{number} is negative")
    return number


def _date(raw: Mapping[str, object], column: str, row: int) -> date:
    value = raw.get(column)
    if isinstance(value, date):  # a spreadsheet cell may already hold a date or datetime
        return value if type(value) is date else date(value.year, value.month, value.day)
    text = _text(raw, column, row)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ContractError(row, column, f"{text!r} is not a date (YYYY-MM-DD)") from None


MAX_NUMBER = Decimal(10) ** 12
"""No price, quantity or amount in a ledger or invoice reaches this: ``1E+999999`` is a finite
decimal, but as a quantity it takes minutes to become an integer and as a price it overflows the
arithmetic (a crafted file would stop the run instead of being one rejected row)."""


def _price(raw: Mapping[str, object], column: str, row: int) -> Decimal:
    text = _text(raw, column, row)
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ContractError(row, column, f"{text!r} is not a number") from None
    if not price.is_finite() or price < 0:
        raise ContractError(row, column, f"{text!r} is not a price")
    if price >= MAX_NUMBER:
        raise ContractError(row, column, f"{text[:40]!r} is too large (at most {MAX_NUMBER:,} - 1)")
    if price.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ContractError(row, column, f"{text!r} has more than 4 decimal places")
    return price


def parse_row(raw: Mapping[str, object], row: int) -> Contract:
    """
    One contract from one row.

    Args:
        raw: cells by column name (text, or dates from a spreadsheet).
        row: the row number to name in errors (header = 1).
    """
    currency = _text(raw, "currency", row).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ContractError(row, "currency", f"{currency!r} is not an ISO 4217 code")
    model = _text(raw, "billing_model", row).lower().replace("-", "_").replace(" ", "_")
    if model not in BILLING_MODELS:
        raise ContractError(
            row, "billing_model", f"{model!r} is not one of {', '.join(BILLING_MODELS)}"
        )
    start, end = _date(raw, "term_start", row), _date(raw, "term_end", row)
    if end < start:
        raise ContractError(row, "term_end", f"{end} is before term_start {start}")
    return Contract(
        vendor=_text(raw, "vendor", row),
        sku=_text(raw, "sku", row),
        quantity=_int(raw, "quantity", row),
        unit_price=_price(raw, "unit_price", row),
        currency=currency,
        term_start=start,
        term_end=end,
        notice_days=_int(raw, "notice_days", row),
        billing_model=model,
        row=row,
    )


def parse_rows(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[Contract]:
    """
    The ledger from a header and rows (a CSV file or a worksheet); blank rows are skipped.

    Raises:
        ContractError: a missing column, a bad cell, or two overlapping contracts for one SKU.
    """
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    for column in COLUMNS:
        if column not in names:
            raise ContractError(1, column, "column is missing from the header")
    contracts: list[Contract] = []
    for number, cells in enumerate(rows, start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        contracts.append(parse_row(dict(zip(names, cells, strict=False)), number))
    _check_overlaps(contracts)
    return contracts


def parse_csv(text: str) -> list[Contract]:
    """The ledger from CSV text (a UTF-8 byte-order mark is ignored)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ContractError(1, "vendor", "the file is empty")
    return parse_rows(header, reader)


def _check_overlaps(contracts: Sequence[Contract]) -> None:
    by_sku: dict[tuple[str, str], list[Contract]] = {}
    for contract in contracts:
        by_sku.setdefault((contract.vendor, contract.sku), []).append(contract)
    for same in by_sku.values():
        same.sort(key=lambda c: c.term_start)
        for before, after in itertools.pairwise(same):
            if after.term_start <= before.term_end:
                raise ContractError(
                    after.row,
                    "term_start",
                    f"{after.vendor} {after.sku} overlaps the contract on row {before.row}",
                )


def contract_on(contracts: Iterable[Contract], vendor: str, sku: str, on: date) -> Contract | None:
    """The contract for ``vendor``'s ``sku`` in force on ``on``, or None."""
    return next(
        (c for c in contracts if (c.vendor, c.sku) == (vendor, sku) and c.in_force(on)), None
    )


def in_force(contracts: Iterable[Contract], on: date) -> dict[tuple[str, str], Contract]:
    """The contract in force on ``on`` per (vendor, SKU)."""
    return {(c.vendor, c.sku): c for c in contracts if c.in_force(on)}


def renewals_due(contracts: Iterable[Contract], today: date, lead_days: int = 30) -> list[Contract]:
    """
    Contracts whose renewal alert is due on ``today``, soonest notice date first.

    The alert window opens ``lead_days`` before the notice date and closes after it: once notice
    can no longer be given, the contract renews and alerting about it is noise.
    """
    due = [
        c for c in contracts if c.notice_date - timedelta(days=lead_days) <= today <= c.notice_date
    ]
    return sorted(due, key=lambda c: (c.notice_date, c.vendor, c.sku))
