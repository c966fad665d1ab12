"""
The first-response clock stops at a desk agent's first public reply, on desks whose user API does
not say who is an agent: Jira/JSM (the service project's agent permission) and ServiceNow (the
``itil`` role). Real connectors, faked only at their HTTP boundary (``authority_support``); the
deliveries are the vendors' own webhook shapes, through the webhook, ingest and the SLA clocks.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import responses
from sqlalchemy import select

from connectors.errors import TransientError
from tests.e2e.authority_payloads import (
    jira_comment,
    jira_created,
    jira_issue,
    jira_user,
    snow_delivery,
    snow_journal,
)
from tests.e2e.authority_support import (
    JIRA,
    Desks,
    four_desks,
    jira_headers,
    now_stamp,
    snow_headers,
)
from worker.clocks.slaclock import update_sla
from worker.db.records import SlaClockRow
from worker.db.store import event_from_json
from worker.db.tables import InboxItem, TicketEventRow, TicketRow
from worker.inbound.receive import Outcome

SLA = {
    "policies": [
        {
            "name": "everything",
            "goals": {
                "first_response": {"goal": "4h", "clock": "calendar"},
                "resolution": {"goal": "3d", "clock": "calendar"},
            },
        }
    ]
}
AGENT, REQUESTER = "dave", "bob"


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", SLA) as built:
        built.agents.add(AGENT)
        yield built


def _sent() -> int:
    """A Jira body's own ``timestamp``: when Jira sent it (now; the events happened earlier).
    A body stamped outside the replay window would only be a hint to re-read the issue."""
    return int(now_stamp().timestamp() * 1000)


def _jira(desks: Desks, author: str, public: bool) -> tuple[str, str]:
    """Bob asks on JSM; ``author`` comments (public or an internal note) ten minutes later."""
    key, at = f"IT-{desks.next_id()}", now_stamp() - dt.timedelta(minutes=30)
    issue = jira_issue(key, REQUESTER, at)
    created = json.dumps(json.loads(jira_created(issue, at)) | {"timestamp": _sent()}).encode()
    assert (
        desks.post("jira-it", jira_headers(desks.secrets["jira-it"], created), created)
        is Outcome.ACCEPTED
    )
    desks.settle()
    user = jira_user(author) | {"accountType": "atlassian"}
    doc = json.loads(jira_comment(issue, desks.next_id(), user, "Looking into it now.", at))
    doc["comment"] |= {"jsdPublic": public}
    at_reply = (at + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    doc["comment"] |= {"created": at_reply, "updated": at_reply}
    doc["timestamp"] = _sent()
    body = json.dumps(doc).encode()
    assert (
        desks.post("jira-it", jira_headers(desks.secrets["jira-it"], body), body)
        is Outcome.ACCEPTED
    )
    desks.settle()
    return "jira-it", key


def _servicenow(desks: Desks, author: str, public: bool) -> tuple[str, str]:
    """Bob's requested item; ``author`` writes to its journal (comments or work notes)."""
    n = desks.next_id()
    number, sys_id = f"RITM00{n}", f"{n:032x}"
    at = now_stamp() - dt.timedelta(minutes=30)
    created = snow_delivery(number, sys_id, REQUESTER, at, 0)
    assert (
        desks.post("snow-it", snow_headers(desks.secrets["snow-it"], created), created)
        is Outcome.ACCEPTED
    )
    desks.settle()
    replied = at + dt.timedelta(minutes=10)
    entry = snow_journal(f"{n + 1:032x}", author, "Looking into it now.", replied)
    entry["element"] = "comments" if public else "work_notes"
    updated = snow_delivery(number, sys_id, REQUESTER, replied, 1, [entry])
    assert (
        desks.post("snow-it", snow_headers(desks.secrets["snow-it"], updated), updated)
        is Outcome.ACCEPTED
    )
    desks.settle()
    return "snow-it", number


Scenario = Callable[[Desks, str, bool], tuple[str, str]]
DESKS: list[Scenario] = [_jira, _servicenow]
DESK_IDS = ["jira", "servicenow"]


def _first_response(desks: Desks, desk: str, key: str) -> tuple[str, dt.datetime | None]:
    with desks.rt.db.session() as session:
        ticket_id = session.scalars(
            select(TicketRow.id).where(TicketRow.desk == desk, TicketRow.key == key)
        ).one()
    update_sla(desks.rt, ticket_id)  # what the ``update_sla`` actor runs after ingestion
    with desks.rt.db.session() as session:
        clock = session.scalars(
            select(SlaClockRow).where(
                SlaClockRow.ticket_id == ticket_id, SlaClockRow.metric == "first_response"
            )
        ).one()
        return clock.stage, clock.stopped_at


def _comment_agents(desks: Desks) -> list[bool | None]:
    with desks.rt.db.session() as session:
        payloads = session.scalars(
            select(TicketEventRow.data).where(TicketEventRow.kind == "comment")
        ).all()
    comments = [event_from_json(p).comment for p in payloads]
    return [c.author.is_agent if c and c.author else None for c in comments]


@pytest.mark.parametrize("scenario", DESKS, ids=DESK_IDS)
@pytest.mark.parametrize(
    ("author", "public", "stopped"),
    [(AGENT, True, True), (REQUESTER, True, False), (AGENT, False, False)],
    ids=["agents-public-reply-stops-it", "requesters-reply-does-not", "internal-note-does-not"],
)
def test_only_an_agents_public_reply_stops_the_first_response_clock(
    desks: Desks, scenario: Scenario, author: str, public: bool, stopped: bool
) -> None:
    desk, key = scenario(desks, author, public)

    stage, stopped_at = _first_response(desks, desk, key)

    assert (stopped_at is not None) is stopped, stage
    assert _comment_agents(desks) == [author == AGENT]


def test_a_permission_lookup_outage_keeps_the_reply_to_be_retried(desks: Desks) -> None:
    """
    JSM's permission search is down (a 503 asking for two minutes): nothing is stored as a
    guess, the comment's delivery stays in the inbox and the error is the transient kind the
    worker queue retries later.
    """
    search = f"{JIRA}/rest/api/3/user/permission/search"
    desks.http.remove(responses.GET, search)
    outage = desks.http.get(
        search, status=503, json={"errorMessages": []}, headers={"Retry-After": "120"}
    )
    with pytest.raises(TransientError):
        _jira(desks, AGENT, True)

    assert outage.call_count == 1, "a wait longer than the inline bound goes back to the queue"
    assert _comment_agents(desks) == []
    with desks.rt.db.session() as session:
        waiting = session.scalars(select(InboxItem.state).order_by(InboxItem.id)).all()
    assert waiting[-1] == "received", "the comment's delivery stays in the inbox"
