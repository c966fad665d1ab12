"""The review page (approve, reject, confirm, mark wrong, roll back) and the daily digest."""

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
from worker.db.records import AuditRow
from worker.db.tables import ClassificationRow, CorrectionRow, StepRow
from worker.outbound.digest import build_digest, post_digest
from worker.web import auth, review

GRANT = ("Access request: Salesforce", "Please grant me access to Salesforce for 2 weeks.")
"""Worded so the classifier is sure enough of a high-risk intent to plan it unaided."""


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


def _csrf(client: TestClient, run_id: int) -> str:
    page = client.get(f"/review/runs/{run_id}")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found.group(1)


def _actions(w: World) -> list[str]:
    with w.rt.db.session() as session:
        return [a.action for a in session.scalars(select(AuditRow).order_by(AuditRow.id))]


def test_the_page_needs_an_agent(w: World) -> None:
    """Without logging in the page is closed."""
    app = FastAPI()
    auth.install(app, w.rt)
    review.install(app, w.rt)
    with TestClient(app) as anonymous:
        assert anonymous.get("/review").status_code == 401


def test_approve_from_the_review_page_applies_with_the_same_checks(
    w: World, client: TestClient
) -> None:
    """Olivia's token maps to her directory account: she owns Salesforce, so it applies."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    run_id = w.runs("IT-3")[0].id
    queue = client.get("/review", params={"state": "waiting"})
    assert '<span id="queue-total">1</span> in the queue ·' in queue.text
    assert f'href="/review/runs/{run_id}?' in queue.text
    page = client.get(f"/review/runs/{run_id}")
    assert "Add bob (Bob Builder) to group app-salesforce" in page.text
    unticked = client.post(f"/review/{run_id}/approve", data={"csrf": _csrf(client, run_id)})
    assert unticked.status_code == 422  # approving changes an account: the box must be ticked
    response = client.post(
        f"/review/{run_id}/approve",
        data={"csrf": _csrf(client, run_id), "confirm": "yes"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/review/runs/{run_id}?message=")
    w.drain()
    assert "app-salesforce" in w.groups("bob")
    assert w.runs("IT-3")[0].state == "applied"
    assert "approval.recorded" in _actions(w)


def test_a_form_without_the_session_token_is_refused(w: World, client: TestClient) -> None:
    """CSRF: a post without the page's token changes nothing."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    run_id = w.runs("IT-3")[0].id
    response = client.post(f"/review/{run_id}/approve", data={"csrf": "forged"})
    assert response.status_code == 403
    assert w.runs("IT-3")[0].state == "waiting_approval"


def test_reject_from_the_review_page_answers_the_requester(w: World, client: TestClient) -> None:
    """A rejection with a reason closes the ticket with a public reply."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    run_id = w.runs("IT-3")[0].id
    client.post(
        f"/review/{run_id}/reject",
        data={"csrf": _csrf(client, run_id), "reason": "use the sandbox instead"},
    )
    w.drain()
    assert w.runs("IT-3")[0].state == "rejected"
    assert "use the sandbox instead" in w.text("IT-3", public=True)


def test_mark_wrong_records_a_correction_and_the_rollback_undoes_the_run(
    w: World, client: TestClient
) -> None:
    """An applied grant marked wrong: a correction, then the rollback plan applied once."""
    w.ticket("IT-7", "alice", "Access request: GitHub", "Please grant me access to GitHub.")
    w.drain()
    run = w.runs("IT-7")[0]
    assert run.state == "waiting_approval"
    client.post(f"/review/{run.id}/approve", data={"csrf": _csrf(client, run.id), "confirm": "yes"})
    w.drain()
    assert "app-github" in w.groups("alice")
    queue = client.get("/review", params={"state": "applied"})
    assert '<span id="queue-total">1</span> in the queue ·' in queue.text
    free_text = client.post(
        f"/review/{run.id}/wrong", data={"csrf": _csrf(client, run.id), "intent": "a typo"}
    )
    assert free_text.status_code == 422  # only the intents /intent accepts
    client.post(
        f"/review/{run.id}/wrong", data={"csrf": _csrf(client, run.id), "intent": "account_other"}
    )
    page = client.get(f"/review/runs/{run.id}")
    assert "Rollback plan" in page.text
    assert "Undo" in page.text
    client.post(
        f"/review/{run.id}/rollback", data={"csrf": _csrf(client, run.id), "confirm": "yes"}
    )
    w.drain()
    assert "app-github" not in w.groups("alice")
    assert w.runs("IT-7")[0].state == "rolled_back"
    with w.rt.db.session() as session:
        corrections = session.scalars(select(CorrectionRow)).all()
        classification = session.scalars(select(ClassificationRow)).one()
        phases = {s.phase for s in session.scalars(select(StepRow))}
    assert [(c.intent, c.corrected_by, c.source) for c in corrections] == [
        ("account_other", "olivia", "review")
    ]
    assert classification.corrected_intent == "account_other"
    assert phases == {"apply", "rollback"}
    assert {"review.marked_wrong", "run.rolled_back"} <= set(_actions(w))
    assert "rolled back by olivia" in w.text("IT-7", public=False)


def test_marking_your_own_ticket_wrong_is_refused_like_intent(w: World, client: TestClient) -> None:
    """Olivia's own reset, applied: she may not correct it (the ``/intent`` policy), nothing kept."""
    w.ticket("IT-8", "olivia", "Forgot my password", "I forgot my password, please reset it.")
    w.drain()
    run = w.runs("IT-8")[0]
    assert run.state == "applied"
    answer = client.post(
        f"/review/{run.id}/wrong", data={"csrf": _csrf(client, run.id), "intent": "account_other"}
    )
    assert answer.status_code == 200  # the redirect to the run page, which says why
    assert "Refused: /intent refused" in answer.text
    with w.rt.db.session() as session:
        assert session.scalars(select(CorrectionRow)).all() == []
        assert session.scalars(select(ClassificationRow)).one().corrected_intent is None
        refused = session.scalars(
            select(AuditRow).where(AuditRow.action == "command.refused")
        ).one()
    assert refused.data["command"] == "intent"
    assert refused.run_id == run.id
    assert "review.marked_wrong" not in _actions(w)
    w.drain()
    assert "/intent refused" in w.text("IT-8", public=False)  # noted on the ticket


