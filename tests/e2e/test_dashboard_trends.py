"""The dashboard's KPIs, its 30/90-day trend charts and the panels other modules add."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sla.report import Period
from tests.browser.dashboard_seed import seeded_runtime
from tests.e2e.test_dashboard import login, rows
from worker.runtime import Runtime
from worker.web import dashboard_panels
from worker.web.app import create_app
from worker.web.dashboard_panels import Panel, PanelContent


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with seeded_runtime(database_url) as rt, TestClient(create_app(rt)) as http:
        login(http)
        yield http


def test_kpis_count_volume_and_time_to_provision(client: TestClient) -> None:
    """Seven tickets created in the last 7 days; IT-1, resolved by deskpilot, took one hour."""
    html = client.get("/dashboard").text
    assert 'id="ticket-volume">7<' in html
    assert 'id="provision-p50">1h 00m<' in html
    assert 'id="ticket-volume">0<' in client.get("/dashboard?from=2026-11-01&to=2026-11-10").text


def test_trends_have_one_point_per_day(client: TestClient) -> None:
    """On 11-18 IT-1 (deskpilot, 1 h) and IT-2 (people, 24 h) were resolved; 3 breaches in all."""
    points = {r["day"]: r for r in rows(client, "trends")}
    assert len(points) == 30
    assert min(points) == "2026-10-22"
    assert max(points) == "2026-11-20"
    assert points["2026-11-18"] == {
        "day": "2026-11-18", "breaches": "0", "resolved": "2", "by_deskpilot": "1",
        "automation_percent": "50.0", "resolve_p50_s": "45000", "resolve_p90_s": "78120",
    }  # fmt: skip
    breaches = {day: r["breaches"] for day, r in points.items() if r["breaches"] != "0"}
    assert breaches == {"2026-11-17": "1", "2026-11-20": "2"}
    assert points["2026-11-19"]["automation_percent"] == ""  # nothing resolved: no rate
    assert len(rows(client, "trends", "?trend=90")) == 90


@pytest.mark.parametrize("span", ["7", "abc", "-30"], ids=["not-offered", "word", "negative"])
def test_unknown_trend_spans_are_refused(client: TestClient, span: str) -> None:
    answer = client.get(f"/dashboard?trend={span}")
    assert answer.status_code == 400
    assert "trend must be one of 30, 90" in answer.text


def test_charts_are_inline_svg_with_words_and_tables(client: TestClient) -> None:
    html = client.get("/dashboard?range=30d&trend=90").text
    for key in ("trend-breaches", "trend-automation", "trend-resolve"):
        assert f'aria-labelledby="{key}-t {key}-d"' in html
        assert f'<title id="{key}-t">' in html
        assert f'<desc id="{key}-d">' in html
    assert "3 breaches in the last 90 days; the most on 2026-11-20 (2)." in html
    assert "over the last 90 days 1 of 2 (50.0 %)" in html
    assert html.count('<rect class="bar"') == 90
    assert "<polyline" in html
    assert 'href="?range=30d&amp;trend=30"' in html  # the span selector keeps the period
    assert '<table class="chart-table">' in html
    assert "https://" not in html.replace("https://desk.example.com", "")


def test_team_compliance_is_shown_per_team(client: TestClient) -> None:
    html = client.get("/dashboard").text
    section = html[html.index('id="team-compliance"') :]
    assert '<li data-group="l2">' in section
    assert "<meter" in section


def _failing(rt: Runtime, period: Period, now: object) -> PanelContent:
    raise LookupError("the ledger is missing")


def test_panel_modules_add_sections_and_exports(client: TestClient) -> None:
    dashboard_panels.load_modules(("tests.e2e.dashboard_panel",))
    dashboard_panels.register(Panel("broken", "Broken panel", _failing, order=6))
    try:
        html = client.get("/dashboard").text
        assert html.index('id="panel-open-by-desk"') < html.index('id="panel-broken"')
        assert "Open tickets &lt;all desks&gt;" in html  # escaped like every value
        assert "Could not be computed (LookupError)" in html
        assert client.get("/dashboard").status_code == 200
        assert rows(client, "panel-open-by-desk") == [
            {"desk": "jira-it", "open": "1"}, {"desk": "zendesk-support", "open": "4"},
        ]  # fmt: skip
        assert client.get("/dashboard/export/panel-broken.csv").status_code == 404
    finally:
        dashboard_panels.unregister("open-by-desk")
        dashboard_panels.unregister("broken")
    assert 'id="panel-open-by-desk"' not in client.get("/dashboard").text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Panel("Licences!", "x", _failing), "use 1-40 of a-z"),
        (lambda: dashboard_panels.load_modules(("tests.e2e.test_dashboard",)), "has no PANEL"),
    ],
    ids=["bad-key", "module-without-panel"],
)
def test_bad_panels_are_refused(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_a_key_is_registered_once() -> None:
    dashboard_panels.register(Panel("twice", "One", _failing))
    try:
        with pytest.raises(ValueError, match="already registered"):
            dashboard_panels.register(Panel("twice", "Two", _failing))
    finally:
        dashboard_panels.unregister("twice")
