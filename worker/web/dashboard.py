"""
The team lead's SLA dashboard: ``/dashboard``, its CSV exports, and its Prometheus figures.

Figures come from ``worker.reports.dashboard_data`` (a few set-based queries, then ``sla.report``). The
page is one server-rendered HTML document with inline CSS and SVG, and a few lines of JavaScript
(countdowns) served as ``/static/dashboard.js`` (the CSP allows no inline script); nothing is
loaded from elsewhere. It reloads itself every 30 seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from playbooks.spreadsheet import write_csv
from sla.report import Compliance, Distribution, Period
from worker.reports.dashboard_data import (
    AUTOMATED_RUN_STATES,
    GROUPS,
    DashboardView,
    dashboard_view,
)
from worker.reports.dashboard_trends import SPANS, Trends, trends
from worker.reports.team_names import TeamName, TeamNames
from worker.runtime import Runtime
from worker.web import dashboard_charts, dashboard_metrics, dashboard_panels
from worker.web.auth import require
from worker.web.dashboard_panels import Shown

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
PRESETS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90}
MAX_DAYS = 366
"""The longest period one request may ask for: the figures are computed per request."""
REFRESH_S = 30
EXPORTS = (
    *(f"compliance-{group}" for group in GROUPS), "at-risk", "breach-trend", "durations",
    "automation", "trends",
)  # fmt: skip
"""The CSV tables, in the order ``csv_tables`` builds them (the page links them all)."""


def parse_period(
    now: dt.datetime, preset: str | None, start: str | None, end: str | None
) -> tuple[Period, str]:
    """
    The period a request asks for, and its label.

    ``?from=2026-11-01&to=2026-11-07`` (dates in UTC, both included) or ``?range=7d``
    (1d, 7d, 30d, 90d back from now); nothing: the last 7 days. A period of more than
    ``MAX_DAYS`` days or ending after tomorrow is a 400.
    """
    if start or end:
        try:
            first = dt.date.fromisoformat(start) if start else (now - dt.timedelta(days=7)).date()
            last = dt.date.fromisoformat(end) if end else now.date()
        except ValueError as exc:
            raise HTTPException(400, f"from/to must be dates like 2026-11-01: {exc}") from exc
        if last < first:
            raise HTTPException(400, f"the period ends ({last}) before it starts ({first})")
        if last > now.date() + dt.timedelta(days=1):
            raise HTTPException(400, f"to ({last}) is in the future; the latest is tomorrow")
        if (last - first).days + 1 > MAX_DAYS:
            raise HTTPException(
                400, f"a period covers at most {MAX_DAYS} days (asked: {first} to {last})"
            )
        begin = dt.datetime.combine(first, dt.time(), dt.UTC)
        stop = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
        return Period(begin, stop), f"{first} to {last}"
    name = preset or "7d"
    if name not in PRESETS:
        raise HTTPException(400, f"range must be one of {', '.join(PRESETS)}")
    return Period(now - dt.timedelta(days=PRESETS[name]), now), f"last {name}"


def duration(seconds: float | None) -> str:
    """``2h 05m``, ``3d 4h``, ``45s``: a duration a person reads at a glance."""
    if seconds is None:
        return "—"
    sign, total = ("-" if seconds < 0 else ""), int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    return f"{sign}{minutes}m {secs:02d}s" if minutes else f"{sign}{secs}s"


def percent(value: float | None) -> str:
    """``97.5 %`` or a dash when nothing counted."""
    return "—" if value is None else f"{value:.1f} %"


TEMPLATES.filters["duration"] = duration
TEMPLATES.filters["percent"] = percent


def _compliance_rows(rows: Iterable[Compliance]) -> list[list[object]]:
    return [
        [c.group, c.met, c.breached_completed, c.breached_open, c.cancelled,
         "" if c.percent is None else round(c.percent, 2)]
        for c in rows
    ]  # fmt: skip


def _distribution_row(name: str, d: Distribution) -> list[object]:
    return [name, d.count, d.p50, d.p90, d.p95]


def csv_tables(
    view: DashboardView, teams: dict[str, TeamName] | None = None
) -> dict[str, tuple[list[str], list[list[object]]]]:
    """Every table of the page as CSV header and rows, by export name (teams: their names)."""
    fig = view.figures
    tables: dict[str, tuple[list[str], list[list[object]]]] = {
        f"compliance-{group}": (
            [group, "met", "breached_completed", "breached_open", "cancelled", "percent"],
            _compliance_rows(view.compliance[group]),
        )
        for group in GROUPS
    }
    if teams is not None:
        header, rows = tables["compliance-team"]
        tables["compliance-team"] = (
            [*header, "name"],
            [[*row, teams[str(row[0])].name if str(row[0]) in teams else ""] for row in rows],
        )
    tables["at-risk"] = (
        ["desk", "ticket", "url", "metric", "stage", "remaining_s", "breach_at", "percent_used"],
        [
            [r.desk, r.key, r.url or "", r.metric, str(r.stage), round(r.remaining_seconds),
             r.breach_at.isoformat() if r.breach_at else "", round(r.percent, 1)]
            for r in fig.at_risk
        ],
    )  # fmt: skip
    tables["breach-trend"] = (
        ["day", "breaches"],
        [[d.isoformat(), n] for d, n in fig.breach_trend],
    )
    tables["durations"] = (
        ["figure", "count", "p50_s", "p90_s", "p95_s"],
        [
            _distribution_row("first_response", fig.first_response),
            _distribution_row("resolution", fig.resolution),
            _distribution_row("approval_wait", fig.approval_wait),
        ],
    )
    by_people = fig.resolved - fig.resolved_by_automation
    tables["automation"] = (
        ["resolved", "by_deskpilot", "by_people", "automation_percent"],
        [[fig.resolved, fig.resolved_by_automation, by_people,
          "" if fig.automation_rate is None else round(fig.automation_rate, 2)]],
    )  # fmt: skip
    return tables


def _panel_tables(shown: tuple[Shown, ...]) -> dict[str, tuple[list[str], list[list[object]]]]:
    return {
        f"panel-{s.panel.key}": (
            list(s.content.table.header),
            [list(r) for r in s.content.table.rows],
        )
        for s in shown
        if s.content is not None and s.content.table is not None
    }


def _csv(header: list[str], rows: list[list[object]]) -> str:
    return write_csv(header, rows)


@dataclass(frozen=True)
class Page:
    """Everything one request of the page shows besides the period's figures."""

    trends: Trends
    panels: tuple[Shown, ...]
    teams: dict[str, TeamName]
    """Team id → the desk's name for it (or the id, marked)."""


