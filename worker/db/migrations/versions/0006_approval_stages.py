"""approvals: every stage an approval counts for, and the plan version it approved

A plan with several catalogue items has one approval stage per item; one approval counts for
every stage its approver is eligible for (``stages``). An approval counts only for the plan it
was given to (``plan_digest``): a plan that changes afterwards needs approving again.

Revision ID: 0006_approval_stages
Revises: 0005
Create Date: 2026-12-07 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_approval_stages"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("stages", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("plan_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("plan_digest")
        batch.drop_column("stages")
