"""The review queue (paged, filtered, searched, sorted by SLA urgency) and a run's page in words."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.playbooks.world import AGENT_TOKEN, NOW, World, world
from worker.db.records import AuditRow, SlaClockRow
from worker.db.tables import ApprovalRow, ClassificationRow, RunRow, TicketRow
from worker.reports.review_queue import Filters, queue_page
from worker.web import auth, review

GRANT = ("Access request: Salesforce", "Please grant me access to Salesforce for 2 weeks.")


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


@pytest.fixture
def client(w: World) -> Iterator[TestClient]:
    app = FastAPI()
    auth.install(app, w.rt)
    review.install(app, w.rt)
    with TestClient(app, base_url="https://testserver") as c:
        c.post("/login", data={"token": AGENT_TOKEN, "next": "/review"}, follow_redirects=False)
        yield c


Row = tuple[str, str, str, str, str, float, str, int | None]
# key, desk, intent, state, outcome, confidence, requester, breach in minutes (None: no clock)
ROWS: list[Row] = [
    ("IT-1", "jira-it", "access_grant", "waiting_approval", "waiting_approval", 0.92, "bob@example.com", 90),
    ("IT-2", "jira-it", "password_reset", "applied", "resolved", 0.97, "alice@example.com", None),
    ("IT-3", "jira-it", "account_unlock", "failed", "escalated", 0.88, "carol@example.com", -30),
    ("ZD-4", "zendesk", "access_grant", "waiting_approval", "waiting_approval", 0.55, "dave@example.com", 10),
    ("ZD-5", "zendesk", "mfa_reset", "unverified", "resolved", 0.70, "erin@example.com", None),
]  # fmt: skip


def seed(w: World, rows: list[Row] = ROWS) -> None:
    """Tickets, runs, classifications and running SLA clocks as the pipeline leaves them."""
    with w.rt.db.session() as session:
        for n, (key, desk, intent, state, outcome, conf, requester, breach) in enumerate(rows):
            at = NOW - dt.timedelta(days=n)
            ticket = TicketRow(
                desk=desk, desk_type="jira", key=key, url=f"https://desk.example.com/{key}",
                subject=f"About {intent} ({key})", requester=requester, status="open",
                priority="normal", snapshot={}, first_seen_at=at, stage="done", stage_at=at,
                intent=intent, outcome=outcome,
            )  # fmt: skip
            session.add(ticket)
            session.flush()
            session.add(
                RunRow(
                    ticket_id=ticket.id, attempt=1, playbook=intent.replace("_", "-"),
                    intent=intent, state=state, plan={"json": f'{{"target": "{requester}"}}'},
                    decision={}, created_at=at, updated_at=at,
                )
            )  # fmt: skip
            session.add(
                ClassificationRow(
                    ticket_id=ticket.id, intent=intent, confidence=conf, top=[[intent, conf]],
                    entities={}, route="auto", auto=True, created_at=at,
                )
            )  # fmt: skip
            if breach is not None:
                session.add(
                    SlaClockRow(
                        ticket_id=ticket.id, metric="resolution", policy="standard",
                        stage="running", goal_s=3600, elapsed_s=0, remaining_s=60.0 * breach,
                        breach_at=NOW + dt.timedelta(minutes=breach), breached=breach < 0,
                        computed_at=NOW,
                    )
                )  # fmt: skip


def keys(w: World, **filters: object) -> list[str]:
    with w.rt.db.session() as session:
        page = queue_page(session, Filters(**filters))  # type: ignore[arg-type]
    return [item.ticket_key for item in page.items]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["IT-3", "ZD-4", "IT-1", "IT-2", "ZD-5"]),
        ({"state": "waiting"}, ["ZD-4", "IT-1"]),
        ({"state": "applied"}, ["IT-2", "ZD-5"]),
        ({"state": "failed"}, ["IT-3"]),
        ({"state": "escalated"}, ["IT-3"]),
        ({"state": "low_confidence"}, ["ZD-4"]),
        ({"band": "medium"}, ["ZD-5"]),
        ({"band": "high"}, ["IT-3", "IT-1", "IT-2"]),
        ({"desk": "zendesk"}, ["ZD-4", "ZD-5"]),
        ({"intent": "access_grant"}, ["ZD-4", "IT-1"]),
        ({"q": "it-2"}, ["IT-2"]),
        ({"q": "carol"}, ["IT-3"]),
        ({"q": "mfa"}, ["ZD-5"]),
        ({"sort": "newest"}, ["IT-1", "IT-2", "IT-3", "ZD-4", "ZD-5"]),
        ({"since": (NOW - dt.timedelta(days=1)).date(), "until": (NOW - dt.timedelta(days=1)).date()}, ["IT-2"]),
        ({"since": (NOW - dt.timedelta(days=2)).date()}, ["IT-3", "IT-1", "IT-2"]),
        ({"state": "waiting", "desk": "jira-it", "q": "bob"}, ["IT-1"]),
    ],
    ids=[
        "urgency-first", "waiting", "applied", "failed", "escalated", "low-confidence",
        "band-medium", "band-high", "desk", "intent", "search-key", "search-person",
        "search-application", "newest", "one-day", "since", "combined",
    ],
)  # fmt: skip
def test_the_queue_filters_and_sorts_in_the_database(
    w: World, filters: dict[str, object], expected: list[str]
) -> None:
    """Nearest SLA breach first (a breached clock before all), then the rest newest first."""
    seed(w)
    assert keys(w, **filters) == expected


def test_the_queue_pages_on_the_server(w: World, client: TestClient) -> None:
    """60 runs: 25 a page, the last page holds the rest, the links keep the filters."""
    rows: list[Row] = [
        (f"IT-{100 + n}", "jira-it", "password_reset", "applied", "resolved", 0.9, "x@example.com", None)
        for n in range(60)
    ]  # fmt: skip
    seed(w, rows)
    first = client.get("/review", params={"state": "applied"})
    assert first.status_code == 200
    assert '<span id="queue-total">60</span> in the queue · page 1 of 3' in first.text
    assert first.text.count('class="run-link"') == 25
    assert 'href="?state=applied&amp;page=2"' in first.text
    last = client.get("/review", params={"state": "applied", "page": "3"})
    assert last.text.count('class="run-link"') == 10
    beyond = client.get("/review", params={"state": "applied", "page": "9"})
    assert "page 3 of 3" in beyond.text
    assert client.get("/review", params={"since": "yesterday"}).status_code == 422


def test_a_run_reads_in_words(w: World, client: TestClient) -> None:
    """The plan's before → after, the decision and the classifier's view, without Python reprs."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    run = w.runs("IT-3")[0]
    page = client.get(f"/review/runs/{run.id}")
    assert page.status_code == 200
    text = page.text
    assert "Please grant me access to Salesforce for 2 weeks." in text
    assert "Add bob (Bob Builder) to group app-salesforce" in text
    assert 'id="desk-link" href="https://acme-it.atlassian.net/browse/IT-3"' in text
    assert "access grant" in text
    assert 'id="top-intents"' in text
    assert "waiting for approval" in text.lower()
    for raw in ("{&#39;", "True", "None", "&#34;playbook&#34;"):
        assert raw not in text
    picker = re.findall(r'<option value="([a-z_]+)"', text.split('id="intent-form"')[1])
    assert len(picker) == 12
    assert "not_account" in picker
    assert client.get("/review/runs/999999").status_code == 404


