"""The access reviews page in a real headless Chromium: a reviewer decides her items."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.test_dashboard_browser import browser
from tests.browser.test_review_browser import _navigate, _shoot, _status
from tests.e2e.review_page_support import SECRETS, Started, started
from worker.boot import WebServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser"]  # the fixture, shared with the dashboard's tests


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Started, str]]:
    with started(f"sqlite:///{tmp_path / 'access.sqlite3'}") as s:
        server = WebServer(s.w.rt, "127.0.0.1", 0)
        server.start()
        try:
            yield s, f"http://127.0.0.1:{server.port}"
        finally:
            server.stop()


def test_a_reviewer_keeps_one_and_revokes_one(browser: object, served: tuple[Started, str]) -> None:
    """Log in → her items → a revoke without a reason comes back as typed → recorded → removed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    s, base = served
    items = s.items(s.staff)
    alice, bob = items["alice"], items["bob"]
    browser.get(f"{base}/login?next=/access-reviews")
    browser.find_element(By.NAME, "token").send_keys(SECRETS["maria"])
    _navigate(browser, browser.find_element(By.CSS_SELECTOR, "form button"))
    assert urlsplit(browser.current_url).path == "/access-reviews"
    rows = browser.find_elements(By.CSS_SELECTOR, f"#decide-{s.staff} tbody tr")
    assert [r.get_attribute("data-subject") for r in rows] == ["alice", "bob"]
    assert "the directory reports no last use" in rows[0].text
    _shoot(browser, "access-reviews")

    browser.set_window_size(1280, 1000)
    browser.find_element(By.CSS_SELECTOR, f"input[name='decision-{alice.id}'][value=keep]").click()
    browser.find_element(By.CSS_SELECTOR, f"input[name='decision-{bob.id}'][value=revoke]").click()
    browser.find_element(By.CSS_SELECTOR, f"#decide-{s.staff} input[name=confirm]").click()
    _navigate(browser, browser.find_element(By.ID, f"record-{s.staff}"))
    assert "Nothing recorded" in _status(browser).text
    error = browser.find_element(By.ID, f"error-{bob.id}")
    assert error.text == f"Item {bob.number}: a revoke needs a reason"
    kept = browser.find_element(By.CSS_SELECTOR, f"input[name='decision-{alice.id}'][value=keep]")
    assert kept.is_selected()  # nothing lost: the choices come back as made
    assert {r.state for r in s.items(s.staff).values()} == {"pending"}

    browser.find_element(By.ID, f"reason-{bob.id}").send_keys("moved to another team")
    browser.find_element(By.CSS_SELECTOR, f"#decide-{s.staff} input[name=confirm]").click()
    _navigate(browser, browser.find_element(By.ID, f"record-{s.staff}"))
    assert _status(browser).text == f"Recorded: keep #{alice.number}; revoke #{bob.number}."
    mine = browser.find_elements(By.CSS_SELECTOR, f"#campaign-{s.staff} table.mine tbody tr")
    assert [r.get_attribute("data-state") for r in mine] == ["kept", "revoked"]
    assert browser.find_elements(By.ID, f"decide-{s.staff}") == []

    s.w.fire_timers()
    assert "all-staff" not in s.w.groups("bob")
    assert s.w.directory.apply_counts[("remove_from_group", bob.subject_id)] == 1  # type: ignore[attr-defined]
    browser.refresh()
    removal = browser.find_elements(By.CSS_SELECTOR, f"#item-{bob.id} td")[-1].text
    assert removal == "verified"
