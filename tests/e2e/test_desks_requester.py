"""
A requester named only by id (Zendesk event subscriptions carry ``requester_id``) is resolved
through the desk before the ticket is stored; a transient desk failure leaves the delivery to be
retried, a permanent one keeps the ticket without an address.
"""

from __future__ import annotations

import pytest
import responses
from sqlalchemy import func, select
from structlog.testing import capture_logs

from connectors.desks import DeskClient
from connectors.desks.memory import MemoryDesk
from connectors.desks.transport import RetryPolicy
from connectors.desks.zendesk import ZendeskDesk
from connectors.errors import UnavailableError
from connectors.ratelimit import LocalRateLimiter
from tests.e2e.desks_support import DeskRun, FakeClock, desk_runtime
from worker.db.store import ticket_from_json
from worker.db.tables import InboxItem, TicketRow
from worker.inbound.ingest import ingest
from worker.inbound.receive import receive_webhook

DESK = "zendesk-support"
KEY = "4101"
ZENDESK = "https://acme.zendesk.com"


def _zendesk(clock: FakeClock) -> DeskClient:
    return ZendeskDesk(
        DESK,
        ZENDESK,
        email="deskpilot@example.com",
        api_token="not-a-real-token",
        limiter=LocalRateLimiter(clock=clock.monotonic),
        sleep=clock.sleep,
        policy=RetryPolicy(attempts=3, max_total_wait_s=30.0),
    )


def _receive(run: DeskRun) -> int:
    delivery = run.delivery(KEY)
    receipt = receive_webhook(run.rt, DESK, delivery.headers, delivery.body)
    assert receipt.inbox_id is not None
    return receipt.inbox_id


def _stored(run: DeskRun) -> tuple[str | None, str | None]:
    with run.rt.db.session() as session:
        row = session.scalars(select(TicketRow).where(TicketRow.key == KEY)).one()
        return row.requester, ticket_from_json(row.snapshot).requester.email


def test_zendesk_requester_id_is_resolved_through_the_desk(database_url: str) -> None:
    """The webhook names ``requester_id`` only; the ticket is stored with the user's e-mail."""
    with desk_runtime(database_url) as run:
        delivery = run.delivery(KEY)
        assert delivery.requester_id
        assert delivery.requester_email.encode() not in delivery.body

        ingest(run.rt, _receive(run))

        assert _stored(run) == (delivery.requester_email, delivery.requester_email)


def _strict(clock: FakeClock) -> DeskClient:
    return MemoryDesk(DESK, strict=True)


def test_an_unknown_requester_keeps_the_ticket_without_an_address(database_url: str) -> None:
    """A permanent answer (no such user) is logged; the ticket is stored with the id only."""
    with desk_runtime(database_url, make={DESK: _strict}) as run:
        inbox_id = _receive(run)
        with capture_logs() as logs:
            ingest(run.rt, inbox_id)

        assert _stored(run) == (run.delivery(KEY).requester_id, None)
        warned = [e["event"] for e in logs if e["log_level"] == "warning"]
        # the strict desk does not know the ticket either, so its files cannot be listed
        assert warned == ["requester.unresolved", "attachments.unlisted"]


def test_a_desk_outage_leaves_the_delivery_to_be_retried(database_url: str) -> None:
    """503s from the users endpoint: nothing is stored, the inbox row waits for the retry."""
    with (
        desk_runtime(database_url, make={DESK: _zendesk}) as run,
        responses.RequestsMock(assert_all_requests_are_fired=True) as zendesk,
    ):
        delivery = run.delivery(KEY)
        user_url = f"{ZENDESK}/api/v2/users/{delivery.requester_id}.json"
        for _ in range(3):
            zendesk.get(user_url, status=503, json={"error": "Service Unavailable"})
        inbox_id = _receive(run)

        with pytest.raises(UnavailableError):
            ingest(run.rt, inbox_id)
        with run.rt.db.session() as session:
            assert session.scalar(select(func.count(TicketRow.id))) == 0
            assert session.scalar(select(InboxItem.state)) == "received"

        user = {"user": {"id": int(delivery.requester_id), "email": delivery.requester_email}}
        zendesk.get(user_url, json=user)
        zendesk.get(
            f"{ZENDESK}/api/v2/tickets/{KEY}/comments.json",
            json={"comments": [], "meta": {"has_more": False}},
        )
        ingest(run.rt, inbox_id)

        assert _stored(run) == (delivery.requester_email, delivery.requester_email)
