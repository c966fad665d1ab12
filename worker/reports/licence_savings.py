"""
The seats deskpilot's reclaims actually removed, read from its own records: the tickets the
licence review opened (audit ``licences.reclaim_opened``: holder, vendor, SKU), their
``licence-reclaim-unused`` runs that ended ``applied``, and their apply steps that changed the
vendor's seat and were verified by reading back (``run_steps``: when it finished, on the
runtime's clock). A run rolled back afterwards is in state
``rolled_back``, so it never counts; a proposal that was rejected or never applied has no
applied run. Pricing is pure (``playbooks.licences.savings``), and so is the confirmation by the
invoice lines ``licences reconcile`` kept (``playbooks.licences.confirm``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from playbooks.licences.confirm import Confirmation, confirmed
from playbooks.licences.contracts import Contract
from playbooks.licences.savings import Reclaimed, Saving, realised
from playbooks.lifecycle import RunState, StepState
from worker.db.records import AuditRow
from worker.db.tables import RunRow, StepRow
from worker.reports.licence_recon import invoice_lines

__all__ = [
    "RECLAIM_PLAYBOOK", "SAVINGS_HEADER", "month_savings", "previous_month", "reclaimed_between",
    "savings_rows",
]  # fmt: skip

SAVINGS_HEADER = (
    "vendor", "sku", "currency", "reclaimed", "savings", "confirmed_seats", "confirmed_savings",
    "confirmation", "confirmed_by",
)  # fmt: skip

RECLAIM_PLAYBOOK = "licence-reclaim-unused"


def previous_month(period: str) -> tuple[dt.date, dt.date]:
    """The month before ``period`` (``YYYY-MM``): its first day and the first day of ``period``."""
    end = dt.date.fromisoformat(f"{period}-01")
    start = (end - dt.timedelta(days=1)).replace(day=1)
    return start, end


def reclaimed_between(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    local_date: Callable[[dt.datetime], dt.date],
) -> list[Reclaimed]:
    """Seats removed by reclaim runs still ``applied``, applied from ``start`` to ``end``."""
    opened = {
        row.ticket_id: row.data
        for row in session.scalars(
            select(AuditRow).where(AuditRow.action == "licences.reclaim_opened")
        )
        if row.ticket_id is not None
    }
    if not opened:
        return []
    runs = {
        run.id: run.ticket_id
        for run in session.scalars(
            select(RunRow).where(
                RunRow.ticket_id.in_(opened),
                RunRow.playbook == RECLAIM_PLAYBOOK,
                RunRow.state == RunState.APPLIED,
            )
        )
    }
    applied: dict[int, dt.datetime] = {}
    for step in session.scalars(
        select(StepRow).where(
            StepRow.run_id.in_(runs),
            StepRow.phase == "apply",
            StepRow.state == StepState.DONE,
            StepRow.changed.is_(True),
            StepRow.verified.is_(True),
            StepRow.finished_at >= start,
            StepRow.finished_at < end,
        )
    ):
        assert step.finished_at is not None  # selected on it
        applied[step.run_id] = max(step.finished_at, applied.get(step.run_id, step.finished_at))
    out = []
    for run_id, at in sorted(applied.items()):
        data = opened[runs[run_id]]
        out.append(
            Reclaimed(
                str(data["vendor"]),
                str(data["sku"]),
                str(data["identity"]),
                local_date(at),
                data.get("downgrade_to") or None,
            )
        )
    return out


def month_savings(
    session: Session, ledger: Sequence[Contract], start: dt.date, end: dt.date, zone: ZoneInfo
) -> tuple[list[Saving], list[Confirmation]]:
    """
    Seats reclaimed from ``start`` to ``end`` (site days in ``zone``), priced by the ledger, and
    those of them the invoice lines kept so far confirm.

    Raises:
        ReportError: a seat reclaimed on a day no contract for it was in force.
    """
    done = reclaimed_between(
        session,
        dt.datetime.combine(start, dt.time(), zone),
        dt.datetime.combine(end, dt.time(), zone),
        lambda at: at.astimezone(zone).date(),
    )
    billed = invoice_lines(session)
    return realised(ledger, done, start, end), confirmed(ledger, done, billed, start, end)


def savings_rows(
    saved: Sequence[Saving], found: Sequence[Confirmation]
) -> list[tuple[object, ...]]:
    """The rows under ``SAVINGS_HEADER``: one per vendor and SKU, then a ``TOTAL`` per currency."""
    by_key = {(c.vendor, c.sku): c for c in found}
    rows: list[tuple[object, ...]] = []
    totals: dict[str, tuple[int, Decimal, int, Decimal]] = {}
    for s in saved:
        c = by_key[(s.vendor, s.sku)]
        rows.append((s.vendor, s.sku, s.currency, s.seats, s.amount, c.seats, c.amount, c.status,
                     " ".join(c.invoices)))  # fmt: skip
        n, amount, m, confirmed_amount = totals.get(s.currency, (0, Decimal(0), 0, Decimal(0)))
        totals[s.currency] = (
            n + s.seats,
            amount + s.amount,
            m + c.seats,
            confirmed_amount + c.amount,
        )
    for currency, (n, amount, m, confirmed_amount) in sorted(totals.items()):
        rows.append(("TOTAL", "", currency, n, amount, m, confirmed_amount, "", ""))
    return rows
