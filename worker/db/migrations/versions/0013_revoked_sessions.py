"""sessions ended by /logout, shared by every web worker

A logout recorded in one process left the same cookie working on the other web workers. Without
Redis the revoked session ids live here until the cookie would have expired anyway.

Revision ID: 0013_revoked_sessions
Revises: 0012_owner_proof
Create Date: 2026-12-07 13:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_revoked_sessions"
down_revision = "0012_owner_proof"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "revoked_sessions",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_revoked_sessions_expires", "revoked_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revoked_sessions_expires", table_name="revoked_sessions")
    op.drop_table("revoked_sessions")
