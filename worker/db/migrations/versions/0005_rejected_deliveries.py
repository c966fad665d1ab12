"""keep refused webhook deliveries

A delivery refused for a bad signature, an unreadable body, an unknown desk or its size was only
logged: the admin fixing a misconfigured secret could not see what had been sent, nor replay it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rejected_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("desk", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_size", sa.BigInteger(), nullable=False),
        sa.Column("replayed_inbox_id", BigId, nullable=True),
    )
    op.create_index("ix_rejected_desk", "rejected_deliveries", ["desk", "id"])


def downgrade() -> None:
    op.drop_index("ix_rejected_desk", table_name="rejected_deliveries")
    op.drop_table("rejected_deliveries")
