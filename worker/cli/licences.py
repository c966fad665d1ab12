"""
``deskpilot licences snapshot|report|reclaim|reconcile|savings``: vendor seats and activity to a
usage CSV, the licence position and chargeback as CSV or .xlsx, the reclaim worklist, a vendor
invoice reconciled against the ledger (its lines kept), and a month's savings, applied and
confirmed by invoice (docs/licences.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from connectors.errors import DeskpilotError
from playbooks.licences.contracts import Contract, ContractError
from playbooks.licences.invoice import InvoiceRowError, add_months, parse_invoice, parse_pools
from playbooks.licences.reclaim import candidates
from playbooks.licences.reconcile import RECONCILE_HEADER, reconcile_rows
from playbooks.licences.reconcile import reconcile as reconcile_lines
from playbooks.licences.report import (
    POSITION_HEADER,
    USER_CHARGEBACK_HEADER,
    ReportError,
    chargeback_per_licence,
    chargeback_per_user,
    chargeback_top_down,
    position,
    position_rows,
)
from playbooks.licences.snapshot import USAGE_HEADER, seat_differences, usage_rows
from playbooks.licences.usage import Policy, UsageError, assess_all
from playbooks.licences.usage_csv import UsageFileError, parse_allow, parse_usage
from playbooks.spreadsheet import write_csv
from worker.cli.common import ConfigOption, database_or_exit, settings_or_exit
from worker.config import ConfigError
from worker.db import audit
from worker.reports.licence_files import (
    LicenceFileError,
    read_contracts,
    read_table,
    read_text,
    write_table,
)
from worker.reports.licence_recon import file_sha256, reconcile_audit, store_lines
from worker.reports.licence_savings import SAVINGS_HEADER, month_savings, savings_rows
from worker.wiring.directories import build_directory
from worker.wiring.licences import build_source, directory_activity

app = typer.Typer(
    help="Licences: vendor snapshots, the seat position and chargeback.", no_args_is_help=True
)

CHARGEBACK_HEADER = ("vendor", "sku", "currency", "cost_centre", "seats", "amount")


@app.callback()
def licences() -> None:
    """Licences: the seat position and chargeback (docs/licences.md)."""


def _read(path: Path) -> str:
    try:
        return read_text(path)
    except LicenceFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _contracts(path: Path) -> list[Contract]:
    """The ledger from CSV, or from the first worksheet of an .xlsx workbook."""
    try:
        return read_contracts(path)
    except LicenceFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, number = value.partition("=")
        if not sep or not name.strip() or not number.strip():
            typer.echo(f"{option} {value!r}: expected NAME=NUMBER", err=True)
            raise typer.Exit(2)
        out[name.strip()] = number.strip()
    return out


def _save(header: Sequence[str], rows: Sequence[Sequence[object]], out: Path | None) -> None:
    """CSV to ``out`` (stdout when None), or a workbook when ``out`` ends in .xlsx."""
    if out is None:
        typer.echo(write_csv(header, rows), nl=False)
    else:
        write_table(header, rows, out)


@app.command()
def report(
    contracts: Annotated[Path, typer.Option(help="contracts CSV or .xlsx (the seat ledger)")],
    usage: Annotated[Path, typer.Option(help="usage CSV: one row per activity signal")],
    allow: Annotated[Path | None, typer.Option(help="allow-list CSV")] = None,
    at: Annotated[
        str | None, typer.Option(help="report time, ISO 8601 (default: now, UTC)")
    ] = None,
    threshold: Annotated[
        list[str], typer.Option(help="VENDOR=DAYS inactivity threshold (repeatable)")
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
    default_days: Annotated[int, typer.Option(help="threshold for other vendors")] = 90,
    out: Annotated[
        Path | None, typer.Option(help="position CSV or .xlsx (default: CSV on stdout)")
    ] = None,
    chargeback: Annotated[
        Path | None, typer.Option(help="write chargeback CSV or .xlsx here")
    ] = None,
    share: Annotated[
        list[str], typer.Option(help="COSTCENTRE=PCT for a top-down chargeback (repeatable)")
    ] = [],  # noqa: B006 - as above
    per_user: Annotated[
        bool, typer.Option("--per-user", help="chargeback per user: their seats' unit prices")
    ] = False,
) -> None:
    """Write the position per vendor and SKU (and, with --chargeback, the split) as CSV."""
    if per_user and share:
        typer.echo("--per-user and --share are two ways to split: choose one", err=True)
        raise typer.Exit(2)
    try:
        now = datetime.fromisoformat(at) if at else datetime.now(UTC)
    except ValueError as exc:
        typer.echo(f"--at {at!r}: not an ISO 8601 time", err=True)
        raise typer.Exit(2) from exc
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    try:
        days = {k: int(v) for k, v in _pairs(threshold, "--threshold").items()}
        shares = {k: Decimal(v) for k, v in _pairs(share, "--share").items()}
    except (ValueError, InvalidOperation) as exc:
        typer.echo(f"--threshold/--share: not a number: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        ledger = _contracts(contracts)
        identities, assignments = parse_usage(_read(usage))
        exemptions = parse_allow(_read(allow)) if allow else []
        policy = Policy(default_days=default_days, days_by_vendor=days)
        assessed = assess_all(assignments, identities, policy, exemptions, now)
        lines = position(ledger, assessed, now.date())
        split = (
            chargeback_top_down(lines, shares)
            if shares
            else chargeback_per_licence(lines, assessed, identities)
        )
        users = chargeback_per_user(lines, assessed, identities) if per_user else []
    except (ContractError, UsageFileError, UsageError, ReportError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    rows = position_rows(lines)
    _save(POSITION_HEADER, rows, out)
    if chargeback is not None and per_user:
        rows = [(u.currency, u.cost_centre, u.identity, u.seats, u.amount) for u in users]
        _save(USER_CHARGEBACK_HEADER, rows, chargeback)
    elif chargeback is not None:
        cells = [(a.vendor, a.sku, a.currency, a.cost_centre, a.seats, a.amount) for a in split]
        _save(CHARGEBACK_HEADER, cells, chargeback)


POOL_HEADER = ("vendor", "sku", "name", "purchased", "assigned", "holders", "status", "taken_at")


@app.command()
def snapshot(
    out: Annotated[Path, typer.Option(help="usage CSV to write (the input of `report --usage`)")],
    config: ConfigOption = None,
    source: Annotated[
        list[str], typer.Option(help="read only this source of licences.sources (repeatable)")
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
    pools: Annotated[
        Path | None, typer.Option(help="write the vendors' seat pools here (CSV or .xlsx)")
    ] = None,
    contracts: Annotated[
        Path | None, typer.Option(help="contracts CSV or .xlsx: report where vendors disagree")
    ] = None,
) -> None:
    """Read every configured vendor's seats and activity into a usage CSV (docs/licences.md)."""
    settings = settings_or_exit(config)
    chosen = [s for s in settings.licences.sources if not source or s.name in source]
    unknown = sorted(set(source) - {s.name for s in settings.licences.sources})
    if unknown or not chosen:
        typer.echo(f"no such licence source: {', '.join(unknown) or '(none configured)'}", err=True)
        raise typer.Exit(2)
    try:
        readers = [build_source(s) for s in chosen]
        ledger = _contracts(contracts) if contracts else None
        named = {d.name: d for d in settings.directories}
        activity = [
            directory_activity(n, build_directory(named[n])) for n in settings.licences.directories
        ]
    except (ConfigError, ContractError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    now = datetime.now(UTC)
    snaps = []
    logons = []
    try:
        for reader in readers:
            snaps.append(reader.snapshot(now))
        for directory in activity:
            logons += directory.logons()
    except DeskpilotError as exc:
        typer.echo(f"snapshot failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    _save(USAGE_HEADER, list(usage_rows(snaps, logons)), out)
    if pools is not None:
        rows = [
            (p.vendor, p.sku, p.name, p.purchased, p.assigned, s.assigned().get(p.sku, 0),
             p.status, s.taken_at.isoformat())
            for s in snaps
            for p in s.pools
        ]  # fmt: skip
        _save(POOL_HEADER, rows, pools)
    for difference in seat_differences(snaps, ledger, now.date()) if ledger is not None else []:
        typer.echo(f"differs: {difference}", err=True)


RECLAIM_HEADER = ("identity", "vendor", "sku", "bucket", "reason", "inactive_days", "action")


@app.command()
def reclaim(
    usage: Annotated[Path, typer.Option(help="usage CSV (from `licences snapshot` or by hand)")],
    config: ConfigOption = None,
    allow: Annotated[Path | None, typer.Option(help="allow-list CSV")] = None,
    threshold: Annotated[
        list[str], typer.Option(help="VENDOR=DAYS inactivity threshold (repeatable)")
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
    default_days: Annotated[int, typer.Option(help="threshold for other vendors")] = 90,
    wait_days: Annotated[int, typer.Option(help="notice before a licence may go", min=0)] = 7,
    desk: Annotated[
        str | None, typer.Option(help="desk to open the tickets in (default: licences.ticket's)")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply/--dry-run", help="open the reclaim tickets (default: list)")
    ] = False,
) -> None:
    """List the seats to reclaim (dry run), or open a reclaim ticket for each (--apply)."""
    settings = settings_or_exit(config)
    try:
        days = {k: int(v) for k, v in _pairs(threshold, "--threshold").items()}
    except ValueError as exc:
        typer.echo(f"--threshold: not a number: {exc}", err=True)
        raise typer.Exit(2) from exc
    now = datetime.now(UTC)
    try:
        identities, assignments = parse_usage(_read(usage))
        exemptions = parse_allow(_read(allow)) if allow else []
        policy = Policy(default_days=default_days, days_by_vendor=days)
        assessed = assess_all(assignments, identities, policy, exemptions, now)
        found = candidates(assessed, settings.licences.downgrade_to)
    except (UsageFileError, UsageError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    target = desk or (settings.licences.ticket or "").split(":", 1)[0]
    if apply and settings.desk(target) is None:
        typer.echo(f"--desk {target!r}: no such desk in the configuration", err=True)
        raise typer.Exit(2)
    after = (now + timedelta(days=wait_days)).date().isoformat()
    if not apply:
        rows = [
            (c.identity, c.vendor, c.sku, c.bucket, c.reason, c.inactive_days,
             f"dry run: would open a reclaim ticket; {c.action} on or after {after}")
            for c in found
        ]  # fmt: skip
        _save(RECLAIM_HEADER, rows, None)
        return
    from worker.boot import build_runtime  # the worker's wiring only when something is opened
    from worker.runs.licence_reclaim import open_reclaim

    rt = build_runtime(settings)
    try:
        for c in found:
            opened = open_reclaim(rt, c, desk=target, wait_days=wait_days)
            state = "opened" if opened.opened else "already open"
            typer.echo(f"{opened.key}: {state}: {c.vendor} {c.sku} for {c.identity}")
    except DeskpilotError as exc:
        typer.echo(f"reclaim stopped: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        rt.broker.close()
        rt.db.dispose()


@app.command()
def reconcile(
    invoice: Annotated[Path, typer.Option(help="the vendor's invoice, CSV or .xlsx")],
    config: ConfigOption = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv or xlsx (default: by the invoice's suffix)"),
    ] = None,
    out: Annotated[Path, typer.Option(help="directory for the report (CSV and .xlsx)")] = Path(),
    contracts: Annotated[
        Path | None, typer.Option(help="contracts CSV or .xlsx (default: licences.contracts)")
    ] = None,
    pools: Annotated[
        list[Path], typer.Option(help="seat pools from `licences snapshot --pools` (repeatable)")
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
) -> None:
    """Reconcile an invoice's lines against the ledger and seat pools (docs/licences.md)."""
    settings = settings_or_exit(config)
    cfg = settings.licences
    if fmt not in (None, "csv", "xlsx"):
        typer.echo(f"--format {fmt!r}: expected csv or xlsx", err=True)
        raise typer.Exit(2)
    ledger_path = contracts or cfg.contracts
    if ledger_path is None:
        typer.echo("no contracts: pass --contracts or set licences.contracts", err=True)
        raise typer.Exit(2)
    try:
        ledger = read_contracts(ledger_path)
        counts = [c for p in pools for c in parse_pools(*read_table(p), source=str(p))]
        lines, rejected = parse_invoice(*read_table(invoice, fmt), source=str(invoice))
    except (LicenceFileError, ContractError, InvoiceRowError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    db = database_or_exit(settings)  # before any file is written: every run is audited
    found = reconcile_lines(lines, ledger, counts, cfg.thresholds())
    files = [out / f"reconcile-{invoice.stem}.{suffix}" for suffix in ("csv", "xlsx")]
    try:
        out.mkdir(parents=True, exist_ok=True)
        for path in files:
            write_table(RECONCILE_HEADER, reconcile_rows(found, rejected), path)
        with db.session() as session:
            sha = file_sha256(invoice)
            added, superseded = store_lines(session, sha, found, datetime.now(UTC))
            data = reconcile_audit(invoice, found, rejected, files, ledger_path, pools)
            data["stored"] = {"added": added, "superseded": superseded}
            audit.append(
                session, "licences.invoice_reconciled", actor="deskpilot:licences", data=data
            )
    finally:
        db.dispose()
    for e in rejected:
        typer.echo(f"rejected: {e}", err=True)
    disputed = sum(r.flagged for r in found)
    typer.echo(
        f"{len(found)} line(s) reconciled, {disputed} disputed, {len(rejected)} rejected: "
        + ", ".join(str(f) for f in files)
    )
    typer.echo(
        f"{added} line(s) stored, {len(found) - added} already stored"
        + (f", {superseded} line(s) of an earlier issue superseded" if superseded else "")
    )
    if rejected:
        raise typer.Exit(1)


@app.command()
def savings(
    month: Annotated[str, typer.Option(help="YYYY-MM: the reclaims applied in that month")],
    config: ConfigOption = None,
    contracts: Annotated[
        Path | None, typer.Option(help="contracts CSV or .xlsx (default: licences.contracts)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="CSV or .xlsx (default: CSV on stdout)")] = None,
) -> None:
    """A month's reclaim savings: applied, and confirmed by the invoices reconciled so far."""
    settings = settings_or_exit(config)
    try:
        start = date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        typer.echo(f"--month {month!r}: expected YYYY-MM", err=True)
        raise typer.Exit(2) from exc
    ledger_path = contracts or settings.licences.contracts
    if ledger_path is None:
        typer.echo("no contracts: pass --contracts or set licences.contracts", err=True)
        raise typer.Exit(2)
    try:
        ledger = _contracts(ledger_path)
    except ContractError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    db = database_or_exit(settings)
    try:
        with db.session() as session:
            zone = ZoneInfo(settings.licences.timezone)
            saved, found = month_savings(session, ledger, start, add_months(start, 1), zone)
    except ReportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    finally:
        db.dispose()
    _save(SAVINGS_HEADER, savings_rows(saved, found), out)
