"""reconciled invoice lines, so an invoice can confirm a reclaim's saving

``deskpilot licences reconcile`` stores each invoice line it read (keyed by vendor, invoice
number, line and the file's SHA-256, so the same file run twice adds nothing); the monthly
report confirms a saving when a later invoice bills the fewer seats.

Revision ID: 0014_licence_invoice_lines
Revises: 0013_revoked_sessions
Create Date: 2026-12-07 19:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_licence_invoice_lines"
down_revision = "0013_revoked_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licence_invoice_lines",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("vendor", sa.String(128), nullable=False),
        sa.Column("invoice_number", sa.String(128), nullable=False),
        sa.Column("line", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(128), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("billed_quantity", sa.Integer(), nullable=False),
        sa.Column("billed_unit_price", sa.Numeric(14, 4), nullable=False),
        sa.Column("billed_amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(64), nullable=True),
        sa.UniqueConstraint(
            "vendor", "invoice_number", "line", "file_sha256", name="uq_licence_invoice_line"
        ),
    )
    op.create_index(
        "ix_licence_invoice_lines_sku",
        "licence_invoice_lines",
        ["vendor", "sku", "period_start"],
    )


def downgrade() -> None:
    op.drop_index("ix_licence_invoice_lines_sku", table_name="licence_invoice_lines")
    op.drop_table("licence_invoice_lines")
