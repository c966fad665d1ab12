"""
The whole pipeline, end to end, on the embedded default, on PostgreSQL and on a real Redis.

Signed webhook deliveries (the demo's 41 tickets, shaped like Jira, Zendesk and ServiceNow) go
through the real web app, real Dramatiq workers and the in-memory desks and directory.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.e2e.pipeline_support import DemoRun, demo_runtime, running, wait_until_handled
from worker.db.tables import OutboxRow, RunRow, TicketRow
from worker.web.app import create_app


@pytest.fixture(params=["stub", "redis"])
def demo(request: pytest.FixtureRequest, database_url: str) -> Iterator[DemoRun]:
    broker = "stub"
    if request.param == "redis":
        if database_url.startswith("sqlite"):
            pytest.skip("Redis runs are paired with PostgreSQL (workers on several machines)")
        broker = request.getfixturevalue("redis_url")
    with demo_runtime(database_url, broker) as run:
        yield run


@pytest.mark.slow
def test_every_ticket_reaches_its_outcome(demo: DemoRun) -> None:
    """Unlocks and resets are applied once; risky asks wait; nothing is written twice."""
    rt = demo.rt
    client = TestClient(create_app(rt))
    with running(rt):
        answers = [
            client.post(f"/hooks/{d.desk}", content=d.body, headers=d.headers).status_code
            for d in demo.deliveries
        ]
        done = wait_until_handled(rt, len(demo.deliveries))

    assert {202} == set(answers)
    assert len(demo.deliveries) == done
    with rt.db.session() as session:
        outcomes = dict(session.execute(select(TicketRow.key, TicketRow.outcome)).all())
        runs = session.scalar(select(func.count(RunRow.id)).where(RunRow.state == "applied"))
        notes = session.execute(
            select(OutboxRow.marker, func.count()).group_by(OutboxRow.marker)
        ).all()
        intents = dict(session.execute(select(TicketRow.key, TicketRow.intent)).all())
    requesters = {d.key: d.requester_email for d in demo.deliveries}
    unlocked_by_us = [
        k for k, o in outcomes.items() if o == "resolved" and intents[k] == "account_unlock"
    ]
    still_locked = [
        k
        for k in unlocked_by_us
        if (u := demo.directory.find_user(email=requesters[k])) and u.locked
    ]
    assert outcomes["IT-101"] == "resolved"
    assert outcomes["IT-108"] == "waiting_approval"
    assert outcomes["IT-104"] == "not_account"
    assert (runs or 0) >= 8
    assert unlocked_by_us
    assert still_locked == []
    assert all(count == 1 for _, count in notes)
    posted = [c.marker for desk in demo.desks.values() for cs in desk.comments.values() for c in cs]
    assert len(posted) == len(set(posted))
    assert all(count == 1 for count in demo.directory.apply_counts.values())


def test_a_duplicate_delivery_is_answered_200_and_does_nothing(demo: DemoRun) -> None:
    rt = demo.rt
    client = TestClient(create_app(rt))
    delivery = demo.deliveries[0]

    first = client.post(f"/hooks/{delivery.desk}", content=delivery.body, headers=delivery.headers)
    second = client.post(f"/hooks/{delivery.desk}", content=delivery.body, headers=delivery.headers)

    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["id"] == second.json()["id"]
