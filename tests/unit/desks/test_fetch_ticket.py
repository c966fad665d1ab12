"""``fetch_ticket``: one ticket and its comments as the desk's API shows them (the poll form)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.errors import NotFoundError
from connectors.ratelimit import LocalRateLimiter
from intake.normalize import normalize_delivery

from . import test_servicenow_desk as servicenow
from . import test_zendesk_desk as zendesk
from .conftest import FakeClock

Payload = Callable[[str, str], Any]
SYS_ID = "9d385017c611228701d22104cc95c371"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_zendesk_ticket_and_comments(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    ticket = payload("zendesk", "api_incremental_cursor_page1")["tickets"][0]
    http.get(f"{zendesk.BASE}/api/v2/tickets/{ticket['id']}.json", json={"ticket": ticket})
    http.get(
        f"{zendesk.BASE}/api/v2/tickets/{ticket['id']}/comments.json",
        json=payload("zendesk", "api_ticket_comments"),
    )

    raw = zendesk.make_desk(limiter, clock).fetch_ticket(str(ticket["id"]))
    found = normalize_delivery("zendesk", "zendesk-it", raw.body)

    assert ("fetch", str(ticket["id"])) == (raw.source, found.ticket.key)
    assert ["1274"] == [c.id for c in found.ticket.comments]
    assert (
        "I cannot log in since this morning." == (found.ticket.comments[0].own_text or "").strip()
    )


def test_servicenow_record_by_number_and_its_journal(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    record = payload("servicenow", "api_incident_page1")["result"][0]
    table = f"{servicenow.BASE}/api/now/table/incident"
    http.get(
        table,
        json={"result": [{"sys_id": SYS_ID}]},
        match=[
            matchers.query_param_matcher({"sysparm_query": "number=INC0010042"}, strict_match=False)
        ],
    )
    http.get(f"{table}/{SYS_ID}", json={"result": record})
    http.get(
        f"{servicenow.BASE}/api/now/table/sys_journal_field",
        json=payload("servicenow", "api_journal_entries"),
    )

    raw = servicenow.make_desk(limiter, clock).fetch_ticket("INC0010042")
    found = normalize_delivery("servicenow", "snow-it", raw.body)

    assert "INC0010042" == found.ticket.key
    assert [("alice", "Still locked, please help.")] == [
        (c.author.id if c.author else None, c.body) for c in found.ticket.comments
    ]
    assert json.loads(raw.body)["kind"] == "deskpilot.poll"


def test_zendesk_unknown_ticket_is_not_found(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    http.get(
        f"{zendesk.BASE}/api/v2/tickets/999.json",
        status=404,
        json={"error": "RecordNotFound", "description": "Not found"},
    )

    with pytest.raises(NotFoundError):
        zendesk.make_desk(limiter, clock).fetch_ticket("999")
