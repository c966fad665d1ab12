"""Which reclaimed seats an invoice confirms: the drop between the periods either side."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from playbooks.licences.confirm import confirmed
from playbooks.licences.contracts import Contract
from playbooks.licences.invoice import InvoiceLine, add_months
from playbooks.licences.savings import Reclaimed

OCT, JAN = date(2026, 10, 1), date(2027, 1, 1)
LEDGER = [
    Contract("Zoom", "Pro", 40, Decimal("13.33"), "USD", date(2026, 1, 1), date(2026, 11, 15),
             30, "per_seat"),
    Contract("Zoom", "Pro", 30, Decimal("14.99"), "USD", date(2026, 11, 16), date(2027, 12, 31),
             30, "per_seat"),
]  # fmt: skip


def month(number: str, seats: int, start: date, line: str = "1") -> InvoiceLine:
    """One line billing ``seats`` for the month from ``start``."""
    end = add_months(start, 1) - timedelta(days=1)
    amount = seats * Decimal("13.33")
    return InvoiceLine("Zoom", number, line, "Pro", seats, Decimal("13.33"), amount, start, end,
                       "USD", start)  # fmt: skip


def seat(day: date) -> Reclaimed:
    return Reclaimed("Zoom", "Pro", f"u{day.isoformat()}", day)


@pytest.mark.parametrize(
    ("reclaimed", "invoices", "expected"),
    [
        (  # no invoice before: the pool the contract committed (40) is the baseline
            [seat(date(2026, 10, 5)), seat(date(2026, 10, 6))],
            [month("N", 38, date(2026, 11, 1))],
            (2, Decimal("26.66"), "confirmed", ("N",)),
        ),
        (  # each reclaim against its own window: Oct 40 -> Nov 39, Nov 39 -> Dec 39
            [seat(date(2026, 10, 20)), seat(date(2026, 11, 20))],
            [
                month("O", 40, OCT),
                month("N", 39, date(2026, 11, 1)),
                month("D", 39, date(2026, 12, 1)),
            ],
            (1, Decimal("13.33"), "partial", ("N",)),
        ),
        (  # two invoices billing the same later period are added up
            [seat(date(2026, 10, 20)), seat(date(2026, 10, 21))],
            [
                month("O", 40, OCT),
                month("N1", 30, date(2026, 11, 1)),
                month("N2", 8, date(2026, 11, 1)),
            ],
            (2, Decimal("26.66"), "confirmed", ("N1", "N2")),
        ),
        (  # the priced seats follow the contract in force on the day: 13.33, then 14.99
            [seat(date(2026, 11, 10)), seat(date(2026, 11, 20))],
            [month("N", 40, date(2026, 11, 1)), month("D", 38, date(2026, 12, 1))],
            (2, Decimal("28.32"), "confirmed", ("D",)),
        ),
        (  # a period starting on the reclaim's day is before it, not after
            [seat(date(2026, 11, 1))],
            [month("O", 40, OCT), month("N", 39, date(2026, 11, 1))],
            (0, Decimal(0), "unconfirmed", ()),
        ),
    ],
    ids=["pool-baseline", "own-window-each", "same-period-summed", "priced-per-day", "same-day"],
)
def test_confirmed_seats_are_the_drop_between_the_periods_either_side(
    reclaimed: list[Reclaimed],
    invoices: list[InvoiceLine],
    expected: tuple[int, Decimal, str, tuple[str, ...]],
) -> None:
    (got,) = confirmed(LEDGER, reclaimed, invoices, OCT, JAN)
    assert (got.seats, got.amount, got.status, got.invoices) == expected
    assert got.reclaimed == len(reclaimed)
    assert isinstance(got.amount, Decimal)
