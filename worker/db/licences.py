"""
The licence tables: the monthly position per vendor and SKU (what the gauges and the dashboard
read), the licence jobs claimed exactly once across workers (a month's report, a contract's
renewal alert), and the invoice lines ``licences reconcile`` read (what confirms a saving).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from worker.db.base import Base, BigId


class LicenceJobRow(Base):
    """
    One licence job (``report:2026-12``, ``renewal:Zoom:Business:2027-02-28``): inserted by the
    worker that runs it, finished when its note is queued. A claim left unfinished past the lease
    (its worker died) may be taken over.
    """

    __tablename__ = "licence_jobs"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(128))
    claimed_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]


class LicencePositionRow(Base):
    """One vendor and SKU of one month's licence position."""

    __tablename__ = "licence_positions"
    __table_args__ = (
        UniqueConstraint("period", "vendor", "sku", name="uq_licence_position"),
        Index("ix_licence_positions_taken", "taken_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7))
    taken_at: Mapped[dt.datetime]
    vendor: Mapped[str] = mapped_column(String(128))
    sku: Mapped[str] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(3))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    purchased: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)
    active: Mapped[int] = mapped_column(Integer)
    unused: Mapped[int] = mapped_column(Integer)
    leaver: Mapped[int] = mapped_column(Integer)
    unassigned: Mapped[int] = mapped_column(Integer)
    waste: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    notice_date: Mapped[dt.date]


class LicenceInvoiceLineRow(Base):
    """
    One reconciled invoice line, keyed by vendor, invoice number, line and the SHA-256 of the
    file it came from: the same file reconciled again adds nothing. A re-issued invoice (same
    number, another file) is stored beside the earlier one, whose lines are then marked
    ``superseded_by`` the new file's hash; only lines not superseded confirm savings.
    """

    __tablename__ = "licence_invoice_lines"
    __table_args__ = (
        UniqueConstraint(
            "vendor", "invoice_number", "line", "file_sha256", name="uq_licence_invoice_line"
        ),
        Index("ix_licence_invoice_lines_sku", "vendor", "sku", "period_start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    vendor: Mapped[str] = mapped_column(String(128))
    invoice_number: Mapped[str] = mapped_column(String(128))
    line: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(128))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    invoice_date: Mapped[dt.date]
    billed_quantity: Mapped[int] = mapped_column(Integer)
    billed_unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    billed_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    file_sha256: Mapped[str] = mapped_column(String(64))
    reconciled_at: Mapped[dt.datetime]
    superseded_by: Mapped[str | None] = mapped_column(String(64))
