"""
An unsigned delivery is only a notification (issue 13, point 1), tried as an attacker would.

``jira-open`` is a Jira desk configured ``unsigned: true``; ``sf-it`` takes Salesforce Outbound
Messages, checked by organisation id only. Anyone who can reach ``/hooks/…`` can post to them,
so whatever such a body says about a ticket, its comments or their authors is ignored:
deskpilot re-reads the ticket from the desk's API (faked with ``responses``) and acts on that.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.authority_payloads import (
    jira_comment,
    jira_created,
    jira_issue,
    jira_user,
    salesforce_page,
)
from tests.e2e.authority_support import ORG_ID, PAYLOADS, Desks, four_desks, now_stamp
from worker.db.store import ticket_from_json
from worker.db.tables import InboxItem, TicketRow
from worker.inbound.receive import Outcome

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _inbox(d: Desks, desk: str) -> list[tuple[str, str, str | None]]:
    with d.rt.db.session() as session:
        rows = session.scalars(
            select(InboxItem).where(InboxItem.desk == desk).order_by(InboxItem.id)
        ).all()
        return [(r.source, r.state, r.error) for r in rows]


def _tickets(d: Desks, desk: str) -> list[TicketRow]:
    with d.rt.db.session() as session:
        rows = session.scalars(select(TicketRow).where(TicketRow.desk == desk)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def _api_issue(key: str, requester: str, at: dt.datetime) -> dict[str, Any]:
    """The issue as ``GET /rest/api/3/issue/{key}?expand=changelog`` answers it."""
    issue = jira_issue(key, requester, at)
    issue["changelog"] = {"startAt": 0, "maxResults": 0, "total": 0, "histories": []}
    return issue


def _adf(text: str) -> dict[str, Any]:
    para = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [para]}


def test_a_forged_ticket_and_approval_on_an_unknown_issue_change_nothing(desks: Desks) -> None:
    """Nothing the API does not show is stored: both deliveries are kept and ignored."""
    at = now_stamp()
    before = desks.groups("bob")
    issue = jira_issue("IT-50", "bob", at)
    forged = [
        jira_created(issue, at),
        jira_comment(issue, desks.next_id(), jira_user("olivia"), "/approve", at),
    ]

    for body in forged:
        assert Outcome.ACCEPTED is desks.post("jira-open", JSON, body)
    desks.settle()

    assert before == desks.groups("bob")
    assert [] == _tickets(desks, "jira-open")
    assert [("notification", "ignored")] * 2 == [(s, st) for s, st, _ in _inbox(desks, "jira-open")]
    assert all("does not show IT-50" in (error or "") for *_, error in _inbox(desks, "jira-open"))


def test_a_forged_approve_on_a_real_ticket_approves_nothing(desks: Desks) -> None:
    """The payload's comment is not on the issue the API shows: no approval, no change."""
    at = now_stamp()
    desks.jira_issues["IT-51"] = _api_issue("IT-51", "bob", at)
    lure = jira_issue("IT-51", "bob", at)
    lure["fields"]["summary"] = "Please add bob to Domain Admins"
    assert Outcome.ACCEPTED is desks.post("jira-open", JSON, jira_created(lure, at))
    desks.settle()
    (ticket,) = _tickets(desks, "jira-open")
    assert "Need access to Salesforce" == ticket.subject  # the API's, not the payload's
    assert "waiting_approval" == desks.run_state("jira-open", "IT-51")

    forged = jira_comment(lure, desks.next_id(), jira_user("olivia"), "/approve", at)
    assert Outcome.ACCEPTED is desks.post("jira-open", JSON, forged)
    desks.settle()

    assert "app-salesforce" not in desks.groups("bob")
    assert "waiting_approval" == desks.run_state("jira-open", "IT-51")
    assert [] == desks.approvals("jira-open", "IT-51")


def test_an_approve_the_api_shows_is_acted_on(desks: Desks) -> None:
    """The control: once Olivia's comment is on the issue, any notification picks it up."""
    at = now_stamp()
    desks.jira_issues["IT-52"] = _api_issue("IT-52", "bob", at)
    desks.post("jira-open", JSON, jira_created(jira_issue("IT-52", "bob", at), at))
    desks.settle()
    real = {
        "id": "30501",
        "author": jira_user("olivia"),
        "body": _adf("/approve"),
        "created": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "updated": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "jsdPublic": False,
    }
    desks.jira_issues["IT-52"]["fields"]["comment"] = {"comments": [real], "total": 1}
    nudge = jira_comment(jira_issue("IT-52", "bob", at), 30501, {}, "anything", at)

    desks.post("jira-open", JSON, nudge)
    desks.settle()

    assert "app-salesforce" in desks.groups("bob")
    assert [("olivia@example.com", "olivia", "approved")] == desks.approvals("jira-open", "IT-52")


def _outbound(subject: str, requester_email: str) -> bytes:
    xml = (PAYLOADS / "salesforce" / "outbound_message_case.xml").read_text()
    xml = xml.replace("00DHs000000AcMeMAK", ORG_ID)
    xml = xml.replace("Cannot log in to the portal", subject)
    return xml.replace("emma.martin@corp.example.com", requester_email).encode()


def test_a_salesforce_outbound_message_is_only_a_notification(desks: Desks) -> None:
    """Right org id, forged case: the ticket stored is the one Salesforce's API shows."""
    at = now_stamp()
    page = salesforce_page("500Hs00001XyZaBIAV", "00001042", "carol", at)
    case = copy.deepcopy(page["records"][0])
    case |= {"Subject": "Printer jam on floor 3", "Description": "Paper stuck in tray 2."}
    desks.cases["00001042"] = case
    before = desks.groups("bob")

    outcome = desks.post("sf-it", {"Content-Type": "text/xml"}, _outbound(*GRANT_AS_BOB))
    desks.settle()

    assert Outcome.ACCEPTED is outcome
    (ticket,) = _tickets(desks, "sf-it")
    snapshot = ticket_from_json(ticket.snapshot)
    assert ("Printer jam on floor 3", "carol@example.com") == (
        snapshot.subject,
        snapshot.requester.email,
    )
    assert before == desks.groups("bob")
    assert [("notification", "ingested")] == [(s, st) for s, st, _ in _inbox(desks, "sf-it")]


GRANT_AS_BOB = ("Need access to Salesforce", "bob@example.com")
