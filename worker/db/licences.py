"""
The licence tables: the monthly position per vendor and SKU (what the gauges and the dashboard
read), and the licence jobs claimed exactly once across workers (a month's report, a contract's
renewal alert).
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
