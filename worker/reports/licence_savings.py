"""
The seats deskpilot's reclaims actually removed, read from its own records: the tickets the
licence review opened (audit ``licences.reclaim_opened``: holder, vendor, SKU), their
``licence-reclaim-unused`` runs that ended ``applied``, and their apply steps that changed the
vendor's seat and were verified by reading back (``run_steps``: when it finished, on the
runtime's clock). A run rolled back afterwards is in state
``rolled_back``, so it never counts; a proposal that was rejected or never applied has no
applied run. Pricing is pure (``playbooks.licences.savings``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from playbooks.licences.savings import Reclaimed
from playbooks.lifecycle import RunState, StepState
from worker.db.records import AuditRow
from worker.db.tables import RunRow, StepRow

__all__ = ["RECLAIM_PLAYBOOK", "previous_month", "reclaimed_between"]

RECLAIM_PLAYBOOK = "licence-reclaim-unused"


def previous_month(period: str) -> tuple[dt.date, dt.date]:
    """The month before ``period`` (``YYYY-MM``): its first day and the first day of ``period``."""
    end = dt.date.fromisoformat(f"{period}-01")
    start = (end - dt.timedelta(days=1)).replace(day=1)
    return start, end


def reclaimed_between(
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    local_date: Callable[[dt.datetime], dt.date],
) -> list[Reclaimed]:
    """Seats removed by reclaim runs still ``applied``, applied from ``start`` to ``end``."""
    opened = {
        row.ticket_id: row.data
        for row in session.scalars(
            select(AuditRow).where(AuditRow.action == "licences.reclaim_opened")
        )
        if row.ticket_id is not None
    }
    if not opened:
        return []
    runs = {
        run.id: run.ticket_id
        for run in session.scalars(
            select(RunRow).where(
                RunRow.ticket_id.in_(opened),
                RunRow.playbook == RECLAIM_PLAYBOOK,
                RunRow.state == RunState.APPLIED,
            )
        )
    }
    applied: dict[int, dt.datetime] = {}
    for step in session.scalars(
        select(StepRow).where(
            StepRow.run_id.in_(runs),
            StepRow.phase == "apply",
            StepRow.state == StepState.DONE,
            StepRow.changed.is_(True),
            StepRow.verified.is_(True),
            StepRow.finished_at >= start,
            StepRow.finished_at < end,
        )
    ):
        assert step.finished_at is not None  # selected on it
        applied[step.run_id] = max(step.finished_at, applied.get(step.run_id, step.finished_at))
    out = []
    for run_id, at in sorted(applied.items()):
        data = opened[runs[run_id]]
        out.append(
            Reclaimed(
                str(data["vendor"]),
                str(data["sku"]),
                str(data["identity"]),
                local_date(at),
                data.get("downgrade_to") or None,
            )
        )
    return out
