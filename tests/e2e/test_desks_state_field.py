"""
deskpilot's state in a desk field: a Jira desk with ``state_field: customfield_10099`` gets the
ticket's outcome written into that field — ``waiting_approval`` while the plan waits, then
``resolved`` once the approved run is applied — each value once, in that order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from typing import Any

import responses
from responses import matchers
from sqlalchemy import select

from connectors.desks.memory import MemoryDesk
from playbooks.lifecycle import TicketOutcome
from tests.e2e.desks_support import JIRA, FakeClock, answer_channel, jira_desk
from tests.integration.playbooks.world import (
    DESK,
    PEOPLE,
    World,
    account_id,
    company,
    settings_for,
)
from worker.boot import build_runtime
from worker.config import AppSettings
from worker.db.tables import InboxItem, OutboxRow, TicketRow
from worker.inbound.ingest import ingest
from worker.outbound.writeback import queue_state, writeback

FIELD = "customfield_10099"
ISSUE = re.compile(re.escape(JIRA) + r"/rest/api/3/issue/(IT-[0-9]+)$")
COMMENTS = re.compile(re.escape(JIRA) + r"/rest/servicedeskapi/request/IT-[0-9]+/comment(\?.*)?$")
TRANSITIONS = re.compile(re.escape(JIRA) + r"/rest/api/3/issue/IT-[0-9]+/transitions(\?.*)?$")
USERS = {account_id(login): login for login, *_ in PEOPLE}
EDITMETA = re.compile(re.escape(JIRA) + r"/rest/api/3/issue/IT-[0-9]+/editmeta$")
TEXT_FIELD = {
    "required": False,
    "schema": {
        "type": "string",
        "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textfield",
        "customId": 10099,
    },
    "name": "deskpilot state",
    "key": FIELD,
    "operations": ["set"],
}


@contextmanager
def jira_world(database_url: str) -> Iterator[World]:
    """The playbooks World, but ``jira-it`` is a real JiraDesk configured with ``state_field``."""
    data = settings_for(database_url).model_dump(mode="json")
    data["desks"][0]["options"] = {"state_field": FIELD}
    settings = AppSettings.model_validate(data)
    directory = company()
    rt = build_runtime(
        settings, desks={DESK: jira_desk(FakeClock())}, directories={"corp": directory}
    )
    secret = rt.webhook_secrets[DESK]
    assert secret is not None
    # World.desk only registers keys here: every writeback goes to the JiraDesk in rt.desks.
    w = World(rt, MemoryDesk(DESK), directory, secret)
    rt.clock = w.clock
    try:
        yield w
    finally:
        rt.broker.close()
        rt.db.dispose()


def _jira_site(rsps: responses.RequestsMock) -> list[tuple[str, Any]]:
    """Answers comments and transitions like JSM; returns the recorded field PUTs."""
    ids = count(10200)
    puts: list[tuple[str, Any]] = []
    empty = {"size": 0, "start": 0, "limit": 100, "isLastPage": True, "values": []}
    offered = {"transitions": [{"id": "761", "name": "Resolve", "to": {"name": "Resolved"}}]}

    def put(request: Any) -> tuple[int, dict[str, str], str]:
        match = ISSUE.match(str(request.url))
        assert match is not None
        puts.append((match.group(1), json.loads(request.body)))
        return 204, {}, ""

    def created(request: Any) -> tuple[int, dict[str, str], str]:
        return 201, {}, json.dumps({"id": str(next(ids)), **json.loads(request.body)})

    rsps.add_callback(responses.PUT, ISSUE, callback=put)
    rsps.add(responses.GET, COMMENTS, json=empty)
    rsps.add_callback(responses.POST, COMMENTS, callback=created)
    rsps.add(responses.GET, TRANSITIONS, json=offered)
    rsps.add(responses.POST, TRANSITIONS, status=204)
    rsps.add_callback(responses.GET, f"{JIRA}/rest/api/3/user", callback=_user)
    # the approver holds no agent permission on IT: their comment is not a first response
    rsps.add(responses.GET, f"{JIRA}/rest/api/3/user/permission/search", json=[])
    rsps.add(responses.GET, EDITMETA, json={"fields": {FIELD: TEXT_FIELD}})
    answer_channel(rsps)
    return puts


def _user(request: Any) -> tuple[int, dict[str, str], str]:
    """The user API, for the approver of a comment command (Cloud's shape)."""
    account = str(request.params.get("accountId", ""))
    login = USERS[account]
    user = {"accountId": account, "accountType": "atlassian", "active": True}
    return (
        200,
        {},
        json.dumps(user | {"displayName": login, "emailAddress": f"{login}@example.com"}),
    )


def test_jira_state_field_follows_the_ticket_outcome(database_url: str) -> None:
    with (
        jira_world(database_url) as w,
        responses.RequestsMock(assert_all_requests_are_fired=True) as rsps,
    ):
        puts = _jira_site(rsps)
        w.ticket("IT-3", "bob", "Need access to Salesforce", "Please give me access for 2 weeks.")
        w.drain()
        assert puts == [("IT-3", {"fields": {FIELD: "waiting_approval"}})]

        w.comment("IT-3", "olivia", "/approve")
        w.drain()

        assert w.ticket_row("IT-3").outcome == "resolved"
        assert puts == [
            ("IT-3", {"fields": {FIELD: "waiting_approval"}}),
            ("IT-3", {"fields": {FIELD: "resolved"}}),
        ]
        with w.rt.db.session() as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "field")).all()
            assert [(r.marker, r.state) for r in rows] == [
                ("deskpilot:jira-it:IT-3:state-waiting_approval", "sent"),
                ("deskpilot:jira-it:IT-3:state-resolved", "sent"),
            ]


