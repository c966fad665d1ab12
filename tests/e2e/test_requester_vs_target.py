"""
Requester and target as each desk means them, read from the desk's own people fields (no form
field names anyone), through the real connectors faked only at their HTTP boundary.

* Jira Service Management: the **reporter** is who the request is for ("Raise this request on
  behalf of" sets the reporter); the **creator** is whoever typed it in, e.g. an agent.
* Zendesk: ``requester_id`` is who the ticket is for; ``submitter_id`` an agent who filed it.
* ServiceNow: ``opened_by`` asked; ``requested_for`` is whom the requested item is for.
* Salesforce: the Case's **Contact** is who it is for; ``CreatedById`` the user who created it.

The requester is never the agent who typed the ticket in, and the target is the requester only
when the ticket names nobody else. Whoever typed it in for the requester asked for it as much
as they did: their ``/approve`` is refused like the requester's own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import responses
from sqlalchemy import select

from playbooks.planned import Plan
from tests.e2e.authority_payloads import (
    jira_comment,
    jira_created,
    jira_issue,
    jira_user,
    salesforce_comment,
    salesforce_page,
    snow_delivery,
    zendesk_event,
)
from tests.e2e.authority_scenarios import ok
from tests.e2e.authority_support import (
    PEOPLE,
    SF_API,
    Desks,
    four_desks,
    jira_headers,
    now_stamp,
    snow_headers,
    zendesk_headers,
)
from worker.db.store import ticket_from_json
from worker.db.tables import RunRow, TicketRow
from worker.inbound.poll import poll_desk

FOR_ALICE = "Please give alice@example.com access to Salesforce for 2 weeks."
"""A ticket that names another person (Alice, Maria's report) as the one to get access."""


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        built.agents.add("dave")
        yield built


def jira(d: Desks, asker: str, typist: str, text: str | None) -> str:
    """A JSM request for ``asker`` (reporter) that ``typist`` raised on their behalf (creator)."""
    at = now_stamp()
    issue = jira_issue("IT-31", asker, at)
    issue["fields"]["creator"] = jira_user(typist)
    if text:
        issue["fields"]["description"] = text
    raw = jira_created(issue, at)
    ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], raw), raw))
    return "jira-it:IT-31"


def zendesk(d: Desks, asker: str, typist: str, text: str | None) -> str:
    """A Zendesk ticket whose requester is ``asker``, submitted by ``typist``."""
    raw = zendesk_event("created", "4131", asker, now_stamp())
    doc = json.loads(raw)
    doc["detail"] |= {"submitter_id": PEOPLE[typist].zendesk, "actor_id": PEOPLE[typist].zendesk}
    if text:
        doc["detail"]["description"] = text
    raw = json.dumps(doc).encode()
    ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], raw), raw))
    return "zendesk-it:4131"


def servicenow(d: Desks, asker: str, typist: str, text: str | None) -> str:
    """A requested item ``typist`` opened: for ``asker``, or for the person ``text`` names."""
    sys_id = "5a1c2b3a1b2c3d4e5f60718293a4b5c7"
    for_whom = "alice" if text else asker
    doc = json.loads(snow_delivery("RITM0010031", sys_id, for_whom, now_stamp(), 0))
    opener = PEOPLE[typist if not text else asker]
    doc["record"]["opened_by"] = {"value": opener.snow_sys_id, "display_value": opener.login}
    doc["opened_by"] = {
        "sys_id": opener.snow_sys_id,
        "user_name": opener.login,
        "email": opener.email,
        "name": opener.login.title(),
    }
    raw = json.dumps(doc).encode()
    ok(d.post("snow-it", snow_headers(d.secrets["snow-it"], raw), raw))
    return "snow-it:RITM0010031"


def salesforce(d: Desks, asker: str, typist: str, text: str | None) -> str:
    """A Case for ``asker`` (its Contact) that the user ``typist`` created."""
    case_id = "500RO00000Case31AA"
    page = salesforce_page(case_id, "00001031", asker, now_stamp())
    page["records"][0]["CreatedById"] = PEOPLE[typist].salesforce_user
    if text:
        page["records"][0]["Description"] = text
    d.http.upsert(responses.GET, f"{SF_API}/queryAll", json=page)
    poll_desk(d.rt, "sf-it")
    return "sf-it:00001031"


