"""one-time links prove their owner: the address a code goes to, and the code's state

The link sits in a public reply other people on the ticket can read; the secret now shows only
after its owner enters a code sent to their own address. The code is kept as an HMAC with an
expiry; the number sent and the wrong attempts bound mail bombing and guessing.

Revision ID: 0012_owner_proof
Revises: 0011_licence_positions
Create Date: 2026-12-07 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_owner_proof"
down_revision = "0011_licence_positions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("secret_links") as batch:
        batch.add_column(sa.Column("owner_address", sa.String(320), nullable=True))
        batch.add_column(sa.Column("code_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("codes_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("wrong_codes", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("secret_links") as batch:
        for column in ("wrong_codes", "codes_sent", "code_expires_at", "code_hash", "owner_address"):
            batch.drop_column(column)
