"""
The web login and the pages' defences (issue 13.8), each tried as an attacker would.

Every test asserts what the attempt did not get: no session, no page, no data, no 500.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from structlog.testing import capture_logs

from intake.webhooks import sign_jira
from tests.browser.dashboard_seed import TOKEN_ENV, seeded_runtime
from tests.integration.playbooks.world import AGENT_TOKEN, DESK, World, world
from worker.db.records import RejectedDeliveryRow
from worker.db.tables import InboxItem
from worker.runtime import Runtime
from worker.web.app import create_app
from worker.web.auth import COOKIE
from worker.web.throttle import FAILURE_LIMIT


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    """The seeded dashboard on loopback HTTP (a viewer token)."""
    with seeded_runtime(f"sqlite:///{tmp_path / 'dash.sqlite3'}") as built:
        yield built


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    """A company reached at https://deskpilot.example.com (an agent token)."""
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _viewer() -> str:
    return os.environ[TOKEN_ENV]


def test_a_token_in_the_url_logs_nobody_in(rt: Runtime) -> None:
    """GET /login?token=… only shows the form: no cookie, the dashboard stays closed."""
    with TestClient(create_app(rt)) as client:
        answer = client.get("/login", params={"token": _viewer()}, follow_redirects=False)
        page = client.get("/dashboard")

    assert answer.status_code == 200
    assert COOKIE not in answer.cookies
    assert 'method="post"' in answer.text
    assert page.status_code == 401


def test_failed_logins_are_logged_then_throttled(rt: Runtime) -> None:
    """After FAILURE_LIMIT wrong tokens, even the right one gets 429 for a while."""
    with TestClient(create_app(rt)) as client, capture_logs() as logs:
        wrong = [client.post("/login", data={"token": f"guess-{i}"}) for i in range(FAILURE_LIMIT)]
        right = client.post("/login", data={"token": _viewer()}, follow_redirects=False)

    assert [a.status_code for a in wrong] == [401] * FAILURE_LIMIT
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
    failed = [e for e in logs if e["event"] == "auth.login_failed"]
    assert [e["failures"] for e in failed] == list(range(1, FAILURE_LIMIT + 1))
    assert not any("guess-" in json.dumps(e, default=str) for e in logs)


def test_session_cookie_is_secure_strict_and_http_only(w: World) -> None:
    with TestClient(create_app(w.rt), base_url="https://testserver") as client:
        answer = client.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)

    flags = answer.headers["set-cookie"].lower()
    assert answer.status_code == 303
    assert {"secure", "httponly", "samesite=strict"} <= {f.strip() for f in flags.split(";")}


def test_cookie_is_not_secure_only_on_plain_http_loopback(rt: Runtime) -> None:
    with TestClient(create_app(rt)) as client:
        answer = client.post("/login", data={"token": _viewer()}, follow_redirects=False)

    flags = {f.strip() for f in answer.headers["set-cookie"].lower().split(";")}
    assert rt.settings.web.host == "127.0.0.1"
    assert "secure" not in flags
    assert {"httponly", "samesite=strict"} <= flags


def test_logout_ends_the_session_even_for_a_copied_cookie(rt: Runtime) -> None:
    """A cookie copied before /logout no longer opens anything afterwards."""
    with TestClient(create_app(rt)) as client:
        client.post("/login", data={"token": _viewer()})
        copied = client.cookies[COOKIE]
        before = client.get("/dashboard").status_code
        out = client.post("/logout", follow_redirects=False)
        client.cookies.set(COOKIE, copied)
        after = client.get("/dashboard").status_code

    assert (before, out.status_code, out.headers["location"], after) == (200, 303, "/login", 401)


def test_pages_carry_the_security_headers(rt: Runtime) -> None:
    with TestClient(create_app(rt)) as client:
        client.post("/login", data={"token": _viewer()})
        page = client.get("/dashboard")
        export = client.get("/dashboard/export/at-risk.csv")
        script = client.get("/static/dashboard.js")

    csp = page.headers["content-security-policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in script_src
    assert "<script>" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == export.headers["cache-control"] == "no-store"
    assert script.status_code == 200
    assert "setInterval" in script.text


@pytest.mark.parametrize(
    ("web", "path", "status"),
    [
        ({}, "/docs", 404),
        ({}, "/openapi.json", 404),
        ({"docs": True}, "/openapi.json", 200),
        ({"metrics": "off"}, "/metrics", 404),
        ({"metrics": "viewer"}, "/metrics", 401),
        ({}, "/metrics", 200),
    ],
    ids=[
        "docs-off",
        "schema-off",
        "schema-on",
        "metrics-off",
        "metrics-need-a-viewer",
        "metrics-open",
    ],
)
def test_docs_and_metrics_can_be_closed(
    rt: Runtime, web: dict[str, object], path: str, status: int
) -> None:
    rt.settings = rt.settings.model_copy(update={"web": rt.settings.web.model_copy(update=web)})
    with TestClient(create_app(rt)) as client:
        assert client.get(path).status_code == status


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=9999-12-31",
        "to=9999-12-31",
        "from=2020-01-01&to=2026-11-25",
        "from=2026-11-31",
        "from=2026-11-20&to=2026-11-01",
        "range=10000d",
    ],
    ids=["everything", "far-future", "over-a-year", "no-such-day", "backwards", "unknown-preset"],
)
def test_bad_dashboard_ranges_are_a_400(rt: Runtime, query: str) -> None:
    """An unbounded or impossible period is refused at once (it used to cost minutes or a 500)."""
    with TestClient(create_app(rt)) as client:
        client.post("/login", data={"token": _viewer()})
        page = client.get(f"/dashboard?{query}")
        export = client.get(f"/dashboard/export/durations.csv?{query}")

    assert (page.status_code, export.status_code) == (400, 400)


def test_a_deeply_nested_webhook_is_refused_and_kept(w: World) -> None:
    """Valid signature, 10,000 nested arrays: a 400, kept with the refusals, nothing ingested."""
    body = json.dumps({"webhookEvent": "jira:issue_created", "issue": {}})[:-1]
    body += ', "x": ' + "[" * 10_000 + "]" * 10_000 + "}"
    raw = body.encode()
    headers = {"Content-Type": "application/json", **sign_jira(w.secret, raw)}
    with TestClient(create_app(w.rt)) as client:
        answer = client.post(f"/hooks/{DESK}", content=raw, headers=headers)
    with w.rt.db.session() as session:
        kept = session.scalars(select(RejectedDeliveryRow)).all()
        inbox = session.scalars(select(InboxItem)).all()

    assert answer.status_code == 400
    assert "nests deeper than" in answer.json()["detail"]
    assert [(k.status, k.body) for k in kept] == [(400, raw)]
    assert inbox == []


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/review", "/review"),
        ("//evil.example/x", "/dashboard"),
        ("/\\evil.example/x", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
    ],
    ids=["own-page", "scheme-relative", "backslash", "absolute"],
)
def test_login_redirects_only_to_own_pages(rt: Runtime, target: str, landing: str) -> None:
    with TestClient(create_app(rt)) as client:
        answer = client.post(
            "/login", data={"token": _viewer(), "next": target}, follow_redirects=False
        )

    assert (answer.status_code, answer.headers["location"]) == (303, landing)
