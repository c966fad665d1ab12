"""The seat ledger: contracts from CSV, with errors naming row and column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from playbooks.licences.contracts import ContractError, in_force, parse_csv, renewals_due

HEADER = "vendor,sku,quantity,unit_price,currency,term_start,term_end,notice_days,billing_model"
GOOD = "Slack,Pro,100,8.75,usd,2026-01-01,2026-12-31,30,per_seat"


def test_a_good_row_is_read_with_decimal_price_and_dates() -> None:
    (contract,) = parse_csv("\ufeff" + HEADER + "\r\n" + GOOD + "\r\n\r\n")
    assert (contract.vendor, contract.sku) == ("Slack", "Pro")
    assert contract.quantity == 100
    assert contract.unit_price == Decimal("8.75")
    assert contract.currency == "USD"
    assert (contract.term_start, contract.term_end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert contract.notice_date == date(2026, 12, 1)
    assert contract.cost == Decimal("875.00")
    assert contract.row == 2


def _with(column: str, value: str) -> str:
    names = HEADER.split(",")
    cells = GOOD.split(",")
    cells[names.index(column)] = value
    return HEADER + "\n" + ",".join(cells) + "\n"


BAD = [
    ("quantity", "ten", "'ten' is not a whole number"),
    ("quantity", "-1", "-1 is negative"),
    ("unit_price", "8,75", "'8,75' is not a number"),
    ("unit_price", "abc", "'abc' is not a number"),
    ("unit_price", "-1", "is not a price"),
    ("unit_price", "NaN", "is not a price"),
    ("unit_price", "1.00001", "more than 4 decimal places"),
    ("currency", "dollars", "not an ISO 4217 code"),
    ("term_start", "01/01/2026", "is not a date"),
    ("term_end", "2025-12-31", "is before term_start"),
    ("notice_days", "", "is empty"),
    ("billing_model", "per-user", "is not one of per_seat, active_user, tiered"),
    ("vendor", "  ", "is empty"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD, ids=[f"{c}={v!r}" for c, v, _ in BAD])
def test_a_bad_cell_is_named_by_row_and_column(column: str, value: str, message: str) -> None:
    text = _with(column, f'"{value}"')
    with pytest.raises(ContractError) as caught:
        parse_csv(text)
    assert caught.value.row == 2
    assert caught.value.column == column
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"contracts row 2, column '{column}'")


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ContractError, match="row 1, column 'notice_days': column is missing"):
        parse_csv(HEADER.replace(",notice_days", "") + "\n")


def test_an_empty_file_is_an_error() -> None:
    with pytest.raises(ContractError, match="the file is empty"):
        parse_csv("")


def test_overlapping_contracts_for_one_sku_are_refused_and_adjacent_ones_kept() -> None:
    renewal = "Slack,Pro,120,9.00,USD,2027-01-01,2027-12-31,30,per_seat"
    overlap = "Slack,Pro,120,9.00,USD,2026-12-31,2027-12-31,30,per_seat"
    contracts = parse_csv("\n".join([HEADER, GOOD, renewal]))
    assert in_force(contracts, date(2027, 3, 1))[("Slack", "Pro")].quantity == 120
    assert in_force(contracts, date(2026, 12, 31))[("Slack", "Pro")].quantity == 100
    assert in_force(contracts, date(2028, 1, 1)) == {}
    with pytest.raises(ContractError, match=r"row 3, column 'term_start'.*overlaps.*row 2"):
        parse_csv("\n".join([HEADER, GOOD, overlap]))


RENEWALS = [
    # today, lead days, due?  (notice date is 2026-12-01: term end 2026-12-31, 30 days notice)
    (date(2026, 10, 31), 30, False),
    (date(2026, 11, 1), 30, True),
    (date(2026, 12, 1), 30, True),
    (date(2026, 12, 2), 30, False),
    (date(2026, 9, 2), 90, True),
    (date(2026, 9, 1), 90, False),
]


@pytest.mark.parametrize(
    ("today", "lead", "due"), RENEWALS, ids=[f"{t}-lead{lead}" for t, lead, _ in RENEWALS]
)
def test_a_renewal_alert_is_due_from_notice_date_minus_lead_until_the_notice_date(
    today: date, lead: int, due: bool
) -> None:
    contracts = parse_csv(HEADER + "\n" + GOOD + "\n")
    assert bool(renewals_due(contracts, today, lead)) is due


def test_renewals_due_come_soonest_notice_first() -> None:
    zoom = "Zoom,Biz,10,13.33,USD,2026-01-01,2026-12-20,60,per_seat"  # notice date 2026-10-21
    contracts = parse_csv("\n".join([HEADER, GOOD, zoom]))
    assert [c.vendor for c in renewals_due(contracts, date(2026, 10, 15), 90)] == ["Zoom", "Slack"]
