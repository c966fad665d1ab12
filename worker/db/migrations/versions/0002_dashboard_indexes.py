"""indexes for the dashboard's scans

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sla_stage", "sla_clocks", ["stage"])
    op.create_index("ix_sla_stopped", "sla_clocks", ["stopped_at"])
    op.create_index("ix_tickets_done", "tickets", ["done_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_done", table_name="tickets")
    op.drop_index("ix_sla_stopped", table_name="sla_clocks")
    op.drop_index("ix_sla_stage", table_name="sla_clocks")
