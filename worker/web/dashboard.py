"""The team lead's first dashboard page: where every ticket is, and its SLA clocks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from worker.db import SlaClockRow, TicketRow
from worker.runtime import Runtime
from worker.web.auth import require

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def overview(rt: Runtime, limit: int = 200) -> dict[str, Any]:
    """The figures the first page shows, straight from the database."""
    with rt.db.session() as session:
        tickets = session.scalars(
            select(TicketRow).order_by(TicketRow.first_seen_at.desc()).limit(limit)
        ).all()
        clocks = session.scalars(
            select(SlaClockRow).where(SlaClockRow.ticket_id.in_([t.id for t in tickets]))
        ).all()
    by_ticket: dict[int, list[SlaClockRow]] = {}
    for clock in clocks:
        by_ticket.setdefault(clock.ticket_id, []).append(clock)
    outcomes = Counter(t.outcome or t.stage for t in tickets)
    return {"tickets": tickets, "clocks": by_ticket, "outcomes": sorted(outcomes.items())}


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/dashboard`` to ``app``."""

    @app.get("/dashboard", response_class=HTMLResponse, summary="SLA dashboard (viewer role)")
    def dashboard(request: Request) -> HTMLResponse:
        require(request, "viewer")
        page = TEMPLATES.get_template("dashboard.html").render(**overview(rt), now=rt.clock())
        return HTMLResponse(page)