def render(view: DashboardView, label: str, query: str, page: Page) -> str:
    """The dashboard page for ``view``, the trend charts and the registered panels."""
    kept = [(k, v) for k, v in parse_qsl(query) if k != "trend"]
    return TEMPLATES.get_template("dashboard.html").render(
        view=view,
        fig=view.figures,
        label=label,
        query=query,
        groups=GROUPS,
        presets=PRESETS,
        trends=page.trends,
        charts=dashboard_charts.charts(page.trends, duration),
        spans={days: urlencode([*kept, ("trend", days)]) for days in SPANS},
        panels=page.panels,
        teams=page.teams,
        exports=(
            *EXPORTS,
            *(f"panel-{s.panel.key}" for s in page.panels if s.content and s.content.table),
        ),
        refresh_s=REFRESH_S,
    )


def _trend_rows(trends: Trends) -> tuple[list[str], list[list[object]]]:
    return (
        ["day", "breaches", "resolved", "by_deskpilot", "automation_percent",
         "resolve_p50_s", "resolve_p90_s"],
        [
            [p.day.isoformat(), p.breaches, p.resolved, p.automated,
             "" if p.automation_rate is None else round(p.automation_rate, 2),
             "" if p.resolve.p50 is None else round(p.resolve.p50),
             "" if p.resolve.p90 is None else round(p.resolve.p90)]
            for p in trends.points
        ],
    )  # fmt: skip


def _view_for(rt: Runtime, request: Request) -> tuple[DashboardView, str]:
    now = rt.clock()
    params = request.query_params
    period, label = parse_period(now, params.get("range"), params.get("from"), params.get("to"))
    return dashboard_view(rt, period, now), label


def _span(request: Request) -> int:
    try:
        return dashboard_charts.span_of(request.query_params.get("trend"), SPANS)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


def _page(rt: Runtime, request: Request, view: DashboardView, names: TeamNames) -> Page:
    return Page(
        trends(rt, _span(request), view.now, AUTOMATED_RUN_STATES),
        dashboard_panels.build_all(rt, view.period, view.now),
        names.names(view.team_desks),
    )


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/dashboard`` and ``/dashboard/export/{table}.csv``; expose the SLA gauges."""
    dashboard_metrics.install(rt)
    names = TeamNames(rt)

    script = (Path(__file__).parent / "templates" / "dashboard.js").read_text()

    @app.get("/static/dashboard.js", include_in_schema=False)
    def dashboard_script() -> Response:
        return Response(
            script,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @app.get("/dashboard", response_class=HTMLResponse, summary="SLA dashboard (viewer role)")
    def dashboard(request: Request) -> HTMLResponse:
        require(request, "viewer")
        view, label = _view_for(rt, request)
        return HTMLResponse(render(view, label, request.url.query, _page(rt, request, view, names)))

    @app.get(
        "/dashboard/export/{table}.csv",
        summary="One dashboard table as CSV (viewer role)",
        response_class=Response,
    )
    def export(table: str, request: Request) -> Response:
        require(request, "viewer")
        view, _ = _view_for(rt, request)
        tables = csv_tables(view, names.names(view.team_desks))
        if table == "trends":
            span = _span(request)
            tables["trends"] = _trend_rows(trends(rt, span, view.now, AUTOMATED_RUN_STATES))
        elif table.startswith("panel-"):
            tables.update(_panel_tables(dashboard_panels.build_all(rt, view.period, view.now)))
        if table not in tables:
            raise HTTPException(404, f"no table {table!r}; tables: {', '.join(tables)}")
        header, rows = tables[table]
        return Response(
            _csv(header, rows),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{table}.csv"'},
        )
