"""
The requester is pinned at first receipt, from verified fields only (issue 13, point 3).

* GitHub is approved by hr-team (Maria and Olivia); Maria asks for it for Alice (her report). An update that hides Maria's
  address on the reporter (Jira profile visibility) must not make her ``/approve`` count as
  someone else's: she asked, so she cannot approve.
* A Salesforce case whose only address is ``SuppliedEmail`` (web-to-case) names nobody anyone
  verified: "unlock my account" for that address changes nothing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from sqlalchemy import select

from tests.e2e.authority_payloads import jira_created, jira_issue, salesforce_page, snow_delivery
from tests.e2e.authority_support import (
    SF_API,
    Desks,
    four_desks,
    jira_headers,
    now_stamp,
    snow_headers,
)
from tests.integration.playbooks.world import POLICY, World, account_id, world
from worker.db.store import ticket_from_json
from worker.db.tables import RunRow, TicketRow
from worker.inbound.poll import poll_desk
from worker.runs import rollback

SNOW_SYS_ID = "4f1c2b3a1b2c3d4e5f60718293a4b5c7"
CO_OWNED = [
    {**app, "approval": "group:hr-team"} if app["name"] == "GitHub" else app
    for app in POLICY["applications"]
]
"""GitHub approved by any member of hr-team: Maria and Olivia both are."""


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", applications=CO_OWNED) as built:
        yield built


def _hide_reporter_address(w: World, key: str, login: str) -> None:
    """
    ``login`` hides their address (profile visibility): the desk's user API no longer shows
    it, and a ``jira:issue_updated`` arrives whose reporter has no ``emailAddress``.
    """
    w.desk.people.pop(account_id(login))
    w.advance(minutes=5)
    issue = copy.deepcopy(w.issues[key])
    for role in ("reporter", "creator"):
        issue["fields"][role].pop("emailAddress", None)
    issue["fields"]["updated"] = w.now.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    w.deliver(
        {
            "timestamp": int(w.now.timestamp() * 1000),
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_generic",
            "user": issue["fields"]["reporter"],
            "issue": issue,
            "changelog": {"id": "20001", "items": [{"field": "labels", "fieldtype": "jira"}]},
        }
    )
    w.drain()


def test_hiding_the_reporters_address_does_not_make_a_self_approval_count(w: World) -> None:
    w.ticket("IT-9", "maria", "GitHub access for Alice", "Please give alice access to GitHub.")
    w.drain()
    assert "waiting_approval" == w.runs("IT-9")[0].state
    _hide_reporter_address(w, "IT-9", "maria")
    requester = ticket_from_json(w.ticket_row("IT-9").snapshot).requester
    assert "maria@example.com" == requester.email  # pinned at first receipt
    before = w.groups("alice")

    # Maria approves from the review page, where her token names her desk identity.
    rollback.decide_run(w.rt, w.runs("IT-9")[0].id, "maria", "maria@example.com", "/approve")
    w.drain()

    assert before == w.groups("alice")
    assert "waiting_approval" == w.runs("IT-9")[0].state
    assert "asked for this" in w.text("IT-9", public=False)


def test_the_other_owner_still_approves(w: World) -> None:
    """The control: Olivia, who did not ask, approves and Alice gets GitHub."""
    w.ticket("IT-9", "maria", "GitHub access for Alice", "Please give alice access to GitHub.")
    w.drain()
    _hide_reporter_address(w, "IT-9", "maria")

    w.comment("IT-9", "olivia", "/approve")
    w.drain()

    assert "app-github" in w.groups("alice")


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _case(desks: Desks, *, supplied_only: bool) -> None:
    at = now_stamp()
    page = salesforce_page("500RO00000CaseBBBB", "00001077", "alice", at)
    record = page["records"][0]
    record |= {
        "Subject": "Locked out of my account",
        "Description": "I am locked out of my account, please unlock it.",
        "Origin": "Web",
        "SuppliedEmail": "alice@example.com",
        "SuppliedName": "Alice",
    }
    if supplied_only:
        record |= {"ContactId": None, "ContactEmail": None, "Contact": None}
    desks.http.upsert(responses.GET, f"{SF_API}/queryAll", json=page)
    poll_desk(desks.rt, "sf-it")
    desks.settle()


@pytest.mark.parametrize(
    ("supplied_only", "unlocked"),
    [(True, False), (False, True)],
    ids=["web-to-case-supplied-email-changes-nothing", "contact-email-is-verified"],
)
def test_an_unverified_address_entitles_no_self_service(
    desks: Desks, supplied_only: bool, unlocked: bool
) -> None:
    alice = desks.directory.find_user(login="alice")
    assert alice is not None
    desks.directory.lock(alice.id)

    _case(desks, supplied_only=supplied_only)

    after = desks.directory.find_user(login="alice")
    assert after is not None
    assert unlocked == (not after.locked)


def _jsm_unlock_request(desks: Desks, key: str) -> None:
    """Alice's "I am locked out" through JSM (a signed ``jira:issue_created``)."""
    at = now_stamp()
    issue = jira_issue(key, "alice", at)
    issue["fields"] |= {
        "summary": "Locked out of my account",
        "description": "I am locked out of my account, please unlock it.",
    }
    desks.jira_issues[key] = issue
    body = jira_created(issue, at)
    desks.post("jira-it", jira_headers(desks.secrets["jira-it"], body), body)
    desks.settle()


