"""The review page in a real headless Chromium: the queue, a run in words, approving from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.test_dashboard_browser import ARTIFACTS, browser
from tests.integration.playbooks.world import AGENT_TOKEN, World, world
from worker.boot import WebServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser"]  # the fixture, shared with the dashboard's tests

GRANT = ("Access request: Salesforce", "Please grant me access to Salesforce for 2 weeks.")
WIDTHS = (390, 1280, 1440)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[World, str]]:
    with world(f"sqlite:///{tmp_path / 'review.sqlite3'}") as w:
        server = WebServer(w.rt, "127.0.0.1", 0)
        server.start()
        try:
            yield w, f"http://127.0.0.1:{server.port}"
        finally:
            server.stop()


def _log_in(driver: object, base: str) -> None:
    """Log in and wait for the queue: the login page's own address ends in ``next=/review``,
    so only the old page going stale (then the path) proves the browser has the session."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(driver, WebDriver)
    driver.get(f"{base}/login?next=/review")
    driver.find_element(By.NAME, "token").send_keys(AGENT_TOKEN)
    _navigate(driver, driver.find_element(By.CSS_SELECTOR, "form button"))
    assert urlsplit(driver.current_url).path == "/review"


def _navigate(driver: object, element: Any) -> None:
    """Click a link or submit button and wait for the next page to replace this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(driver, WebDriver)
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(old))


def _status(driver: object) -> Any:
    """The page's status line, once the form's answer has loaded."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.wait import WebDriverWait

    assert isinstance(driver, WebDriver)
    return WebDriverWait(driver, 15).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[role=status]")
    )


def _shoot(driver: object, name: str) -> None:
    """The page at each width, whole height, under artifacts/ (gitignored)."""
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(driver, WebDriver)
    ARTIFACTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        driver.set_window_size(width, 1000)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(int(height) + 120, 6000))
        scroll = driver.execute_script("return document.documentElement.scrollWidth")
        assert int(scroll) <= width + 1, f"{name} scrolls sideways at {width} px"
        path = ARTIFACTS / f"{name}-{width}.png"
        assert driver.save_screenshot(str(path))
        assert path.stat().st_size > 5_000


def test_an_agent_approves_from_the_page_once(browser: object, served: tuple[World, str]) -> None:
    """Queue → run in words → approve (ticked): the directory changes exactly once."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    w, base = served
    w.ticket("IT-3", "bob", *GRANT)
    w.ticket("IT-4", "alice", "Forgot my password", "I forgot my password, please reset it.")
    w.drain()
    _log_in(browser, base)

    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    assert sorted(str(r.get_attribute("data-key")) for r in rows) == ["IT-3", "IT-4"]
    labels = browser.find_elements(By.CSS_SELECTOR, "form.filters label")
    assert all(label.text for label in labels)  # every control is named
    _shoot(browser, "review-queue")
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys("j").perform()  # the keyboard: j selects the first run
    first = browser.find_element(By.CSS_SELECTOR, "#queue tbody tr.current")
    assert first.get_attribute("data-key") == rows[0].get_attribute("data-key")
    ActionChains(browser).send_keys("j").send_keys("k").perform()
    again = browser.find_element(By.CSS_SELECTOR, "#queue tbody tr.current")
    assert again.get_attribute("data-key") == rows[0].get_attribute("data-key")

    browser.set_window_size(1280, 1000)
    browser.find_element(By.ID, "q").send_keys("IT-3")
    _navigate(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    assert [r.get_attribute("data-key") for r in rows] == ["IT-3"]
    _navigate(browser, rows[0].find_element(By.CSS_SELECTOR, "a.run-link"))

    plan = browser.find_element(By.ID, "plan").text
    assert "Add bob (Bob Builder) to group app-salesforce" in plan
    assert "{" not in plan
    assert "Please grant me access" in browser.find_element(By.ID, "ticket-text").text
    _shoot(browser, "review-run")

    browser.set_window_size(1280, 1000)
    # Unticked, the browser will not send the form (and the server would refuse it: 422).
    assert (
        browser.execute_script("return document.getElementById('approve-form').checkValidity()")
        is False
    )
    assert w.runs("IT-3")[0].state == "waiting_approval"
    browser.find_element(By.CSS_SELECTOR, "#approve-form input[name=confirm]").click()
    _navigate(browser, browser.find_element(By.ID, "approve"))
    status = _status(browser).text
    assert "approval.recorded" in status.replace(" ", "_") or "approval recorded" in status
    w.drain()
    assert w.runs("IT-3")[0].state == "applied"
    bob = w.user("bob").id
    assert w.directory.apply_counts[("add_to_group", bob)] == 1  # type: ignore[attr-defined]
    browser.refresh()
    assert "approve" not in [
        f.get_attribute("id") for f in browser.find_elements(By.TAG_NAME, "button")
    ]


def test_approving_your_own_request_is_refused_on_the_page(
    browser: object, served: tuple[World, str]
) -> None:
    """Olivia owns Salesforce but asked for it herself: the page says no, nothing changes."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

    assert isinstance(browser, WebDriver)
    w, base = served
    w.ticket("IT-9", "olivia", *GRANT)
    w.drain()
    run = w.runs("IT-9")[0]
    _log_in(browser, base)
    browser.get(f"{base}/review/runs/{run.id}")
    browser.find_element(By.CSS_SELECTOR, "#approve-form input[name=confirm]").click()
    _navigate(browser, browser.find_element(By.ID, "approve"))
    status = _status(browser)
    assert isinstance(status, WebElement)
    assert status.text.startswith("Refused:")
    assert "problem" in (status.get_attribute("class") or "")
    refused = browser.find_elements(By.CSS_SELECTOR, "#approvals tr[data-verdict=refused]")
    assert len(refused) == 1
    w.drain()
    assert w.runs("IT-9")[0].state == "waiting_approval"
    assert "app-salesforce" not in w.groups("olivia")
    assert not any(w.directory.apply_counts.values())  # type: ignore[attr-defined]


def test_a_ticket_without_a_run_is_in_the_queue_and_re_planned_from_its_page(
    browser: object, served: tuple[World, str]
) -> None:
    """A not-account ticket: a queue row without a playbook, its page, a corrected intent."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.select import Select

    assert isinstance(browser, WebDriver)
    w, base = served
    w.ticket("IT-5", "alice", "Printer jammed", "The printer on floor 3 is jammed again.")
    w.drain()
    assert w.runs("IT-5") == []
    _log_in(browser, base)
    row = browser.find_element(By.CSS_SELECTOR, "#queue tbody tr[data-key='IT-5']")
    assert "no run" in row.text
    _navigate(browser, row.find_element(By.CSS_SELECTOR, "a.run-link"))
    assert "planned no run" in browser.find_element(By.ID, "no-run").text
    assert "printer on floor 3" in browser.find_element(By.ID, "ticket-text").text
    _shoot(browser, "review-ticket")

    browser.set_window_size(1280, 1000)
    Select(browser.find_element(By.CSS_SELECTOR, "#intent-form select")).select_by_value(
        "password_reset"
    )
    browser.find_element(By.CSS_SELECTOR, "#intent-form input[name=confirm]").click()
    _navigate(browser, browser.find_element(By.CSS_SELECTOR, "#intent-form button"))
    assert "classification.corrected recorded" in _status(browser).text
    w.drain()
    assert [r.intent for r in w.runs("IT-5")] == ["password_reset"]
