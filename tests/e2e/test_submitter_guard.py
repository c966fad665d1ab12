"""
Whoever typed a request in for someone else asked for it too (issue 13, the submitter guard).

Olivia owns Salesforce; she raised Bob's request for him on the desk (the JSM creator, Bob the
reporter). Sam owns it too and approves it. As an attacker Olivia then tries every other door:
the review page's approve, ``/extend``, ``/revoke-now`` and the review page's rollback; Dave, an
agent, tries ``/intent`` on a request he typed in. Each is refused by the one rule
(``playbooks.approval.stake_in``): nothing changes in the directory or in the access's end, the
refusal is audited and answered with an internal note on the ticket.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.playbooks.world import AGENT_TOKEN, POLICY, World, account_id, world
from worker.db.records import AuditRow
from worker.db.tables import CorrectionRow, TimerRow
from worker.web import auth, review

GRANT = ("Access request: Salesforce", "Please grant me access to Salesforce for 2 weeks.")
RAISED = "raised this request for the requester"
SALESFORCE_TWO_OWNERS = [
    {**app, "owners": ["olivia", "sam"]} if app["name"] == "Salesforce" else app
    for app in POLICY["applications"]
]


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    url = f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"
    commands = {"agent_groups": ["it-asset-team"]}
    with world(url, applications=SALESFORCE_TWO_OWNERS, commands=commands) as built:
        yield built


@pytest.fixture
def page(w: World) -> Iterator[TestClient]:
    """The review page, logged in as Olivia (her token's desk identity is olivia@example.com)."""
    app = FastAPI()
    auth.install(app, w.rt)
    review.install(app, w.rt)
    with TestClient(app, base_url="https://testserver") as client:
        client.post("/login", data={"token": AGENT_TOKEN, "next": "/review"})
        yield client


def _jira_user(login: str) -> dict[str, Any]:
    return {
        "accountId": account_id(login),
        "displayName": login.title(),
        "emailAddress": f"{login}@example.com",
        "active": True,
        "accountType": "atlassian",
    }


def _typed_in(w: World, key: str, typist: str) -> None:
    """Bob's request, raised on his behalf by ``typist`` (the JSM creator)."""
    w.know(typist)
    w.ticket(key, "bob", *GRANT, fields={"creator": _jira_user(typist)})
    w.drain()


def _granted_by_sam(w: World, key: str) -> int:
    w.comment(key, "sam", "/approve")
    w.drain()
    assert "app-salesforce" in w.groups("bob")
    return w.runs(key)[0].id


def _post(page: TestClient, run_id: int, action: str) -> int:
    form = page.get(f"/review/runs/{run_id}")
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text)
    assert found is not None
    data = {"csrf": found.group(1), "confirm": "yes"}
    return page.post(f"/review/{run_id}/{action}", data=data, follow_redirects=False).status_code


def _audit(w: World, *actions: str) -> list[tuple[str, str]]:
    with w.rt.db.session() as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.action.in_(actions)).order_by(AuditRow.id)
        ).all()
        return [(r.actor, str(r.data.get("command") or r.data.get("reason"))) for r in rows]


def _expiry(w: World) -> dt.datetime:
    with w.rt.db.session() as session:
        return session.scalars(
            select(TimerRow.due_at).where(TimerRow.kind == "access_expiry")
        ).one()


def test_the_review_pages_approve_by_whoever_typed_it_in_is_refused(
    w: World, page: TestClient
) -> None:
    _typed_in(w, "IT-21", "olivia")
    run = w.runs("IT-21")[0]
    assert "waiting_approval" == run.state

    assert 303 == _post(page, run.id, "approve")
    w.drain()

    assert "app-salesforce" not in w.groups("bob")
    assert "waiting_approval" == w.runs("IT-21")[0].state
    refused = _audit(w, "approval.refused")
    assert [("olivia@example.com", refused[0][1])] == refused
    assert RAISED in refused[0][1]
    assert RAISED in w.text("IT-21", public=False)


COMMANDS = [
    ("extend", "/extend 1w"),
    ("revoke-now", "/revoke-now"),
]


@pytest.mark.parametrize("text", [c[1] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_expiry_commands_by_whoever_typed_it_in_change_nothing(w: World, text: str) -> None:
    """Olivia could extend or end an access she merely approved; not one she asked for."""
    _typed_in(w, "IT-22", "olivia")
    _granted_by_sam(w, "IT-22")
    due = _expiry(w)

    w.comment("IT-22", "olivia", text)
    w.drain()
    w.advance(minutes=1)
    w.fire_timers()

    assert due == _expiry(w)
    assert "app-salesforce" in w.groups("bob")
    assert [("olivia@example.com", text.split()[0][1:])] == _audit(w, "command.refused")
    assert RAISED in w.text("IT-22", public=False)


def test_the_review_pages_rollback_by_whoever_typed_it_in_is_refused(
    w: World, page: TestClient
) -> None:
    _typed_in(w, "IT-23", "olivia")
    run_id = _granted_by_sam(w, "IT-23")

    assert 409 == _post(page, run_id, "rollback")
    w.drain()

    assert "app-salesforce" in w.groups("bob")
    assert "applied" == w.runs("IT-23")[0].state
    assert [("olivia@example.com", "rollback")] == _audit(w, "command.refused")
    assert RAISED in w.text("IT-23", public=False)


def test_intent_by_the_agent_who_typed_it_in_is_refused(w: World) -> None:
    """Dave is an agent, but he raised Bob's request: he may not steer it elsewhere."""
    _typed_in(w, "IT-24", "dave")
    before = [r.state for r in w.runs("IT-24")]

    w.comment("IT-24", "dave", "/intent password_reset")
    w.drain()

    with w.rt.db.session() as session:
        assert [] == session.scalars(select(CorrectionRow)).all()
    assert before == [r.state for r in w.runs("IT-24")]
    assert "app-salesforce" not in w.groups("bob")
    assert [("dave@example.com", "intent")] == _audit(w, "command.refused")
    assert RAISED in w.text("IT-24", public=False)


def test_an_owner_who_did_not_type_it_in_still_may(w: World, page: TestClient) -> None:
    """The guard is about the person, not the role: Sam's approval and extension count."""
    _typed_in(w, "IT-25", "olivia")
    _granted_by_sam(w, "IT-25")
    due = _expiry(w)

    w.comment("IT-25", "sam", "/extend 1w")
    w.drain()

    assert due + dt.timedelta(weeks=1) == _expiry(w)
    assert [] == _audit(w, "command.refused", "approval.refused")