def test_a_pasted_password_is_withheld_on_the_run_page(w: World, client: TestClient) -> None:
    """A password the requester pasted into the ticket is not shown to reviewers."""
    w.ticket("IT-8", "bob", "Access request: Salesforce",
             "Please grant me access to Salesforce for 2 weeks. My password is Hunter2024!")  # fmt: skip
    w.drain()
    page = client.get(f"/review/runs/{w.runs('IT-8')[0].id}")

    assert page.status_code == 200
    assert "Hunter2024" not in page.text
    assert "[password withheld]" in page.text


def test_approving_yourself_is_refused_and_shown(w: World, client: TestClient) -> None:
    """Olivia owns Salesforce but asked for it herself: refused, recorded, nothing applied."""
    w.ticket("IT-9", "olivia", *GRANT)
    w.drain()
    run = w.runs("IT-9")[0]
    assert run.state == "waiting_approval"
    page = client.get(f"/review/runs/{run.id}")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    answer = client.post(
        f"/review/{run.id}/approve", data={"csrf": token.group(1), "confirm": "yes"}
    )
    assert answer.status_code == 200
    assert "Refused:" in answer.text
    assert 'data-verdict="refused"' in answer.text
    w.drain()
    assert w.runs("IT-9")[0].state == "waiting_approval"
    assert "app-salesforce" not in w.groups("olivia")
    with w.rt.db.session() as session:
        verdicts = session.scalars(select(ApprovalRow.verdict)).all()
        actions = session.scalars(select(AuditRow.action)).all()
    assert verdicts == ["refused"]
    assert "approval.refused" in actions


