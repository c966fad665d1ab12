"""
Savings confirmed by the next invoice: ``licences reconcile`` keeps the invoice lines (the same
file twice adds nothing, a re-issue supersedes), and a reclaim's saving is confirmed when a later
invoice bills the fewer seats; Slack's fair-billed seats need no invoice.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from playbooks.licences.confirm import confirmed, with_confirmations
from playbooks.licences.report import MONTHLY_HEADER, POSITION_HEADER, position, position_rows
from playbooks.licences.savings import Reclaimed, realised, with_savings
from worker.cli.licences import app
from worker.db.database import Database
from worker.db.licences import LicenceInvoiceLineRow
from worker.db.records import AuditRow
from worker.reports.licence_files import read_contracts, write_table
from worker.reports.licence_recon import invoice_lines

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
CONTRACTS = """vendor,sku,quantity,unit_price,currency,term_start,term_end,notice_days,billing_model
Microsoft,E3,100,33.70,EUR,2026-01-01,2026-12-31,60,per_seat
Zoom,Business,40,13.33,USD,2026-01-01,2026-12-31,60,per_seat
Slack,Pro,120,8.75,USD,2026-01-01,2026-12-31,30,active_user
"""
HEADER = ("vendor,invoice_number,line,sku,billed_quantity,billed_unit_price,billed_amount,"
          "period_start,period_end,currency")  # fmt: skip
NOVEMBER = f"""{HEADER}
Microsoft,M-11,1,E3,100,33.70,3370.00,2026-11-01,2026-11-30,EUR
Zoom,Z-11,1,Business,40,13.33,533.20,2026-11-01,2026-11-30,USD
"""
RECLAIMED = [
    Reclaimed("Microsoft", "E3", "a@example.com", date(2026, 11, 10)),
    Reclaimed("Microsoft", "E3", "b@example.com", date(2026, 11, 12)),
    Reclaimed("Microsoft", "E3", "c@example.com", date(2026, 11, 20)),
    Reclaimed("Zoom", "Business", "d@example.com", date(2026, 11, 5)),
    Reclaimed("Zoom", "Business", "e@example.com", date(2026, 11, 5)),
    Reclaimed("Slack", "Pro", "f@example.com", date(2026, 11, 15)),
    Reclaimed("Slack", "Pro", "g@example.com", date(2026, 11, 16)),
]


def december(e3: int, zoom: int, extra: str = "") -> str:
    return (
        f"{HEADER}\n"
        f"Microsoft,M-12,1,E3,{e3},33.70,{Decimal('33.70') * e3},2026-12-01,2026-12-31,EUR\n"
        f"Zoom,Z-12,1,Business,{zoom},13.33,{Decimal('13.33') * zoom},2026-12-01,2026-12-31,USD\n"
        + extra
    )


@pytest.fixture
def files(tmp_path: Path, db: Database, database_url: str) -> Path:
    (tmp_path / "contracts.csv").write_text(CONTRACTS, encoding="utf-8")
    (tmp_path / "nov.csv").write_text(NOVEMBER, encoding="utf-8")
    (tmp_path / "deskpilot.yaml").write_text(
        f"database_url: '{database_url}'\nlicences: {{contracts: '{tmp_path / 'contracts.csv'}'}}\n"
    )
    return tmp_path


def reconcile(files: Path, invoice: str) -> str:
    result = CliRunner().invoke(
        app,
        ["reconcile", "--config", str(files / "deskpilot.yaml"), "--invoice",
         str(files / invoice), "--out", str(files / "out")],
    )  # fmt: skip
    assert 0 == result.exit_code, result.stderr
    return result.stdout


def monthly_rows(db: Database, files: Path) -> dict[tuple[str, str], dict[str, str]]:
    """The monthly report's rows as the monthly run builds and writes them, read back."""
    ledger = read_contracts(files / "contracts.csv")
    with db.session() as session:
        billed = invoice_lines(session)
    lines = with_savings(position(ledger, [], DEC), realised(ledger, RECLAIMED, NOV, DEC))
    lines = with_confirmations(lines, confirmed(ledger, RECLAIMED, billed, NOV, DEC))
    write_table(MONTHLY_HEADER, position_rows(lines, savings=True), files / "m.csv")
    write_table(MONTHLY_HEADER, position_rows(lines, savings=True), files / "m.xlsx")
    with (files / "m.csv").open(encoding="utf-8", newline="") as handle:
        rows = {(r["vendor"], r["sku"]): r for r in csv.DictReader(handle)}
    sheet = load_workbook(files / "m.xlsx").active
    assert sheet is not None
    header, *body = list(sheet.iter_rows(values_only=True))
    assert tuple(header) == MONTHLY_HEADER
    for cells in body:
        row = rows[(str(cells[0]), str(cells[1]))]
        seats, saved = cells[-4], cells[-3]
        assert (Decimal(str(seats)), Decimal(str(saved))) == (
            Decimal(row["confirmed_seats"]),
            Decimal(row["confirmed_savings"]),
        )  # the workbook carries the same figures as the CSV
    return rows


