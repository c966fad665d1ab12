"""
Polling through the worker: same events as the webhook, a cursor that persists, one poll at a time.

``jira-it`` is a real ``JiraDesk`` whose ``/search/jql`` is faked with ``responses``; the poller
stores what it fetches through the same inbox as webhooks (``worker.inbound.receive.store_delivery``).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from sqlalchemy import select

from connectors.desks.polling import PollCursor, parse_time
from connectors.errors import UnavailableError
from intake.normalize import normalize_deliveries
from tests.e2e.desks_support import (
    SEARCH,
    DeskRun,
    answer_channel,
    desk_runtime,
    jira_desk,
    poll_query,
    search_page,
)
from worker.db.records import PollCursorRow
from worker.db.tables import InboxItem, TicketEventRow
from worker.inbound.ingest import ingest
from worker.inbound.poll import poll_desk
from worker.inbound.receive import receive_webhook

KEY = "IT-106"


@pytest.fixture
def run(database_url: str) -> Iterator[DeskRun]:
    with desk_runtime(database_url, jira_desk) as desk_run:
        yield desk_run


@pytest.fixture
def jira() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def _inbox_ids(run: DeskRun, source: str) -> list[int]:
    with run.rt.db.session() as session:
        return list(session.scalars(select(InboxItem.id).where(InboxItem.source == source)))


def _event_ids(run: DeskRun, source: str) -> set[str]:
    """The event ids the normaliser reads from the stored deliveries of ``source``."""
    with run.rt.db.session() as session:
        bodies = session.scalars(select(InboxItem.body).where(InboxItem.source == source)).all()
    return {
        event.desk_event_id
        for body in bodies
        for delivery in normalize_deliveries("jira", "jira-it", body, base_url=None)
        for event in delivery.events
    }


def test_poll_and_webhook_of_one_change_store_one_set_of_events(
    run: DeskRun, jira: responses.RequestsMock
) -> None:
    delivery = run.delivery(KEY)
    jira.get(SEARCH, json=search_page(delivery), match=[poll_query])
    answer_channel(jira)
    receive_webhook(run.rt, "jira-it", delivery.headers, delivery.body)
    (webhook_row,) = _inbox_ids(run, "webhook")
    from_webhook = ingest(run.rt, webhook_row)

    assert poll_desk(run.rt, "jira-it") == 1
    (poll_row,) = _inbox_ids(run, "poll")
    from_poll = ingest(run.rt, poll_row)

    assert _event_ids(run, "poll") == _event_ids(run, "webhook") != set()
    assert [r.new_ticket for r in from_webhook + from_poll] == [True, False]
    assert from_poll[0].new_events == (), "the poll's events were all stored from the webhook"
    with run.rt.db.session() as session:
        stored = set(session.scalars(select(TicketEventRow.desk_event_id)))
    assert stored == _event_ids(run, "webhook")


def _jql_since(updated: dt.datetime, overlap_s: float = 120.0) -> str:
    start = updated - dt.timedelta(seconds=overlap_s)
    return f'updated >= "{start:%Y/%m/%d %H:%M}" ORDER BY updated ASC'


def _cursor(run: DeskRun) -> PollCursorRow:
    with run.rt.db.session() as session:
        row = session.get(PollCursorRow, "jira-it")
        assert row is not None
        session.expunge(row)
        return row


def test_the_cursor_persists_and_the_next_poll_starts_from_it(
    run: DeskRun, jira: responses.RequestsMock
) -> None:
    """The second poll asks from the newest update the first one saw (minus the overlap)."""
    page = search_page(run.delivery(KEY))
    updated = parse_time(page["issues"][0]["fields"]["updated"])
    jira.get(SEARCH, json=page)
    jira.get(
        SEARCH,
        json={"issues": [], "isLast": True},
        match=[matchers.query_param_matcher({"jql": _jql_since(updated)}, strict_match=False)],
    )

    first = poll_desk(run.rt, "jira-it")
    after_first = _cursor(run)
    second = poll_desk(run.rt, "jira-it")
    after_second = _cursor(run)

    assert (first, second) == (1, 0)
    assert after_first.cursor is not None
    kept = PollCursor.load(after_first.cursor, since=after_first.since)
    assert (kept.watermark, kept.token) == (updated, None)
    assert after_second.cursor == after_first.cursor, "an empty scan keeps the watermark"
    assert after_second.lease_until is None, "each poll gives its lease back"


def test_a_failing_page_keeps_the_cursor_at_the_last_stored_page(
    run: DeskRun, jira: responses.RequestsMock
) -> None:
    """Page 1 is stored and its cursor kept; page 2 fails; the next poll resumes at page 2."""
    page = search_page(run.delivery(KEY)) | {"isLast": False, "nextPageToken": "page-2"}
    jira.get(SEARCH, json=page)
    page_two = [matchers.query_param_matcher({"nextPageToken": "page-2"}, strict_match=False)]
    for _ in range(4):  # every attempt of the connector's bounded retry
        jira.get(SEARCH, status=503, json={"errorMessages": []}, match=page_two)

    with pytest.raises(UnavailableError):
        poll_desk(run.rt, "jira-it")

    row = _cursor(run)
    assert row.cursor is not None
    assert PollCursor.load(row.cursor, since=row.since).token == "page-2"
    assert row.lease_until is None
    assert len(_inbox_ids(run, "poll")) == 1


def test_two_polls_of_one_desk_at_once_run_one(run: DeskRun, jira: responses.RequestsMock) -> None:
    """While a poll of ``jira-it`` is in flight, a second one finds the lease taken and returns."""
    page = search_page(run.delivery(KEY))
    in_flight, release = threading.Event(), threading.Event()

    def slow_search(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        in_flight.set()
        assert release.wait(30), "the test never released the first poll"
        return 200, {"Content-Type": "application/json"}, json.dumps(page)

    jira.add_callback(responses.GET, SEARCH, callback=slow_search)
    results: dict[str, Any] = {}
    first = threading.Thread(target=lambda: results.update(first=poll_desk(run.rt, "jira-it")))
    first.start()
    try:
        assert in_flight.wait(30), "the first poll never reached the desk"
        results["second"] = poll_desk(run.rt, "jira-it")
    finally:
        release.set()
        first.join(30)

    assert results == {"first": 1, "second": 0}
    assert len(jira.calls) == 1, "only one poll asked the desk"
    assert _cursor(run).lease_until is None


@pytest.mark.parametrize(
    ("lease_left_s", "stored"), [(-1.0, 1), (600.0, 0)], ids=["crashed-poll-expired", "held"]
)
def test_a_crashed_polls_lease_expires_and_the_next_poll_takes_over(
    run: DeskRun, jira: responses.RequestsMock, lease_left_s: float, stored: int
) -> None:
    """A lease left by a poller that died is taken once it expires; a live one is respected."""
    now = run.rt.clock()
    with run.rt.db.session() as session:
        session.add(
            PollCursorRow(
                desk="jira-it",
                cursor=None,
                since=now - dt.timedelta(hours=1),
                updated_at=now,
                lease_until=now + dt.timedelta(seconds=lease_left_s),
            )
        )
    if stored:
        jira.get(SEARCH, json=search_page(run.delivery(KEY)))

    assert poll_desk(run.rt, "jira-it") == stored
    assert len(jira.calls) == stored
