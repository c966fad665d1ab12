"""The corrections agents made on tickets (``/intent``, the review page), as training examples."""

from __future__ import annotations

from sqlalchemy import select

from intake.classifier.examples import Example
from worker.db.database import Database
from worker.db.tables import CorrectionRow


def stored_corrections(db: Database) -> list[Example]:
    """
    Every correction kept in the database, the latest per ticket, as a labelled example.

    Args:
        db: a migrated deskpilot database.
    """
    with db.session() as session:
        rows = session.scalars(select(CorrectionRow).order_by(CorrectionRow.id)).all()
        latest = {(row.ticket_id or -row.id): row for row in rows}
        return [
            Example(f"ticket-correction-{key}", row.subject, row.body, row.intent, "correction")
            for key, row in latest.items()
        ]


__all__ = ["stored_corrections"]
