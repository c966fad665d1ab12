"""who holds a claim: the message working on a ticket, a run or an outbox row

A claim (received → processing, approved → applying, pending → sending) only had a timestamp, so
the retry of a failed attempt, or Redis redelivering a dead worker's message, found the row
taken and waited for the lease (two minutes) and the sweeper. The claim now records the id of the
message that took it, and the same message takes it straight back.

Revision ID: 0007_claim_owner
Revises: 0006_approval_stages
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_claim_owner"
down_revision = "0006_approval_stages"
branch_labels = None
depends_on = None

TABLES = ("tickets", "playbook_runs", "outbox")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("claimed_by")
