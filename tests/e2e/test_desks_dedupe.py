"""
One change, seen three ways (the same webhook twice and a poll): one ticket, one run, one note.

The ``jira-it`` desk is a real ``JiraDesk`` whose HTTP is faked with ``responses`` (search for
the poll, comments and transitions for the writeback), behind the real web app, inbox, ingest,
playbook and outbox, on SQLite and PostgreSQL with the StubBroker and real Dramatiq workers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.e2e.desks_support import (
    SD_COMMENTS,
    SEARCH,
    TRANSITIONS,
    DeskRun,
    answer_channel,
    desk_runtime,
    drain,
    jira_desk,
    jira_signed,
    poll_query,
    search_page,
)
from worker.db.tables import InboxItem, OutboxRow, RunRow, TicketEventRow, TicketRow
from worker.inbound.poll import poll_desk
from worker.web.app import create_app

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "jira"
KEY = "IT-106"


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


def _fake_writeback(jira: responses.RequestsMock) -> None:
    comments = SD_COMMENTS.format(key=KEY)
    jira.get(comments, json=_payload("api_servicedesk_comments"))
    jira.post(comments, json=_payload("api_servicedesk_comment_created"), status=201)
    jira.get(TRANSITIONS.format(key=KEY), json=_payload("api_transitions"))
    jira.post(TRANSITIONS.format(key=KEY), status=204)


def _comment_posts(jira: responses.RequestsMock) -> list[dict[str, Any]]:
    url = SD_COMMENTS.format(key=KEY)
    return [
        json.loads(call.request.body or b"{}")
        for call in jira.calls
        if call.request.method == "POST" and call.request.url == url
    ]


@pytest.mark.parametrize("poll_after_work", [False, True], ids=["poll-races", "poll-later"])
def test_webhook_twice_and_poll_once_make_one_ticket_one_run_one_note(
    run: DeskRun,
    jira: responses.RequestsMock,
    poll_after_work: bool,
) -> None:
    delivery = run.delivery(KEY)
    jira.get(SEARCH, json=search_page(delivery), match=[poll_query])
    answer_channel(jira)
    _fake_writeback(jira)
    client = TestClient(create_app(run.rt))

    answers = [
        client.post("/hooks/jira-it", content=delivery.body, headers=delivery.headers).status_code
        for _ in range(2)
    ]
    if poll_after_work:
        drain(run.rt)
    polled = poll_desk(run.rt, "jira-it")
    drain(run.rt)

    assert polled == 1, "the poll is its own inbox row; its events are the webhook's"
    with run.rt.db.session() as session:
        assert session.scalar(select(func.count(TicketRow.id))) == 1
        assert session.scalar(select(func.count(RunRow.id))) == 1
        sources = session.scalars(select(InboxItem.source).order_by(InboxItem.source)).all()
        states = set(session.scalars(select(InboxItem.state)))
        events = session.scalars(select(TicketEventRow.desk_event_id)).all()
        sent = session.execute(select(OutboxRow.kind, OutboxRow.state)).all()
    assert list(sources) == ["poll", "webhook"]
    assert {"ingested"} == states
    assert len(events) == len(set(events)), "an event seen by webhook and poll is stored once"
    assert {("internal_note", "sent"), ("public_reply", "sent"), ("transition", "sent")} == set(
        sent
    )
    posted = _comment_posts(jira)
    assert sorted(p["public"] for p in posted) == [False, True], "one reply and one note"
    assert answers == [202, 200]


@pytest.fixture
def memory_run(database_url: str) -> Iterator[DeskRun]:
    with desk_runtime(database_url) as desk_run:
        yield desk_run


def _signed(run: DeskRun, body: bytes) -> dict[str, str]:
    return jira_signed(body, run.keys["jira-it"], "0b8f7a6c-5d4e-4f3a-9b2c-1d0e9f8a7b6c")


ANSWERS = [
    ("bad-signature", "jira-it", 401, "signature"),
    ("malformed", "jira-it", 400, "JSON"),
    ("too-large", "jira-it", 413, "too large"),
    ("unknown-desk", "jira-elsewhere", 404, "no desk named"),
]


@pytest.mark.parametrize(
    ("case", "desk", "status", "reason"), ANSWERS, ids=[case for case, *_ in ANSWERS]
)
def test_webhook_answers(
    memory_run: DeskRun, case: str, desk: str, status: int, reason: str
) -> None:
    """What the endpoint answers for what it cannot accept; nothing of it is stored."""
    run = memory_run
    good = run.delivery(KEY)
    body, headers = good.body, dict(good.headers)
    if case == "bad-signature":
        headers = _signed(run, body + b" ")
    elif case == "malformed":
        body = b'{"webhookEvent": "jira:issue_created", "issue": '
        headers = _signed(run, body)
    elif case == "too-large":
        body = b" " * (run.rt.settings.web.max_body_bytes + 1)
        headers = _signed(run, body)
    client = TestClient(create_app(run.rt))

    answer = client.post(f"/hooks/{desk}", content=body, headers=headers)

    assert status == answer.status_code
    assert reason.lower() in answer.json()["detail"].lower()
    with run.rt.db.session() as session:
        assert session.scalar(select(func.count(InboxItem.id))) == 0


def test_duplicate_delivery_is_200_and_stored_once(
    memory_run: DeskRun,
) -> None:
    delivery = memory_run.delivery(KEY)
    client = TestClient(create_app(memory_run.rt))

    first, second = (
        client.post("/hooks/jira-it", content=delivery.body, headers=delivery.headers)
        for _ in range(2)
    )

    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
    with memory_run.rt.db.session() as session:
        assert session.scalar(select(func.count(InboxItem.id))) == 1
