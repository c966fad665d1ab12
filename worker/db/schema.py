"""Every table deskpilot keeps, on one ``MetaData``: what Alembic compares the migrations with."""

from __future__ import annotations

from sqlalchemy import MetaData

from worker.db import licences, records, review_tables, tables
from worker.db.base import Base

__all__ = ["METADATA", "licences", "records", "review_tables", "tables"]

METADATA: MetaData = Base.metadata
