"""
The sign-in throttle is shared by every web worker (issue 13.8): guesses spread over two app
instances (two processes' worth of state) count once, in Redis when deskpilot has one, else in
the database; an unreachable store refuses logins rather than let guesses through unbounded.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request

from connectors.identity.memory import MemoryDirectory
from tests.integration.playbooks.world import AGENT_TOKEN, settings_for
from worker.boot import build_runtime
from worker.config import SecretRef
from worker.db.records import LoginFailureRow
from worker.runtime import Runtime
from worker.web.app import create_app
from worker.web.auth import COOKIE
from worker.web.review import csrf_token
from worker.web.throttle import (
    FAILURE_LIMIT,
    DatabaseLoginThrottle,
    LoginThrottle,
    RedisLoginThrottle,
)

SECRET_ENV = "DESKPILOT_TEST_SHARED_SECRET_KEY"
os.environ[SECRET_ENV] = secrets.token_urlsafe(32)


@contextmanager
def _runtimes(database_url: str, broker_url: str, count: int) -> Iterator[list[Runtime]]:
    """``count`` runtimes (each its own app, as web workers are) on one database and broker."""
    with ExitStack() as stack:
        built = []
        for _ in range(count):
            settings = settings_for(database_url)
            web = settings.web.model_copy(update={"secret_key": SecretRef(env=SECRET_ENV)})
            broker = settings.broker.model_copy(update={"url": broker_url})
            settings = settings.model_copy(update={"broker": broker, "web": web})
            rt = build_runtime(settings, desks={}, directories={"corp": MemoryDirectory("corp")})
            stack.callback(rt.db.dispose)
            stack.callback(rt.broker.close)
            built.append(rt)
        yield built


@pytest.fixture(params=["database", "redis"])
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Runtime]]:
    """Two web workers sharing the database (SQLite file) and, for "redis", real Redis."""
    database_url = f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"
    broker_url = "stub"
    if request.param == "redis":
        broker_url = request.getfixturevalue("redis_url")
    with _runtimes(database_url, broker_url, 2) as built:
        yield built


def test_guesses_spread_over_two_workers_count_once(two_workers: list[Runtime]) -> None:
    """Failures alternate between the workers; after FAILURE_LIMIT both answer 429."""
    first, second = two_workers
    with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
        clients = [a, b]
        wrong = [
            clients[i % 2].post("/login", data={"token": f"guess-{i}"})
            for i in range(FAILURE_LIMIT)
        ]
        right_a = a.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)
        right_b = b.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)

    assert [r.status_code for r in wrong] == [401] * FAILURE_LIMIT
    assert (right_a.status_code, right_b.status_code) == (429, 429)
    assert int(right_b.headers["Retry-After"]) > 0


def test_a_session_works_on_every_worker_and_a_logout_ends_it_on_all(
    two_workers: list[Runtime],
) -> None:
    """Log in on one worker, use the page on the other; log out there: the copied cookie is
    refused everywhere (one cookie key from web.secret_key, revoked sessions in the shared store)."""
    first, second = two_workers
    with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
        login = a.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)
        cookie = {"Cookie": f"{COOKIE}={login.cookies[COOKIE]}"}
        before = [c.get("/review", headers=cookie).status_code for c in (a, b)]
        b.post("/logout", headers=cookie)
        after = [c.get("/review", headers=cookie).status_code for c in (a, b)]

    assert login.status_code == 303
    assert before == [200, 200]
    assert after == [401, 401]


def test_a_good_login_on_one_worker_clears_the_count_for_all(two_workers: list[Runtime]) -> None:
    first, second = two_workers
    with TestClient(create_app(first)) as a, TestClient(create_app(second)) as b:
        before = [a.post("/login", data={"token": f"g{i}"}) for i in range(FAILURE_LIMIT - 1)]
        good = b.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)
        after = [a.post("/login", data={"token": f"h{i}"}) for i in range(FAILURE_LIMIT - 1)]

    assert [r.status_code for r in before + after] == [401] * (2 * FAILURE_LIMIT - 2)
    assert good.status_code == 303


@pytest.mark.parametrize(
    ("failures", "now", "expected"),
    [
        (FAILURE_LIMIT - 1, 1000.0, None),
        (FAILURE_LIMIT, 1000.0, 300),
        (FAILURE_LIMIT, 1299.5, 1),
        (FAILURE_LIMIT, 1300.0, None),
    ],
    ids=["under-the-limit", "at-the-limit", "half-a-second-left", "window-passed"],
)
def test_the_window_slides_in_both_stores(
    failures: int, now: float, expected: int | None, tmp_path: Path, redis_url: str
) -> None:
    """Failures at t=1000; the answer at ``now`` is the same from Redis and from the database."""
    import redis

    with ExitStack() as stack:
        (rt,) = stack.enter_context(_session(tmp_path))
        client = redis.Redis.from_url(redis_url)
        stack.callback(client.close)
        stores: list[LoginThrottle] = [DatabaseLoginThrottle(rt.db), RedisLoginThrottle(client)]
        for store in stores:
            for _ in range(failures):
                store.failed("198.51.100.7", 1000.0)
        answers = [store.retry_after("198.51.100.7", now) for store in stores]
        others = [store.retry_after("198.51.100.8", now) for store in stores]

    assert answers == [expected, expected]
    assert others == [None, None]


def test_old_failures_are_deleted_from_the_database(tmp_path: Path) -> None:
    """The table holds one window: a failure deletes every address's expired rows."""
    with _session(tmp_path) as (rt,):
        store = DatabaseLoginThrottle(rt.db)
        store.failed("198.51.100.7", 1000.0)
        store.failed("198.51.100.8", 1000.0 + store.window_s + 1)
        with rt.db.session() as session:
            left = session.scalars(select(LoginFailureRow.client)).all()

    assert left == ["198.51.100.8"]


def test_an_unreachable_redis_refuses_logins(tmp_path: Path) -> None:
    """No store, no count: the right token gets 503, not a session and not unlimited guesses."""
    with (
        _session(tmp_path, broker_url="redis://127.0.0.1:9/0") as (rt,),
        TestClient(create_app(rt)) as client,
    ):
        answer = client.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)

    assert answer.status_code == 503
    assert "set-cookie" not in answer.headers


def _session(tmp_path: Path, broker_url: str = "stub") -> AbstractContextManager[list[Runtime]]:
    return _runtimes(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", broker_url, 1)


def test_a_review_form_from_one_worker_is_accepted_by_the_other(
    two_workers: list[Runtime],
) -> None:
    """The review pages' CSRF key comes from web.secret_key too: a form rendered by one worker
    passes the other's check (an unknown action then answers 404), a forged token does not."""
    first, second = two_workers
    app_a, app_b = create_app(first), create_app(second)
    with TestClient(app_a) as a, TestClient(app_b) as b:
        login = a.post("/login", data={"token": AGENT_TOKEN}, follow_redirects=False)
        cookie = f"{COOKIE}={login.cookies[COOKIE]}"
        scope = {"type": "http", "headers": [(b"cookie", cookie.encode())], "app": app_a}
        rendered = csrf_token(Request(scope))
        answers = [
            b.post(
                "/review/tickets/999/no-such-action",
                data={"csrf": token},
                headers={"Cookie": cookie},
            ).status_code
            for token in (rendered, "0" * len(rendered))
        ]

    assert answers == [404, 403]