@pytest.mark.parametrize(
    ("channel", "jsm", "trusted", "unlocked"),
    [
        ("email", True, False, False),
        ("anonymous portal", True, False, False),
        ("portal", True, False, True),
        ("email", True, True, True),
        ("email", False, False, True),
    ],
    ids=[
        "email-request-changes-nothing",
        "anonymous-portal-changes-nothing",
        "portal-request-is-verified",
        "email-on-a-desk-that-trusts-its-mailbox",
        "jira-without-jsm-has-no-channel",
    ],
)
def test_a_jsm_email_request_entitles_no_self_service(
    desks: Desks, channel: str, jsm: bool, trusted: bool, unlocked: bool
) -> None:
    """
    JSM makes an e-mail request's reporter from the From: header (anyone can write it); the
    issue's JSON does not say so, JQL ``request-channel-type`` does. Like a Salesforce
    ``SuppliedEmail``: no self-service unless the desk says ``unverified_requesters: trusted``.
    """
    alice = desks.directory.find_user(login="alice")
    assert alice is not None
    desks.directory.lock(alice.id)
    desks.channels["IT-77"], desks.jsm = channel, jsm
    if trusted:
        jira = desks.rt.desk_settings("jira-it").model_copy(
            update={"unverified_requesters": "trusted"}
        )
        others = [d for d in desks.rt.settings.desks if d.name != "jira-it"]
        desks.rt.settings = desks.rt.settings.model_copy(update={"desks": [jira, *others]})

    _jsm_unlock_request(desks, "IT-77")

    after = desks.directory.find_user(login="alice")
    assert after is not None
    assert unlocked == (not after.locked)
    with desks.rt.db.session() as session:
        snapshot = session.scalars(
            select(TicketRow.snapshot).where(TicketRow.desk == "jira-it", TicketRow.key == "IT-77")
        ).one()
    verified = channel == "portal" or not jsm or trusted  # trusted: the desk is not asked
    assert ticket_from_json(snapshot).requester.verified is verified


@pytest.mark.parametrize(
    ("contact_type", "planned"),
    [("email", False), ("self-service", True)],
    ids=["raised-by-email-plans-nothing", "self-service-is-verified"],
)
def test_a_servicenow_record_raised_by_email_entitles_no_self_service(
    desks: Desks, contact_type: str, planned: bool
) -> None:
    """ServiceNow's inbound e-mail action takes the caller from the From: header: Bob's
    Salesforce request raised by e-mail is nobody's, so no plan waits for approval."""
    doc = json.loads(snow_delivery("RITM0010077", SNOW_SYS_ID, "bob", now_stamp(), 0))
    doc["record"]["contact_type"] = {"value": contact_type, "display_value": contact_type}
    raw = json.dumps(doc).encode()

    desks.post("snow-it", snow_headers(desks.secrets["snow-it"], raw), raw)
    desks.settle()

    with desks.rt.db.session() as session:
        row = session.scalars(
            select(TicketRow).where(TicketRow.desk == "snow-it", TicketRow.key == "RITM0010077")
        ).one()
        runs = session.scalars(select(RunRow.state).where(RunRow.ticket_id == row.id)).all()
    assert ticket_from_json(row.snapshot).requester.verified is planned
    assert (list(runs) == ["waiting_approval"]) is planned
    assert "app-salesforce" not in desks.groups("bob")
