"""
The scheduled licence work: the monthly report (due at ``licences.hour`` site time on day 1),
posted as an internal note on ``licences.ticket`` through the outbox, and a renewal ticket per
contract, opened in the same desk once its notice date is ``lead_days`` away (with the latest
utilisation figures), noted on the licences ticket.

Each piece of work is a ``licence_jobs`` row claimed by one worker (``report:2026-12``,
``renewal:Zoom:Business:2027-02-28``). Vendor snapshots are read outside any transaction; the
position, the note and the claim's finish are then written in one transaction, and the note's
outbox marker carries the job key, so it is posted once even if a worker dies halfway. A
transient vendor error gives the claim back for the queue's retry; anything else ends the job
with a note that says what failed (the report is not silently skipped).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import delete, select, update

from connectors.desks import NewTicket
from connectors.errors import DeskpilotError, TransientError
from playbooks.licences.confirm import Confirmation, with_confirmations
from playbooks.licences.contracts import Contract, ContractError, renewals_due
from playbooks.licences.report import (
    MONTHLY_HEADER,
    USER_CHARGEBACK_HEADER,
    ReportError,
    SkuLine,
    chargeback_per_user,
    position,
    position_rows,
)
from playbooks.licences.savings import Saving, with_savings
from playbooks.licences.snapshot import seat_differences, usage_of
from playbooks.licences.usage import UsageError, assess_all
from playbooks.licences.usage_csv import UsageFileError, parse_allow, parse_usage
from playbooks.outbox import OutboxKind
from worker.config import ConfigError
from worker.db.licences import LicenceJobRow, LicencePositionRow
from worker.db.store import insert_ignore, older_than
from worker.db.tables import TicketRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.reports.licence_files import LicenceFileError, read_contracts, read_text, write_table
from worker.reports.licence_notes import renewal_note, report_note
from worker.reports.licence_savings import month_savings, previous_month
from worker.runtime import Runtime
from worker.wiring.licences import build_source, directory_activity

log = structlog.get_logger("deskpilot.licences")
MARKER_UNSAFE = re.compile(r"[^A-Za-z0-9]+")

INPUT_ERRORS = (
    ConfigError, ContractError, LicenceFileError, UsageFileError, UsageError, ReportError,
)  # fmt: skip


def licence_tick(rt: Runtime) -> list[str]:
    """Do whatever licence work is due now; returns the keys of the jobs finished."""
    cfg = rt.settings.licences
    if cfg.contracts is None or cfg.ticket is None:
        return []
    now = rt.clock()
    ledger = read_contracts(cfg.contracts)
    done: list[str] = []
    for contract in renewals_due(ledger, cfg.site_time(now).date(), cfg.lead_days):
        key = f"renewal:{contract.vendor}:{contract.sku}:{contract.term_end}"
        if claim(rt, key):
            try:
                opened = open_renewal(rt, contract)
            except TransientError:
                release(rt, key)
                raise
            _finish(rt, key, f"Renewal ticket {opened} opened for {contract.vendor} "
                    f"{contract.sku} (notice by {contract.notice_date}).\n", [])  # fmt: skip
            done.append(key)
    period = cfg.due_period(now)
    if period is not None and claim(rt, key := f"report:{period}"):
        try:
            body, lines = _report(rt, ledger, period)
        except TransientError:
            release(rt, key)
            raise
        except (DeskpilotError, *INPUT_ERRORS) as exc:
            log.warning("licences.report_failed", period=period, error=str(exc))
            body, lines = f"# Licence report {period}: not produced\n\n{exc}\n", []
        _finish(rt, key, body, lines, period=period)
        done.append(key)
    return done


def claim(rt: Runtime, key: str) -> bool:
    """Claim ``key`` for this worker: True for exactly one caller (or a takeover after a lease)."""
    now = rt.clock()
    with rt.db.session() as session:
        values = {"key": key, "claimed_by": rt.node, "claimed_at": now, "finished_at": None}
        if insert_ignore(session, LicenceJobRow, values, ("key",)):
            return True
        stale = older_than(now, rt.settings.runtime.lease_s)
        taken = session.execute(
            update(LicenceJobRow)
            .where(LicenceJobRow.key == key, LicenceJobRow.finished_at.is_(None))
            .where(LicenceJobRow.claimed_at < stale)
            .values(claimed_by=rt.node, claimed_at=now)
        )
        return bool(getattr(taken, "rowcount", 0) == 1)


def release(rt: Runtime, key: str) -> None:
    """Give an unfinished claim back, so the retry of this message may claim it again."""
    with rt.db.session() as session:
        session.execute(
            delete(LicenceJobRow).where(
                LicenceJobRow.key == key, LicenceJobRow.finished_at.is_(None)
            )
        )


def open_renewal(rt: Runtime, contract: Contract) -> str:
    """
    Open the contract's renewal ticket in the licences desk (once: the marker finds a ticket a
    lost reply already opened); its key.
    """
    cfg = rt.settings.licences
    assert cfg.ticket is not None  # licence_tick returns early without one
    marker = "deskpilot-licence-renewal-" + "-".join(
        MARKER_UNSAFE.sub("-", part).strip("-").lower()
        for part in (contract.vendor, contract.sku, contract.term_end.isoformat())
    )
    created = rt.desks[cfg.ticket.split(":", 1)[0]].create_ticket(
        NewTicket(
            subject=f"Licence renewal: {contract.vendor} {contract.sku}, notice by "
            f"{contract.notice_date}",
            body=renewal_note(contract, latest_position(rt, contract)),
            marker=marker[:120],
            requester_email=cfg.renewal_requester,
            project=cfg.project,
        )
    )
    log.info("licences.renewal_ticket", key=created.key, created=created.created)
    return created.key


def latest_position(rt: Runtime, contract: Contract) -> LicencePositionRow | None:
    """The latest stored position of the contract's vendor and SKU, if a report stored one."""
    with rt.db.session() as session:
        row = session.scalars(
            select(LicencePositionRow)
            .where(LicencePositionRow.vendor == contract.vendor)
            .where(LicencePositionRow.sku == contract.sku)
            .order_by(LicencePositionRow.taken_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            session.expunge(row)
        return row


def _report(rt: Runtime, ledger: Sequence[Contract], period: str) -> tuple[str, list[SkuLine]]:
    cfg = rt.settings.licences
    now = rt.clock()
    snaps = [build_source(s).snapshot(now) for s in cfg.sources]
    logons = [
        logon
        for name in cfg.directories
        for logon in directory_activity(name, rt.directories[name]).logons()
    ]
    people, assignments = usage_of(snaps, logons)
    if cfg.usage is not None:
        file_people, file_assignments = parse_usage(read_text(cfg.usage))
        people.update(file_people)  # the file carries HR facts: it wins
        assignments += file_assignments
    allow = parse_allow(read_text(cfg.allow)) if cfg.allow is not None else []
    assessed = assess_all(assignments, people, cfg.policy(), allow, now)
    lines = position(ledger, assessed, cfg.site_time(now).date())
    saved, confirmations = _savings(rt, ledger, period)
    lines = with_confirmations(with_savings(lines, saved), confirmations)
    files: list[str] = []
    if cfg.report_dir is not None:
        for suffix in ("csv", "xlsx"):
            path = cfg.report_dir / f"licences-{period}.{suffix}"
            write_table(MONTHLY_HEADER, position_rows(lines, savings=True), path)
            files.append(str(path))
        charges = chargeback_per_user(lines, assessed, people)
        rows = [(c.currency, c.cost_centre, c.identity, c.seats, c.amount) for c in charges]
        for suffix in ("csv", "xlsx"):
            path = cfg.report_dir / f"licences-{period}-chargeback.{suffix}"
            write_table(USER_CHARGEBACK_HEADER, rows, path)
            files.append(str(path))
    differences = seat_differences(snaps, ledger, cfg.site_time(now).date())
    return report_note(period, lines, [str(d) for d in differences], files), lines


def _savings(
    rt: Runtime, ledger: Sequence[Contract], period: str
) -> tuple[list[Saving], list[Confirmation]]:
    """
    Seats reclaimed in the month before ``period`` (site time), priced by the ledger, and those
    of them the invoices reconciled so far confirm.
    """
    start, end = previous_month(period)
    with rt.db.session() as session:
        return month_savings(session, ledger, start, end, ZoneInfo(rt.settings.licences.timezone))


def _finish(
    rt: Runtime, key: str, body: str, lines: Sequence[SkuLine], *, period: str | None = None
) -> None:
    target = rt.settings.licences.ticket
    assert target is not None  # licence_tick returns early without one
    desk, ticket_key = target.split(":", 1)
    now = rt.clock()
    with rt.db.session() as session:
        ticket = session.scalars(
            select(TicketRow).where(TicketRow.desk == desk, TicketRow.key == ticket_key)
        ).first()
        if ticket is None:
            raise ValueError(f"licences ticket {target} is not known to deskpilot")
        if period is not None:
            session.execute(delete(LicencePositionRow).where(LicencePositionRow.period == period))
            session.add_all(_rows(period, now, lines))
        queue_writeback(rt, session, ticket, OutboxKind.INTERNAL_NOTE, body, key)
        session.execute(
            update(LicenceJobRow).where(LicenceJobRow.key == key).values(finished_at=now)
        )
        outbox = pending_outbox_ids(session, ticket.id)
        ticket_id = ticket.id
    send_outbox(rt, ticket_id, outbox)


def _rows(period: str, now: dt.datetime, lines: Sequence[SkuLine]) -> list[LicencePositionRow]:
    return [
        LicencePositionRow(
            period=period, taken_at=now, vendor=x.vendor, sku=x.sku, currency=x.currency,
            unit_price=x.unit_price, purchased=x.purchased, assigned=x.assigned, active=x.active,
            unused=x.unused, leaver=x.leaver, unassigned=x.unassigned, waste=Decimal(x.waste),
            notice_date=x.notice_date,
        )
        for x in lines
    ]  # fmt: skip


def latest_positions(rt: Runtime) -> list[LicencePositionRow]:
    """The position of the latest stored month, by vendor and SKU (empty before any report)."""
    with rt.db.session() as session:
        period = session.scalars(
            select(LicencePositionRow.period).order_by(LicencePositionRow.period.desc()).limit(1)
        ).first()
        if period is None:
            return []
        rows = list(
            session.scalars(
                select(LicencePositionRow)
                .where(LicencePositionRow.period == period)
                .order_by(LicencePositionRow.vendor, LicencePositionRow.sku)
            )
        )
        session.expunge_all()
        return rows
