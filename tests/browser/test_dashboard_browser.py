"""The dashboard in a real headless Chromium (Debian's, through its chromedriver): what a lead sees."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.browser.dashboard_seed import (
    EXPECTED_AT_RISK_KEYS,
    EXPECTED_AUTOMATION,
    EXPECTED_COMPLIANCE_DESK,
    TOKEN_ENV,
    seeded_runtime,
)
from tests.conftest import service_missing
from worker.boot import WebServer
from worker.db.records import SlaClockRow
from worker.runtime import Runtime

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,1600",
)  # fmt: skip


@pytest.fixture
def browser() -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        service_missing(
            "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ARGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Runtime, str]]:
    with seeded_runtime(f"sqlite:///{tmp_path / 'dashboard.sqlite3'}") as rt:
        server = WebServer(rt, "127.0.0.1", 0)
        server.start()
        try:
            yield rt, f"http://127.0.0.1:{server.port}"
        finally:
            server.stop()


def breached_open_in_db(rt: Runtime) -> int:
    """Active clocks past their goal, straight from the table (flag set, or breach time passed)."""
    now = rt.clock()
    with rt.db.session() as session:
        query = select(func.count(SlaClockRow.id)).where(
            SlaClockRow.stage.in_(("running", "paused")),
            SlaClockRow.breached
            | ((SlaClockRow.stage == "running") & (SlaClockRow.breach_at <= now)),
        )
        return int(session.scalar(query) or 0)


def test_a_lead_reads_the_dashboard(browser: object, served: tuple[Runtime, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(browser, WebDriver)
    rt, base = served
    browser.get(f"{base}/dashboard")
    assert "log in" in browser.page_source

    browser.get(f"{base}/login")
    browser.find_element(By.NAME, "token").send_keys(os.environ[TOKEN_ENV])
    browser.find_element(By.CSS_SELECTOR, "form button").click()
    WebDriverWait(browser, 15).until(lambda d: d.current_url.endswith("/dashboard"))
    assert browser.find_element(By.ID, "active-breached").text == str(breached_open_in_db(rt))
    assert browser.find_element(By.ID, "at-risk-count").text == str(len(EXPECTED_AT_RISK_KEYS))
    assert browser.find_element(By.ID, "automation-rate").text == EXPECTED_AUTOMATION
    shown = {
        row.get_attribute("data-group"): row.get_attribute("data-percent")
        for row in browser.find_elements(By.CSS_SELECTOR, "#compliance-desk tbody tr")
    }
    assert shown == EXPECTED_COMPLIANCE_DESK

    rows = browser.find_elements(By.CSS_SELECTOR, "#at-risk tbody tr")
    assert [r.get_attribute("data-key") for r in rows] == list(EXPECTED_AT_RISK_KEYS)
    link = rows[1].find_element(By.TAG_NAME, "a")
    assert link.get_attribute("href") == "https://desk.example.com/ZD-1"
    countdown = rows[1].find_element(By.CSS_SELECTOR, "[data-breach-at]")
    assert countdown.text.startswith(("29m", "30m"))  # the script counts from the server's clock
    assert "paused" in rows[0].text
    bars = browser.find_elements(By.CSS_SELECTOR, "#trend-breaches rect.bar")
    assert len(bars) == 30  # the trend charts show the last 30 days (today included)
    assert browser.find_element(By.ID, "ticket-volume").text == "7"

    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
    for width in (390, 1280, 1440):
        browser.set_window_size(width, 1000)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(int(height) + 120, 6000))
        page_width = browser.execute_script("return document.documentElement.scrollWidth")
        assert int(page_width) <= width + 1, f"the dashboard scrolls sideways at {width} px"
        if width >= 1280:  # every table fits its box on a laptop or desktop screen
            clipped = browser.execute_script(
                "return [...document.querySelectorAll('section')]"
                ".filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.textContent.slice(0, 40))"
            )
            assert clipped == [], f"tables clipped at {width} px: {clipped}"
        assert browser.save_screenshot(str(ARTIFACTS / f"dashboard-{width}.png"))

    browser.set_window_size(1280, 1600)
    browser.get(f"{base}/dashboard")
    panel = browser.find_element(By.ID, "panel-reviews")
    assert "No access review campaign is open." in panel.text
    panel.find_element(By.LINK_TEXT, "all campaigns").click()
    WebDriverWait(browser, 15).until(lambda d: d.current_url.endswith("/dashboard/reviews"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Access reviews"