def test_correcting_the_intent_goes_through_the_intent_command(
    w: World, client: TestClient
) -> None:
    """A waiting run corrected from the page: superseded, the ticket classified again."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    run = w.runs("IT-3")[0]
    page = client.get(f"/review/runs/{run.id}")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    client.post(
        f"/review/{run.id}/intent",
        data={"csrf": token.group(1), "intent": "account_other", "confirm": "yes"},
    )
    w.drain()
    assert w.runs("IT-3")[0].state == "superseded"
    with w.rt.db.session() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "classification.corrected")
        ).one()
    assert audit.actor == "olivia@example.com" or "olivia" in audit.actor


def test_tickets_without_a_run_are_in_the_queue_and_can_be_corrected(
    w: World, client: TestClient
) -> None:
    """A printer jam is not an account request: no run, but an agent can still re-plan it."""
    w.ticket("IT-5", "alice", "Printer jammed", "The printer on floor 3 is jammed again.")
    w.ticket("IT-6", "alice", "Forgot my password", "I forgot my password, please reset it.")
    w.drain()
    assert w.runs("IT-5") == []
    assert w.ticket_row("IT-5").outcome == "not_account"
    everything = client.get("/review")
    assert 'data-key="IT-5"' in everything.text
    assert 'data-key="IT-6"' in everything.text
    only = client.get("/review", params={"state": "no_run"})
    assert '<span id="queue-total">1</span> in the queue' in only.text
    ticket_id = w.ticket_row("IT-5").id
    assert f'href="/review/tickets/{ticket_id}?back=' in only.text
    with w.rt.db.session() as session:
        page = queue_page(session, Filters(state="no_run"))
    assert [(i.ticket_key, i.run_id, i.state) for i in page.items] == [
        ("IT-5", None, "not_account")
    ]

    detail = client.get(f"/review/tickets/{ticket_id}")
    assert "Printer jammed" in detail.text
    assert 'id="intent-form"' in detail.text
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', detail.text)
    assert token is not None
    unticked = client.post(
        f"/review/tickets/{ticket_id}/intent",
        data={"csrf": token.group(1), "intent": "password_reset"},
    )
    assert unticked.status_code == 422
    answer = client.post(
        f"/review/tickets/{ticket_id}/intent",
        data={"csrf": token.group(1), "intent": "password_reset", "confirm": "yes"},
    )
    assert answer.status_code == 200
    assert "classification.corrected recorded" in answer.text
    w.drain()
    assert [r.intent for r in w.runs("IT-5")] == ["password_reset"]
    again = client.get(f"/review/tickets/{ticket_id}", follow_redirects=False)
    assert again.status_code == 303  # planned now: its run's page says more
    assert again.headers["location"].startswith(f"/review/runs/{w.runs('IT-5')[0].id}?")
    assert (
        client.post(
            f"/review/tickets/{ticket_id}/approve", data={"csrf": token.group(1), "confirm": "yes"}
        ).status_code
        == 404
    )
