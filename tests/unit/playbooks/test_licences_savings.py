"""Savings realised by reclaims: seats removed in the period at the price of the contract then."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from playbooks.licences.contracts import Contract
from playbooks.licences.report import MONTHLY_HEADER, ReportError, position, position_rows
from playbooks.licences.savings import Reclaimed, Saving, realised, with_savings

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


def contract(
    vendor: str, sku: str, price: str, start: date, end: date, cur: str = "USD"
) -> Contract:
    return Contract(vendor, sku, 50, Decimal(price), cur, start, end, 30, "per_seat")


LEDGER = [
    contract("Zoom", "Licensed", "13.33", date(2026, 1, 1), date(2026, 11, 15)),
    contract("Zoom", "Licensed", "14.99", date(2026, 11, 16), date(2027, 11, 15)),
    contract("Slack", "Pro", "8.75", date(2026, 1, 1), date(2026, 12, 31), "EUR"),
    contract("Slack", "Standard", "6.25", date(2026, 1, 1), date(2026, 12, 31), "EUR"),
    contract("Slack", "Plus", "4.00", date(2026, 1, 1), date(2026, 12, 31), "USD"),
]


@pytest.mark.parametrize(
    ("reclaimed", "expected"),
    [
        ([], []),
        (
            [Reclaimed("Slack", "Pro", "a", date(2026, 11, 3))],
            [Saving("Slack", "Pro", "EUR", 1, Decimal("8.75"))],
        ),
        (
            [
                Reclaimed("Zoom", "Licensed", "a", date(2026, 11, 15)),
                Reclaimed("Zoom", "Licensed", "b", date(2026, 11, 16)),
            ],
            [Saving("Zoom", "Licensed", "USD", 2, Decimal("28.32"))],
        ),
        (
            [
                Reclaimed("Slack", "Pro", "a", date(2026, 10, 31)),
                Reclaimed("Slack", "Pro", "b", DEC),
            ],
            [],
        ),
        (
            [Reclaimed("Slack", "Pro", "a", date(2026, 11, 3), "Standard")],
            [Saving("Slack", "Pro", "EUR", 1, Decimal("2.50"))],
        ),
        (
            [Reclaimed("Zoom", "Licensed", "a", date(2026, 11, 20), "Basic")],
            [Saving("Zoom", "Licensed", "USD", 1, Decimal("14.99"))],
        ),
    ],
    ids=[
        "nothing-reclaimed",
        "one-seat",
        "priced-by-contract-in-force-that-day",
        "outside-period",
        "downgrade-saves-the-difference",
        "downgrade-to-a-free-tier-saves-the-price",
    ],
)
def test_savings_are_seats_removed_times_the_price_in_force(
    reclaimed: list[Reclaimed], expected: list[Saving]
) -> None:
    assert expected == realised(LEDGER, reclaimed, NOV, DEC)


def test_a_seat_reclaimed_with_no_contract_in_force_is_refused() -> None:
    with pytest.raises(ReportError, match="Figma Pro of a was reclaimed on 2026-11-02"):
        realised(LEDGER, [Reclaimed("Figma", "Pro", "a", date(2026, 11, 2))], NOV, DEC)


def test_a_downgrade_priced_in_another_currency_is_refused() -> None:
    moved = Reclaimed("Slack", "Pro", "a", date(2026, 11, 2), "Plus")
    with pytest.raises(ReportError, match="priced in USD, not EUR"):
        realised(LEDGER, [moved], NOV, DEC)


def test_savings_without_a_position_line_are_refused() -> None:
    lines = position(LEDGER[2:], [], DEC)
    with pytest.raises(ReportError, match="reclaimed"):
        with_savings(lines, [Saving("Zoom", "Licensed", "USD", 1, Decimal("14.99"))])


def test_report_savings_recomputed_independently_match_to_the_cent() -> None:
    rng = random.Random(19)
    skus = [("Zoom", "Licensed"), ("Slack", "Pro")]
    done = [
        Reclaimed(*rng.choice(skus), f"user{i}@example.com", NOV + timedelta(rng.randrange(-5, 35)))
        for i in range(400)
    ]
    lines = with_savings(position(LEDGER, [], DEC), realised(LEDGER, done, NOV, DEC))
    rows = position_rows(lines, savings=True)

    expected: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for r in done:
        if NOV <= r.on < DEC:
            price = {"Pro": Decimal("8.75")}.get(
                r.sku, Decimal("13.33") if r.on <= date(2026, 11, 15) else Decimal("14.99")
            )
            n, total = expected.get((r.vendor, r.sku), (0, Decimal(0)))
            expected[(r.vendor, r.sku)] = (n + 1, total + price)
    at = MONTHLY_HEADER.index("reclaimed")  # the confirmed columns follow, at the end
    got = {(row[0], row[1]): (row[at], row[at + 1]) for row in rows}
    assert expected == {k: v for k, v in got.items() if v[0]}
    assert sum(t for _, t in expected.values()) == sum(x.savings for x in lines)
    assert all(isinstance(x.savings, Decimal) for x in lines)
