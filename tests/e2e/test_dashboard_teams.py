"""Team names on the dashboard: asked of the desks, kept for a while, the id marked on failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from connectors.desks.memory import MemoryDesk
from tests.browser.dashboard_seed import seeded_runtime
from tests.e2e.test_dashboard import login, rows
from worker.reports.team_names import TeamName, TeamNames
from worker.runtime import Runtime
from worker.web.app import create_app


@pytest.fixture
def rt(database_url: str) -> Iterator[Runtime]:
    with seeded_runtime(database_url) as runtime:
        yield runtime


def _desk(rt: Runtime, name: str) -> MemoryDesk:
    desk = rt.desks[name]
    assert isinstance(desk, MemoryDesk)
    return desk


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_names_are_kept_for_their_ttl(rt: Runtime) -> None:
    clock, desk = Clock(), _desk(rt, "jira-it")
    names = TeamNames(rt, ttl_s=3600, retry_s=300, clock=clock)
    desk.set_group_name("l1", "Level 1")
    assert names.name("jira-it", "l1") == TeamName("l1", "Level 1")
    desk.set_group_name("l1", "Tier 1")
    clock.now += 3599
    assert names.name("jira-it", "l1").name == "Level 1"  # kept
    clock.now += 2
    assert names.name("jira-it", "l1").name == "Tier 1"  # asked again


def test_a_failed_lookup_shows_the_id_and_is_retried_later(rt: Runtime) -> None:
    clock, desk = Clock(), _desk(rt, "zendesk-support")
    desk.strict = True
    names = TeamNames(rt, ttl_s=3600, retry_s=300, clock=clock)
    failed = names.name("zendesk-support", "l9")
    assert failed.name == "l9"
    assert not failed.resolved
    assert failed.problem == "zendesk-support did not give its name: NotFoundError"
    desk.set_group_name("l9", "Night shift")
    clock.now += 299
    assert not names.name("zendesk-support", "l9").resolved
    clock.now += 2
    assert names.name("zendesk-support", "l9") == TeamName("l9", "Night shift")
    assert names.name("no-such-desk", "l9").problem == "no desk no-such-desk is configured"


def test_the_dashboard_shows_names_and_marks_ids_it_could_not_name(rt: Runtime) -> None:
    _desk(rt, "jira-it").set_group_name("l2", "Access & Identity")
    _desk(rt, "jira-it").strict = True  # l1 is unknown to jira-it…
    _desk(rt, "zendesk-support").set_group_name("l1", "Front line")  # …but zendesk names it
    with TestClient(create_app(rt)) as client:
        login(client)
        html = client.get("/dashboard").text
        assert '<span title="l2">Access &amp; Identity</span>' in html
        assert '<span title="l1">Front line</span>' in html
        by_team = {r["team"]: r["name"] for r in rows(client, "compliance-team")}
        assert by_team == {"(none)": "", "l1": "Front line", "l2": "Access & Identity"}
        _desk(rt, "zendesk-support").strict = True
        _desk(rt, "zendesk-support").groups.clear()
    with TestClient(create_app(rt)) as client:  # a new app: nothing kept
        login(client)
        html = client.get("/dashboard").text
        assert "l1 <abbr" in html
        assert "(name unavailable)" in html
