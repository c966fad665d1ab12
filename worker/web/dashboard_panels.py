"""
More panels on ``/dashboard``: a module builds one, one line in ``PANEL_MODULES`` shows it.

A panel module (say ``worker.web.panel_licences``) defines a module-level ``PANEL``::

    PANEL = Panel(
        key="licences",                   # [a-z0-9-]: the section's id and its CSV name
        title="Licence utilisation",
        build=licence_panel,              # (rt, period, now) -> PanelContent
        order=10,                         # lower comes first
    )

and its dotted name is added to ``PANEL_MODULES`` below. ``build`` reads what it needs through
the runtime (its own indexed queries) and returns figures (the big numbers, as cards) and at
most one table (and a ``link`` to a page of this site with the details); the dashboard renders both with the page's own styles, escapes every value, and
exports the table as ``/dashboard/export/panel-{key}.csv``. A panel whose ``build`` raises is
shown as "could not be computed" with the error's kind, and logged; the rest of the page is
unaffected. ``register`` adds a panel at run time (tests, plug-ins) the same way.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import structlog

from sla.report import Period
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.dashboard")

PANEL_MODULES: tuple[str, ...] = (
    "worker.web.panel_licences",
    "worker.web.panel_reviews",
)
"""Dotted names of the modules whose ``PANEL`` the dashboard shows (one line per panel)."""

Tone = Literal["", "good", "warn", "bad"]
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class Figure:
    """One big number of a panel: ``78.5 %`` with ``label`` above and ``hint`` below."""

    label: str
    value: str
    hint: str = ""
    tone: Tone = ""


@dataclass(frozen=True)
class PanelTable:
    """A panel's table: its header and rows (plain values; the page escapes them)."""

    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class PanelContent:
    """What a panel shows for one period."""

    figures: tuple[Figure, ...] = ()
    table: PanelTable | None = None
    note: str = ""
    """One line under the title: where the figures come from, or why there are none."""
    link: str = ""
    """A page of deskpilot with the details (a path such as ``/dashboard/reviews``), or none."""
    link_text: str = "details"

    def __post_init__(self) -> None:
        if self.link and not (self.link.startswith("/") and not self.link.startswith("//")):
            raise ValueError(f"panel link {self.link!r}: use a path of this site (/...)")


Build = Callable[[Runtime, Period, dt.datetime], PanelContent]


@dataclass(frozen=True)
class Panel:
    """A section of the dashboard provided by another part of deskpilot."""

    key: str
    title: str
    build: Build
    order: int = 100

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"panel key {self.key!r}: use 1-40 of a-z, 0-9 and '-'")


@dataclass(frozen=True)
class Shown:
    """A panel as the page renders it: its content, or the reason it has none."""

    panel: Panel
    content: PanelContent | None
    error: str | None


_lock = threading.Lock()
_panels: dict[str, Panel] = {}
_loaded: list[bool] = []


def register(panel: Panel) -> None:
    """Show ``panel`` on the dashboard; the same key twice for different panels is an error."""
    with _lock:
        known = _panels.get(panel.key)
        if known is not None and known != panel:
            raise ValueError(f"a dashboard panel {panel.key!r} is already registered")
        _panels[panel.key] = panel


def unregister(key: str) -> None:
    """Take the panel ``key`` off the dashboard (nothing when there is none)."""
    with _lock:
        _panels.pop(key, None)


def load_modules(names: tuple[str, ...]) -> None:
    """Register the ``PANEL`` of each module in ``names`` (dotted); one without it is an error."""
    for name in names:
        panel = getattr(importlib.import_module(name), "PANEL", None)
        if not isinstance(panel, Panel):
            raise TypeError(f"{name} (a dashboard panel module) has no PANEL = Panel(...)")
        register(panel)


def _load() -> None:
    with _lock:
        if _loaded:
            return
        _loaded.append(True)
    load_modules(PANEL_MODULES)


def panels() -> tuple[Panel, ...]:
    """Every registered panel, by ``order`` then key."""
    _load()
    with _lock:
        return tuple(sorted(_panels.values(), key=lambda p: (p.order, p.key)))


def build_all(rt: Runtime, period: Period, now: dt.datetime) -> tuple[Shown, ...]:
    """Every panel's content for ``period``; a panel that fails says so and is logged."""
    shown = []
    for panel in panels():
        try:
            shown.append(Shown(panel, panel.build(rt, period, now), None))
        except Exception as exc:  # noqa: BLE001 (one panel must not take the page down)
            log.warning("dashboard.panel_failed", panel=panel.key, error=type(exc).__name__)
            shown.append(Shown(panel, None, type(exc).__name__))
    return tuple(shown)
