"""A dashboard panel as another module would write one: open tickets per desk, from the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from sla.report import Period
from worker.db.tables import TicketRow
from worker.runtime import Runtime
from worker.web.dashboard_panels import Figure, Panel, PanelContent, PanelTable


def open_by_desk(rt: Runtime, period: Period, now: dt.datetime) -> PanelContent:
    del period, now  # open right now, whatever the period
    query = (
        select(TicketRow.desk, func.count(TicketRow.id))
        .where(TicketRow.done_at.is_(None))
        .group_by(TicketRow.desk)
        .order_by(TicketRow.desk)
    )
    with rt.db.session() as session:
        rows = tuple((desk, int(n)) for desk, n in session.execute(query))
    total = sum(n for _, n in rows)
    return PanelContent(
        figures=(Figure("Open tickets <all desks>", str(total), tone="warn" if total else "good"),),
        table=PanelTable(("desk", "open"), rows),
        note="Tickets not done yet, whatever the period.",
    )


PANEL = Panel(key="open-by-desk", title="Open tickets by desk", build=open_by_desk, order=5)
