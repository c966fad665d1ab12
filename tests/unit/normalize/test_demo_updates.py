"""The demo's "an agent answered and resolved it" deliveries read as the desks' own events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake.model import EventKind, StatusCategory, TicketEvent
from intake.normalize import normalize_deliveries
from worker.demo.deliveries import load_demo
from worker.demo.updates import REPLY, resolved_bodies

CREATED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
AT = CREATED + timedelta(hours=5)
DEMO = load_demo()
FIRST_OF_EACH = {t.desk: t for t in sorted(DEMO.tickets, key=lambda t: t.key, reverse=True)}


@pytest.mark.parametrize("desk", sorted(FIRST_OF_EACH), ids=sorted(FIRST_OF_EACH))
def test_resolution_reads_as_a_public_agent_reply_then_resolved(desk: str) -> None:
    ticket = FIRST_OF_EACH[desk]
    spec = DEMO.desks[desk]
    events: list[TicketEvent] = []
    for _, body in resolved_bodies(ticket, spec, CREATED, AT):
        for delivery in normalize_deliveries(spec.type, desk, body, base_url=spec.base_url):
            assert delivery.ticket.key == ticket.key
            events.extend(delivery.events)
    replies = [e for e in events if e.kind is EventKind.COMMENT and e.comment is not None]
    assert [e.comment.body for e in replies if e.comment] == [REPLY]
    assert all(e.comment.public for e in replies if e.comment)
    if spec.type == "zendesk":  # the event says the author is staff; other desks are asked
        assert all(e.comment.author.is_agent for e in replies if e.comment and e.comment.author)
    statuses = [e.status for e in events if e.kind is EventKind.STATUS]
    assert statuses[-1] in (StatusCategory.RESOLVED, StatusCategory.CLOSED)
