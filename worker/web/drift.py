"""
``/dashboard/drift``: tickets whose SLA figures in the desk disagree with deskpilot's clocks.

Reads ``sla_reconciliation`` (written by ``worker.clocks.reconcile``); shows both sides and never
changes either. Also ``/dashboard/export/drift.csv`` with the same rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from playbooks.spreadsheet import write_csv
from worker.db.records import SlaReconciliationRow
from worker.db.tables import TicketRow
from worker.runtime import Runtime
from worker.web.auth import require
from worker.web.dashboard import TEMPLATES, duration

MAX_ROWS = 500
CSV_HEADER = [
    "desk",
    "ticket",
    "url",
    "metric",
    "desk_metric",
    "ours_breach_at",
    "desk_breach_at",
    "drift_s",
    "ours_breached",
    "desk_breached",
    "checked_at",
]


@dataclass(frozen=True)
class DriftLine:
    """One drifted metric of one ticket, as the page and the CSV show it."""

    desk: str
    key: str
    url: str | None
    metric: str
    desk_metric: str
    ours_breach_at: dt.datetime | None
    desk_breach_at: dt.datetime | None
    drift_s: float | None
    ours_breached: bool | None
    desk_breached: bool
    checked_at: dt.datetime


def drift_lines(rt: Runtime) -> list[DriftLine]:
    """The drifted rows, largest drift first (flag-only disagreements after), at most MAX_ROWS."""
    query = (
        select(SlaReconciliationRow, TicketRow.desk, TicketRow.key, TicketRow.url)
        .join(TicketRow, TicketRow.id == SlaReconciliationRow.ticket_id)
        .where(SlaReconciliationRow.drifted.is_(True))
        .order_by(SlaReconciliationRow.checked_at.desc(), SlaReconciliationRow.id)
        .limit(MAX_ROWS)
    )
    with rt.db.session() as session:
        lines = [
            DriftLine(desk, key, url, r.metric, r.desk_metric, r.ours_breach_at,
                      r.desk_breach_at, r.drift_s, r.ours_breached, r.desk_breached, r.checked_at)
            for r, desk, key, url in session.execute(query)
        ]  # fmt: skip
    return sorted(lines, key=lambda line: -abs(line.drift_s or 0.0))


def drift_csv(lines: list[DriftLine]) -> str:
    """The drift rows as CSV (ISO times in UTC, drift in seconds); formula-like text is defused."""
    return write_csv(
        CSV_HEADER,
        (
            [line.desk, line.key, line.url or "", line.metric, line.desk_metric,
             _iso(line.ours_breach_at), _iso(line.desk_breach_at),
             "" if line.drift_s is None else round(line.drift_s),
             "" if line.ours_breached is None else line.ours_breached,
             line.desk_breached, _iso(line.checked_at)]
            for line in lines
        ),
    )  # fmt: skip


def _iso(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.isoformat()


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/dashboard/drift`` and ``/dashboard/export/drift.csv`` (viewer role)."""

    @app.get("/dashboard/drift", response_class=HTMLResponse, summary="SLA drift (viewer role)")
    def drift_page(request: Request) -> HTMLResponse:
        require(request, "viewer")
        page = TEMPLATES.get_template("drift.html").render(
            lines=drift_lines(rt), now=rt.clock(), duration=duration, max_rows=MAX_ROWS
        )
        return HTMLResponse(page)

    @app.get(
        "/dashboard/export/drift.csv",
        summary="SLA drift as CSV (viewer role)",
        response_class=Response,
    )
    def drift_export(request: Request) -> Response:
        require(request, "viewer")
        return Response(
            drift_csv(drift_lines(rt)),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="drift.csv"'},
        )


__all__ = ["DriftLine", "drift_csv", "drift_lines", "install"]
