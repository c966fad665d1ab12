"""``deskpilot licences reconcile``: invoice files in, CSV and .xlsx report out, one audit entry."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from worker.cli.licences import app
from worker.db.audit import verify_chain
from worker.db.database import Database
from worker.db.records import AuditRow

CONTRACTS = """vendor,sku,quantity,unit_price,currency,term_start,term_end,notice_days,billing_model
Microsoft,E3,100,33.70,EUR,2026-01-01,2026-12-31,60,per_seat
Zoom,Business,40,13.33,USD,2026-01-01,2026-12-31,60,per_seat
Slack,Pro,120,8.75,USD,2026-01-01,2026-12-31,30,active_user
"""
POOLS = """vendor,sku,name,purchased,assigned,holders,status,taken_at
Microsoft,E3,E3,105,104,104,active,2026-10-31T23:00:00+00:00
Zoom,Business,Business,,38,38,active,2026-10-31T23:00:00+00:00
Slack,Pro,Pro,,130,130,active,2026-10-31T23:00:00+00:00
"""
HEADER = ("vendor,invoice_number,line,sku,billed_quantity,billed_unit_price,billed_amount,"
          "period_start,period_end,currency,invoice_date")  # fmt: skip
SEEDED = f"""{HEADER}
Microsoft,INV-1,1,E3,105,33.70,3538.50,2026-11-01,2026-11-30,EUR,
Microsoft,INV-1,2,E3,5,33.70,84.25,2026-11-16,2026-11-30,EUR,2026-11-16
Zoom,INV-2,1,Business,40,13.99,559.60,2026-11-01,2026-11-30,USD,
Zoom,INV-2,2,Business,4O,13.33,533.20,2026-11-01,2026-11-30,USD,
Slack,INV-3,1,Pro,97,8.75,848.75,2026-11-01,2026-11-30,USD,
Slack,INV-3,2,Pro,-3,8.75,-26.25,2026-11-01,2026-11-30,USD,
"""


@pytest.fixture
def files(tmp_path: Path, db: Database, database_url: str) -> Path:
    (tmp_path / "contracts.csv").write_text(CONTRACTS, encoding="utf-8")
    (tmp_path / "pools.csv").write_text(POOLS, encoding="utf-8")
    (tmp_path / "seeded.csv").write_text(SEEDED, encoding="utf-8")
    (tmp_path / "deskpilot.yaml").write_text(
        f"database_url: '{database_url}'\nlicences: {{contracts: '{tmp_path / 'contracts.csv'}'}}\n"
    )
    return tmp_path


def run(files: Path, invoice: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        ["reconcile", "--config", str(files / "deskpilot.yaml"), "--invoice", str(files / invoice),
         "--pools", str(files / "pools.csv"), "--out", str(files / "out"), *args],
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def audit_entries(db: Database) -> list[dict[str, object]]:
    with db.session() as session:
        assert verify_chain(session).ok
        rows = session.scalars(
            select(AuditRow).where(AuditRow.action == "licences.invoice_reconciled")
        ).all()
        return [dict(r.data) for r in rows]


def test_seeded_invoice_reports_every_line_the_bad_row_and_an_audit_entry(
    files: Path, db: Database
) -> None:
    code, out, err = run(files, "seeded.csv")

    assert 1 == code  # a row was rejected: the report is written all the same
    assert "rejected: " in err
    assert "seeded.csv row 5, column 'billed_quantity': '4O' is not a number" in err
    assert "5 line(s) reconciled, 1 disputed, 1 rejected" in out
    book = load_workbook(files / "out" / "reconcile-seeded.xlsx")
    sheet = book.active
    assert sheet is not None
    header, *body = list(sheet.iter_rows(values_only=True))
    table = [dict(zip(header, r, strict=True)) for r in body]
    got = [(r["vendor"], r["line"], r["reason"], r["status"]) for r in table]
    assert got == [
        ("Microsoft", "1", "true-up", "explained"),
        ("Microsoft", "2", "proration", "explained"),
        ("Zoom", "1", "price-uplift", "disputed"),
        ("Slack", "1", "fair-billed", "explained"),
        ("Slack", "2", "fair-billed", "explained"),
        (None, None, "bad-row", "rejected"),
        ("TOTAL", None, None, None),
        ("TOTAL", None, None, None),
    ]
    totals = {r["currency"]: (Decimal(str(r["billed_amount"])), Decimal(str(r["expected_amount"])))
              for r in table if r["vendor"] == "TOTAL"}  # fmt: skip
    # recomputed here: billed as on the invoice; expected = pool or billed quantity x contract
    assert totals == {
        "EUR": (Decimal("3538.50") + Decimal("84.25"), 105 * Decimal("33.70") + Decimal("84.25")),
        "USD": (Decimal("559.60") + Decimal("848.75") - Decimal("26.25"),
                40 * Decimal("13.33") + 94 * Decimal("8.75")),
    }  # fmt: skip
    with (files / "out" / "reconcile-seeded.csv").open(encoding="utf-8", newline="") as handle:
        same = list(csv.DictReader(handle))
    assert [r["reason"] for r in same] == [r["reason"] or "" for r in table]
    [entry] = audit_entries(db)
    assert entry["lines"] == 5
    assert entry["disputed"] == 1
    assert entry["reasons"] == {"fair-billed": 2, "price-uplift": 1, "proration": 1, "true-up": 1}
    assert entry["rejected"] == [
        {"row": 5, "column": "billed_quantity", "problem": "'4O' is not a number"}
    ]
    assert entry["totals"] == {
        "EUR": {"billed": "3622.75", "expected": "3622.75"},
        "USD": {"billed": "1382.10", "expected": "1355.70"},
    }


def _xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    nov1 = datetime(2026, 11, 1)  # noqa: DTZ001 - worksheet cells carry no time zone
    sheet.append(["Microsoft", "INV-1", 1, "E3", 105.0, 33.7, 3538.5, nov1, date(2026, 11, 30),
                  "EUR", None])  # fmt: skip
    sheet.append(["Zoom", "INV-2", 1, "Business", 40, 13.33, 533.2, nov1, date(2026, 11, 30),
                  "USD", None])  # fmt: skip
    sheet.append(["Slack", "INV-3", 1, "Pro", 101, "8.75", "883.75", "2026-11-01",
                  "2026-11-30", "USD", "2026-11-02"])  # fmt: skip
    with path.open("wb") as handle:
        book.save(handle)


@pytest.mark.parametrize(
    ("name", "args"),
    [("clean.xlsx", ()), ("clean.bin", ("--format", "xlsx"))],
    ids=["by-suffix", "by-format"],
)
def test_a_clean_xlsx_invoice_flags_nothing(
    files: Path, db: Database, name: str, args: tuple[str, ...]
) -> None:
    _xlsx(files / name)
    code, out, err = run(files, name, *args)

    assert (0, "") == (code, err)
    assert "3 line(s) reconciled, 0 disputed, 0 rejected" in out
    stem = name.split(".")[0]
    with (files / "out" / f"reconcile-{stem}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["reason"], r["amount_delta"]) for r in rows if r["vendor"] != "TOTAL"] == [
        ("true-up", "0.00"), ("none", "0.00"), ("fair-billed", "0.00")
    ]  # fmt: skip
    assert [len(audit_entries(db))] == [1]


@pytest.mark.parametrize(
    ("setting", "disputed"),
    [("", 1), ("reconcile_price_pct: 5, ", 0)],
    ids=["default-half-percent", "five-percent"],
)
def test_the_price_threshold_comes_from_the_configuration(
    files: Path, setting: str, disputed: int
) -> None:
    config = files / "deskpilot.yaml"
    config.write_text(config.read_text().replace("licences: {", "licences: {" + setting))
    (files / "seeded.csv").write_text(SEEDED.replace(",4O,", ",40,"), encoding="utf-8")
    code, out, _ = run(files, "seeded.csv")
    assert 0 == code
    assert f"6 line(s) reconciled, {disputed} disputed" in out


@pytest.mark.parametrize(
    ("change", "args", "message"),
    [
        ("billed_amount", (), "seeded.csv row 1, column 'billed_amount': column is missing"),
        (None, ("--format", "ods"), "--format 'ods': expected csv or xlsx"),
        (None, ("--contracts", "nope.csv"), "nope.csv: cannot read"),
    ],
    ids=["missing-column", "bad-format", "no-contracts-file"],
)
def test_input_that_cannot_be_read_exits_2_and_writes_nothing(
    files: Path, db: Database, change: str | None, args: tuple[str, ...], message: str
) -> None:
    if change is not None:
        (files / "seeded.csv").write_text(SEEDED.replace(change, "amount"), encoding="utf-8")
    code, _, err = run(files, "seeded.csv", *args)
    assert 2 == code
    assert message in err
    assert not (files / "out").exists()
    assert [] == audit_entries(db)
