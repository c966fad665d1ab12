"""
A command's author is proven through the desk's user API, on every desk (issue 13, point 2).

Bob asks for Salesforce on each desk; Olivia owns it. Her ``/approve`` counts when the desk's
user API says her desk id is hers; an e-mail address the payload claims counts for nothing:
Bob's own desk id with Olivia's address written into the comment is Bob, and Bob cannot approve
his own request. Every desk is faked only at its HTTP boundary, with the vendor's shapes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import responses

from tests.e2e.authority_payloads import (
    jira_comment,
    jira_created,
    jira_issue,
    jira_user,
    salesforce_comment,
    salesforce_page,
    snow_delivery,
    snow_journal,
    zendesk_event,
)
from tests.e2e.authority_support import (
    JIRA,
    PEOPLE,
    SF_API,
    Desks,
    four_desks,
    jira_headers,
    now_stamp,
    snow_headers,
    zendesk_headers,
)
from worker.inbound.poll import poll_desk
from worker.inbound.receive import Outcome

Scenario = Callable[[Desks, str, str], str]
"""File Bob's ticket, then comment ``/approve`` as desk id of login (1st) claiming address (2nd);
returns (desk, key) of the ticket as ``desk:key``."""


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _ok(outcome: Outcome) -> None:
    assert outcome is Outcome.ACCEPTED


def jira_scenario(d: Desks, author: str, claimed: str) -> str:
    at = now_stamp()
    issue = jira_issue("IT-21", "bob", at)
    body = jira_created(issue, at)
    _ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], body), body))
    d.settle()
    comment = jira_comment(issue, d.next_id(), jira_user(author, email=claimed), "/approve", at)
    _ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], comment), comment))
    d.settle()
    return "jira-it:IT-21"


def zendesk_scenario(d: Desks, author: str, claimed: str) -> str:
    at = now_stamp()
    body = zendesk_event("created", "4101", "bob", at)
    _ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], body), body))
    d.settle()
    comment = {
        "id": str(d.next_id()),
        "body": "/approve",
        "is_public": False,
        "author": {"id": PEOPLE[author].zendesk, "is_staff": True, "email": claimed},
    }
    later = at + dt.timedelta(seconds=5)
    body = zendesk_event("comment_added", "4101", "bob", later, comment)
    _ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], body), body))
    d.settle()
    return "zendesk-it:4101"


def snow_scenario(d: Desks, author: str, claimed: str) -> str:
    at = now_stamp()
    sys_id = "4f1c2b3a1b2c3d4e5f60718293a4b5c6"
    body = snow_delivery("RITM0010042", sys_id, "bob", at, 0)
    _ok(d.post("snow-it", snow_headers(d.secrets["snow-it"], body), body))
    d.settle()
    # ServiceNow's journal names its author by user name only: there is no address to claim.
    entry = snow_journal("b2c3d4e5f60718293a4b5c6d7e8f90a1", author, "/approve", at)
    body = snow_delivery("RITM0010042", sys_id, "bob", at + dt.timedelta(minutes=1), 1, [entry])
    _ok(d.post("snow-it", snow_headers(d.secrets["snow-it"], body), body))
    d.settle()
    return "snow-it:RITM0010042"


def salesforce_scenario(d: Desks, author: str, claimed: str) -> str:
    at = now_stamp()
    case_id, url = "500RO00000CaseAAAA", f"{SF_API}/queryAll"
    d.http.upsert(responses.GET, url, json=salesforce_page(case_id, "00001042", "bob", at))
    poll_desk(d.rt, "sf-it")
    d.settle()
    later = at + dt.timedelta(minutes=1)
    comment = salesforce_comment(
        "00aRO00000Cm1AAA", case_id, PEOPLE[author].salesforce_user, "/approve", later
    )
    comment["CreatedBy"] = {"Name": "Olivia Owner", "Email": claimed}
    page = salesforce_page(case_id, "00001042", "bob", later, [comment])
    d.http.upsert(responses.GET, url, json=page)
    poll_desk(d.rt, "sf-it")
    d.settle()
    return "sf-it:00001042"


SCENARIOS = [jira_scenario, zendesk_scenario, snow_scenario, salesforce_scenario]
IDS = ["jira", "zendesk", "servicenow", "salesforce"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_the_owner_approves_by_comment_on_every_desk(desks: Desks, scenario: Scenario) -> None:
    """Olivia's desk id resolves to her address, then her account: the grant applies."""
    desk, key = scenario(desks, "olivia", "olivia@example.com").split(":")

    assert "app-salesforce" in desks.groups("bob")
    assert "applied" == desks.run_state(desk, key)
    assert [("olivia@example.com", "olivia", "approved")] == desks.approvals(desk, key)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_an_address_claimed_in_the_payload_proves_nothing(desks: Desks, scenario: Scenario) -> None:
    """Bob's own desk id, with Olivia's address written into the comment: Bob, refused."""
    before = desks.groups("bob")

    desk, key = scenario(desks, "bob", "olivia@example.com").split(":")

    assert before == desks.groups("bob")
    assert "waiting_approval" == desks.run_state(desk, key)
    assert [("bob@example.com", "bob", "refused")] == desks.approvals(desk, key)


def test_an_author_whose_address_the_desk_hides_cannot_approve(desks: Desks) -> None:
    """Jira hides Olivia's address (profile visibility): her approval cannot be verified."""
    desks.hidden.add("olivia")

    jira_scenario(desks, "olivia", "olivia@example.com")

    assert "app-salesforce" not in desks.groups("bob")
    assert [("712020:", None, "refused")] == [
        (a[:7], login, v) for a, login, v in desks.approvals("jira-it", "IT-21")
    ]


def test_a_desk_id_the_desk_does_not_know_is_refused(desks: Desks) -> None:
    """A made-up account id: the user API answers 404, so nobody is proven."""
    at = now_stamp()
    issue = jira_issue("IT-22", "bob", at)
    body = jira_created(issue, at)
    _ok(desks.post("jira-it", jira_headers(desks.secrets["jira-it"], body), body))
    desks.settle()
    forged = jira_user("olivia", account="712020:00000000-0000-0000-0000-000000000000")
    comment = jira_comment(issue, desks.next_id(), forged, "/approve", at)
    _ok(desks.post("jira-it", jira_headers(desks.secrets["jira-it"], comment), comment))

    desks.settle()

    assert "app-salesforce" not in desks.groups("bob")
    assert "waiting_approval" == desks.run_state("jira-it", "IT-22")
    assert desks.user_api_calls(f"{JIRA}/rest/api/3/user") >= 1
