"""
The licence panel on ``/dashboard``: utilisation per SKU, waste, and renewals coming up, from the
latest stored monthly licence position (``worker.reports.licence_panel``).
"""

from __future__ import annotations

import datetime as dt

from sla.report import Period
from worker.reports.licence_panel import HEADER, RENEWAL_DAYS, licence_figures
from worker.runtime import Runtime
from worker.web.dashboard_panels import Figure, Panel, PanelContent, PanelTable, Tone


def licence_panel(rt: Runtime, period: Period, now: dt.datetime) -> PanelContent:
    """The latest monthly position (the dashboard's period does not apply: it is monthly)."""
    fig = licence_figures(rt, now)
    if fig.period is None:
        return PanelContent(note="No monthly licence report has been stored yet.")
    pct = fig.utilisation_pct
    tone: Tone = "" if pct is None else ("good" if pct >= 90 else ("warn" if pct >= 75 else "bad"))
    renewals = ", ".join(f"{v} {s} by {d}" for v, s, d in fig.renewals) or "none"
    return PanelContent(
        figures=(
            Figure("Utilisation", "—" if pct is None else f"{pct} %", "active ÷ purchased", tone),
            Figure("Seats to reclaim", str(fig.reclaimable), "unused and leavers"),
            *(Figure(f"Waste ({c})", f"{w}", "per billing period") for c, w in fig.waste),
            Figure(f"Renewals in {RENEWAL_DAYS} days", str(len(fig.renewals)), renewals),
        ),
        table=PanelTable(HEADER, fig.rows),
        note=f"Monthly licence report {fig.period} (docs/licences.md).",
    )


PANEL = Panel(key="licences", title="Licences", build=licence_panel, order=20)
