"""inbox rows keep why a delivery was only a notification

The reason sat in ``error`` and was overwritten when the notification ended (not confirmed, or no
API to confirm it with), so ``deskpilot inbox notifications`` could not say why it was one. Rows
that have not ended keep their reason; older ones that ended are left without one.

Revision ID: 0015_inbox_why_notification
Revises: 0014_licence_invoice_lines
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_inbox_why_notification"
down_revision = "0014_licence_invoice_lines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("why_notification", sa.Text(), nullable=True))
    op.execute(
        "UPDATE inbox SET why_notification = error WHERE source = 'notification' "
        "AND state IN ('received', 'ingested') AND error IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("why_notification")
