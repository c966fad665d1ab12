"""
A desk that answers 429, then 500, then succeeds: the note is posted once, after the Retry-After.

Short waits are slept inside the connector (tenacity, on the desk's fake clock); a Retry-After
longer than the connector may sleep goes back to the queue, and the message must come back no
sooner than the desk asked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dramatiq
import pytest
import requests
import responses
from dramatiq import Worker
from dramatiq.middleware import Middleware
from sqlalchemy import select

from playbooks.outbox import OutboxKind
from tests.e2e.desks_support import SD_COMMENTS, DeskRun, answer_channel, desk_runtime, jira_desk
from worker.db.tables import OutboxRow, TicketRow
from worker.inbound.ingest import ingest
from worker.inbound.receive import receive_webhook
from worker.outbound.writeback import queue_writeback, writeback
from worker.queue.names import ActorName

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "jira"
KEY = "IT-106"
COMMENTS = SD_COMMENTS.format(key=KEY)


def _payload(name: str) -> Any:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


@pytest.fixture
def run(database_url: str) -> Iterator[DeskRun]:
    with desk_runtime(database_url, jira_desk) as desk_run:
        yield desk_run


@pytest.fixture
def jira() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def _outbox_row(run: DeskRun) -> int:
    """The ticket stored from its webhook, with one internal note queued (nothing else runs)."""
    delivery = run.delivery(KEY)
    receipt = receive_webhook(run.rt, "jira-it", delivery.headers, delivery.body)
    assert receipt.inbox_id is not None
    ingest(run.rt, receipt.inbox_id)
    run.rt.broker.flush_all()  # only the writeback below runs
    with run.rt.db.session() as session:
        ticket = session.scalars(select(TicketRow).where(TicketRow.key == KEY)).one()
        queue_writeback(
            run.rt, session, ticket, OutboxKind.INTERNAL_NOTE, "Unlocked **asmith**.", "retry"
        )
    with run.rt.db.session() as session:
        return session.scalars(select(OutboxRow.id)).one()


def _posts(jira: responses.RequestsMock) -> list[int]:
    statuses: list[int] = []
    for call in jira.calls:
        answer = call.response
        if call.request.method == "POST" and isinstance(answer, requests.Response):
            statuses.append(answer.status_code)
    return statuses


def test_429_then_500_then_success_posts_once_after_retry_after(
    run: DeskRun, jira: responses.RequestsMock
) -> None:
    answer_channel(jira)
    outbox_id = _outbox_row(run)
    empty = {"size": 0, "start": 0, "limit": 100, "isLastPage": True, "values": []}
    jira.get(COMMENTS, json=empty)
    jira.post(COMMENTS, status=429, headers={"Retry-After": "7"}, json={"errorMessages": []})
    jira.post(COMMENTS, status=500, json={"errorMessages": ["Internal server error"]})
    jira.post(COMMENTS, json=_payload("api_servicedesk_comment_created"), status=201)

    sent = writeback(run.rt, outbox_id)

    assert sent is True
    assert _posts(jira) == [429, 500, 201]
    assert run.clock.sleeps[0] == pytest.approx(7.0), "the first wait is the desk's Retry-After"
    assert sum(run.clock.sleeps) >= 7.0
    gets = [c for c in jira.calls if c.request.method == "GET" and "/comment" in str(c.request.url)]
    assert len(gets) == 3, "each attempt re-checks the ticket for the marker before posting"
    with run.rt.db.session() as session:
        row = session.get(OutboxRow, outbox_id)
        assert row is not None
        assert (row.state, row.desk_ref, row.attempts) == ("sent", "10108", 1)


class EnqueueRecorder(Middleware):
    """Records every (actor, delay) the broker is asked to enqueue; signals retries."""

    def __init__(self) -> None:
        self.enqueued: list[tuple[str, int | None]] = []
        self.retried = threading.Event()

    def before_enqueue(self, broker: dramatiq.Broker, message: Any, delay: int | None) -> None:
        self.enqueued.append((message.actor_name, delay))
        if message.options.get("retries"):
            self.retried.set()


def test_a_long_retry_after_goes_back_to_the_queue_for_that_long(
    run: DeskRun, jira: responses.RequestsMock
) -> None:
    """Retry-After 45 s is more than the connector sleeps: the message is re-enqueued 45 s out."""
    answer_channel(jira)
    outbox_id = _outbox_row(run)
    empty = {"size": 0, "start": 0, "limit": 100, "isLastPage": True, "values": []}
    jira.get(COMMENTS, json=empty)
    jira.post(COMMENTS, status=429, headers={"Retry-After": "45"}, json={"errorMessages": []})
    recorder = EnqueueRecorder()
    run.rt.broker.add_middleware(recorder)
    worker = Worker(run.rt.broker, worker_timeout=100)
    worker.start()
    try:
        run.rt.send(ActorName.WRITEBACK, outbox_id)
        assert recorder.retried.wait(30), "the rate-limited writeback was not retried"
    finally:
        worker.stop()

    with run.rt.db.session() as session:
        row = session.get(OutboxRow, outbox_id)
        assert row is not None
        assert row.state == "pending", "the row is given back for the retry"
    assert _posts(jira) == [429]
    retry_delay = recorder.enqueued[-1][1]
    assert retry_delay is not None
    assert retry_delay >= 45_000
