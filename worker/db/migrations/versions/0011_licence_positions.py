"""licence positions per month and licence jobs claimed once across workers

The monthly licence run stores its position per vendor and SKU (read by the Prometheus gauges and
the dashboard) and claims each month's report and each renewal alert exactly once.

Revision ID: 0011_licence_positions
Revises: 0010_access_reviews
Create Date: 2026-12-07 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0011_licence_positions"
down_revision = "0010_access_reviews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licence_jobs",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("claimed_by", sa.String(128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "licence_positions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vendor", sa.String(128), nullable=False),
        sa.Column("sku", sa.String(128), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("unit_price", sa.Numeric(14, 4), nullable=False),
        sa.Column("purchased", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("unused", sa.Integer(), nullable=False),
        sa.Column("leaver", sa.Integer(), nullable=False),
        sa.Column("unassigned", sa.Integer(), nullable=False),
        sa.Column("waste", sa.Numeric(16, 4), nullable=False),
        sa.Column("notice_date", sa.Date(), nullable=False),
        sa.UniqueConstraint("period", "vendor", "sku", name="uq_licence_position"),
    )
    op.create_index("ix_licence_positions_taken", "licence_positions", ["taken_at"])


def downgrade() -> None:
    op.drop_index("ix_licence_positions_taken", table_name="licence_positions")
    op.drop_table("licence_positions")
    op.drop_table("licence_jobs")
