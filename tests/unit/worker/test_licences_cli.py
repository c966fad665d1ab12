"""``deskpilot licences report``: position and chargeback CSV from files, and its errors."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from worker.cli.licences import app

CONTRACTS = """vendor,sku,quantity,unit_price,currency,term_start,term_end,notice_days,billing_model
Zoom,Pro,10,13.33,USD,2026-01-01,2026-12-31,60,per_seat
Slack,Pro,4,8.75,USD,2026-01-01,2026-12-31,30,per_seat
"""
USAGE = """identity,vendor,sku,created,hr_status,service_account,cost_centre,source,last_activity,usage_pct
a,Zoom,Pro,2020-01-01,active,no,CC1,okta_last_login,2026-11-30T10:00:00Z,
b,Zoom,Pro,2020-01-01,active,no,CC2,,,
c,Zoom,Pro,2020-01-01,leaver,no,CC2,okta_last_login,2026-11-30,
a,Slack,Pro,2020-01-01,active,no,CC1,slack_billing_active,2026-10-20,
d,Slack,Pro,2020-01-01,active,no,=HYPERLINK("x"),,,
"""


def _files(tmp_path: Path, usage: str = USAGE) -> list[str]:
    (tmp_path / "c.csv").write_text(CONTRACTS, encoding="utf-8")
    (tmp_path / "u.csv").write_text(usage, encoding="utf-8")
    (tmp_path / "allow.csv").write_text(
        "identity,vendor,sku,expires,reason\nb,Zoom,Pro,2026-12-31,board\n", encoding="utf-8"
    )
    return ["report", "--contracts", str(tmp_path / "c.csv"), "--usage", str(tmp_path / "u.csv"),
            "--at", "2026-12-01T09:00:00Z", "--allow", str(tmp_path / "allow.csv")]  # fmt: skip


def test_report_writes_the_position_and_a_chargeback_that_ties_out(tmp_path: Path) -> None:
    args = [*_files(tmp_path), "--threshold", "Slack=30", "--chargeback", str(tmp_path / "cb.csv")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = {(r["vendor"], r["sku"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    slack, zoom = lines[("Slack", "Pro")], lines[("Zoom", "Pro")]
    assert (zoom["assigned"], zoom["active"], zoom["exempt"], zoom["leaver"]) == (
        "3",
        "2",
        "1",
        "1",
    )
    assert zoom["waste"] == str((7 + 0 + 1) * Decimal("13.33"))
    # a's Slack signal is 42 days old: within 30 + its 28-day lag, so kept; d never seen
    assert (slack["active"], slack["unused"], slack["waste"]) == ("1", "1", "26.25")
    with (tmp_path / "cb.csv").open(encoding="utf-8", newline="") as handle:
        split = list(csv.DictReader(handle))
    for vendor, cost in (("Zoom", Decimal("133.30")), ("Slack", Decimal("35.00"))):
        assert sum(Decimal(r["amount"]) for r in split if r["vendor"] == vendor) == cost
    centres = {r["cost_centre"] for r in split}
    assert {"CC1", "CC2", "unallocated", '\'=HYPERLINK("x")'} == centres


def test_top_down_shares_leave_the_rest_unallocated(tmp_path: Path) -> None:
    args = [*_files(tmp_path), "--share", "CC1=60", "--chargeback", str(tmp_path / "cb.csv")]
    assert CliRunner().invoke(app, args).exit_code == 0
    split = list(csv.DictReader(io.StringIO((tmp_path / "cb.csv").read_text(encoding="utf-8"))))
    zoom = {r["cost_centre"]: Decimal(r["amount"]) for r in split if r["vendor"] == "Zoom"}
    assert zoom == {"CC1": Decimal("79.98"), "unallocated": Decimal("53.32")}


def test_per_user_chargeback_charges_each_user_their_seats(tmp_path: Path) -> None:
    out = tmp_path / "cb.xlsx"
    args = [*_files(tmp_path), "--per-user", "--chargeback", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert ("currency", "cost_centre", "identity", "seats", "amount") == rows[0]
    got = {(r[1], r[2] or ""): (r[3], Decimal(str(r[4]))) for r in rows[1:]}
    assert got[("CC1", "a")] == (2, Decimal("22.08"))  # Zoom 13.33 + Slack 8.75
    assert got[("unallocated", "")] == (9, Decimal("110.81"))  # 7 x 13.33 + 2 x 8.75 unheld
    assert got[('\'=HYPERLINK("x")', "d")] == (1, Decimal("8.75"))
    assert sum(amount for _, amount in got.values()) == Decimal("168.30")  # the invoice
    both = CliRunner().invoke(app, [*args, "--share", "CC1=50"])
    assert both.exit_code == 2
    assert "--per-user and --share" in both.output


def test_bad_input_exits_2_naming_row_and_column(tmp_path: Path) -> None:
    bad = USAGE.replace("okta_last_login,2026-11-30,", "okta,2026-11-30,")
    result = CliRunner().invoke(app, _files(tmp_path, bad))
    assert result.exit_code == 2
    assert "usage row 4, column 'source': 'okta' is not one of" in result.output
    missing = CliRunner().invoke(app, ["report", "--contracts", str(tmp_path / "nope.csv"),
                                       "--usage", str(tmp_path / "u.csv")])  # fmt: skip
    assert missing.exit_code == 2
    assert "nope.csv: cannot read" in missing.output


def _workbook(path: Path, price: object) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(CONTRACTS.splitlines()[0].split(","))
    sheet.append(
        [
            "Zoom",
            "Pro",
            10.0,
            price,
            "USD",
            datetime(2026, 1, 1),  # noqa: DTZ001 - worksheet cells carry no time zone
            date(2026, 12, 31),
            60,
            "per_seat",
        ]
    )
    sheet.append(["Slack", "Pro", 4, "8.75", "USD", "2026-01-01", "2026-12-31", 30, "per_seat"])
    book.save(path)


def test_contracts_are_read_from_xlsx_with_numbers_and_dates(tmp_path: Path) -> None:
    args = _files(tmp_path)
    _workbook(tmp_path / "c.xlsx", 13.33)
    args[args.index(str(tmp_path / "c.csv"))] = str(tmp_path / "c.xlsx")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    zoom = next(r for r in csv.DictReader(io.StringIO(result.stdout)) if r["vendor"] == "Zoom")
    assert (zoom["purchased"], zoom["unit_price"], zoom["cost"]) == ("10", "13.33", "133.30")

    _workbook(tmp_path / "c.xlsx", "thirteen")
    bad = CliRunner().invoke(app, args)
    assert bad.exit_code == 2
    assert "contracts row 2, column 'unit_price': 'thirteen' is not a number" in bad.output
    (tmp_path / "c.xlsx").write_text("not a zip", encoding="utf-8")
    broken = CliRunner().invoke(app, args)
    assert broken.exit_code == 2
    assert "cannot read as an .xlsx workbook" in broken.output


def test_xlsx_output_reads_back_with_decimal_totals_and_no_formula(tmp_path: Path) -> None:
    args = [
        *_files(tmp_path),
        "--out",
        str(tmp_path / "p.xlsx"),
        "--chargeback",
        str(tmp_path / "cb.xlsx"),
    ]
    assert CliRunner().invoke(app, args).exit_code == 0
    position = load_workbook(tmp_path / "p.xlsx").active
    assert position is not None
    header, *rows = [list(r) for r in position.iter_rows(values_only=True)]
    cost = header.index("cost")
    assert sum(Decimal(str(r[cost])) for r in rows) == Decimal("168.30")  # 10 x 13.33 + 4 x 8.75
    split = load_workbook(tmp_path / "cb.xlsx").active
    assert split is not None
    values = [list(r) for r in split.iter_rows(values_only=True)][1:]
    assert sum(Decimal(str(r[5])) for r in values) == Decimal("168.30")
    assert '\'=HYPERLINK("x")' in [r[3] for r in values]
