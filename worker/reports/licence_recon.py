"""
What the audit log keeps of an invoice reconciliation (``licences.invoice_reconciled``): which
invoice (path and SHA-256, so the entry names the exact file), ledger and seat pools were read,
how many lines were reconciled, disputed and rejected, the count per reason code, the billed
and expected totals per currency, and the report files written; and the reconciled lines kept
in ``licence_invoice_lines`` (what confirms a reclaim's saving, ``playbooks.licences.confirm``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from playbooks.licences.invoice import InvoiceLine, InvoiceRowError
from playbooks.licences.reconcile import Reconciled, totals
from worker.db.licences import LicenceInvoiceLineRow
from worker.db.store import insert_ignore

__all__ = ["file_sha256", "invoice_lines", "reconcile_audit", "store_lines"]

KEY = ("vendor", "invoice_number", "line", "file_sha256")


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def store_lines(
    session: Session, sha256: str, found: Sequence[Reconciled], now: dt.datetime
) -> tuple[int, int]:
    """
    Keep the reconciled lines of the file whose hash is ``sha256``: (lines added, earlier lines
    superseded). A line already kept from the same file is left as it is, so the same file
    reconciled again adds and replaces nothing. When lines were added, the lines of the same
    vendor's invoice numbers kept from other files (a re-issued invoice) are marked superseded
    by this file, and only this file's lines confirm savings from then on.
    """
    added = 0
    for r in found:
        x = r.line
        values = {
            "vendor": x.vendor, "invoice_number": x.invoice_number, "line": x.line, "sku": x.sku,
            "period_start": x.period_start, "period_end": x.period_end,
            "invoice_date": x.invoice_date, "billed_quantity": x.quantity,
            "billed_unit_price": x.unit_price, "billed_amount": x.amount,
            "currency": x.currency, "status": r.status, "reason": r.reason,
            "file_sha256": sha256, "reconciled_at": now, "superseded_by": None,
        }  # fmt: skip
        added += insert_ignore(session, LicenceInvoiceLineRow, values, KEY)
    superseded = 0
    if added:
        T = LicenceInvoiceLineRow
        for vendor, number in sorted({(r.line.vendor, r.line.invoice_number) for r in found}):
            done = session.execute(
                update(T)
                .where(T.vendor == vendor, T.invoice_number == number)
                .where(T.file_sha256 != sha256, T.superseded_by.is_(None))
                .values(superseded_by=sha256)
            )
            superseded += int(getattr(done, "rowcount", 0) or 0)
    return added, superseded


def invoice_lines(session: Session) -> list[InvoiceLine]:
    """Every kept invoice line no later file superseded, in vendor, SKU and period order."""
    T = LicenceInvoiceLineRow
    rows = session.scalars(
        select(T).where(T.superseded_by.is_(None)).order_by(T.vendor, T.sku, T.period_start, T.id)
    )
    return [
        InvoiceLine(
            r.vendor, r.invoice_number, r.line, r.sku, r.billed_quantity, r.billed_unit_price,
            r.billed_amount, r.period_start, r.period_end, r.currency, r.invoice_date,
        )
        for r in rows
    ]  # fmt: skip


def reconcile_audit(
    invoice: Path,
    found: Sequence[Reconciled],
    rejected: Sequence[InvoiceRowError],
    files: Sequence[Path],
    contracts: Path,
    pools: Sequence[Path],
) -> dict[str, object]:
    """The audit entry's data for one reconciliation run (JSON-ready: money as text)."""
    return {
        "invoice": str(invoice),
        "sha256": file_sha256(invoice),
        "invoices": sorted({r.line.invoice_number for r in found}),
        "contracts": str(contracts),
        "pools": [str(p) for p in pools],
        "lines": len(found),
        "disputed": sum(r.flagged for r in found),
        "rejected": [{"row": e.row, "column": e.column, "problem": e.problem} for e in rejected],
        "reasons": dict(sorted(Counter(r.reason for r in found).items())),
        "totals": {
            currency: {"billed": str(billed), "expected": str(expected)}
            for currency, (billed, expected) in sorted(totals(found).items())
        },
        "files": [str(f) for f in files],
    }
