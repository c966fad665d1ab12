"""indexes for the review queue's filters and its SLA-urgency order

The review page pages, filters and sorts runs in the database: by intent, by when they were
created or last changed, by the ticket's outcome and the classifier's confidence, and by the
nearest breach of the ticket's running SLA clocks. Without these each page scanned every run.

Revision ID: 0008_review_queue_indexes
Revises: 0007_claim_owner
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008_review_queue_indexes"
down_revision = "0007_claim_owner"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_runs_intent", "playbook_runs", ["intent", "updated_at"]),
    ("ix_runs_updated", "playbook_runs", ["updated_at"]),
    ("ix_runs_created", "playbook_runs", ["created_at"]),
    ("ix_tickets_outcome", "tickets", ["outcome"]),
    ("ix_classifications_confidence", "classifications", ["confidence"]),
    ("ix_sla_running_ticket", "sla_clocks", ["stage", "ticket_id", "breach_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
