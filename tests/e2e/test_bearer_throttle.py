"""
Guessing tokens as ``Authorization: Bearer …`` is throttled like ``/login``.

``/login`` answered 429 after ``FAILURE_LIMIT`` wrong tokens from one address, but every page
also takes a bearer token, and there a wrong one was only a 401: unlimited guesses, unlogged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from tests.browser.dashboard_seed import TOKEN_ENV, seeded_runtime
from worker.runtime import Runtime
from worker.web.app import create_app
from worker.web.throttle import FAILURE_LIMIT


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    with seeded_runtime(f"sqlite:///{tmp_path / 'dash.sqlite3'}") as built:
        yield built


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("page", ["/dashboard", "/review", "/access-reviews"])
def test_wrong_bearer_tokens_are_counted_then_throttled(rt: Runtime, page: str) -> None:
    """After FAILURE_LIMIT wrong tokens, even the right one is not looked at (429), nor a login."""
    right = os.environ[TOKEN_ENV]
    with TestClient(create_app(rt)) as client, capture_logs() as logs:
        wrong = [
            client.get(page, headers=_bearer(f"guess-{i:02d}-" + "x" * 30))
            for i in range(FAILURE_LIMIT)
        ]
        then = client.get("/dashboard", headers=_bearer(right))
        login = client.post("/login", data={"token": right}, follow_redirects=False)

    assert [a.status_code for a in wrong] == [401] * FAILURE_LIMIT
    assert (then.status_code, login.status_code) == (429, 429)
    assert int(then.headers["Retry-After"]) > 0
    failed = [e for e in logs if e["event"] == "auth.bearer_failed"]
    assert [e["failures"] for e in failed] == list(range(1, FAILURE_LIMIT + 1))
    assert not any("guess-" in json.dumps(e, default=str) for e in logs)


def test_the_right_bearer_token_under_the_limit_opens_the_page(rt: Runtime) -> None:
    """The control: a script with its token, after a few typos, is let in (a right token is
    never counted; it does not clear the typos either, or one valid token would reset guesses)."""
    right = os.environ[TOKEN_ENV]
    with TestClient(create_app(rt)) as client:
        typos = [
            client.get("/dashboard", headers=_bearer("typo" + "x" * 30))
            for _ in range(FAILURE_LIMIT - 1)
        ]
        pages = [client.get("/dashboard", headers=_bearer(right)) for _ in range(FAILURE_LIMIT)]

    assert [a.status_code for a in typos] == [401] * (FAILURE_LIMIT - 1)
    assert [p.status_code for p in pages] == [200] * FAILURE_LIMIT