@pytest.mark.parametrize(
    ("invoice", "e3", "zoom"),
    [
        (
            december(97, 38),
            ("confirmed", "3", "101.10", "M-12"),
            ("confirmed", "2", "26.66", "Z-12"),
        ),
        (december(100, 40), ("unconfirmed", "0", "0", ""), ("unconfirmed", "0", "0", "")),
        (december(99, 39), ("partial", "1", "33.70", "M-12"), ("partial", "1", "13.33", "Z-12")),
        (
            december(100, 41, "Microsoft,M-12,2,E3,-3,33.70,-101.10,2026-12-01,2026-12-31,EUR\n"),
            ("confirmed", "3", "101.10", "M-12"),
            ("unconfirmed", "0", "0", ""),
        ),
        (
            december(100, 40, "Microsoft,M-12,2,E3,2,33.70,33.70,2026-12-17,2026-12-31,EUR\n"),
            ("unconfirmed", "0", "0", ""),
            ("unconfirmed", "0", "0", ""),
        ),
        (HEADER + "\n", ("unconfirmed", "0", "0", ""), ("unconfirmed", "0", "0", "")),
    ],
    ids=[
        "invoice-shows-the-reduction",
        "invoice-does-not-show-it",
        "partial-reduction",
        "credit-line-counts-added-seat-hides",
        "a-proration-is-no-drop",
        "no-later-invoice-yet",
    ],
)
def test_a_saving_is_confirmed_by_a_later_invoice_billing_fewer_seats(
    files: Path,
    db: Database,
    invoice: str,
    e3: tuple[str, str, str, str],
    zoom: tuple[str, str, str, str],
) -> None:
    (files / "dec.csv").write_text(invoice, encoding="utf-8")
    reconcile(files, "nov.csv")
    reconcile(files, "dec.csv")

    rows = monthly_rows(db, files)
    tail = ("confirmation", "confirmed_seats", "confirmed_savings", "confirmed_by")
    assert tuple(rows[("Microsoft", "E3")][k] for k in tail) == e3
    assert tuple(rows[("Zoom", "Business")][k] for k in tail) == zoom
    # Slack self-serve bills active members (Fair Billing): realised without an invoice
    assert tuple(rows[("Slack", "Pro")][k] for k in tail) == ("fair-billed", "2", "17.50", "")
    # the applied figures are unchanged, in their old place
    assert (rows[("Microsoft", "E3")]["reclaimed"], rows[("Microsoft", "E3")]["savings"]) == (
        "3",
        "101.10",
    )
    assert list(MONTHLY_HEADER[: len(POSITION_HEADER) + 2]) == [
        *POSITION_HEADER,
        "reclaimed",
        "savings",
    ]
    # totals per currency tie out to the cent: worked by hand, and as Decimal from the file
    confirmed_total: dict[str, Decimal] = {}
    for r in rows.values():
        confirmed_total[r["currency"]] = confirmed_total.get(r["currency"], Decimal(0)) + Decimal(
            r["confirmed_savings"]
        )
    assert confirmed_total == {
        "EUR": Decimal(e3[1]) * Decimal("33.70"),
        "USD": Decimal(zoom[1]) * Decimal("13.33") + 2 * Decimal("8.75"),
    }
    assert all(Decimal(r["confirmed_savings"]) <= Decimal(r["savings"]) for r in rows.values())


