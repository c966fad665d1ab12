"""
A command's author is proven through the desk's user API, on every desk (issue 13, point 2).

Bob asks for Salesforce on each desk; Olivia owns it. Her ``/approve`` counts when the desk's
user API says her desk id is hers; an e-mail address the payload claims counts for nothing:
Bob's own desk id with Olivia's address written into the comment is Bob, and Bob cannot approve
his own request. Every desk is faked only at its HTTP boundary, with the vendor's shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.authority_payloads import jira_comment, jira_created, jira_issue, jira_user
from tests.e2e.authority_scenarios import IDS, SCENARIOS, Scenario, jira_scenario, ok
from tests.e2e.authority_support import JIRA, Desks, four_desks, jira_headers, now_stamp


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


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
    ok(desks.post("jira-it", jira_headers(desks.secrets["jira-it"], body), body))
    desks.settle()
    forged = jira_user("olivia", account="712020:00000000-0000-0000-0000-000000000000")
    comment = jira_comment(issue, desks.next_id(), forged, "/approve", at)
    ok(desks.post("jira-it", jira_headers(desks.secrets["jira-it"], comment), comment))

    desks.settle()

    assert "app-salesforce" not in desks.groups("bob")
    assert "waiting_approval" == desks.run_state("jira-it", "IT-22")
    assert desks.user_api_calls(f"{JIRA}/rest/api/3/user") >= 1