def test_confirm_is_audited(w: World, client: TestClient) -> None:
    """Confirming an automatic resolution leaves an audit entry."""
    w.ticket("IT-2", "alice", "Forgot my password", "I forgot my password, please reset it.")
    w.drain()
    run = w.runs("IT-2")[0]
    client.post(f"/review/{run.id}/confirm", data={"csrf": _csrf(client, run.id)})
    assert "review.confirmed" in _actions(w)


def test_digest_lists_automatic_resolutions_with_evidence_links(w: World) -> None:
    """The digest names each ticket, its playbook and a link to its evidence; posted once a day."""
    w.ticket("IT-2", "alice", "Forgot my password", "I forgot my password, please reset it.")
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    text = build_digest(w.rt, NOW - dt.timedelta(days=1))
    run_id = w.runs("IT-2")[0].id
    assert "**1 resolved automatically, 1 waiting for approval.**" in text
    assert f"https://deskpilot.example.com/review/runs/{run_id}" in text
    assert "`password-reset`" in text
    post_digest(w.rt, "jira-it", "IT-2", NOW - dt.timedelta(days=1))
    post_digest(w.rt, "jira-it", "IT-2", NOW - dt.timedelta(days=1))
    w.drain()
    digests = [n for n in w.notes("IT-2", public=False) if n.body.startswith("# deskpilot digest")]
    assert len(digests) == 1


def test_daily_digest_is_a_periodic_job_when_a_ticket_is_configured(tmp_path: Path) -> None:
    """With runtime.digest_ticket set, a daily job posts the digest there, once per day."""
    from tests.e2e.pipeline_support import demo_runtime
    from worker.db.tables import OutboxRow
    from worker.inbound.ingest import ingest
    from worker.inbound.receive import receive_webhook
    from worker.outbound.digest import post_daily_digest
    from worker.queue.periodic import jobs_for

    with demo_runtime(f"sqlite:///{tmp_path / 'd.sqlite3'}") as demo:
        rt = demo.rt
        assert "digest" not in [job.name for job in jobs_for(rt)]
        delivery = next(d for d in demo.deliveries if d.key == "IT-101")
        inbox_id = receive_webhook(rt, delivery.desk, delivery.headers, delivery.body).inbox_id
        assert inbox_id is not None
        ingest(rt, inbox_id)
        runtime = rt.settings.runtime.model_copy(update={"digest_ticket": "jira-it:IT-101"})
        rt.settings = rt.settings.model_copy(update={"runtime": runtime})

        assert "digest" in [job.name for job in jobs_for(rt)]
        first, second = post_daily_digest(rt), post_daily_digest(rt)

        assert first is not None
        assert first == second
        with rt.db.session() as session:
            markers = session.scalars(
                select(OutboxRow.marker).where(OutboxRow.marker.contains("digest"))
            ).all()
        assert 1 == len(markers)
