"""indexes for the pipeline's per-ticket look-ups

Every ticket's writeback, SLA timers, step records and reset rate limit were found by scanning
their whole table, so each ticket cost more than the one before it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_ticket", "outbox", ["ticket_id", "state"])
    op.create_index("ix_timers_ticket", "timers", ["ticket_id", "kind", "state"])
    op.create_index("ix_steps_run", "run_steps", ["run_id", "idx", "phase"])
    op.create_index("ix_tickets_requester", "tickets", ["requester"])


def downgrade() -> None:
    op.drop_index("ix_tickets_requester", table_name="tickets")
    op.drop_index("ix_steps_run", table_name="run_steps")
    op.drop_index("ix_timers_ticket", table_name="timers")
    op.drop_index("ix_outbox_ticket", table_name="outbox")