File = Callable[[Desks, str, str, str | None], str]
CASES: list[tuple[str, File, str, str, str | None, str, str]] = [
    # id, desk, asker, who typed it in, text (None: "give me access"), requester, target
    ("jira-agent-raised-on-behalf", jira, "bob", "dave", None, "bob", "bob"),
    ("jira-names-another", jira, "maria", "maria", FOR_ALICE, "maria", "alice"),
    ("jira-agent-typed-names-another", jira, "maria", "dave", FOR_ALICE, "maria", "alice"),
    ("zendesk-agent-submitted", zendesk, "bob", "dave", None, "bob", "bob"),
    ("zendesk-names-another", zendesk, "maria", "maria", FOR_ALICE, "maria", "alice"),
    ("zendesk-agent-submitted-names-another", zendesk, "maria", "dave", FOR_ALICE, "maria", "alice"),
    ("servicenow-agent-opened-for", servicenow, "bob", "dave", None, "dave", "bob"),
    ("servicenow-opened-for-another", servicenow, "maria", "maria", FOR_ALICE, "maria", "alice"),
    ("salesforce-agent-created-case", salesforce, "bob", "dave", None, "bob", "bob"),
    ("salesforce-names-another", salesforce, "maria", "maria", FOR_ALICE, "maria", "alice"),
    ("salesforce-agent-created-names-another", salesforce, "maria", "dave", FOR_ALICE, "maria", "alice"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "asker", "typist", "text", "requester", "target"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_requester_and_target_per_desk(
    desks: Desks,
    file: File,
    asker: str,
    typist: str,
    text: str | None,
    requester: str,
    target: str,
) -> None:
    """The desk's own requester is the requester; the target is whom the ticket names."""
    desk, key = file(desks, asker, typist, text).split(":")
    desks.settle()

    with desks.rt.db.session() as session:
        ticket = session.scalars(
            select(TicketRow).where(TicketRow.desk == desk, TicketRow.key == key)
        ).one()
        stored = ticket_from_json(ticket.snapshot).requester
        run = session.scalars(select(RunRow).where(RunRow.ticket_id == ticket.id)).one()
        plan = Plan.from_json(str(run.plan["json"]))
    assert stored.email == f"{requester}@example.com"
    assert plan.target is not None
    assert plan.target.login == target


def _jira_typed_in_then_approved(d: Desks, typist: str) -> str:
    at = now_stamp()
    issue = jira_issue("IT-32", "bob", at)
    issue["fields"]["creator"] = jira_user(typist)
    raw = jira_created(issue, at)
    ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], raw), raw))
    d.settle()
    raw = jira_comment(issue, d.next_id(), jira_user(typist), "/approve", at)
    ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], raw), raw))
    return "jira-it:IT-32"


def _zendesk_typed_in_then_approved(d: Desks, typist: str) -> str:
    at = now_stamp()
    for kind, comment in (
        ("created", None),
        ("comment_added", {"id": str(d.next_id()), "body": "/approve", "is_public": False}),
    ):
        if comment is not None:
            comment["author"] = {"id": PEOPLE[typist].zendesk, "is_staff": True}
            at += dt.timedelta(seconds=5)
        doc = json.loads(zendesk_event(kind, "4132", "bob", at, comment))
        doc["detail"] |= {"submitter_id": PEOPLE[typist].zendesk}
        raw = json.dumps(doc).encode()
        ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], raw), raw))
        d.settle()
    return "zendesk-it:4132"


def _salesforce_typed_in_then_approved(d: Desks, typist: str) -> str:
    at = now_stamp()
    case_id, url, user = "500RO00000Case32AA", f"{SF_API}/queryAll", PEOPLE[typist].salesforce_user
    for comments in ([], [salesforce_comment("00aRO00000Cm32AA", case_id, user, "/approve", at)]):
        page = salesforce_page(case_id, "00001032", "bob", at, comments)
        page["records"][0]["CreatedById"] = user
        d.http.upsert(responses.GET, url, json=page)
        poll_desk(d.rt, "sf-it")
        d.settle()
        at += dt.timedelta(minutes=1)
    return "sf-it:00001032"


TYPED_IN = [_jira_typed_in_then_approved, _zendesk_typed_in_then_approved]
TYPED_IN.append(_salesforce_typed_in_then_approved)


@pytest.mark.parametrize("typed_in", TYPED_IN, ids=["jira", "zendesk", "salesforce"])
def test_whoever_typed_the_request_in_cannot_approve_it(
    desks: Desks, typed_in: Callable[[Desks, str], str]
) -> None:
    """Olivia owns Salesforce, but she raised Bob's request for him: her /approve is refused."""
    desk, key = typed_in(desks, "olivia").split(":")
    desks.settle()

    assert "app-salesforce" not in desks.groups("bob")
    assert "waiting_approval" == desks.run_state(desk, key)
    assert [("olivia@example.com", "olivia", "refused")] == desks.approvals(desk, key)
