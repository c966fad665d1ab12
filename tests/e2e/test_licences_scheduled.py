"""
The scheduled licence work on the real worker pieces: the monthly report at 09:00 site time on
day 1 and renewal alerts, each claimed once across workers and posted once on the licences
ticket; vendors faked at the HTTP boundary (Zoom's documented shapes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import responses
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from connectors.errors import RateLimitedError
from connectors.licences.zoom import API as ZOOM
from tests.integration.playbooks.world import AGENT_TOKEN, World, settle, world
from tests.unit.licences_saas.conftest import payload
from worker.config import LicenceSettings
from worker.db.licences import LicenceJobRow, LicencePositionRow
from worker.queue.names import ActorName
from worker.queue.periodic import jobs_for
from worker.reports.licence_files import read_contracts
from worker.reports.licence_panel import licence_figures
from worker.reports.licences import claim, licence_tick, open_renewal
from worker.web.app import create_app

BERLIN_9AM_DEC_1 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)  # 09:00 CET
CONTRACTS = """\
vendor,sku,quantity,unit_price,currency,term_start,term_end,notice_days,billing_model
Zoom,Licensed,10,13.33,USD,2026-03-01,2027-02-28,60,per_seat
Slack,Pro,5,8.75,USD,2026-01-01,2026-12-31,30,per_seat
"""
USAGE = """\
identity,vendor,sku,created,hr_status,service_account,cost_centre,source,last_activity,usage_pct
ana@example.com,Slack,Pro,2021-04-01,active,no,CC-1,csv_last_used,2026-11-20,
bo@example.com,Slack,Pro,2021-04-01,leaver,no,CC-2,,,
"""


@pytest.fixture
def w(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("ZOOM_LICENCES_TOKEN", "zoom-secret-token")
    (tmp_path / "contracts.csv").write_text(CONTRACTS)
    (tmp_path / "usage.csv").write_text(USAGE)
    with world(database_url) as built:
        built.now = BERLIN_9AM_DEC_1 - dt.timedelta(days=2)
        built.ticket("IT-1", "olivia", "Licence position and renewals")
        settle(built.rt)
        licences = LicenceSettings.model_validate(
            {
                "contracts": str(tmp_path / "contracts.csv"),
                "usage": str(tmp_path / "usage.csv"),
                "ticket": "jira-it:IT-1",
                "report_dir": str(tmp_path),
                "timezone": "Europe/Berlin",
                "sources": [
                    {"name": "zoom", "type": "zoom",
                     "credentials": {"token": {"env": "ZOOM_LICENCES_TOKEN"}}},
                ],
            }
        )  # fmt: skip
        built.rt.settings = built.rt.settings.model_copy(update={"licences": licences})
        yield built


def zoom(rsps: responses.RequestsMock) -> None:
    first = payload("zoom_users_page1.json")
    rsps.get(f"{ZOOM}/users", json=first, match=[responses.matchers.query_param_matcher(
        {"status": "active", "page_size": "300"})])  # fmt: skip
    rsps.get(f"{ZOOM}/users", json=payload("zoom_users_page2.json"))


def report_keys(keys: list[str]) -> list[str]:
    return [k for k in keys if k.startswith("report:")]


def reports(w: World) -> list[str]:
    return [c.body for c in w.notes("IT-1", public=False) if c.body.startswith("# Licence report")]


def test_the_report_waits_for_nine_site_time_then_runs_once(w: World, tmp_path: Path) -> None:
    assert any(j.actor == ActorName.LICENCES for j in jobs_for(w.rt))
    w.now = BERLIN_9AM_DEC_1 - dt.timedelta(minutes=1)
    assert [] == report_keys(licence_tick(w.rt))

    w.now = BERLIN_9AM_DEC_1
    with responses.RequestsMock() as rsps:
        zoom(rsps)
        assert ["report:2026-12"] == report_keys(licence_tick(w.rt))
    w.advance(days=3)
    assert [] == licence_tick(w.rt)  # nothing is fetched again (no vendor is faked here)
    settle(w.rt)

    (note,) = reports(w)
    assert "| Zoom | Licensed | 10 | 2 | 1 | 8 | 1 | 0 |" in note
    assert "| Slack | Pro | 5 | 2 | 1 | 3 | 0 | 1 |" in note
    assert "zoom-secret-token" not in note
    with w.rt.db.session() as session:
        stored = {
            (r.vendor, r.sku): (r.purchased, r.assigned, r.active, r.unused, r.leaver, r.waste)
            for r in session.scalars(select(LicencePositionRow))
        }
    assert (10, 2, 1, 1, 0, Decimal("119.97")) == stored[("Zoom", "Licensed")]  # 9 x 13.33
    assert (tmp_path / "licences-2026-12.xlsx").is_file()
    written = (tmp_path / "licences-2026-12.csv").read_text()
    assert "Zoom,Licensed,USD,13.33,10,2,1,8,1" in written
    assert written.splitlines()[0].endswith(
        ",notice_date,reclaimed,savings,confirmed_seats,confirmed_savings,confirmation,confirmed_by"
    )
    assert "Savings realised" not in note  # no reclaim was applied in November
    charged = (tmp_path / "licences-2026-12-chargeback.csv").read_text().splitlines()
    assert "currency,cost_centre,identity,seats,amount" == charged[0]
    ledger = read_contracts(w.rt.settings.licences.contracts or Path())
    cost = sum((c.cost for c in ledger if c.in_force(dt.date(2026, 12, 1))), Decimal(0))
    assert cost == sum(Decimal(row.rsplit(",", 1)[1]) for row in charged[1:])
    assert "USD,CC-1,ana@example.com,1,8.75" in charged  # HR facts from licences.usage
    assert (tmp_path / "licences-2026-12-chargeback.xlsx").is_file()


def test_renewal_alert_opens_at_notice_date_minus_lead_days_once(w: World) -> None:
    # Slack Pro: term ends 2026-12-31, 30 days' notice → notice date 2026-12-01, alert from 11-01.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        zoom(rsps)
        w.now = dt.datetime(2026, 10, 31, 12, 0, tzinfo=dt.UTC)
        assert ["report:2026-10"] == licence_tick(w.rt)
        w.now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
        assert ["renewal:Slack:Pro:2026-12-31", "report:2026-11"] == licence_tick(w.rt)
        w.advance(days=1)
        assert [] == licence_tick(w.rt)
    settle(w.rt)

    ((key, opened),) = w.desk.created.values()
    assert "deskpilot-licence-renewal-slack-pro-2026-12-31" == opened.marker
    assert "Licence renewal: Slack Pro, notice by 2026-12-01" == opened.subject
    assert "# Renewal: Slack Pro: give notice by 2026-12-01" in opened.body
    assert "5 at 8.75 USD = 43.75 USD" in opened.body
    assert "Utilisation (2026-10): 1 active of 5 bought (20.0 %)" in opened.body
    assert "1 held by leavers" in opened.body
    assert f"Renewal ticket {key} opened for Slack Pro" in w.text("IT-1", public=False)


def test_a_renewal_ticket_lost_in_flight_is_found_not_opened_twice(w: World) -> None:
    w.now = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
    slack = next(
        c for c in read_contracts(w.rt.settings.licences.contracts or Path()) if c.vendor == "Slack"
    )
    first = open_renewal(w.rt, slack)  # the reply was lost: the job was not finished

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        zoom(rsps)
        assert "renewal:Slack:Pro:2026-12-31" in licence_tick(w.rt)

    assert [first] == [key for key, _ in w.desk.created.values()]


def test_a_claim_is_held_once_and_taken_over_only_after_the_lease(w: World) -> None:
    w.now = BERLIN_9AM_DEC_1
    assert claim(w.rt, "report:2026-12")
    assert not claim(w.rt, "report:2026-12")
    w.advance(seconds=w.rt.settings.runtime.lease_s + 1)
    assert claim(w.rt, "report:2026-12")  # the first worker died before finishing
    with w.rt.db.session() as session:
        (row,) = session.scalars(select(LicenceJobRow))
    assert row.finished_at is None


def test_a_rate_limited_vendor_gives_the_claim_back_for_the_retry(w: World) -> None:
    w.now = BERLIN_9AM_DEC_1
    with responses.RequestsMock() as rsps:
        rsps.get(f"{ZOOM}/users", status=429, headers={"Retry-After": "3600"},
                 json=payload("zoom_error_429.json"))  # fmt: skip
        with pytest.raises(RateLimitedError):
            licence_tick(w.rt)
    with responses.RequestsMock() as rsps:
        zoom(rsps)
        assert ["report:2026-12"] == report_keys(licence_tick(w.rt))
    settle(w.rt)

    assert 1 == len(reports(w))


def test_a_refusing_vendor_ends_the_report_with_a_note_saying_why(w: World) -> None:
    w.now = BERLIN_9AM_DEC_1
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{ZOOM}/users", status=401, json={"code": 124, "message": "Invalid access token."}
        )
        assert ["report:2026-12"] == report_keys(licence_tick(w.rt))
    settle(w.rt)

    (note,) = reports(w)
    assert note.startswith("# Licence report 2026-12: not produced")
    assert "zoom: not authorised" in note
    assert "zoom-secret-token" not in note


def test_metrics_expose_the_latest_report_per_vendor_and_sku(w: World) -> None:
    with TestClient(create_app(w.rt)) as http:
        before = http.get("/metrics").text
        w.now = BERLIN_9AM_DEC_1
        with responses.RequestsMock() as rsps:
            zoom(rsps)
            licence_tick(w.rt)
        text = http.get("/metrics").text

    assert "deskpilot_licence_collector_up 1.0" in before
    assert "deskpilot_licence_seats{" not in before
    for state, value in (("total", 10), ("assigned", 2), ("used", 1), ("unused", 1),
                         ("leaver", 0), ("unassigned", 8)):  # fmt: skip
        assert (
            f'deskpilot_licence_seats{{sku="Licensed",state="{state}",vendor="Zoom"}} {value}.0'
            in text
        )
    assert 'deskpilot_licence_seats{sku="Pro",state="leaver",vendor="Slack"} 1.0' in text
    assert 'deskpilot_licence_waste{currency="USD",sku="Licensed",vendor="Zoom"} 119.97' in text
    (taken,) = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "deskpilot_licence_report_timestamp_seconds"
    ]
    assert BERLIN_9AM_DEC_1.timestamp() == taken


def test_the_panel_figures_come_from_the_latest_report(w: World) -> None:
    assert licence_figures(w.rt, BERLIN_9AM_DEC_1).period is None
    w.now = BERLIN_9AM_DEC_1
    with responses.RequestsMock() as rsps:
        zoom(rsps)
        licence_tick(w.rt)

    fig = licence_figures(w.rt, BERLIN_9AM_DEC_1)

    assert ("2026-12", Decimal("13.33"), 2) == (fig.period, fig.utilisation_pct, fig.reclaimable)
    assert (("USD", Decimal("154.97")),) == fig.waste  # 9 x 13.33 + 4 x 8.75
    assert (
        ("Slack", "Pro", dt.date(2026, 12, 1)),
        ("Zoom", "Licensed", dt.date(2026, 12, 30)),
    ) == fig.renewals
    assert (
        "Zoom",
        "Licensed",
        10,
        2,
        1,
        Decimal("10.00"),
        1,
        0,
        8,
        "119.97 USD",
        "2026-12-30",
    ) in fig.rows


def test_the_dashboard_shows_the_licence_panel_and_exports_it(w: World) -> None:
    with TestClient(create_app(w.rt), base_url="https://testserver") as http:
        http.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)
        before = http.get("/dashboard").text
        w.now = BERLIN_9AM_DEC_1
        with responses.RequestsMock() as rsps:
            zoom(rsps)
            licence_tick(w.rt)
        page = http.get("/dashboard").text
        export = http.get("/dashboard/export/panel-licences.csv")

    assert "No monthly licence report has been stored yet." in before
    section = page[page.index('id="panel-licences"') :]
    assert "Monthly licence report 2026-12" in section
    assert "13.33 %" in section
    assert "154.97" in section
    assert "Slack Pro by 2026-12-01, Zoom Licensed by 2026-12-30" in section
    assert 200 == export.status_code
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert ("Zoom", "Licensed", "10", "1", "10.00") == (
        rows[1]["Vendor"], rows[1]["SKU"], rows[1]["Purchased"], rows[1]["Active"],
        rows[1]["Utilisation %"],
    )  # fmt: skip
