"""access reviews: campaigns, their review tickets and items

A campaign run keeps its definition and its population (source, query, row count, digest); an
item is one (user, entitlement) with its reviewer, its decisions and its removal run.

Revision ID: 0010_access_reviews
Revises: 0009_login_failures
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_access_reviews"
down_revision = "0009_login_failures"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_campaigns",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("desk", sa.String(64), nullable=False),
        sa.Column("directory", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("population", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("closes_at", _AT, nullable=False),
        sa.Column("closed_at", _AT, nullable=True),
        sa.Column("started_by", sa.String(320), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "started_at", name="uq_review_campaigns_start"),
    )
    op.create_index("ix_review_campaigns_state", "review_campaigns", ["state", "due_at"])
    op.create_table(
        "review_tickets",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("campaign_id", _ID, nullable=False),
        sa.Column("reviewer", sa.String(320), nullable=False),
        sa.Column("reviewer_email", sa.String(320), nullable=True),
        sa.Column("application", sa.String(255), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("desk", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("completed_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["review_campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "campaign_id", "reviewer", "application", "level", name="uq_review_tickets_reviewer"
        ),
    )
    op.create_index("ix_review_tickets_ticket", "review_tickets", ["ticket_id"])
    op.create_table(
        "review_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("campaign_id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(320), nullable=False),
        sa.Column("subject_login", sa.String(320), nullable=False),
        sa.Column("subject_names", sa.JSON(), nullable=False),
        sa.Column("entitlement", sa.String(320), nullable=False),
        sa.Column("application", sa.String(255), nullable=True),
        sa.Column("reviewer", sa.String(320), nullable=False),
        sa.Column("rule", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("second_level", sa.String(320), nullable=True),
        sa.Column("recommendation", sa.String(16), nullable=True),
        sa.Column("recommendation_reason", sa.Text(), nullable=False),
        sa.Column("review_ticket_id", _ID, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("first", sa.JSON(), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=True),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decided_at", _AT, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("removal", sa.String(16), nullable=False),
        sa.Column("run_id", _ID, nullable=True),
        sa.Column("removed_at", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["review_campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["review_ticket_id"], ["review_tickets.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["run_id"], ["playbook_runs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "number", name="uq_review_items_number"),
        sa.UniqueConstraint("campaign_id", "subject_id", "entitlement", name="uq_review_items_pair"),
    )
    op.create_index("ix_review_items_state", "review_items", ["campaign_id", "state"])
    op.create_index("ix_review_items_removal", "review_items", ["removal", "decided_at"])


def downgrade() -> None:
    op.drop_index("ix_review_items_removal", table_name="review_items")
    op.drop_index("ix_review_items_state", table_name="review_items")
    op.drop_table("review_items")
    op.drop_index("ix_review_tickets_ticket", table_name="review_tickets")
    op.drop_table("review_tickets")
    op.drop_index("ix_review_campaigns_state", table_name="review_campaigns")
    op.drop_table("review_campaigns")