def stored(db: Database) -> list[tuple[str, str, str | None]]:
    with db.session() as session:
        return [
            (r.invoice_number, r.line, r.superseded_by)
            for r in session.scalars(
                select(LicenceInvoiceLineRow).order_by(
                    LicenceInvoiceLineRow.invoice_number, LicenceInvoiceLineRow.id
                )
            )
        ]


def test_reconciling_the_same_file_again_stores_nothing_twice(files: Path, db: Database) -> None:
    (files / "dec.csv").write_text(december(97, 38), encoding="utf-8")
    assert "2 line(s) stored, 0 already stored" in reconcile(files, "nov.csv")
    assert "2 line(s) stored, 0 already stored" in reconcile(files, "dec.csv")
    before, rows = stored(db), monthly_rows(db, files)

    assert "0 line(s) stored, 2 already stored" in reconcile(files, "dec.csv")
    assert "0 line(s) stored, 2 already stored" in reconcile(files, "nov.csv")

    assert stored(db) == before
    assert [
        ("M-11", "1", None),
        ("M-12", "1", None),
        ("Z-11", "1", None),
        ("Z-12", "1", None),
    ] == before
    assert monthly_rows(db, files) == rows
    with db.session() as session:
        audits = session.scalar(
            select(func.count()).where(AuditRow.action == "licences.invoice_reconciled")
        )
        last = session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).one()
    assert 4 == audits  # every run is audited, even one that stores nothing new
    assert {"added": 0, "superseded": 0} == last.data["stored"]


def test_a_reissued_invoice_supersedes_the_earlier_issue(files: Path, db: Database) -> None:
    (files / "dec.csv").write_text(december(100, 40), encoding="utf-8")
    (files / "dec-reissued.csv").write_text(december(97, 40), encoding="utf-8")
    reconcile(files, "nov.csv")
    reconcile(files, "dec.csv")
    assert "unconfirmed" == monthly_rows(db, files)[("Microsoft", "E3")]["confirmation"]

    out = reconcile(files, "dec-reissued.csv")

    assert "2 line(s) stored, 0 already stored, 2 line(s) of an earlier issue superseded" in out
    assert "confirmed" == monthly_rows(db, files)[("Microsoft", "E3")]["confirmation"]
    superseded = [(n, by) for n, _, by in stored(db) if by is not None]
    assert [n for n, _ in superseded] == ["M-12", "Z-12"]
    # the earlier file reconciled again adds nothing and does not take the place back
    assert "0 line(s) stored, 2 already stored" in reconcile(files, "dec.csv")
    assert "confirmed" == monthly_rows(db, files)[("Microsoft", "E3")]["confirmation"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2026-13"), "--month '2026-13': expected YYYY-MM"),
        (("--month", "December"), "--month 'December': expected YYYY-MM"),
        (("--month", "2026-11", "--contracts", "nope.csv"), "nope.csv: cannot read"),
    ],
    ids=["no-such-month", "not-a-month", "no-contracts-file"],
)
def test_the_savings_command_refuses_what_it_cannot_read(
    files: Path, args: tuple[str, ...], message: str
) -> None:
    result = CliRunner().invoke(app, ["savings", "--config", str(files / "deskpilot.yaml"), *args])
    assert (2, "") == (result.exit_code, result.stdout)
    assert message in result.stderr


def test_the_savings_command_with_nothing_reclaimed_prints_the_header_only(files: Path) -> None:
    reconcile(files, "nov.csv")
    result = CliRunner().invoke(
        app, ["savings", "--month", "2026-11", "--config", str(files / "deskpilot.yaml")]
    )
    assert 0 == result.exit_code
    assert ["vendor,sku,currency,reclaimed,savings,confirmed_seats,confirmed_savings,"
            "confirmation,confirmed_by"] == result.stdout.splitlines()  # fmt: skip