def test_without_state_field_nothing_is_queued(database_url: str) -> None:
    """The option absent: no field rows, no PUT to the issue."""
    data = settings_for(database_url).model_dump(mode="json")
    assert "state_field" not in data["desks"][0]["options"]
    with (
        jira_world(database_url) as w,
        responses.RequestsMock(assert_all_requests_are_fired=True) as rsps,
    ):
        w.rt.settings = AppSettings.model_validate(data)
        # Only the plan's notes are answered: a PUT to the issue would fail the drain.
        rsps.add(responses.GET, COMMENTS, json={"isLastPage": True, "values": []})
        rsps.add(responses.POST, COMMENTS, status=201, json={"id": "10200"})
        answer_channel(rsps)
        w.ticket("IT-3", "bob", "Need access to Salesforce", "Please give me access for 2 weeks.")
        w.drain()

        assert w.ticket_row("IT-3").outcome == "waiting_approval"
        with w.rt.db.session() as session:
            assert session.scalars(select(OutboxRow).where(OutboxRow.kind == "field")).all() == []


def test_an_older_state_never_overwrites_a_newer_one(database_url: str) -> None:
    """``waiting_approval`` retried after ``resolved`` was written is recorded, not sent."""
    with (
        jira_world(database_url) as w,
        responses.RequestsMock(assert_all_requests_are_fired=True) as rsps,
    ):
        answer_channel(rsps)
        w.ticket("IT-3", "bob", "Need access to Salesforce", "Please give me access for 2 weeks.")
        for inbox_id in _pending(w, InboxItem):
            ingest(w.rt, inbox_id)
        with w.rt.db.session() as session:
            ticket = session.scalars(select(TicketRow).where(TicketRow.key == "IT-3")).one()
            queue_state(w.rt, session, ticket, TicketOutcome.WAITING_APPROVAL)
            queue_state(w.rt, session, ticket, TicketOutcome.RESOLVED)
        older, newer = _pending(w, OutboxRow)
        rsps.add(responses.GET, EDITMETA, json={"fields": {FIELD: TEXT_FIELD}})
        rsps.add(
            responses.PUT,
            JIRA + "/rest/api/3/issue/IT-3",
            status=204,
            match=[matchers.json_params_matcher({"fields": {FIELD: "resolved"}})],
        )

        assert writeback(w.rt, newer) is True
        assert writeback(w.rt, older) is True

        with w.rt.db.session() as session:
            row = session.get(OutboxRow, older)
            assert row is not None
            assert (row.state, row.desk_ref) == ("sent", "superseded")
        writes = [c.request for c in rsps.calls if "/search/jql" not in str(c.request.url)]
        assert [r.method for r in writes] == ["GET", "PUT"]


def _pending(w: World, table: Any) -> list[int]:
    with w.rt.db.session() as session:
        found = session.scalars(select(table.id).where(table.state.in_(("received", "pending"))))
        return list(found)
