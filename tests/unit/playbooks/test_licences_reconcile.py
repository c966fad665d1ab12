"""Invoice reconciliation: seeded discrepancies of every kind, a clean invoice, bad rows."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from playbooks.licences.contracts import Contract
from playbooks.licences.invoice import (
    INVOICE_COLUMNS,
    InvoiceLine,
    InvoiceRowError,
    PoolCount,
    billing_periods,
    parse_invoice,
    parse_pools,
)
from playbooks.licences.reconcile import (
    RECONCILE_HEADER,
    Thresholds,
    reconcile,
    reconcile_rows,
    totals,
)
from playbooks.licences.report import position
from playbooks.licences.usage import Policy, assess_all
from tests.unit.playbooks.test_licences_report import NOW, SKUS, generate

NOV1, NOV30 = date(2026, 11, 1), date(2026, 11, 30)


def contract(vendor: str, sku: str, qty: int, price: str, cur: str = "USD", model: str = "per_seat"
             ) -> Contract:  # fmt: skip
    return Contract(
        vendor, sku, qty, Decimal(price), cur, date(2026, 1, 1), date(2026, 12, 31), 30,
        model,  # type: ignore[arg-type]
    )  # fmt: skip


LEDGER = [
    contract("Microsoft", "E3", 100, "33.70", "EUR"),
    contract("Microsoft", "E5", 10, "54.75", "EUR"),
    contract("Zoom", "Business", 40, "13.33"),
    contract("Slack", "Pro", 120, "8.75", model="active_user"),
    contract("Google", "Business", 50, "12.00"),
    contract("Salesforce", "Sales", 20, "150.00"),
    contract("Salesforce", "Service", 10, "75.00"),
]


def taken(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, 23, 0, tzinfo=UTC)


POOLS = [
    PoolCount("Microsoft", "E3", 105, 104, taken(31)),
    PoolCount("Microsoft", "E3", 90, 90, taken(30)),  # older: not the nearest
    PoolCount("Microsoft", "E3", 110, 110, taken(15, 11)),  # after the invoice date
    PoolCount("Microsoft", "E5", 10, 10, taken(31)),
    PoolCount("Zoom", "Business", None, 38, taken(31)),
    PoolCount("Slack", "Pro", None, 130, taken(31)),
]


def line(
    vendor: str, sku: str, qty: int, price: str, amount: str, cur: str = "USD",
    start: date = NOV1, end: date = NOV30, number: str = "1",
) -> InvoiceLine:  # fmt: skip
    return InvoiceLine(
        vendor, "INV-7", number, sku, qty, Decimal(price), Decimal(amount), start, end, cur, start
    )


SEEDED = [
    ("true-up confirmed by the pool", line("Microsoft", "E3", 105, "33.70", "3538.50", "EUR"),
     "true-up", "explained", "snapshot purchased 2026-10-31T23:00:00+00:00"),
    ("true-up beyond the pool", line("Microsoft", "E5", 12, "54.75", "657.00", "EUR"),
     "true-up", "disputed", "snapshot purchased 2026-10-31T23:00:00+00:00"),
    ("true-up nothing confirms", line("Google", "Business", 55, "12.00", "660.00"),
     "true-up", "disputed", "contract committed"),
    ("proration of added seats",
     line("Microsoft", "E3", 5, "33.70", "84.25", "EUR", date(2026, 11, 16)),
     "proration", "explained", "snapshot purchased 2026-11-15T23:00:00+00:00"),
    ("proration of more seats than held",
     line("Zoom", "Business", 45, "13.33", "299.93", start=date(2026, 11, 16)),
     "proration", "disputed", "contract committed (snapshot assigned 38 2026-10-31T23:00:00+00:00)"),
    ("price uplift", line("Zoom", "Business", 40, "13.99", "559.60"),
     "price-uplift", "disputed", "contract committed (snapshot assigned 38 2026-10-31T23:00:00+00:00)"),
    ("slack self-serve", line("Slack", "Pro", 97, "8.75", "848.75"),
     "fair-billed", "explained", "snapshot assigned 2026-10-31T23:00:00+00:00"),
    ("slack fair-billing credit", line("Slack", "Pro", -3, "8.75", "-26.25", number="2"),
     "fair-billed", "explained", "snapshot assigned 2026-10-31T23:00:00+00:00"),
    ("fewer seats than committed", line("Salesforce", "Sales", 18, "150.00", "2700.00"),
     "unknown", "disputed", "contract committed"),
    ("amount is not qty x price", line("Salesforce", "Service", 10, "75.00", "800.00"),
     "unknown", "disputed", "contract committed"),
    ("price below the contract", line("Salesforce", "Service", 10, "70.00", "700.00"),
     "unknown", "disputed", "contract committed"),
    ("no contract", line("Atlassian", "Jira", 10, "7.53", "75.30"),
     "unknown", "disputed", ""),
    ("currency not the contract's", line("Zoom", "Business", 40, "13.33", "533.20", "EUR"),
     "unknown", "disputed", "contract committed (snapshot assigned 38 2026-10-31T23:00:00+00:00)"),
]  # fmt: skip


SEEDED_EXPECTED_AMOUNT = [  # worked by hand: expected quantity (or, for a part period, a
    "3538.50", "547.50", "600.00",  # credit or fair billing, the billed one) x contract price
    "84.25", "299.93",  # 5 x 33.70 / 2; 45 x 13.33 / 2 = 299.925, half up
    "533.20", "848.75", "-26.25", "3000.00", "750.00", "750.00", None, None,
]  # fmt: skip


@pytest.mark.parametrize(
    ("billed", "reason", "status", "source"),
    [s[1:] for s in SEEDED],
    ids=[s[0] for s in SEEDED],
)
def test_every_seeded_discrepancy_gets_its_reason(
    billed: InvoiceLine, reason: str, status: str, source: str
) -> None:
    [found] = reconcile([billed], LEDGER, POOLS)
    assert (found.reason, found.status, found.quantity_source) == (reason, status, source)
    assert found.note  # every discrepancy says why


CLEAN = [
    line("Microsoft", "E3", 105, "33.70", "3538.50", "EUR"),
    line("Microsoft", "E5", 10, "54.75", "547.50", "EUR"),
    line("Zoom", "Business", 40, "13.33", "533.20"),
    line("Google", "Business", 50, "12.00", "600.00"),
    line("Salesforce", "Sales", 20, "150.00", "3000.00"),
    line("Salesforce", "Service", 10, "75.37", "753.70"),  # +0.49 %: within 0.5 %
    line("Salesforce", "Service", 10, "75.375", "753.75", number="2"),  # exactly 0.5 %
    line(
        "Zoom", "Business", 40, "13.33", "1599.60", start=date(2026, 9, 1), number="3"
    ),  # 3 months
]


def test_a_clean_invoice_flags_nothing() -> None:
    found = reconcile(CLEAN, LEDGER, POOLS)
    assert [] == [(r.line.sku, r.reason, r.note) for r in found if r.flagged]
    assert Counter(r.reason for r in found) == {"none": 7, "true-up": 1}  # the E3 true-up
    assert all(r.status in ("matched", "explained") for r in found)


def test_the_seeded_invoice_finds_every_discrepancy_and_flags_only_disputes() -> None:
    found = reconcile([s[1] for s in SEEDED], LEDGER, POOLS)
    assert [r.reason for r in found] == [s[2] for s in SEEDED]
    assert sum(r.flagged for r in found) == sum(s[3] == "disputed" for s in SEEDED)
    assert {r.reason for r in found} == {
        "true-up", "proration", "price-uplift", "fair-billed", "unknown"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("limits", "billed", "flagged"),
    [
        (Thresholds(), line("Zoom", "Business", 40, "13.40", "536.00"), True),  # +0.53 %
        (Thresholds(price_pct=Decimal(1)), line("Zoom", "Business", 40, "13.40", "536.00"), False),
        (Thresholds(), line("Salesforce", "Sales", 19, "150.00", "2850.00"), True),
        (Thresholds(seats=2), line("Salesforce", "Sales", 19, "150.00", "2850.00"), False),
        (Thresholds(seats=2), line("Salesforce", "Sales", 18, "150.00", "2700.00"), True),
    ],
    ids=["price-over-default", "price-under-1pct", "one-seat", "one-seat-under-2", "two-seats"],
)
def test_thresholds_are_configurable(
    limits: Thresholds, billed: InvoiceLine, flagged: bool
) -> None:
    [found] = reconcile([billed], LEDGER, POOLS, limits)
    assert found.flagged is flagged


@pytest.mark.parametrize(
    ("start", "end", "periods"),
    [
        (NOV1, NOV30, Decimal(1)),
        (date(2026, 11, 16), NOV30, Decimal(15) / 30),
        (date(2026, 2, 15), date(2026, 2, 28), Decimal("0.5")),
        (date(2026, 1, 16), date(2026, 1, 31), Decimal(16) / 31),
        (date(2026, 9, 1), NOV30, Decimal(3)),
        (date(2026, 1, 31), date(2026, 2, 27), Decimal(1)),  # to Feb 28 minus a day
        (date(2026, 11, 15), date(2026, 12, 14), Decimal(1)),  # an anniversary cycle
        (date(2026, 1, 1), date(2026, 12, 31), Decimal(12)),
    ],
    ids=["month", "half-nov", "half-feb", "jan-16", "quarter", "jan-31", "anniversary", "year"],
)
def test_billing_periods(start: date, end: date, periods: Decimal) -> None:
    assert billing_periods(start, end) == periods


HEADER = [*INVOICE_COLUMNS, "invoice_date"]
GOOD = ["Zoom", "INV-9", "1", "Business", "40", "13.33", "533.20", "2026-11-01", "2026-11-30",
        "USD", ""]  # fmt: skip


def bad(column: str, value: str) -> list[str]:
    cells = list(GOOD)
    cells[HEADER.index(column)] = value
    cells[HEADER.index("line")] = "2"
    return cells


BAD_IDS = ["qty-letter", "qty-fraction", "price-negative", "amount-mills", "amount-empty",
           "period-reversed", "start-format", "currency", "invoice-date", "line-repeated",
           "qty-huge-exponent", "qty-huge-credit", "price-overflows", "amount-overflows"]  # fmt: skip
BAD_ROWS = [
    ("billed_quantity", "4O", "'4O' is not a number"),
    ("billed_quantity", "2.5", "'2.5' is not a whole number"),
    ("billed_unit_price", "-1", "'-1' is not a price"),
    ("billed_amount", "533.205", "more than 2 decimal places"),
    ("billed_amount", "", "is empty"),
    ("period_end", "2026-10-01", "is before period_start"),
    ("period_start", "1/11/2026", "is not a date"),
    ("currency", "US$", "is not an ISO 4217 code"),
    ("invoice_date", "soon", "is not a date"),
    ("line", "1", "already on row 2"),
    ("billed_quantity", "1E+99999", "'1E+99999' is too large (at most 1,000,000,000,000 - 1)"),
    ("billed_quantity", "-1000000000000", "is too large"),
    ("billed_unit_price", "9E+999999", "'9E+999999' is too large"),
    ("billed_amount", "9E+999999", "'9E+999999' is too large"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_ROWS, ids=BAD_IDS)
def test_a_bad_row_is_reported_by_row_and_column_and_the_rest_is_read(
    column: str, value: str, message: str
) -> None:
    cells = bad(column, value)
    if column == "line":
        cells[HEADER.index("line")] = value
    lines, errors = parse_invoice(HEADER, [GOOD, [], cells, bad("sku", "Pro")], "inv.csv")
    assert [x.row for x in lines] == [2, 5]
    [error] = errors
    assert (error.row, error.column) == (4, column)
    assert str(error).startswith(f"inv.csv row 4, column {column!r}: ")
    assert message in error.problem


def test_a_missing_column_stops_the_file_the_invoice_date_defaults_and_pools_are_read() -> None:
    with pytest.raises(InvoiceRowError, match=r"inv.csv row 1, column 'billed_amount': .*missing"):
        parse_invoice([c for c in HEADER if c != "billed_amount"], [GOOD], "inv.csv")
    parsed, errors = parse_invoice(list(INVOICE_COLUMNS), [GOOD[:-1]])
    assert ([NOV1], []) == ([x.invoice_date for x in parsed], errors)
    header = ["vendor", "sku", "purchased", "assigned", "taken_at"]
    naive = datetime(2026, 10, 31, 23)  # noqa: DTZ001 - as a worksheet cell holds it
    pools = parse_pools(header, [["Zoom", "Business", "", "38", naive],
                                 ["Zoom", "Business", "40", "39", "2026-10-30T08:00:00+01:00"]])  # fmt: skip
    assert [(p.purchased, p.assigned, p.taken_at) for p in pools] == [
        (None, 38, taken(31)), (40, 39, datetime(2026, 10, 30, 7, tzinfo=UTC))
    ]  # fmt: skip
    [found] = reconcile([line("Zoom", "Business", 40, "13.33", "533.20")], LEDGER, pools)
    assert found.quantity_source.startswith("contract committed (snapshot assigned 38 2026-10-31")
    with pytest.raises(InvoiceRowError, match=r"p.csv row 2, column 'assigned'"):
        parse_pools(["vendor", "sku", "purchased", "assigned", "taken_at"],
                    [["Zoom", "Business", "", "x", "2026-10-31T00:00:00+00:00"]], "p.csv")  # fmt: skip


def test_report_rows_keep_rejected_rows_and_totals_tie_out_to_the_cent() -> None:
    found = reconcile([s[1] for s in SEEDED], LEDGER, POOLS)
    rejected = [InvoiceRowError("inv.csv", 9, "billed_amount", "is empty")]
    rows = reconcile_rows(found, rejected)
    assert all(len(r) == len(RECONCILE_HEADER) for r in rows)
    assert ("bad-row", "rejected", "inv.csv row 9, column 'billed_amount': is empty") == rows[
        len(found)
    ][-3:]
    by_currency: dict[str, tuple[Decimal, Decimal]] = {}
    for (_, billed, *_), expected in zip(SEEDED, SEEDED_EXPECTED_AMOUNT, strict=True):
        b, e = by_currency.get(billed.currency, (Decimal(0), Decimal(0)))
        by_currency[billed.currency] = (b + billed.amount, e + Decimal(expected or 0))
    assert [r.expected_amount for r in found] == [
        None if x is None else Decimal(x) for x in SEEDED_EXPECTED_AMOUNT
    ]
    assert totals(found) == by_currency
    total_rows = {r[4]: (r[10], r[19], r[20]) for r in rows if r[0] == "TOTAL"}
    assert total_rows == {c: (b, e, b - e) for c, (b, e) in by_currency.items()}
    assert by_currency["EUR"] == (Decimal("4812.95"), Decimal("4170.25"))
    assert by_currency["USD"] == (Decimal("6617.33"), Decimal("6755.63"))


def test_the_1000_identity_world_reconciles_clean_then_finds_seeded_lines() -> None:
    people, assignments, allow, _ = generate(random.Random(19))
    assessed = assess_all(assignments, people, Policy(), allow, NOW)
    held = Counter((a.vendor, a.sku) for a in assignments)
    ledger = [contract(v, s, held[(v, s)] + 3, p, c) for v, s, p, c in SKUS]
    lines = position(ledger, assessed, NOW.date())
    pools = [PoolCount(x.vendor, x.sku, None, x.assigned, taken(31)) for x in lines]
    invoice = [
        line(x.vendor, x.sku, x.purchased, str(x.unit_price), str(x.cost), x.currency, number=x.sku)
        for x in lines
    ]
    clean = reconcile(invoice, ledger, pools)
    assert [r for r in clean if r.reason != "none"] == []
    assert sum(r.line.amount for r in clean) == sum(x.cost for x in lines)
    assert all(r.amount_delta == 0 for r in clean)
    over = [
        line(x.vendor, x.sku, x.purchased + 2, str(x.unit_price),
             str((x.purchased + 2) * x.unit_price), x.currency, number=x.sku)
        for x in lines
    ]  # fmt: skip
    seeded = reconcile(over, ledger, pools)
    assert [(r.reason, r.status, r.quantity_delta) for r in seeded] == [
        ("true-up", "disputed", 2)
    ] * len(lines)
    assert len(people) == 1000
