"""SLA reconciliation with the desks' own values; indexes for tickets created in a period

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_index("ix_tickets_created", "tickets", ["desk_created_at"])
    op.create_index("ix_tickets_seen", "tickets", ["first_seen_at"])
    op.create_table(
        "sla_reconciliation",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("desk_metric", sa.String(length=255), nullable=False),
        sa.Column("desk_breach_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("desk_breached", sa.Boolean(), nullable=False),
        sa.Column("desk_remaining_s", sa.Float(), nullable=True),
        sa.Column("ours_breach_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ours_breached", sa.Boolean(), nullable=True),
        sa.Column("drift_s", sa.Float(), nullable=True),
        sa.Column("drifted", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "metric", name="uq_reconcile_ticket_metric"),
    )
    op.create_index("ix_reconcile_drifted", "sla_reconciliation", ["drifted", "checked_at"])


def downgrade() -> None:
    op.drop_index("ix_reconcile_drifted", table_name="sla_reconciliation")
    op.drop_table("sla_reconciliation")
    op.drop_index("ix_tickets_seen", table_name="tickets")
    op.drop_index("ix_tickets_created", table_name="tickets")
