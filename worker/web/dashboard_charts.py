"""
The geometry of the dashboard's trend charts: inline SVG, drawn by the template, no script.

Each chart is a ``Chart``: its bars or line segments in SVG user units, the axis labels, and the
words a screen reader gets instead (``title`` and ``desc``; the template also puts the numbers in
a table under the chart). Pure: numbers in, coordinates out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from worker.reports.dashboard_trends import DayPoint, Trends

WIDTH, HEIGHT = 480, 210
LEFT, BOTTOM, TOP = 64, 26, 14
"""Room for the y labels on the left, the x labels at the bottom, and air at the top."""


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    """What the bar's tooltip says: ``2026-11-03: 4``."""


@dataclass(frozen=True)
class Line:
    name: str
    css: str
    points: tuple[str, ...]
    """``x,y`` pairs of one unbroken stretch (days without a value break the line)."""


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    desc: str
    y_top: str
    """The label of the top of the y axis (the bottom is zero)."""
    first_day: str
    last_day: str
    bars: tuple[Bar, ...] = ()
    lines: tuple[Line, ...] = ()
    legend: tuple[tuple[str, str], ...] = ()
    """(name, css class) of each line, for the legend."""
    table_header: tuple[str, ...] = ()
    table_rows: tuple[tuple[str, ...], ...] = field(default=())
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM
    top: int = TOP


def _x(i: int, n: int) -> float:
    step = (WIDTH - LEFT) / max(n, 1)
    return LEFT + i * step + step / 2


def _y(value: float, peak: float) -> float:
    return round(HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * value / (peak or 1), 1)


def breaches(trends: Trends) -> Chart:
    """One bar per day: clocks that breached that day."""
    pts, n = trends.points, len(trends.points)
    peak = max((p.breaches for p in pts), default=0)
    step = (WIDTH - LEFT) / max(n, 1)
    bars = tuple(
        Bar(
            round(LEFT + i * step + step * 0.1, 1), _y(p.breaches, peak), round(step * 0.8, 1),
            round(HEIGHT - BOTTOM - _y(p.breaches, peak), 1), f"{p.day}: {p.breaches}",
        )
        for i, p in enumerate(pts)
    )  # fmt: skip
    total = sum(p.breaches for p in pts)
    worst = max(pts, key=lambda p: (p.breaches, p.day), default=None)
    desc = f"{total} breaches in the last {trends.days} days"
    if worst is not None and worst.breaches:
        desc += f"; the most on {worst.day} ({worst.breaches})"
    return Chart(
        "trend-breaches", f"Breaches per day, last {trends.days} days", desc + ".", str(peak),
        *_ends(pts), bars=bars, table_header=("Day", "Breaches"),
        table_rows=tuple((str(p.day), str(p.breaches)) for p in pts),
    )  # fmt: skip


def _ends(pts: Sequence[DayPoint]) -> tuple[str, str]:
    return (str(pts[0].day), str(pts[-1].day)) if pts else ("", "")


def _segments(values: Sequence[float | None], peak: float) -> tuple[tuple[str, ...], ...]:
    """The unbroken stretches of a line; a lone point becomes a dot-length stretch."""
    out: list[list[str]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if out[-1]:
                out.append([])
            continue
        out[-1].append(f"{round(_x(i, len(values)), 1)},{_y(value, peak)}")
    return tuple(tuple(s) if len(s) > 1 else (s[0], s[0]) for s in out if s)


def _lines(
    series: Sequence[tuple[str, str, Sequence[float | None]]], peak: float
) -> tuple[Line, ...]:
    return tuple(
        Line(name, css, stretch)
        for name, css, values in series
        for stretch in _segments(values, peak)
    )


def automation(trends: Trends) -> Chart:
    """The share of each day's resolved tickets that deskpilot resolved, in percent."""
    pts = trends.points
    rates = [p.automation_rate for p in pts]
    resolved = sum(p.resolved for p in pts)
    automated = sum(p.automated for p in pts)
    overall = f"{100 * automated / resolved:.1f} %" if resolved else "no tickets resolved"
    desc = (
        f"Share of resolved tickets that deskpilot resolved, per day; over the last "
        f"{trends.days} days {automated} of {resolved} ({overall})."
    )
    return Chart(
        "trend-automation", f"Automation rate, last {trends.days} days", desc, "100 %",
        *_ends(pts), lines=_lines((("automation rate", "line-a", rates),), 100.0),
        legend=(("resolved by deskpilot", "line-a"),),
        table_header=("Day", "Resolved", "By deskpilot", "Automation rate"),
        table_rows=tuple(
            (str(p.day), str(p.resolved), str(p.automated),
             "—" if r is None else f"{r:.0f} %")
            for p, r in zip(pts, rates, strict=True)
        ),
    )  # fmt: skip


def resolve_time(trends: Trends, duration: Callable[[float | None], str]) -> Chart:
    """p50 and p90 of creation to resolution of each day's resolved tickets, in hours."""
    pts = trends.points
    p50 = [None if p.resolve.p50 is None else p.resolve.p50 / 3600 for p in pts]
    p90 = [None if p.resolve.p90 is None else p.resolve.p90 / 3600 for p in pts]
    peak = max((v for v in p90 if v is not None), default=0.0)
    peak = max(peak, max((v for v in p50 if v is not None), default=0.0))
    counted = [p for p in pts if p.resolve.count]
    slowest = max(counted, key=lambda p: (p.resolve.p90 or 0, p.day), default=None)
    desc = f"Time from creation to resolution per day (p50 and p90), last {trends.days} days"
    if slowest is not None:
        desc += f"; the slowest p90 on {slowest.day} ({duration(slowest.resolve.p90)})"
    return Chart(
        "trend-resolve", f"Time to resolve, last {trends.days} days", desc + ".",
        duration(peak * 3600), *_ends(pts),
        lines=_lines((("p50", "line-a", p50), ("p90", "line-b", p90)), peak),
        legend=(("p50", "line-a"), ("p90", "line-b")),
        table_header=("Day", "Resolved", "p50", "p90"),
        table_rows=tuple(
            (str(p.day), str(p.resolve.count), duration(p.resolve.p50), duration(p.resolve.p90))
            for p in pts
        ),
    )  # fmt: skip


def charts(trends: Trends, duration: Callable[[float | None], str]) -> tuple[Chart, ...]:
    """The three trend charts, in the order the page shows them."""
    return breaches(trends), automation(trends), resolve_time(trends, duration)


def span_of(value: str | None, spans: Sequence[int]) -> int:
    """The chart span a request asks for (``?trend=90``); the first of ``spans`` by default."""
    if not value:
        return spans[0]
    if not value.isdigit() or int(value) not in spans:
        raise ValueError(f"trend must be one of {', '.join(str(s) for s in spans)} (days)")
    return int(value)
