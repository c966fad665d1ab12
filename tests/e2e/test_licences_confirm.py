"""
A reclaim applied through the real pipeline, then the vendor's invoices kept by the
reconciliation: the saving is confirmed only once an invoice for a later period bills the fewer
seats, and a rolled-back reclaim confirms nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from playbooks.licences.confirm import Confirmation, confirmed
from playbooks.licences.contracts import Contract
from playbooks.licences.invoice import InvoiceLine
from playbooks.licences.reconcile import reconcile
from tests.e2e.test_licences_reclaim import ALICE, approve_and_apply, reclaimed_in_december
from tests.integration.playbooks.world import world
from worker.cli.licences import app
from worker.reports.licence_recon import invoice_lines, store_lines
from worker.runs.rollback import roll_back

PRICE = Decimal("36.00")
LEDGER = [
    Contract("Microsoft", "m365-e3", 10, PRICE, "EUR", dt.date(2026, 1, 1),
             dt.date(2027, 12, 31), 30, "per_seat"),
]  # fmt: skip
DEC, FEB = dt.date(2026, 12, 1), dt.date(2027, 2, 1)


def bill(number: str, seats: int, start: dt.date, end: dt.date) -> InvoiceLine:
    return InvoiceLine(
        "Microsoft", number, "1", "m365-e3", seats, PRICE, seats * PRICE, start, end, "EUR", start
    )


DECEMBER = bill("INV-12", 10, DEC, dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("january", "expected"),
    [
        (bill("INV-1", 9, dt.date(2027, 1, 1), dt.date(2027, 1, 31)), (1, PRICE, "confirmed")),
        (bill("INV-1", 10, dt.date(2027, 1, 1), dt.date(2027, 1, 31)), (0, 0, "unconfirmed")),
        (None, (0, 0, "unconfirmed")),
    ],
    ids=["january-bills-one-fewer", "january-bills-the-same", "no-january-invoice-yet"],
)
def test_an_applied_reclaim_is_confirmed_by_the_next_invoice_only(
    database_url: str,
    tmp_path: Path,
    january: InvoiceLine | None,
    expected: tuple[int, Decimal, str],
) -> None:
    with world(database_url) as w:
        key = approve_and_apply(w, ALICE)
        (done,) = reclaimed_in_december(w)
        assert DEC <= done.on < dt.date(2027, 1, 1)
        invoices = [DECEMBER] if january is None else [DECEMBER, january]
        with w.rt.db.session() as session:
            store_lines(session, "a" * 64, reconcile(invoices, LEDGER), w.rt.clock())

        with w.rt.db.session() as session:
            billed = invoice_lines(session)
        seats, amount, status = expected
        numbers = ("INV-1",) if seats else ()
        assert [
            Confirmation("Microsoft", "m365-e3", "EUR", 1, seats, Decimal(amount), status, numbers)
        ] == confirmed(LEDGER, [done], billed, DEC, FEB)

        assert [
            ["Microsoft", "m365-e3", "EUR", "1", "36.00", str(seats), str(amount), status,
             " ".join(numbers)],
            ["TOTAL", "", "EUR", "1", "36.00", str(seats), str(amount), "", ""],
        ] == month_report(database_url, tmp_path)  # fmt: skip

        roll_back(w.rt, w.runs(key)[0].id, "dave", "dave@example.com")
        w.drain()
        assert [] == confirmed(LEDGER, reclaimed_in_december(w), billed, DEC, FEB)
        assert [] == month_report(database_url, tmp_path)


def month_report(database_url: str, tmp_path: Path) -> list[list[str]]:
    """``deskpilot licences savings --month 2026-12``: its CSV rows below the header."""
    (tmp_path / "contracts.csv").write_text(
        "vendor,sku,quantity,unit_price,currency,term_start,term_end,notice_days,billing_model\n"
        "Microsoft,m365-e3,10,36.00,EUR,2026-01-01,2027-12-31,30,per_seat\n"
    )
    (tmp_path / "deskpilot.yaml").write_text(
        f"database_url: '{database_url}'\nlicences: {{contracts: '{tmp_path / 'contracts.csv'}'}}\n"
    )
    result = CliRunner().invoke(
        app, ["savings", "--month", "2026-12", "--config", str(tmp_path / "deskpilot.yaml")]
    )
    assert 0 == result.exit_code, result.stderr
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    assert header[3:5] == ["reclaimed", "savings"]
    return rows
